"""Who can decrypt with a customer key -- evaluated through the key policy, IAM and grants.

:func:`decrypt_access` asks the policy evaluator, for ``kms:Decrypt`` on the key (key policy,
grants, identity policies, boundaries, SCPs and RCPs):

* every role and user of the inventory (the key policy may name them, delegate to their
  account's IAM policies through the root principal, or a grant may name them), and the root
  user of the key's account;
* a principal of the workload account that the inventory does not list (any ARN but the
  listed and named ones, full identity permissions) -- unless the inventory is a complete scan
  of IAM. If it can decrypt, the key delegates to IAM principals Airlock cannot see: UNKNOWN;
* principals the key policy or a grant names that are not in the inventory: ARNs (named, so
  expected), service principals (expected only with a condition), other accounts (their own
  IAM decides: UNKNOWN), ``*`` (:func:`~airlock.analysis.policy.open_principals`: open unless
  a condition pins the caller).

Two request-context keys are fixed for every question:

* ``kms:GrantIsForAWSResource`` is absent: KMS sets it only on CreateGrant, ListGrants and
  RevokeGrant, so a statement that requires it never allows Decrypt.
* ``kms:ViaService`` is none of the services that a key-policy statement for ``Principal *``
  pinned to the key's own account (``kms:CallerAccount``) lets the whole account decrypt
  through. Such a statement is the account's delegation to those services: a decrypt through
  it happens only when a caller uses a resource of the service encrypted under the key, so
  who can read depends on that service's access control, which the key policy does not show
  (UNKNOWN, like a delegation to IAM). The questions then cover every other path.

``kms:ResourceAliases`` is set by KMS to the aliases of the key the request uses; the caller
does not choose it. When a policy of the question reads it (:func:`key_aliases`):

* a live inventory that lists every alias fixes it to the key's aliases;
* a template or plan shows only its own aliases (an unresolved alias name hides one too): the
  key has these and perhaps others -- but never an alias the inventory gives another key of its
  account and Region (an alias name is unique there and names one key). The question is asked
  with the aliases shown, then with each class of extra aliases a condition tells apart; when
  the verdicts differ the answer is UNKNOWN;
* the fresh "other key" of the delegation test (:meth:`_Study._expected`) has any aliases but
  those the inventory gives its keys.

A principal can also decrypt through a grant it creates for itself: ``kms:CreateGrant`` (in
``kms:Create*`` too, as in CDK v1's default key-admin statement) with a request that gives
itself Decrypt -- ``kms:GrantOperations`` with Decrypt, ``kms:GranteePrincipal`` its own ARN,
``kms:GrantIsForAWSResource`` absent or false. The decrypt is then asked again with that
grant, so an explicit Deny of the key policy (an attestation guard) still stops it. A key
policy that limits CreateGrant to grants for AWS resources, to other operations or to other
grantees closes this path.

A principal that can decrypt is *expected* when the key policy or a grant names it (for
CreateGrant when it decrypts through its own grant), when it is the role of a resource that
uses the key (a function, agent, knowledge base...), or when its own grant names this key
(it cannot decrypt a fresh key of the same account through the same delegation). Anyone
else who can decrypt fails the control, with the deciding statements and the counterexample
request. A principal that may decrypt (UNKNOWN, say its identity policy is known only after
apply) leaves the answer incomplete -- unless the key policy or a grant names it by ARN: it is
expected whether or not it can.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from msgspec import Struct, field
from msgspec.structs import replace

from airlock.analysis.policy import (
    ABSENT,
    Absent,
    Answer,
    ContextInput,
    Excluding,
    Grant,
    OpenPrincipal,
    PolicyDocument,
    PolicyKind,
    Statement,
    Verdict,
    open_principals,
)
from airlock.analysis.policy.candidates import key_candidates
from airlock.analysis.policy.condition import ConditionClause
from airlock.analysis.policy.truth import Truth
from airlock.controls.authorization import Authorization, Subject, authorization, resource_arn
from airlock.controls.coverage import absence_is_proof
from airlock.controls.deploy_tokens import for_evaluator, shown
from airlock.controls.judgement import Judgement, no, undecided, yes
from airlock.controls.keys import KeyKind, resolve_key
from airlock.controls.model import ScanContext
from airlock.controls.purposes import key_usage
from airlock.inventory.encryption import KmsAlias, KmsGrant, KmsKey, KmsReplicaKey
from airlock.inventory.identity import Role
from airlock.inventory.model import Inventory, Resource, Unresolved

DECRYPT = "kms:Decrypt"
CREATE_GRANT = "kms:CreateGrant"
Key = KmsKey | KmsReplicaKey
#: every operation a grant can allow
GRANT_OPERATIONS = (
    "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom",
    "ReEncryptTo", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "Sign", "Verify",
    "GetPublicKey", "GenerateMac", "VerifyMac", "DeriveSharedSecret", "CreateGrant",
    "RetireGrant", "DescribeKey",
)  # fmt: skip
#: the operation lists a caller may give itself in one grant: Decrypt alone (what
#: ForAllValues conditions accept most easily) and every operation (ForAnyValue conditions)
SELF_GRANT_OPERATIONS = (("Decrypt",), GRANT_OPERATIONS)
_GRANT_KEYS = ("kms:grantisforawsresource", "kms:grantoperations", "kms:granteeserviceprincipal")
THROUGH_GRANT = "a grant it can create"
_ROLE_FIELDS = ("role", "task_role", "execution_role", "cloudwatch_role", "node_role")
RESOURCE_ALIASES = "kms:ResourceAliases"
_ALIASES_KEY = RESOURCE_ALIASES.lower()


class Decryptor(Struct, frozen=True):
    """A principal that can (ALLOW) or may (UNKNOWN) decrypt."""

    principal: str
    status: Verdict
    expected: str | None  # why it is expected; None: it is not
    proof: dict[str, Any] = field(default_factory=dict)
    #: allowed through the key policy's delegation to IAM (not named by it or a grant)
    through_iam: bool = False
    #: it decrypts through a grant it creates for itself (kms:CreateGrant)
    through_grant: bool = False
    #: how a sentence names it: "role AppRole" for a principal of the inventory (its ARN may
    #: hold a deploy-time token), else its ARN
    label: str = ""

    @property
    def named_as(self) -> str:
        return self.label or f"principal {self.principal}"

    def shown(self) -> dict[str, Any]:
        return {
            "principal": self.principal,
            "status": self.status.value,
            "expected": self.expected or "no",
            # only when so: an extra key on every decryptor would change every report
            **({"through": THROUGH_GRANT} if self.through_grant else {}),
            **({"deciding": self.proof.get("deciding", [])} if self.proof else {}),
        }


class DecryptAccess(Struct, frozen=True):
    #: principals that can decrypt and are expected to (named, grantees, key users)
    named: tuple[str, ...] = ()
    #: scopes whose own IAM policies decide ("account 123456789012")
    delegated: tuple[str, ...] = ()
    #: key-policy statements that let anyone in any account in (as written)
    open: tuple[Any, ...] = ()
    grantees: tuple[str, ...] = ()
    #: reasons the answer is incomplete
    unknown: tuple[str, ...] = ()
    #: inventory principals allowed through the key policy's delegation to IAM
    through_iam: tuple[str, ...] = ()
    #: principals that can decrypt but are not expected to
    unexpected: tuple[Decryptor, ...] = ()
    decryptors: tuple[Decryptor, ...] = ()
    #: services every principal of the key's account may decrypt through
    #: (``Principal *`` with ``kms:CallerAccount`` and ``kms:ViaService``)
    via_services: tuple[str, ...] = ()

    def shown(self) -> dict[str, object]:
        return {
            "named": list(self.named),
            "delegated": list(self.delegated),
            # only when there are some: an empty list would change every report
            **({"via_services": list(self.via_services)} if self.via_services else {}),
            "grantees": list(self.grantees),
            "open_statements": list(self.open),
            "through_iam": list(self.through_iam),
            "unexpected": [d.shown() for d in self.unexpected],
            "decryptors": [d.shown() for d in self.decryptors[:20]],
        }


def decrypt_access(ctx: ScanContext, key: Key) -> DecryptAccess:
    """Who can decrypt with ``key`` (see the module docstring)."""
    return ctx.analysis(f"decrypt-access:{key.id}", lambda: _Study(ctx, key).run())


def key_policy(auth: Authorization, key: Key) -> PolicyDocument:
    """The key policy for the evaluator; the default policy (root: ``kms:*``) when unset."""
    if key.policy is None:
        account = _account(auth, key)
        default = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{shown(account)}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
        return auth.book.synthetic(
            default, PolicyKind.KEY_POLICY, f"default key policy of {shown(account)}"
        )
    return auth.book.attached(key.policy, PolicyKind.KEY_POLICY, "key policy")


def open_statements(
    auth: Authorization, key: Key, action: str | None = None
) -> tuple[OpenPrincipal, ...]:
    """Key-policy statements open to ``*`` or to an account outside the key's (for
    ``action`` when given)."""
    doc = key_policy(auth, key)
    found = list(open_principals(doc, trusted_accounts=(_account(auth, key),)))
    # ``open_principals`` passes over statements whose Principal it cannot read; here they
    # may be open (fail closed)
    for stmt in doc.statements:
        if stmt.inert or (stmt.effect is not None and stmt.effect.value != "Allow"):
            continue
        if stmt.principals is None:
            issue = (stmt.issues + stmt.condition_issues + ("cannot be read",))[0]
            why = auth.reason(
                Answer(Verdict.UNKNOWN, f"cannot decide: {stmt.ref}: {issue}", "*", "", "")
            )
            found.append(OpenPrincipal(stmt.ref, "*", Verdict.UNKNOWN, why))
    if action is None:
        return tuple(found)
    out = []
    for item in found:
        stmt = doc.statements[item.ref.index]
        if stmt.actions is None or stmt.actions.matches_static(action):
            out.append(item)
    return tuple(out)


def _account(auth: Authorization, key: Key) -> str:
    return for_evaluator(key.account) if isinstance(key.account, str) else auth.account


def _region(auth: Authorization, key: Key) -> str:
    return for_evaluator(key.region) if isinstance(key.region, str) else auth.region


class KeyAliases(Struct, frozen=True):
    """The aliases of a key as the inventory shows them (``kms:ResourceAliases``)."""

    names: tuple[str, ...] = ()
    #: why the key may have aliases beyond ``names``; None: the inventory lists them all
    more: str | None = None
    #: aliases the inventory gives other keys of the key's account and Region: never this
    #: key's (an alias name is unique in an account and Region, and names one key)
    taken: tuple[str, ...] = ()


def key_aliases(ctx: ScanContext, key: Key) -> KeyAliases:
    """The aliases of ``key`` (AWS::KMS::Alias, aws_kms_alias) and those of its neighbours."""
    inventory = ctx.inventory
    auth = authorization(ctx)
    home = (_account(auth, key), _region(auth, key))
    names: list[str] = []
    taken: list[str] = []
    more: list[str] = []
    for alias in inventory.of(KmsAlias):
        target = resolve_key(inventory, alias.target_key)
        if target.key is None:
            # an alias whose key cannot be read may be this key's (a literal key outside the
            # inventory is another key)
            if target.kind is KeyKind.UNRESOLVED:
                more.append(f"alias {alias.id} names an unresolved key")
            continue
        if target.key.id != key.id:
            if isinstance(alias.name, str) and home == (
                _account(auth, target.key),
                _region(auth, target.key),
            ):
                taken.append(for_evaluator(alias.name))
            continue
        if isinstance(alias.name, str):
            names.append(for_evaluator(alias.name))
        else:
            more.append(f"alias {alias.id} has an unresolved name ({alias.name.reason})")
    # a live scan lists every alias of its own account and Region
    listed = absence_is_proof(inventory, "kms", "AWS::KMS::Alias") and home == (
        auth.account,
        auth.region,
    )
    if not listed:
        more.append("the inventory does not list aliases made outside it")
    return KeyAliases(
        tuple(dict.fromkeys(names)), more[0] if more else None, tuple(dict.fromkeys(taken))
    )


def self_grant_context(grantee: str, operations: tuple[str, ...]) -> dict[str, ContextInput]:
    """The CreateGrant request by which ``grantee`` gives itself ``operations``."""
    return {
        "kms:GrantOperations": operations,
        "kms:GranteePrincipal": grantee,
        # true only when an AWS service (EBS, RDS...) creates the grant for its own resource
        "kms:GrantIsForAWSResource": Excluding.of(["true"]),
        "kms:GranteeServicePrincipal": ABSENT,
    }


def may_grant_decrypt(clauses: Iterable[ConditionClause]) -> bool:
    """Whether the conditions of a CreateGrant statement on the grant itself
    (``kms:GrantIsForAWSResource``, ``kms:GrantOperations``, ``kms:GranteeServicePrincipal``)
    let a caller create a grant for Decrypt to an IAM principal that is not for an AWS
    resource. The other conditions are left to the caller (or to the questions)."""
    on_grant = [c for c in clauses if c.key in _GRANT_KEYS]
    for operations in SELF_GRANT_OPERATIONS:
        for for_resource in ({}, {"kms:grantisforawsresource": "false"}):
            context = {"kms:grantoperations": operations, **for_resource}
            if all(c.evaluate(context) is not Truth.FALSE for c in on_grant):
                return True
    return False


def _grant_statements(doc: PolicyDocument) -> list[Statement]:
    """Allow statements of ``doc`` for CreateGrant that may let a caller grant Decrypt."""
    return [
        stmt
        for stmt in doc.statements_for(CREATE_GRANT)
        if (stmt.effect is None or stmt.effect.value == "Allow")
        and may_grant_decrypt(stmt.conditions)
    ]


class _Study:
    """The evaluation of one key."""

    def __init__(self, ctx: ScanContext, key: Key) -> None:
        self.ctx = ctx
        self.key = key
        self.auth = authorization(ctx)
        self.account = _account(self.auth, key)
        region = _region(self.auth, key)
        self.arn = resource_arn(key, "kms", "key", self.account, region)
        self.fresh = f"arn:aws:kms:{region}:{self.account}:key/airlock-other-key"
        self.policy = key_policy(self.auth, key)
        self.via_services = _account_services(self.policy, self.account)
        self.context: dict[str, ContextInput] = {"kms:GrantIsForAWSResource": ABSENT}
        if self.via_services:
            self.context["kms:ViaService"] = Excluding.of(self.via_services)
        self.unknown: list[str] = []
        self.grants, self.grantees = self._grants()
        self.users = _key_users(ctx, key)
        self.aliases = key_aliases(ctx, key)
        self._alias_clauses: dict[tuple[int, ...], tuple[ConditionClause, ...]] = {}

    def _grants(self) -> tuple[tuple[Grant, ...], list[str]]:
        found: list[Grant] = []
        grantees: list[str] = []
        for grant in self.ctx.inventory.of(KmsGrant):
            target = resolve_key(self.ctx.inventory, grant.key)
            if target.key is None or target.key.id != self.key.id:
                if isinstance(grant.key, Unresolved):
                    self.unknown.append(f"grant {grant.id} names an unresolved key")
                continue
            operations = [op for op in grant.operations if isinstance(op, str)]
            lost = len(operations) != len(grant.operations)
            if "Decrypt" not in operations and not lost:
                continue
            grantee = grant.grantee_principal
            if isinstance(grantee, Unresolved):
                self.unknown.append(
                    f"grant {grant.id} has an unresolved grantee ({grantee.reason})"
                )
                continue
            if lost:
                self.unknown.append(f"grant {grant.id} has unresolved operations")
            grantees.append(grantee)
            found.append(Grant(grant.id, for_evaluator(grantee), tuple(operations)))
        return tuple(found), grantees

    def ask(
        self,
        subject: Subject,
        resource: str,
        context: dict[str, Any] | None = None,
        *,
        action: str = DECRYPT,
        grants: tuple[Grant, ...] = (),
    ) -> Answer:
        request = {**self.context, **(context or {})}
        clauses = self.alias_clauses(subject, grants)
        if not clauses:
            return self._ask(subject, action, resource, request, grants)
        aliases = self.aliases
        if resource == self.fresh:
            others = Excluding.of((*aliases.names, *aliases.taken))
            return self._ask(
                subject, action, resource, {**request, RESOURCE_ALIASES: others}, grants
            )
        shown_aliases = {**request, RESOURCE_ALIASES: aliases.names or ABSENT}
        exact = self._ask(subject, action, resource, shown_aliases, grants)
        if aliases.more is None or exact.status is Verdict.UNKNOWN:
            return exact
        # the key may also have aliases the inventory does not show: one question per class
        # of extra aliases the conditions tell apart (a condition on the key's aliases is true
        # of the whole list when true of the shown ones or of the extras, for ForAnyValue;
        # when true of both, for ForAllValues)
        extras = key_candidates(
            _ALIASES_KEY, clauses, {}, Excluding.of((*aliases.names, *aliases.taken))
        )
        for candidate in extras.values:
            extra = () if isinstance(candidate, Absent) else _as_list(candidate)
            if not extra:
                continue
            with_extra = {**request, RESOURCE_ALIASES: (*aliases.names, *extra)}
            other = self._ask(subject, action, resource, with_extra, grants)
            if other.status is not exact.status:
                return self._alias_dependent(exact, other, extra)
        if not extras.complete:
            why = f"cannot decide: the aliases key {self.key.id} may have beyond those shown were approximated ({aliases.more})"
            return replace(exact, status=Verdict.UNKNOWN, reason=why, counterexample=None)
        return exact

    def _ask(
        self,
        subject: Subject,
        action: str,
        resource: str,
        context: dict[str, Any],
        grants: tuple[Grant, ...],
    ) -> Answer:
        return self.auth.ask(
            subject, action, resource, resource_policy=self.policy,
            grants=(*self.grants, *grants), resource_account=self.account, rcp_service=True,
            context=context,
        )  # fmt: skip

    def alias_clauses(
        self, subject: Subject, grants: tuple[Grant, ...] = ()
    ) -> tuple[ConditionClause, ...]:
        """The conditions on ``kms:ResourceAliases`` in every policy of the question (SCPs and
        RCPs whose targets are uncertain too)."""
        policies = self.auth.policy_set(
            subject, resource_policy=self.policy, grants=(*self.grants, *grants),
            resource_account=self.account, rcp_service=True, uncertain=True,
        )  # fmt: skip
        docs = policies.documents()
        cache_key = tuple(id(d) for d in docs)
        found = self._alias_clauses.get(cache_key)
        if found is None:
            found = self._alias_clauses[cache_key] = tuple(
                clause
                for doc in docs
                for stmt in doc.statements
                for clause in stmt.conditions
                if clause.key == _ALIASES_KEY or _ALIASES_KEY in clause.variable_keys
            )
        return found

    def _alias_dependent(self, exact: Answer, other: Answer, extra: tuple[str, ...]) -> Answer:
        """UNKNOWN: the verdict differs when the key has aliases the inventory does not show."""
        names = ", ".join(self.aliases.names) or "none"

        def verdict(answer: Answer) -> str:
            return "allowed" if answer.status is Verdict.ALLOW else "denied"

        why = (
            f"cannot decide: {verdict(exact)} with the aliases of key {self.key.id} the inventory "
            f"shows ({names}) but {verdict(other)} if the key also has alias {', '.join(extra)}, "
            f"and {self.aliases.more}"
        )
        allowing = other if other.status is Verdict.ALLOW else exact
        return replace(
            exact, status=Verdict.UNKNOWN, reason=why, deciding=allowing.deciding,
            counterexample=None,
        )  # fmt: skip

    def may_grant_itself(self, subject: Subject) -> bool:
        """Whether ``subject`` may be allowed CreateGrant at all (cheap pruning)."""
        return self.auth.named_by(self.policy, CREATE_GRANT, subject) or self.auth.might_allow(
            subject, CREATE_GRANT
        )

    def decrypt(
        self, subject: Subject, resource: str, context: dict[str, Any] | None = None
    ) -> tuple[Answer, Answer | None]:
        """Can ``subject`` decrypt with the key ``resource`` -- directly, or through a grant it
        creates for itself? The decrypt answer, and the CreateGrant answer when the grant is
        the path (ALLOW before UNKNOWN before DENY; the direct path first)."""
        direct = self.ask(subject, resource, context)
        if direct.status is Verdict.ALLOW or not self.may_grant_itself(subject):
            return direct, None
        through = self._self_grant(subject, resource, context)
        if through is None or (
            through[0].status is Verdict.UNKNOWN and direct.status is Verdict.UNKNOWN
        ):
            return direct, None
        return through

    def _self_grant(
        self, subject: Subject, resource: str, context: dict[str, Any] | None
    ) -> tuple[Answer, Answer] | None:
        """The decrypt through a grant ``subject`` creates for itself, with the CreateGrant
        answer; None when it cannot create one or the grant does not let it decrypt (an
        explicit Deny overrides grants). An UNKNOWN CreateGrant is the answer when the grant
        would let it decrypt."""
        arn = subject.principal.arn
        # the full operation list only matters when a policy reads kms:GrantOperations
        reads = self.auth.reads(subject, "kms:grantoperations") or any(
            c.key == "kms:grantoperations" for st in self.policy.statements for c in st.conditions
        )
        found: tuple[Answer, Answer] | None = None
        for operations in SELF_GRANT_OPERATIONS[: 2 if reads else 1]:
            request = {**(context or {}), **self_grant_context(arn, operations)}
            create = self.ask(subject, resource, request, action=CREATE_GRANT)
            if create.status is Verdict.DENY:
                continue
            grant = Grant(f"{shown(arn)} grants itself Decrypt", arn, ("Decrypt",))
            answer = self.ask(subject, resource, context, grants=(grant,))
            if answer.status is Verdict.ALLOW and create.status is Verdict.ALLOW:
                return answer, create
            if answer.status is not Verdict.DENY and found is None:
                found = (create if answer.status is Verdict.ALLOW else answer, create)
        return found

    def run(self) -> DecryptAccess:
        named: list[str] = []
        delegated: list[str] = []
        through_iam: list[str] = []
        decryptors: list[Decryptor] = []
        opened = list(open_statements(self.auth, self.key, DECRYPT))
        # anyone a CreateGrant statement lets in may grant itself Decrypt
        granting = {stmt.ref for stmt in _grant_statements(self.policy)}
        seen = {item.ref for item in opened}
        opened += [
            item
            for item in open_statements(self.auth, self.key, CREATE_GRANT)
            if item.ref in granting and item.ref not in seen
        ]
        open_shown = []
        for item in opened:
            written = self.auth.book.written(item.ref).get("statement")
            if item.status is Verdict.UNKNOWN:
                self.unknown.append(shown(item.reason))
            elif item.principal != "*":
                account = _root_account(item.principal) or item.principal
                delegated.append(f"account {shown(account)}")
            else:
                open_shown.append(written)
        grantee_arns = {for_evaluator(g) for g in self.grantees}
        listed = self.auth.subjects()
        # only these can decrypt: named by the key policy or a grant, or granted by IAM
        by_arn = {s.principal.arn: s for s in listed}
        maybe = [
            *self.auth.granting(DECRYPT),
            *self.auth.named(self.policy, DECRYPT),
            *(by_arn[a] for a in grantee_arns if a in by_arn),
            # they may grant themselves Decrypt
            *self.auth.granting(CREATE_GRANT),
            *self.auth.named(self.policy, CREATE_GRANT),
        ]
        candidates = list({id(s): s for s in maybe}.values())
        for subject in [self.auth.root(self.account), *candidates]:
            decryptor = self._judge(subject, grantee_arns)
            if decryptor is None:
                continue
            decryptors.append(decryptor)
            if decryptor.status is Verdict.UNKNOWN:
                if decryptor.expected is not None:
                    continue  # expected whether or not it can decrypt (see _judge)
                how = f" (through {THROUGH_GRANT})" if decryptor.through_grant else ""
                self.unknown.append(
                    f"{decryptor.label or decryptor.principal}: {decryptor.proof.get('reason', '')}{how}"
                )
            else:
                if decryptor.expected is not None:
                    named.append(decryptor.principal)
                if decryptor.through_iam:
                    through_iam.append(decryptor.principal)
        named += self._named_outside(listed, delegated, decryptors)
        self._unlisted(delegated)
        unexpected = tuple(
            d for d in decryptors if d.status is Verdict.ALLOW and d.expected is None
        )
        return DecryptAccess(
            named=tuple(dict.fromkeys(named)),
            delegated=tuple(dict.fromkeys(delegated)),
            open=tuple(open_shown),
            grantees=tuple(self.grantees),
            unknown=tuple(dict.fromkeys(self.unknown)),
            through_iam=tuple(dict.fromkeys(through_iam)),
            unexpected=unexpected,
            decryptors=tuple(decryptors),
            via_services=tuple(shown(s) for s in self.via_services),
        )

    def _judge(self, subject: Subject, grantee_arns: set[str]) -> Decryptor | None:
        auth = self.auth
        named = (
            auth.named_by(self.policy, DECRYPT, subject) or subject.principal.arn in grantee_arns
        )
        pathless = not auth.might_allow(subject, DECRYPT) and not self.may_grant_itself(subject)
        if not named and pathless:
            return None
        answer, create = self.decrypt(subject, self.arn)
        if answer.status is Verdict.DENY:
            return None
        proof = auth.evidence(answer)
        through_grant = create is not None
        if create is not None:
            made = auth.evidence(create)
            deciding = made["deciding"] + [
                d for d in proof["deciding"] if d not in made["deciding"]
            ]
            proof = {**proof, "through": THROUGH_GRANT, "create_grant": made, "deciding": deciding}
        who = subject.key
        label = subject.label if subject.resource is not None else ""
        for_decrypt = (
            auth.names_explicitly(self.policy, DECRYPT, subject)
            or subject.principal.arn in grantee_arns
        )
        if answer.status is Verdict.UNKNOWN:
            # Whether it can decrypt is open, but a principal the key policy or a grant names
            # by ARN for Decrypt is expected either way: it decrypts or it does not, and what
            # is unknown about it (its identity policy) gives no one else a path. Not so for
            # the root user (naming it is the delegation to IAM), nor for a principal named
            # only for CreateGrant (an unreadable grant condition may let it grant others).
            expected = (
                self._expected(subject, True, False)
                if for_decrypt and subject.resource is not None
                else None
            )
            return Decryptor(
                who, answer.status, expected, proof, through_grant=through_grant, label=label
            )
        if create is not None:
            # the key policy names it for the grant it creates, not for Decrypt
            named = auth.named_by(self.policy, CREATE_GRANT, subject)
            explicit = auth.names_explicitly(self.policy, CREATE_GRANT, subject)
        else:
            explicit = for_decrypt
        expected = self._expected(subject, explicit, through_grant)
        listed = subject.resource is not None
        return Decryptor(
            who, answer.status, expected, proof, listed and not named, through_grant, label
        )

    def _expected(self, subject: Subject, explicit: bool, through_grant: bool) -> str | None:
        if subject.resource is None:
            return "the key policy names the account root" if explicit else None
        if explicit:
            if through_grant:
                return "the key policy names it for kms:CreateGrant"
            return "the key policy or a grant names it"
        if subject.resource.id in self.users:
            return f"it uses the key ({self.users[subject.resource.id]})"
        if self.decrypt(subject, self.fresh)[0].status is Verdict.DENY:
            return "its own policy names this key"
        return None

    def _named_outside(
        self, listed: list[Subject], delegated: list[str], decryptors: list[Decryptor]
    ) -> list[str]:
        """Principals the key policy names in an Allow for Decrypt (or for a CreateGrant that
        may grant Decrypt), outside the inventory."""
        known = {s.principal.arn for s in listed}
        out: list[str] = []
        # those a CreateGrant statement names may grant themselves Decrypt
        statements = [*self.policy.statements_for(DECRYPT), *_grant_statements(self.policy)]
        for stmt in {id(s): s for s in statements}.values():
            if stmt.effect is None or stmt.effect.value != "Allow" or stmt.principals is None:
                continue
            for entry in stmt.principals:
                value = entry.value
                if value == "*" or value in known:
                    continue
                if entry.type == "Service":
                    if stmt.conditions:
                        out.append(shown(value))
                    else:
                        why = {
                            "reason": f"{stmt.ref} names the service without a condition, so the service may decrypt for any account"
                        }
                        decryptors.append(Decryptor(f"Service {value}", Verdict.ALLOW, None, why))
                    continue
                account = _root_account(value)
                if account is None:
                    out.append(shown(value))
                elif account != self.account:
                    delegated.append(f"account {shown(account)}")
        # principals a Deny for everyone exempts by ARN ("everyone except these roles")
        for arn in sorted(self._exempted() - known):
            unlisted = self.auth.unlisted()
            answer, _ = self.decrypt(unlisted, self.arn, {"aws:PrincipalArn": arn})
            if answer.status is not Verdict.DENY:
                out.append(shown(arn))
        return out

    def _exempted(self) -> set[str]:
        found: set[str] = set()
        for stmt in self.policy.statements:
            for clause in stmt.conditions:
                if clause.key == "aws:principalarn":
                    found.update(v for v in clause.values if "*" not in v and "?" not in v)
        return found

    def _unlisted(self, delegated: list[str]) -> None:
        """Can a principal of the key's account outside the inventory decrypt?"""
        foreign = self.account != self.auth.account
        # a live scan lists every principal of the workload account, not of the key's
        # other account (a key made through another provider or stack)
        if self.auth.complete and not foreign:
            return
        context = self.auth.unlisted_context(also_known=self._exempted())
        for subject in self.auth.unlisted_variants([self.policy]):
            if foreign:
                arn = subject.principal.arn.replace(f"::{self.auth.account}:", f"::{self.account}:")
                principal = replace(subject.principal, arn=arn, account=self.account)
                subject = replace(subject, principal=principal)
            answer, _ = self.decrypt(subject, self.arn, context)
            if answer.status is not Verdict.DENY:
                delegated.append(f"account {shown(self.account)}")
                return


def _account_services(policy: PolicyDocument, account: str) -> tuple[str, ...]:
    """The services that Allow statements for ``Principal *`` let every principal of
    ``account`` -- and only of it -- decrypt through: ``kms:CallerAccount`` is the account
    and ``kms:ViaService`` lists the services (exact values, so excluding them closes the
    statement; a pattern is left to the questions, which then judge it as written)."""
    found: list[str] = []
    for stmt in policy.statements_for(DECRYPT):
        if stmt.effect is None or stmt.effect.value != "Allow" or stmt.inert or stmt.issues:
            continue
        if stmt.not_principal or not any(p.value == "*" for p in stmt.principals or ()):
            continue
        if not _pins(stmt, "kms:calleraccount", lambda v: v == account):
            continue
        # the statement also requires a grant-only key: it never allows Decrypt
        if _pins(stmt, "kms:grantisforawsresource", lambda v: v.lower() == "true"):
            continue
        services = _exact(stmt, "kms:viaservice")
        if services:
            found += services
    return tuple(dict.fromkeys(found))


def _pins(stmt: Statement, key: str, accepted: Callable[[str], bool]) -> bool:
    """Whether a clause of ``stmt`` requires ``key`` to be one of values all ``accepted``."""
    return any(all(accepted(v) for v in values) for values in _required(stmt, key))


def _exact(stmt: Statement, key: str) -> tuple[str, ...]:
    """The values a clause of ``stmt`` requires ``key`` to equal exactly (none: no such clause)."""
    for values in _required(stmt, key):
        if not any("*" in v or "?" in v for v in values):
            return values
    return ()


def _required(stmt: Statement, key: str) -> list[tuple[str, ...]]:
    """Value lists of the clauses on ``key`` that are false without the key and true only for
    a listed value (StringEquals, StringLike, Bool -- not IfExists, negated or set operators)."""
    return [
        clause.values
        for clause in stmt.conditions
        if clause.key == key
        and clause.operator in ("StringEquals", "StringLike", "Bool")
        and clause.values
        and not clause.variables
        and clause.issue is None
    ]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _as_list(candidate: str | tuple[str, ...]) -> tuple[str, ...]:
    return (candidate,) if isinstance(candidate, str) else candidate


def _root_account(value: str) -> str | None:
    if value.isdigit() and len(value) == 12:
        return value
    parts = value.split(":")
    if len(parts) == 6 and parts[2] == "iam" and parts[5] == "root":
        return parts[4]
    return None


def _key_users(ctx: ScanContext, key: Key) -> dict[str, str]:
    """Role id -> what it does with the key, for roles of resources that use the key."""
    inventory = ctx.inventory
    out: dict[str, str] = {}
    for purpose, users in key_usage(ctx).purposes(key.id).items():
        for user_id in users:
            resource = inventory.get(user_id, Resource)
            for role in _roles_of(inventory, resource):
                out.setdefault(role.id, f"{purpose.value} of {user_id}")
    return out


def _roles_of(inventory: Inventory, resource: Resource | None) -> list[Role]:
    if resource is None:
        return []
    found: list[Role] = []
    for name in _ROLE_FIELDS:
        ref = getattr(resource, name, None)
        role = inventory.find(ref, Role) if isinstance(ref, str) else None
        if role is not None:
            found.append(role)
    base = getattr(resource, "knowledge_base", None)
    if isinstance(base, str) and base != resource.id:
        found += _roles_of(inventory, inventory.get(base, Resource))
    return found


def judge_decryption(ctx: ScanContext, key: Key) -> Judgement:
    """Can anyone outside the expected set decrypt with ``key``? (YES is bad)"""
    access = decrypt_access(ctx, key)
    evidence = access.shown()
    if access.open:
        return yes(f"Anyone in any account can decrypt with key {key.id}.", **evidence)
    if access.unexpected:
        first = access.unexpected[0]
        if first.principal.startswith("Service "):
            reason = f"{first.principal} can decrypt with key {key.id} for any account's use of the service: the key policy names it without a condition."
        elif first.through_grant:
            reason = f"{_capital(first.named_as)} can decrypt with key {key.id} through {THROUGH_GRANT} (kms:CreateGrant for itself with Decrypt), although the key policy does not name it and it uses no resource the key protects."
        else:
            reason = f"{_capital(first.named_as)} can decrypt with key {key.id} although neither the key policy nor a grant names it and it uses no resource the key protects."
        return yes(
            reason,
            proof=first.proof,
            **evidence,
        )
    if access.unknown:
        return undecided(
            f"Who can decrypt with key {key.id} cannot be fully read: {access.unknown[0]}.",
            **evidence,
        )
    if access.delegated:
        also = (
            f" and lets every principal of its account decrypt through {', '.join(access.via_services)} (kms:CallerAccount with kms:ViaService)"
            if access.via_services
            else ""
        )
        return undecided(
            f"Key {key.id} delegates decryption to IAM in {', '.join(access.delegated)}{also}, so principals this inventory does not list may decrypt through their identity policies (a template or plan does not show every principal of an account).",
            **evidence,
        )
    if access.via_services:
        return undecided(
            f"Key {key.id} lets every principal of its account decrypt through {', '.join(access.via_services)} (Principal * with kms:CallerAccount and kms:ViaService), so who can decrypt is whoever may use resources of these services encrypted under the key, which the key policy does not show.",
            **evidence,
        )
    # named principals whose own access cannot be read (see _Study._judge)
    maybe = [d.principal for d in access.decryptors if d.status is Verdict.UNKNOWN and d.expected]
    everyone = [*access.named, *access.grantees, *maybe]
    also = (
        f" ({len(maybe)} of them named by the key policy or a grant, although whether they can decrypt cannot be read)"
        if maybe
        else ""
    )
    return no(
        f"Decryption with key {key.id} is limited to {len(dict.fromkeys(everyone))} expected principal(s){also}.",
        **evidence,
    )
