"""AL-ENC-016 with identity policies scoped by key alias (``kms:ResourceAliases``).

KMS sets the key to the aliases of the key the request uses; a live inventory lists them all,
a template only its own (more may be made outside it), but never one it gives another key of
the same account and Region.
"""

from __future__ import annotations

from typing import Any

from control_fixtures import ACCOUNT, ROOT, U, doc, inv, live, verdict

from airlock.controls.model import Status
from airlock.inventory.encryption import KmsAlias, KmsKey
from airlock.inventory.identity import Role
from airlock.inventory.model import Inventory, NamedPolicy, Resource

KEY_ARN = f"arn:aws:kms:eu-central-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_ARN = f"arn:aws:kms:eu-central-1:{ACCOUNT}:key/0000abcd-12ab-34cd-56ef-1234567890ab"
ROOT_ALL = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}
HOST_ARN = f"arn:aws:iam::{ACCOUNT}:role/host"
# a template cannot rule out principals it does not list: only the host role gets past
ONLY_HOST = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "kms:*",
    "Resource": "*",
    "Condition": {"ArnNotEquals": {"aws:PrincipalArn": HOST_ARN}},
}
KEYS = (
    KmsKey(id="Key", native_type="AWS::KMS::Key", arn=KEY_ARN, policy=doc(ROOT_ALL, ONLY_HOST)),
    KmsKey(id="OtherKey", native_type="AWS::KMS::Key", arn=OTHER_ARN, policy=doc(ROOT_ALL)),
)


def alias(name: Any, target: str = "Key") -> KmsAlias:
    return KmsAlias(
        id=f"{target}Alias{len(str(name))}",
        native_type="AWS::KMS::Alias",
        name=name,
        target_key=target,
    )


def host(*operators: str, names: tuple[str, ...]) -> Role:
    """A role that decrypts any key of the account whose aliases meet the conditions."""
    statement = {
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": f"arn:aws:kms:eu-central-1:{ACCOUNT}:key/*",
        "Condition": {op: {"kms:ResourceAliases": list(names)} for op in operators},
    }
    return Role(
        id="HostRole",
        native_type="AWS::IAM::Role",
        arn=HOST_ARN,
        inline_policies=(NamedPolicy("host", doc(statement)),),
    )


def scan(source: Any, *resources: Resource) -> Inventory:
    return source(*KEYS, alias("alias/app"), alias("alias/pii", "OtherKey"), *resources)


def test_the_key_own_alias_lets_the_role_decrypt_and_names_the_key() -> None:
    for source in (live, inv):
        found = verdict(
            "AL-ENC-016",
            scan(source, host("ForAnyValue:StringEquals", names=("alias/app",))),
            "Key",
        )
        assert found.status is Status.PASS, found.reason
        decryptor = found.evidence["decryptors"][0]
        assert decryptor["principal"] == HOST_ARN
        # the fresh key of the delegation test cannot have alias/app (it is this key's)
        assert decryptor["expected"] == "its own policy names this key"


def test_an_alias_the_role_may_use_on_any_key_is_unexpected() -> None:
    found = verdict(
        "AL-ENC-016", scan(live, host("ForAnyValue:StringLike", names=("alias/*",))), "Key"
    )
    assert found.status is Status.FAIL
    # a principal of the inventory is named by its logical id (its ARN may hold a token)
    assert found.reason.startswith("Role HostRole can decrypt with key Key although")
    counterexample = found.evidence["proof"]["counterexample"]
    assert counterexample["kms:ResourceAliases"] == ["alias/app"]


def test_another_key_alias_never_opens_this_key() -> None:
    # alias/pii names OtherKey: an alias name is unique in its account and Region and names
    # one key, so Key cannot have it -- in a template as in a live scan
    for source in (live, inv):
        found = verdict(
            "AL-ENC-016",
            scan(source, host("ForAnyValue:StringEquals", names=("alias/pii",))),
            "Key",
        )
        assert found.status is Status.PASS, found.reason
        assert found.evidence["decryptors"] == []


def test_an_alias_outside_the_inventory() -> None:
    role = host("ForAnyValue:StringEquals", names=("alias/elsewhere",))
    # a live scan lists every alias: the key has none such
    found = verdict("AL-ENC-016", scan(live, role), "Key")
    assert found.status is Status.PASS, found.reason
    assert found.evidence["decryptors"] == []
    # a template does not show aliases made outside it
    found = verdict("AL-ENC-016", scan(inv, role), "Key")
    assert found.status is Status.UNKNOWN
    assert (
        "role HostRole: cannot decide: denied with the aliases of key Key the inventory shows (alias/app) but allowed if the key also has alias alias/elsewhere"
        in found.reason
    )
    assert "the inventory does not list aliases made outside it" in found.reason


def test_an_unresolved_alias_of_the_key_is_unknown_even_live() -> None:
    role = host("ForAnyValue:StringEquals", names=("alias/elsewhere",))
    found = verdict("AL-ENC-016", scan(live, alias(U), role), "Key")
    assert found.status is Status.UNKNOWN
    assert "has an unresolved name" in found.reason
    # the unresolved alias cannot be alias/pii, which names another key
    role = host("ForAnyValue:StringEquals", names=("alias/pii",))
    assert verdict("AL-ENC-016", scan(live, alias(U), role), "Key").status is Status.PASS


def test_every_alias_must_match_for_all_values() -> None:
    # AWS's pattern: every alias matches, and there is one (ForAllValues alone allows a key
    # without aliases: the fresh key of the delegation test, so the role is unexpected)
    alone = host("ForAllValues:StringEquals", names=("alias/app",))
    assert verdict("AL-ENC-016", scan(live, alone), "Key").status is Status.FAIL
    role = host("ForAllValues:StringEquals", "ForAnyValue:StringEquals", names=("alias/app",))
    assert verdict("AL-ENC-016", scan(live, role), "Key").status is Status.PASS
    # a second alias outside the pattern closes the role's path
    found = verdict("AL-ENC-016", scan(live, role, alias("alias/legacy")), "Key")
    assert found.status is Status.PASS
    assert found.evidence["decryptors"] == []
    # in a template, an alias made elsewhere might close it too: whether it decrypts is open
    found = verdict("AL-ENC-016", scan(inv, role), "Key")
    assert found.status is Status.UNKNOWN
    assert (
        "allowed with the aliases of key Key the inventory shows (alias/app) but denied"
        in found.reason
    )
