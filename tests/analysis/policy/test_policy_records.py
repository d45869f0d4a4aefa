"""The evaluator's records are msgspec Structs: caches kept on an instance stay out of its
fields (equality, hash, repr, ``__init__``), and ``msgspec.structs.replace`` normalizes a copy
like the constructor does without carrying the original's caches."""

from __future__ import annotations

from types import MappingProxyType

import pytest
from msgspec.structs import replace

from airlock.analysis.policy import (
    PolicyDocument,
    PolicyKind,
    PolicySet,
    Principal,
    Verdict,
    can,
)
from airlock.analysis.policy.answer import Answer
from airlock.analysis.policy.policy_set import Grant, Identity
from airlock.analysis.policy.principal import principal_context
from airlock.analysis.policy.wildcard import Glob

ROLE = "arn:aws:iam::111122223333:role/r"
OBJECT = "arn:aws:s3:::b/k"


def _tagged_doc() -> PolicyDocument:
    statement = {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "ml"}},
    }
    return PolicyDocument.parse(
        {"Version": "2012-10-17", "Statement": [statement]}, PolicyKind.IDENTITY, "tagged"
    )


def test_glob_caches_are_not_fields() -> None:
    used = Glob.like("a*b")
    assert used.matches("axb")  # compiles and caches the regular expression
    fresh = Glob(used.tokens)
    assert Glob.__struct_fields__ == ("tokens", "case_insensitive")
    assert fresh == used and hash(fresh) == hash(used) and repr(fresh) == repr(used)
    assert Glob.exact("ab").matches("ab") and not Glob.exact("ab").matches("aB")


def test_document_caches_are_per_instance_and_out_of_the_repr() -> None:
    one, two = _tagged_doc(), _tagged_doc()
    one.statements_for("s3:GetObject")
    assert one._by_action and not two._by_action
    assert "_by_action" not in repr(one) and "_selections" not in repr(one)
    assert one != two  # documents compare by identity
    statement = one.statements[0]
    assert statement.fingerprint == statement.fingerprint
    assert "raw=" not in repr(statement) and repr(statement).startswith("Statement(ref=")


def test_principal_normalizes_and_replace_recomputes_its_context() -> None:
    principal = Principal.role(ROLE, {"team": "ml"})
    assert principal.account == "111122223333"
    assert isinstance(principal.tags, MappingProxyType)
    policies = PolicySet(identity=[_tagged_doc()])
    assert can(principal, "s3:GetObject", OBJECT, policies).status is Verdict.ALLOW
    other = replace(principal, tags={"team": "risk"})
    assert isinstance(other.tags, MappingProxyType)
    assert principal_context(other)[0]["aws:principaltag/team"] == "risk"
    assert can(other, "s3:GetObject", OBJECT, policies).status is Verdict.DENY
    assert principal == Principal.role(ROLE, {"team": "ml"})
    assert hash(principal) == hash(Principal.role(ROLE, {"team": "ml"}))
    assert "_context" not in repr(principal)


def test_policy_set_replace_normalizes_and_drops_the_fast_path_frames() -> None:
    doc = _tagged_doc()
    policies = PolicySet(identity=[doc], scps=[[doc]])
    assert policies.identity == (doc,) and policies.scps == ((doc,),)
    can(Principal.role(ROLE, {"team": "ml"}), "s3:GetObject", OBJECT, policies)
    assert "_frames" in policies.__dict__
    copy = replace(policies, identity=[])
    assert copy.identity == () and copy.scps == ((doc,),)
    assert "_frames" not in copy.__dict__
    assert copy == PolicySet(scps=((doc,),))


def test_grant_and_identity_normalize_sequences() -> None:
    grant = Grant("g", ROLE, ["Decrypt"], {"purpose": "x"})  # type: ignore[arg-type]
    assert grant.operations == ("Decrypt",)
    assert isinstance(grant.encryption_context, MappingProxyType)
    assert hash(grant) == hash(Grant("g", ROLE, ("Decrypt",)))
    identity = Identity(Principal.role(ROLE), [_tagged_doc()])  # type: ignore[arg-type]
    assert isinstance(identity.policies, tuple)


@pytest.mark.parametrize("counterexample", [{"aws:SourceVpce": "vpce-1"}, None])
def test_answer_counterexample_is_read_only_after_construction_and_replace(
    counterexample: dict[str, str] | None,
) -> None:
    answer = Answer.of(
        Verdict.ALLOW, "r", (ROLE, "s3:GetObject", OBJECT), (), counterexample, 1, ()
    )
    changed = replace(answer, reason="again")
    for shown in (answer.counterexample, changed.counterexample):
        assert shown is None if counterexample is None else isinstance(shown, MappingProxyType)
    assert changed != answer and replace(changed, reason="r") == answer
