"""What a VPC endpoint policy lets through -- asked of the policy evaluator.

An endpoint policy is the most a request through the endpoint can do; with no policy AWS
attaches the full-access default. The questions, each a query through the endpoint
(``aws:SourceVpce`` = the endpoint) by a principal of the workload account whose own
permissions are unlimited, so that only the endpoint policy decides:

* Bedrock runtime endpoints: can a model nobody approved be invoked (a fresh foundation-model
  ARN, a fresh ``global.`` profile, a fresh application profile)? Can an action outside the
  invoke family be called (one no policy names, and each action or pattern the policy
  allows)? Can the workload invoke any model at all (a policy that allows nothing breaks it)?
* Other Bedrock endpoints (control plane, agents): their reads and configuration actions often
  have no resource type, so ``Resource: "*"`` is normal; the question is whether an action the
  policy does not name (``bedrock:*``, ``*``, ``NotAction``) gets through.
* S3 endpoints: can the workload write to a bucket of another account that the policy does
  not name (a fresh bucket, and each bucket pattern with a wildcard, owned by account
  ``999999999999`` that allows everyone)?

A principal of another account invoking the approved models through the endpoint is shown
in the evidence (the identity perimeter on the network) but does not fail this control, which
is about actions and resources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

from msgspec import Struct

from airlock.analysis.policy import (
    ABSENT,
    Answer,
    ContextInput,
    Endpoint,
    Excluding,
    PolicyDocument,
    PolicyKind,
    PolicySet,
    Principal,
    PrincipalKind,
    Statement,
    Verdict,
    can,
)
from airlock.analysis.policy.principal import account_of
from airlock.controls.authorization import FULL_ACCESS, answer_evidence
from airlock.controls.deploy_tokens import ACCOUNT_TOKEN, REGION_TOKEN, for_evaluator
from airlock.controls.model import Status
from airlock.controls.policy_documents import DocumentBook
from airlock.controls.resource_witnesses import regions, witnesses
from airlock.inventory.model import PolicyValue, Unresolved

#: bedrock-runtime actions a workload needs: invocation and its companions
RUNTIME_ACTIONS = frozenset(
    a.lower()
    for a in (
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
        "bedrock:Converse",
        "bedrock:ConverseStream",
        "bedrock:InvokeModelWithBidirectionalStream",
        "bedrock:StartAsyncInvoke",
        "bedrock:GetAsyncInvoke",
        "bedrock:ListAsyncInvokes",
        "bedrock:ApplyGuardrail",
        "bedrock:CountTokens",
    )
)
#: wildcard patterns that stay inside the invoke family ("bedrock:Invoke*", "bedrock:Converse*")
RUNTIME_PREFIXES = ("bedrock:invoke", "bedrock:converse")
MODEL_INVOKE = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
UNAPPROVED_MODEL = "airlock.unapproved-model-v1:0"
UNAPPROVED = (
    f"arn:aws:bedrock:{{region}}::foundation-model/{UNAPPROVED_MODEL}",
    f"arn:aws:bedrock:{{region}}:{{account}}:inference-profile/global.{UNAPPROVED_MODEL}",
    "arn:aws:bedrock:{region}:{account}:application-inference-profile/airlock-unapproved",
)
ANY_BEDROCK_RESOURCE = "arn:*:bedrock:*:*:*"
UNLISTED_ACTION = "bedrock:AirlockUnlistedAction"
OTHER_ACCOUNT = "999999999999"
FOREIGN_BUCKET = "airlock-foreign-bucket"
DEFAULT_ENDPOINT = "vpce-0airlock0endpoint0"


class PolicyJudgement(Struct, frozen=True):
    status: Status
    reason: str
    problems: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()
    proof: tuple[Mapping[str, Any], ...] = ()


class _Probe:
    """Queries through one endpoint, by an unlimited principal of the workload account."""

    def __init__(
        self, policy: Mapping[str, Any] | str, account: str | None, endpoint: str | None
    ) -> None:
        self.book = DocumentBook()
        self.doc = self.book.document(policy, PolicyKind.ENDPOINT, "endpoint policy")
        self.account = for_evaluator(account or ACCOUNT_TOKEN)
        #: the workload account is chosen at deploy time: a literal account a condition
        #: names (aws:PrincipalAccount, as CDK writes for stacks with a fixed env) may be it
        self.account_free = account is None
        self.endpoint = for_evaluator(endpoint or DEFAULT_ENDPOINT)
        self.full = self.book.synthetic(FULL_ACCESS, PolicyKind.IDENTITY, "full access (assumed)")
        self.region = for_evaluator(REGION_TOKEN)
        self.fresh = f"arn:aws:bedrock:{self.region}::foundation-model/{UNAPPROVED_MODEL}"

    def ask(
        self,
        action: str,
        resource: str,
        *,
        account: str | None = None,
        resource_account: str | None = None,
        resource_policy: PolicyDocument | None = None,
        context: Mapping[str, ContextInput] | None = None,
        principal: Principal | None = None,
    ) -> Answer:
        """Ask as ``principal``, or as a role of ``account`` (default: the workload's) whose
        ARN is free: whatever value an ``aws:PrincipalArn`` condition wants."""
        caller = account or self.account
        fixed: dict[str, ContextInput] = {"aws:SourceVpce": self.endpoint}
        if principal is None:
            principal = Principal(
                f"arn:aws:iam::{caller}:role/airlock-workload", caller, PrincipalKind.ROLE
            )
            fixed["aws:PrincipalArn"] = Excluding.of([], allow_absent=False)
            if account is None and self.account_free:
                fixed["aws:PrincipalAccount"] = Excluding.of([], allow_absent=False)
        policies = PolicySet(
            identity=(self.full,),
            endpoints=(Endpoint(self.endpoint, self.doc),),
            resource_policy=resource_policy,
            resource_account=resource_account or principal.account or caller,
        )
        return can(
            principal, action, resource, policies, fixed_context={**fixed, **(context or {})}
        )

    def named(self) -> list[Principal]:
        """The roles and users of the workload account that Allow statements name: a policy
        may let only the workload's own roles through (``Principal: {AWS: role ARN}``)."""
        found: dict[str, Principal] = {}
        for stmt in self.allows():
            for entry in stmt.principals or ():
                arn = entry.value
                if entry.type != "AWS" or account_of(arn) != self.account:
                    continue
                if ":role/" in arn:
                    found.setdefault(arn, Principal.role(arn))
                elif ":user/" in arn:
                    found.setdefault(arn, Principal.user(arn))
        return list(found.values())

    def callers(self) -> list[Principal | None]:
        """Who asks each question: the free-ARN workload role, then each principal named."""
        return [None, *self.named()]

    def resources(self, action: str) -> tuple[str, ...]:
        """One resource per class of the endpoint policy's resource patterns for ``action``
        (only that policy limits the probe principal, so these cover every resource)."""
        found = witnesses((self.doc,), (), action, "*", self.fresh)
        return found if found is not None else (ANY_BEDROCK_RESOURCE,)

    def unapproved(self, action: str) -> list[str]:
        """Fresh model and profile ARNs, in every region the policy tells apart."""
        places = regions((self.doc,), action, (self.region, "airlock-other-region"))
        return [
            r.format(region=place, account=self.account) for place in places for r in UNAPPROVED
        ]

    def evidence(self, answer: Answer) -> dict[str, Any]:
        return answer_evidence(self.book, answer)

    def statement(self, answer: Answer) -> tuple[str, Statement | None]:
        """``statement <Sid or index>`` of the deciding endpoint statement, and the statement."""
        for ref in answer.deciding:
            if ref.kind is PolicyKind.ENDPOINT and ref.index < len(self.doc.statements):
                return f"statement {ref.sid or ref.index}", self.doc.statements[ref.index]
        return "a statement", None

    def allows(self) -> list[Statement]:
        return [
            s for s in self.doc.statements if s.effect is not None and s.effect.value == "Allow"
        ]

    def unknowns(self) -> list[str]:
        return list(self.doc.all_issues)


def _describe_action(service: str, stmt: Statement | None, probe: str) -> str:
    if stmt is None or stmt.actions is None:
        return f"Action {probe} is allowed"
    if stmt.actions.negated:
        return "NotAction allows everything not listed"
    for pattern in stmt.actions.patterns:
        text = pattern.strip().lower()
        if text == "*":
            return "Action * (every action)"
        service_part, _, name = text.partition(":")
        if name.strip("*?") == "":
            return f"Action {pattern} (every {service_part or 'service'} action)"
    hit = next((p for p in stmt.actions.patterns if _matches(p, probe)), probe)
    if service == "bedrock-runtime":
        return f"Action {hit} (not an invoke action)"
    return f"Action {hit} (an action the policy does not name)"


def _matches(pattern: str, action: str) -> bool:
    return fnmatchcase(action.lower(), pattern.lower())


def _describe_resource(stmt: Statement | None) -> str:
    if stmt is None or stmt.resources is None:
        return "an unapproved model is reachable"
    if stmt.resources.negated:
        return "NotResource allows everything not listed"
    for pattern in stmt.resources.patterns:
        if pattern.strip() == "*":
            return "Resource * (every model)"
        kind = pattern.split(":", 5)[-1].split("/", 1)
        if len(kind) == 2 and kind[1].strip("*?") in ("", "/"):
            return f"Resource {pattern} (every {kind[0]})"
    return f"Resource {', '.join(stmt.resources.patterns)} (reaches an unapproved model)"


def _action_probes(service: str, allows: Iterable[Statement]) -> list[str]:
    """An action no policy names, and one action for each pattern the policy allows that
    leaves the invoke family (bedrock-runtime only)."""
    found = [UNLISTED_ACTION]
    if service != "bedrock-runtime":
        return found
    for stmt in allows:
        if stmt.actions is None or stmt.actions.negated:
            continue
        for pattern in stmt.actions.patterns:
            action = pattern.replace("*", "AirlockProbe").replace("?", "X")
            lower = action.lower()
            if not lower.startswith("bedrock:") or lower in RUNTIME_ACTIONS:
                continue
            if lower.startswith(RUNTIME_PREFIXES):
                continue
            found.append(action)
    return list(dict.fromkeys(found))


def _first(
    probe: _Probe, asks: Iterable[tuple[str, str]], **kw: Any
) -> tuple[Answer | None, list[Answer]]:
    """The first request allowed, asked by each caller of the probe (or by a free-ARN role of
    ``account=`` when given), and the requests left undecided."""
    unknown: list[Answer] = []
    callers: list[Principal | None] = [None] if "account" in kw else probe.callers()
    questions = list(asks)
    for caller in callers:
        for action, resource in questions:
            answer = probe.ask(action, resource, principal=caller, **kw)
            if answer.status is Verdict.ALLOW:
                return answer, unknown
            if answer.status is Verdict.UNKNOWN:
                unknown.append(answer)
    return None, unknown


def judge_endpoint_policy(
    service: str, policy: PolicyValue, *, account: str | None = None, endpoint: str | None = None
) -> PolicyJudgement:
    """Judge the policy of an endpoint for a Bedrock service (``bedrock-runtime``...).

    ``account`` is the workload account (default: the deploy-time ``${AWS::AccountId}``),
    ``endpoint`` the endpoint's id as policies name it.
    """
    if policy is None:
        return PolicyJudgement(
            Status.FAIL,
            "no endpoint policy: AWS attaches the default "
            "full-access policy (any action on any resource)",
        )
    if isinstance(policy, Unresolved):
        return PolicyJudgement(
            Status.UNKNOWN, f"the endpoint policy is unresolved ({policy.reason})"
        )
    probe = _Probe(policy, account, endpoint)
    problems: list[str] = []
    proof: list[dict[str, Any]] = []
    unknown: list[Answer] = []
    actions = _action_probes(service, probe.allows())
    found, doubts = _first(probe, ((a, r) for a in actions for r in probe.resources(a)))
    unknown += doubts
    if found is not None:
        where, stmt = probe.statement(found)
        problems.append(f"{where}: {_describe_action(service, stmt, found.action)}")
        proof.append(probe.evidence(found))
    usable = True
    if service == "bedrock-runtime":
        direct = {"bedrock:InferenceProfileArn": ABSENT}
        asks = ((a, r) for a in MODEL_INVOKE for r in probe.unapproved(a))
        found, doubts = _first(probe, asks, context=direct)
        unknown += doubts
        if found is not None:
            where, stmt = probe.statement(found)
            problems.append(f"{where}: {_describe_resource(stmt)}")
            proof.append(probe.evidence(found))
        invoked, doubts = _first(probe, ((a, r) for a in MODEL_INVOKE for r in probe.resources(a)))
        unknown += doubts
        usable = invoked is not None or bool(doubts)
        if invoked is not None:
            outsider, _ = _first(probe, [(invoked.action, invoked.resource)], account=OTHER_ACCOUNT)
            if outsider is not None:
                proof.append({"another_account_can_invoke": probe.evidence(outsider)})
    return _verdict(probe, problems, unknown, proof, usable=usable)


def _verdict(
    probe: _Probe,
    problems: list[str],
    unknown: list[Answer],
    proof: list[dict[str, Any]],
    *,
    usable: bool,
) -> PolicyJudgement:
    unknowns = [probe.book.explain(a).removeprefix("cannot decide: ") for a in unknown]
    unknowns += probe.unknowns()
    if problems:
        return PolicyJudgement(
            Status.FAIL,
            f"the endpoint policy is too broad: {problems[0]}",
            tuple(problems),
            tuple(dict.fromkeys(unknowns)),
            tuple(proof),
        )
    if unknown:
        return PolicyJudgement(
            Status.UNKNOWN,
            f"cannot read the endpoint policy fully: {unknowns[0]}",
            (),
            tuple(dict.fromkeys(unknowns)),
            tuple(proof),
        )
    if not probe.allows():
        return PolicyJudgement(
            Status.FAIL,
            "the endpoint policy has no Allow statement: every "
            "request through the endpoint is denied, so the "
            "workload cannot use it (a Deny-only policy does not "
            "restrict, it blocks)",
        )
    if not usable:
        return PolicyJudgement(
            Status.FAIL,
            "the endpoint policy allows no model invocation, so the workload cannot use it",
        )
    return PolicyJudgement(
        Status.PASS,
        "the endpoint policy allows only named actions on named resources",
        proof=tuple(proof),
    )


def _bucket_probes(allows: Iterable[Statement]) -> list[str]:
    """Object ARNs in buckets the policy does not name: a fresh bucket, and one per bucket
    pattern with a wildcard."""
    found = [f"arn:aws:s3:::{FOREIGN_BUCKET}/airlock-object"]
    for stmt in allows:
        if stmt.resources is None or stmt.resources.negated:
            continue
        for pattern in stmt.resources.patterns:
            if not pattern.startswith("arn:aws:s3:::"):
                continue
            bucket, _, key = pattern[len("arn:aws:s3:::") :].partition("/")
            if "*" in bucket or "?" in bucket:
                name = bucket.replace("*", "airlock-x").replace("?", "x")
                rest = key.replace("*", "x").replace("?", "x") or "airlock-object"
                found.append(f"arn:aws:s3:::{name}/{rest}")
    return list(dict.fromkeys(found))


def judge_s3_endpoint_policy(
    policy: PolicyValue, *, account: str | None = None, endpoint: str | None = None
) -> PolicyJudgement:
    """Judge the policy of an S3 endpoint: it must not open buckets of other accounts."""
    if policy is None:
        return PolicyJudgement(
            Status.FAIL,
            "no endpoint policy: the full-access default lets "
            "the workload write to any bucket, in any account",
        )
    if isinstance(policy, Unresolved):
        return PolicyJudgement(
            Status.UNKNOWN, f"the endpoint policy is unresolved ({policy.reason})"
        )
    probe = _Probe(policy, account, endpoint)
    anyone = probe.book.synthetic(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
        },
        PolicyKind.RESOURCE,
        "policy of a bucket in another account (assumed to allow everyone)",
    )
    theirs = {
        "s3:ResourceAccount": OTHER_ACCOUNT,
        "aws:ResourceOrgID": Excluding.of(_literals(probe.doc, "aws:resourceorgid")),
        "aws:ResourceOrgPaths": ABSENT,
    }
    problems: list[str] = []
    proof: list[dict[str, Any]] = []
    found, unknown = _first(
        probe,
        (("s3:PutObject", r) for r in _bucket_probes(probe.allows())),
        resource_account=OTHER_ACCOUNT,
        resource_policy=anyone,
        context=theirs,
    )
    if found is not None:
        where, stmt = probe.statement(found)
        bucket = found.resource.split(":::", 1)[-1].split("/", 1)[0]
        if stmt is not None and stmt.resources is not None and stmt.resources.negated:
            what = "NotResource allows every bucket not listed"
        elif stmt is not None and stmt.resources is not None:
            what = f"Resource {', '.join(stmt.resources.patterns)} reaches bucket {bucket} of account {OTHER_ACCOUNT}"
        else:
            what = f"bucket {bucket} of account {OTHER_ACCOUNT} is reachable"
        problems.append(f"{where}: {what}")
        proof.append(probe.evidence(found))
    judged = _verdict(probe, problems, unknown, proof, usable=True)
    if judged.status is Status.FAIL and problems:
        return PolicyJudgement(
            Status.FAIL,
            f"the endpoint policy opens buckets of other accounts: {problems[0]}",
            judged.problems, judged.unknowns, judged.proof,
        )  # fmt: skip
    if judged.status is Status.FAIL:
        return PolicyJudgement(
            Status.FAIL,
            "the endpoint policy has no Allow statement: every "
            "S3 request through the endpoint is denied",
        )
    if judged.status is Status.PASS:
        return PolicyJudgement(
            Status.PASS,
            "the endpoint policy allows no bucket of another account it does not name",
            proof=judged.proof,
        )
    return judged


def _literals(doc: PolicyDocument, key: str) -> list[str]:
    return sorted(
        {v for s in doc.statements for c in s.conditions if c.key == key for v in c.values}
    )
