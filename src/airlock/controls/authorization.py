"""Evaluator inputs built from the inventory, and the queries controls ask with them.

:class:`Authorization` extends the :class:`~airlock.controls.subjects.Directory` of the
inventory's principals with the layers that apply to a request: organization policies --
SCPs as one level beside an assumed ``FullAWSAccess`` (only their Deny statements can then
matter, which errs towards ALLOW), RCPs as resource-side denies; an SCP or RCP whose targets
do not show that it applies to this account (an OU) is *uncertain*, and an ALLOW that only
such a policy could remove is UNKNOWN -- and the Bedrock VPC endpoints a principal's
conditions name, whose policies cap requests through them.

:meth:`Authorization.ask` runs one query, :meth:`Authorization.search` a list of probes
(resource patterns asked as concrete witnesses, :mod:`.resource_witnesses`), and
:meth:`Authorization.evidence` shows an answer with the deciding statements as written and
the counterexample request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from msgspec import Struct
from msgspec.structs import replace

from airlock.analysis.policy import (
    Answer,
    ContextInput,
    Endpoint,
    Grant,
    PolicyDocument,
    PolicyKind,
    PolicySet,
    PrincipalKind,
    Verdict,
    can,
)
from airlock.analysis.reachability import endpoint_service, is_bedrock
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
from airlock.controls.resource_witnesses import (
    arn_glob,
    has_wildcard,
    in_regions,
    region_of,
    regions,
    witnesses,
)
from airlock.controls.subjects import FULL_ACCESS, Directory, Subject, known
from airlock.inventory.identity import OrganizationPolicy
from airlock.inventory.model import Inventory, Resource
from airlock.inventory.network import Vpc, VpcEndpoint

__all__ = ["FULL_ACCESS", "Authorization", "Probe", "Search", "Subject", "authorization"]


class Probe(Struct, frozen=True):
    """One request to ask about: an action on a resource (``*``/``?`` ask about *some*
    resource matching), with request-context keys fixed for the question."""

    action: str
    resource: str
    context: Mapping[str, ContextInput] | None = None
    #: a realistic resource matching ``resource`` to show for "any resource" grants
    example: str | None = None


class Search(Struct, frozen=True):
    """The answers to a list of probes, stopped at the first ALLOW."""

    allowed: Answer | None
    unknown: tuple[Answer, ...]
    denied: tuple[Answer, ...]
    #: some identity statement grants a probed action (whether or not a probe was asked:
    #: a grant scoped to resources no probe names asks nothing)
    granted: bool = False

    @property
    def asked(self) -> bool:
        return bool(self.allowed or self.unknown or self.denied)


class OrgPolicies(Struct, frozen=True):
    scps: tuple[PolicyDocument, ...]
    uncertain_scps: tuple[PolicyDocument, ...]
    rcps: tuple[PolicyDocument, ...]
    uncertain_rcps: tuple[PolicyDocument, ...]
    uncertain_names: tuple[str, ...]


def authorization(ctx: ScanContext) -> Authorization:
    """The evaluator inputs of this scan, built on first use."""
    return ctx.analysis("authorization", lambda: Authorization(ctx.inventory))


class Authorization(Directory):
    """Evaluator inputs for one inventory (see the module docstring)."""

    def __init__(self, inventory: Inventory) -> None:
        source = inventory.source
        account = known(source.account)
        region = known(source.region)
        super().__init__(inventory, DocumentBook(), for_evaluator(account or ACCOUNT_TOKEN))
        self.region = for_evaluator(region or REGION_TOKEN)
        #: the inventory lists every IAM principal of the account (a live scan of IAM)
        self.complete = absence_is_proof(inventory, "iam")
        self._granting: dict[str, list[Subject]] = {}
        self._witnesses: dict[tuple[object, ...], tuple[str, ...] | None] = {}
        self._reads: dict[tuple[object, ...], bool] = {}
        self._policy_sets: dict[tuple[object, ...], PolicySet] = {}
        self._endpoints: dict[tuple[object, ...], tuple[Endpoint, ...]] = {}
        self._by_endpoint: dict[str, VpcEndpoint] | None = None
        self._grants_action: dict[tuple[object, ...], bool] = {}
        self._org = self._organization()

    def granting(self, action: str) -> list[Subject]:
        """The listed subjects whose identity policies may grant ``action``."""
        found = self._granting.get(action)
        if found is None:
            found = self._granting[action] = [
                s for s in self.subjects() if self.might_allow(s, action)
            ]
        return list(found)

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
                targets = ", ".join(
                    t if isinstance(t, str) else "<unresolved>" for t in policy.targets
                )
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
        (S3, KMS, STS...; not Bedrock). Built once per combination, so that the evaluator's
        per-policy-set caches are reused."""
        key = (
            id(subject.identity), id(subject.boundary), id(resource_policy), grants, endpoints,
            resource_account, rcp_service, uncertain,
        )  # fmt: skip
        cached = self._policy_sets.get(key)
        if cached is not None:
            return cached
        rcps = self._org.rcps + (self._org.uncertain_rcps if uncertain else ())
        cached = self._policy_sets[key] = PolicySet(
            identity=subject.identity,
            boundary=subject.boundary,
            scps=self._scp_levels(uncertain),
            rcps=rcps if rcp_service else (),
            resource_policy=resource_policy,
            grants=grants,
            endpoints=endpoints,
            resource_account=resource_account,
        )
        return cached

    def might_allow(self, subject: Subject, action: str) -> bool:
        """Whether any identity policy of ``subject`` can grant ``action`` (cheap, exact
        pruning: without such a statement only a resource policy or grant can allow)."""
        if subject.principal.kind is PrincipalKind.ROOT:
            return True
        key = (tuple(id(d) for d in subject.identity), action)
        found = self._grants_action.get(key)
        if found is None:
            found = any(
                stmt.effect is None or stmt.effect.value == "Allow"
                for doc in subject.identity
                for stmt in doc.statements_for(action)
            )
            self._grants_action[key] = found
        return found

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
        """Ask each probe; stop at the first ALLOW.

        Without a resource policy or grant, actions no identity policy can grant are skipped
        and resource patterns are asked as their concrete witnesses (:meth:`concrete`).
        """
        identity_only = not (layers.get("resource_policy") or layers.get("grants"))
        if identity_only and "endpoints" not in layers:
            layers = {**layers, "endpoints": self.endpoints_for(subject)}
        unknown: list[Answer] = []
        denied: list[Answer] = []
        granted = not identity_only
        for probe in probes:
            if identity_only and not self.might_allow(subject, probe.action):
                continue
            granted = True
            asked = (
                self.concrete(subject, probe, layers.get("endpoints", ()))
                if identity_only
                else [probe]
            )
            for one in asked:
                found = self.ask(subject, one.action, one.resource, context=one.context, **layers)
                if found.status is Verdict.ALLOW:
                    return Search(found, tuple(unknown), tuple(denied), granted)
                (unknown if found.status is Verdict.UNKNOWN else denied).append(found)
        return Search(None, tuple(unknown), tuple(denied), granted)

    def endpoints_for(self, subject: Subject) -> tuple[Endpoint, ...]:
        """The Bedrock VPC endpoints of the inventory that the subject's policies name in an
        ``aws:SourceVpce`` condition, with their policies: requests through them are capped
        by those policies. (An endpoint no condition names behaves, for these policies, like
        any endpoint that is not ours, minus its own policy: leaving it out can only allow
        more.)"""
        docs = self._identity_side(subject)
        key = (tuple(id(d) for d in docs), "endpoints")
        cached = self._endpoints.get(key)
        if cached is not None:
            return cached
        named = {
            value
            for doc in docs
            for stmt in doc.statements
            for clause in stmt.conditions
            if clause.key == "aws:sourcevpce"
            for value in clause.values
        }
        found: list[Endpoint] = []
        ours = self._bedrock_endpoints()
        for endpoint in (ours[v] for v in sorted(named) if v in ours):
            ident = for_evaluator(known(endpoint.aws_id) or endpoint.id)
            vpc = self.inventory.get(endpoint.vpc, Vpc)
            vpc_id = known(vpc.aws_id) if vpc is not None else None
            policy = None
            if endpoint.policy is not None:
                policy = self.book.attached(
                    endpoint.policy, PolicyKind.ENDPOINT, "endpoint policy"
                )  # fmt: skip
            vpc_value = for_evaluator(vpc_id) if vpc_id else None
            found.append(Endpoint(ident, policy, vpc_value, self.account))
        cached = self._endpoints[key] = tuple(found)
        return cached

    def _bedrock_endpoints(self) -> dict[str, VpcEndpoint]:
        if self._by_endpoint is None:
            self._by_endpoint = {
                for_evaluator(known(e.aws_id) or e.id): e
                for e in self.inventory.of(VpcEndpoint)
                if is_bedrock(endpoint_service(e))
            }
        return self._by_endpoint

    def concrete(
        self, subject: Subject, probe: Probe, endpoints: tuple[Endpoint, ...] = ()
    ) -> list[Probe]:
        """A probe on a resource pattern as probes on concrete resources, one per class of
        the subject's resource patterns (:mod:`.resource_witnesses`, once per set of
        documents); asking them is equivalent to asking the pattern (identity-side layers).
        When a policy reads ``aws:RequestedRegion``, each resource is asked with its own
        region as the requested one (a request to a regional resource names its region)."""
        resources: tuple[str, ...] | None = (probe.resource,)
        if has_wildcard(probe.resource):
            limits = [*((subject.boundary,) if subject.boundary else ())]
            limits += [doc for level in self._scp_levels(True) for doc in level]
            limits += [e.policy for e in endpoints if e.policy is not None]
            key = (
                id(subject.identity), tuple(id(d) for d in limits), probe.action,
                probe.resource, probe.example,
            )  # fmt: skip
            if key not in self._witnesses:
                self._witnesses[key] = witnesses(
                    subject.identity, limits, probe.action, probe.resource, probe.example
                )
            resources = self._witnesses[key]
        if resources is None:
            return [probe]
        regional = self.reads(subject, "aws:requestedregion")
        if regional:
            # the requested region follows the resource's: ask in every region class
            docs = self.identity_side(subject, endpoints)
            places = regions(docs, probe.action, (self.region, "airlock-other-region"))
            wanted = arn_glob(probe.resource)
            moved = (r for resource in resources for r in in_regions(resource, places))
            resources = tuple(dict.fromkeys(r for r in moved if wanted.matches(r)))
        out: list[Probe] = []
        for resource in resources:
            if not self._may_grant(subject, probe.action, resource):
                continue  # no identity statement grants it: implicitly denied
            context = dict(probe.context or {})
            if regional and not isinstance(context.get("aws:RequestedRegion"), str):
                context["aws:RequestedRegion"] = region_of(resource)
            out.append(Probe(probe.action, resource, context))
        return out

    def _may_grant(self, subject: Subject, action: str, resource: str) -> bool:
        for doc in subject.identity:
            for stmt in doc.statements_for(action):
                if stmt.effect is not None and stmt.effect.value == "Deny":
                    continue
                targets = stmt.resources
                if targets is None or targets.variables or targets.matches_static(resource):
                    return True
        return False

    def identity_side(
        self, subject: Subject, endpoints: tuple[Endpoint, ...] = ()
    ) -> tuple[PolicyDocument, ...]:
        """The subject's identity policies, boundary and SCPs, and the endpoint policies."""
        docs = self._identity_side(subject)
        return (*docs, *(e.policy for e in endpoints if e.policy is not None))

    def _identity_side(self, subject: Subject) -> tuple[PolicyDocument, ...]:
        docs = [*subject.identity, *((subject.boundary,) if subject.boundary else ())]
        docs += [doc for level in self._scp_levels(True) for doc in level]
        return tuple(docs)

    def reads(self, subject: Subject, key: str) -> bool:
        """Whether a condition of the subject's identity-side policies reads ``key``."""
        docs = self._identity_side(subject)
        cache_key = (tuple(id(d) for d in docs), key)
        found = self._reads.get(cache_key)
        if found is None:
            found = any(
                clause.key == key or key in clause.variable_keys
                for doc in docs
                for stmt in doc.statements
                for clause in stmt.conditions
            )
            self._reads[cache_key] = found
        return found

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
    arn = known(resource.arn)
    if arn is not None:
        return for_evaluator(arn)
    ident = known(resource.aws_id) or resource.id
    return for_evaluator(f"arn:aws:{service}:{region}:{account}:{kind}/{ident}")
