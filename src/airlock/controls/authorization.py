"""Evaluator inputs built from the inventory: who each principal is and which policies apply.

For every IAM role, user and group of the inventory, :class:`Authorization` builds a
:class:`Subject`: an evaluator :class:`~airlock.analysis.policy.Principal` (ARN, account,
tags) with its identity policies -- inline, customer managed (referenced, or joined from the
ManagedPolicy resources that name it), AWS managed (from a table; unknown ones make answers
UNKNOWN), a user's groups' policies -- and its permissions boundary. Organization policies
apply to every principal of the account: SCPs as one level beside an assumed
``FullAWSAccess`` (only their Deny statements can then matter, which errs towards ALLOW), RCPs
as resource-side denies. An SCP or RCP whose targets do not show that it applies to this
account (an OU) is *uncertain*: an ALLOW that only such a policy could remove is UNKNOWN.

Two synthetic principals complete the picture of an account a template or plan shows only in
part: the account root user, and :meth:`Authorization.unlisted` -- a role of the workload
account that is not in the inventory, with full identity permissions and any ARN or tag (an
IaC scan cannot rule such principals out; a live scan of IAM can).

:meth:`Authorization.ask` runs one query; :meth:`Authorization.evidence` shows its answer
with the deciding statements as written and the counterexample request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from airlock.analysis.policy import (
    Answer,
    ContextInput,
    Endpoint,
    Excluding,
    Grant,
    PolicyDocument,
    PolicyKind,
    PolicySet,
    Principal,
    PrincipalKind,
    Verdict,
    can,
)
from airlock.controls.aws_managed import managed_name
from airlock.controls.coverage import absence_is_proof
from airlock.controls.deploy_tokens import (
    ACCOUNT_TOKEN,
    REGION_TOKEN,
    for_evaluator,
    shown,
    shown_value,
)
from airlock.controls.model import ScanContext
from airlock.controls.policy_documents import DocumentBook
from airlock.inventory.identity import Group, ManagedPolicy, OrganizationPolicy, Role, User
from airlock.inventory.model import Inventory, Resource, Unresolved, Val

PrincipalResource = Role | User | Group
FULL_ACCESS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
UNLISTED_NAME = "airlock-principal-not-in-inventory"
MAX_TAG_VARIANTS = 8


@dataclass(frozen=True)
class Subject:
    """A principal with its identity-side policies, ready for the evaluator."""

    principal: Principal
    identity: tuple[PolicyDocument, ...]
    boundary: PolicyDocument | None
    label: str  # "role WorkloadRole", "the account root user"...
    resource: PrincipalResource | None = None

    @property
    def arn(self) -> str:
        """The principal ARN as a finding shows it."""
        return shown(self.principal.arn)

    @property
    def key(self) -> str:
        """How other controls name this principal: its ARN when known, else its id."""
        if self.resource is not None:
            arn = self.resource.arn
            return arn if isinstance(arn, str) else self.resource.id
        return self.arn


@dataclass(frozen=True)
class Probe:
    """One request to ask about: an action on a resource (``*``/``?`` ask about *some*
    resource matching), with request-context keys fixed for the question."""

    action: str
    resource: str
    context: Mapping[str, ContextInput] | None = None


@dataclass(frozen=True)
class Search:
    """The answers to a list of probes, stopped at the first ALLOW."""

    allowed: Answer | None
    unknown: tuple[Answer, ...]
    denied: tuple[Answer, ...]

    @property
    def asked(self) -> bool:
        return bool(self.allowed or self.unknown or self.denied)


@dataclass(frozen=True)
class OrgPolicies:
    scps: tuple[PolicyDocument, ...]
    uncertain_scps: tuple[PolicyDocument, ...]
    rcps: tuple[PolicyDocument, ...]
    uncertain_rcps: tuple[PolicyDocument, ...]
    uncertain_names: tuple[str, ...]


def authorization(ctx: ScanContext) -> Authorization:
    """The evaluator inputs of this scan, built on first use."""
    return ctx.analysis("authorization", lambda: Authorization(ctx.inventory))


def _known(value: Val[str] | None) -> str | None:
    return value if isinstance(value, str) else None


class Authorization:
    """Evaluator inputs for one inventory (see the module docstring)."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.book = DocumentBook()
        source = inventory.source
        account = _known(source.account)
        region = _known(source.region)
        #: the workload account as the evaluator sees it (a stand-in when unknown)
        self.account = for_evaluator(account or ACCOUNT_TOKEN)
        self.region = for_evaluator(region or REGION_TOKEN)
        #: the inventory lists every IAM principal of the account (a live scan of IAM)
        self.complete = absence_is_proof(inventory, "iam")
        self._subjects: dict[str, Subject] = {}
        self._org = self._organization()

    # --- principals ----------------------------------------------------------------------

    def subjects(self) -> list[Subject]:
        """Every role and user of the inventory (groups are judged through their members)."""
        found: list[PrincipalResource] = [*self.inventory.of(Role), *self.inventory.of(User)]
        return [self.subject(r) for r in found]

    def subject(self, resource: PrincipalResource) -> Subject:
        found = self._subjects.get(resource.id)
        if found is None:
            found = self._subjects[resource.id] = self._build(resource)
        return found

    def _build(self, resource: PrincipalResource) -> Subject:
        kind = "role" if isinstance(resource, Role) else "user" if isinstance(resource, User) else "group"
        own = _known(resource.account)
        account = for_evaluator(own) if own is not None else self.account
        arn = _known(resource.arn)
        name = _known(resource.name) or resource.id
        if arn is None:
            arn = f"arn:aws:iam::{account}:{kind}/{name}"
        arn = for_evaluator(arn)
        tags = {k: v for k, v in resource.tags.items() if isinstance(v, str)}
        principal = Principal(
            arn,
            account,
            PrincipalKind.ROLE if isinstance(resource, Role) else PrincipalKind.USER,
            tags,
            service_linked=":role/aws-service-role/" in arn,
        )
        identity = list(self._own(resource))
        if isinstance(resource, User):
            for ref in resource.groups:
                group = self.inventory.find(ref, Group) if isinstance(ref, str) else None
                if group is None:
                    why = f"group {ref if isinstance(ref, str) else ref.reason} is not in the inventory"
                    identity.append(self.book.opaque(PolicyKind.IDENTITY, f"{resource.id} groups", why))
                else:
                    identity += self._own(group)
        boundary = None
        if not isinstance(resource, Group) and resource.permissions_boundary is not None:
            boundary = self._managed(resource.permissions_boundary, PolicyKind.BOUNDARY, resource.id)
        return Subject(principal, tuple(identity), boundary, f"{kind} {resource.id}", resource)

    def _own(self, resource: PrincipalResource) -> list[PolicyDocument]:
        docs: list[PolicyDocument] = []
        for named in resource.inline_policies:
            name = f"{resource.id}/{named.name}"
            docs.append(self.book.document(named.document, PolicyKind.IDENTITY, name, named.name))
        seen: set[str] = set()
        for ref in resource.managed_policies:
            policy = self.inventory.find(ref, ManagedPolicy) if isinstance(ref, str) else None
            if policy is not None:
                seen.add(policy.id)
            docs.append(self._managed(ref, PolicyKind.IDENTITY, resource.id))
        names = {resource.id, *(v for v in (resource.name, resource.arn, resource.aws_id) if isinstance(v, str))}
        for policy in self.inventory.of(ManagedPolicy):
            if policy.id in seen:
                continue
            holders = policy.roles if isinstance(resource, Role) else policy.users if isinstance(resource, User) else policy.groups
            if any(isinstance(h, str) and h in names for h in holders):
                docs.append(self.book.document(policy.document, PolicyKind.IDENTITY, policy.id))
        return docs

    def _managed(self, ref: Val[str], kind: PolicyKind, owner: str) -> PolicyDocument:
        if isinstance(ref, Unresolved):
            return self.book.opaque(kind, f"{owner} {kind.value}", f"a policy reference is unresolved ({ref.reason})")
        policy = self.inventory.find(ref, ManagedPolicy)
        if policy is not None:
            return self.book.document(policy.document, kind, policy.id)
        name = managed_name(ref)
        if name is not None:
            return self.book.aws_managed(name, kind)
        return self.book.opaque(kind, ref, f"customer managed policy {ref} is not in the inventory")

    def root(self, account: str | None = None) -> Subject:
        """The root user of the workload account (or of ``account``)."""
        owner = account or self.account
        return Subject(Principal.root(owner), (), None, "the account root user")

    def unlisted(self) -> Subject:
        """A role of the workload account that the inventory does not list (full access)."""
        key = "\x00unlisted"
        found = self._subjects.get(key)
        if found is None:
            arn = f"arn:aws:iam::{self.account}:role/{UNLISTED_NAME}"
            full = self.book.synthetic(FULL_ACCESS, PolicyKind.IDENTITY, "full access (assumed)")
            principal = Principal(arn, self.account, PrincipalKind.ROLE)
            label = "a principal of the workload account outside this inventory"
            found = self._subjects[key] = Subject(principal, (full,), None, label)
        return found

    def unlisted_variants(self, docs: Iterable[PolicyDocument | None]) -> list[Subject]:
        """:meth:`unlisted`, and one copy per principal tag value the documents test (an
        unlisted principal may carry any tag; one tag at a time)."""
        base = self.unlisted()
        found: dict[tuple[str, str], None] = {}
        for doc in docs:
            for stmt in doc.statements if doc is not None else ():
                for clause in stmt.conditions:
                    if clause.key.startswith("aws:principaltag/") and not clause.variables:
                        tag = clause.key_as_written.split("/", 1)[1]
                        found.update(dict.fromkeys((tag, v) for v in clause.values))
        variants = [base]
        for tag, value in list(found)[:MAX_TAG_VARIANTS]:
            principal = replace(base.principal, tags={tag: value})
            label = f"{base.label} tagged {tag}={value}"
            variants.append(replace(base, principal=principal, label=label))
        return variants

    def named_by(self, doc: PolicyDocument | None, action: str, subject: Subject) -> bool:
        """Whether an Allow of ``doc`` for ``action`` may name ``subject`` itself (not only its
        account): ``*``, its ARN or a session of it, or a principal it cannot read."""
        if doc is None:
            return False
        arn = subject.principal.arn
        sessions = subject.principal.session_arns()
        for stmt in doc.statements_for(action):
            if stmt.effect is not None and stmt.effect.value == "Deny":
                continue
            if stmt.principals is None:
                return True
            for entry in stmt.principals:
                value = entry.value
                if value in ("*", arn) or any(value.startswith(s) for s in sessions):
                    return True
        return False

    def unlisted_context(self, also_known: Iterable[str] = ()) -> dict[str, ContextInput]:
        """Context for :meth:`unlisted`: any principal ARN but those the inventory lists."""
        known = {s.principal.arn for s in self.subjects()}
        known.update(for_evaluator(a) for a in also_known)
        return {"aws:PrincipalArn": Excluding.of(sorted(known), allow_absent=False)}

    # --- organization policies -------------------------------------------------------------

    def _organization(self) -> OrgPolicies:
        found: dict[tuple[str, bool], list[PolicyDocument]] = {}
        uncertain: list[str] = []
        for policy in self.inventory.of(OrganizationPolicy):
            kind = {
                "SERVICE_CONTROL_POLICY": PolicyKind.SCP,
                "RESOURCE_CONTROL_POLICY": PolicyKind.RCP,
            }.get(policy.policy_type)
            if kind is None:
                continue
            certain = any(
                isinstance(t, str) and (for_evaluator(t) == self.account or t.startswith("r-"))
                for t in policy.targets
            )
            if not certain:
                targets = ", ".join(t if isinstance(t, str) else "<unresolved>" for t in policy.targets)
                uncertain.append(f"{policy.id} (attached to {targets or 'nothing listed'})")
            doc = self.book.document(policy.document, kind, policy.id)
            found.setdefault((kind.value, certain), []).append(doc)

        def docs(kind: PolicyKind, certain: bool) -> tuple[PolicyDocument, ...]:
            return tuple(found.get((kind.value, certain), ()))

        return OrgPolicies(
            docs(PolicyKind.SCP, True), docs(PolicyKind.SCP, False),
            docs(PolicyKind.RCP, True), docs(PolicyKind.RCP, False), tuple(uncertain),
        )  # fmt: skip

    def _scp_levels(self, uncertain: bool) -> tuple[tuple[PolicyDocument, ...], ...]:
        scps = self._org.scps + (self._org.uncertain_scps if uncertain else ())
        if not scps:
            return ()
        full = self.book.synthetic(FULL_ACCESS, PolicyKind.SCP, "FullAWSAccess (assumed)")
        return ((full, *scps),)

    # --- queries ---------------------------------------------------------------------------

    def policy_set(
        self,
        subject: Subject,
        *,
        resource_policy: PolicyDocument | None = None,
        grants: tuple[Grant, ...] = (),
        endpoints: tuple[Endpoint, ...] = (),
        resource_account: str | None = None,
        rcp_service: bool = False,
        uncertain: bool = False,
    ) -> PolicySet:
        """The layers of one request. ``rcp_service``: the resource's service honours RCPs
        (S3, KMS, STS...; not Bedrock)."""
        rcps = self._org.rcps + (self._org.uncertain_rcps if uncertain else ())
        return PolicySet(
            identity=subject.identity,
            boundary=subject.boundary,
            scps=self._scp_levels(uncertain),
            rcps=rcps if rcp_service else (),
            resource_policy=resource_policy,
            grants=grants,
            endpoints=endpoints,
            resource_account=resource_account,
        )

    def might_allow(self, subject: Subject, action: str) -> bool:
        """Whether any identity policy of ``subject`` can grant ``action`` (cheap, exact
        pruning: without such a statement only a resource policy or grant can allow)."""
        if subject.principal.kind is PrincipalKind.ROOT:
            return True
        for doc in subject.identity:
            for stmt in doc.statements_for(action):
                if stmt.effect is None or stmt.effect.value == "Allow":
                    return True
        return False

    def ask(
        self,
        subject: Subject,
        action: str,
        resource: str,
        *,
        resource_policy: PolicyDocument | None = None,
        grants: tuple[Grant, ...] = (),
        endpoints: tuple[Endpoint, ...] = (),
        resource_account: str | None = None,
        rcp_service: bool = False,
        context: Mapping[str, ContextInput] | None = None,
    ) -> Answer:
        """Can ``subject`` perform ``action`` on ``resource`` in some request context?

        Without a resource policy or grant the resource is taken to be the principal's own
        (Bedrock models and profiles have no resource policy; foundation models no owner).
        """
        if resource_account is None and resource_policy is None and not grants:
            resource_account = subject.principal.account
        layers: dict[str, Any] = {
            "resource_policy": resource_policy, "grants": grants, "endpoints": endpoints,
            "resource_account": resource_account, "rcp_service": rcp_service,
        }  # fmt: skip
        found = can(
            subject.principal, action, resource, self.policy_set(subject, **layers),
            fixed_context=context,
        )  # fmt: skip
        if found.status is not Verdict.ALLOW or not self._org.uncertain_names:
            return found
        again = can(
            subject.principal, action, resource,
            self.policy_set(subject, uncertain=True, **layers), fixed_context=context,
        )  # fmt: skip
        if again.status is Verdict.ALLOW:
            return found
        names = ", ".join(self._org.uncertain_names)
        reason = f"allowed unless an organization policy whose targets do not show this account applies ({names}): with it, {again.reason}"
        return replace(found, status=Verdict.UNKNOWN, reason=reason, counterexample=None)

    def search(self, subject: Subject, probes: Iterable[Probe], **layers: Any) -> Search:
        """Ask each probe (skipping actions no identity policy can grant, when no resource
        policy or grant is given); stop at the first ALLOW."""
        pruned = not (layers.get("resource_policy") or layers.get("grants"))
        unknown: list[Answer] = []
        denied: list[Answer] = []
        for probe in probes:
            if pruned and not self.might_allow(subject, probe.action):
                continue
            found = self.ask(subject, probe.action, probe.resource, context=probe.context, **layers)
            if found.status is Verdict.ALLOW:
                return Search(found, tuple(unknown), tuple(denied))
            (unknown if found.status is Verdict.UNKNOWN else denied).append(found)
        return Search(None, tuple(unknown), tuple(denied))

    # --- evidence --------------------------------------------------------------------------

    def reason(self, answer: Answer) -> str:
        """Why the answer is what it is, for a finding's sentence (no "cannot decide:")."""
        return self.book.explain(answer).removeprefix("cannot decide: ")

    def evidence(self, answer: Answer) -> dict[str, Any]:
        """An answer for a finding (see :func:`answer_evidence`)."""
        return answer_evidence(self.book, answer)

    def first_statement(self, answer: Answer, *kinds: PolicyKind) -> dict[str, Any] | None:
        """The first deciding statement of one of ``kinds`` (all kinds when none given)."""
        for ref in answer.deciding:
            if not kinds or ref.kind in kinds:
                return self.book.written(ref)
        return None


def answer_evidence(book: DocumentBook, answer: Answer) -> dict[str, Any]:
    """An answer for a finding: request, verdict, reason, deciding statements as written,
    and the counterexample request context (never a secret: policies hold none)."""
    out: dict[str, Any] = {
        "principal": shown(answer.principal),
        "action": answer.action,
        "resource": shown(answer.resource),
        "status": answer.status.value,
        "reason": book.explain(answer),
        "deciding": [book.written(ref) for ref in answer.deciding[:6]],
    }
    if answer.counterexample is not None:
        out["counterexample"] = shown_value(answer.as_dict()["counterexample"])
    return out


def resource_arn(resource: Resource, service: str, kind: str, account: str, region: str) -> str:
    """The resource's ARN for the evaluator (its own when known, else built from its id)."""
    arn = _known(resource.arn)
    if arn is not None:
        return for_evaluator(arn)
    ident = _known(resource.aws_id) or resource.id
    return for_evaluator(f"arn:aws:{service}:{region}:{account}:{kind}/{ident}")
