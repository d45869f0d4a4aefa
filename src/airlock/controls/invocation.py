"""Who can call Bedrock, and under which conditions -- proved by the policy evaluator.

Each public function answers one question about one principal and returns a
:class:`~airlock.controls.judgement.Judgement`; YES is the bad answer. Every answer is an
evaluation (:mod:`airlock.analysis.policy`) of the principal's identity policies, permissions
boundary and SCPs (:mod:`airlock.controls.authorization`): YES comes with the request the
evaluator allowed (the counterexample) and the statements that allowed it, NO means every
request of the question is denied, UNKNOWN names what could not be read.

* :func:`invoke_outside_endpoint` -- the leaked-credential test: can P call Bedrock's data
  plane from outside our network -- no VPC endpoint or VPC of ours (absent, or the attacker's
  own), not as a forward-access call of another service?
* :func:`unscoped_invocation` -- can P invoke a model nobody approved: a fresh foundation-model
  ARN, a fresh ``global.`` inference profile, a fresh application inference profile?
* :func:`invoke_without_guardrail` -- can P invoke a model without naming a guardrail?
* :func:`bearer_token_allowed` -- can P call Bedrock with a short- or long-term API key?
* :func:`global_profile_allowed` -- can P invoke a ``global.`` cross-region inference profile
  all the way: the profile in the source region, the model in the source region, and the
  model in the unspecified destination region (``aws:RequestedRegion`` = ``unspecified``)?
"""

from __future__ import annotations

from typing import Any

from airlock.analysis.policy import ABSENT, Answer, ContextInput, Excluding, PolicyKind, Verdict
from airlock.controls.authorization import (
    Authorization,
    Probe,
    Search,
    Subject,
    authorization,
)
from airlock.controls.judgement import Judgement, no, undecided, yes
from airlock.controls.model import ScanContext
from airlock.controls.principals import Principal, principals
from airlock.controls.resource_witnesses import region_of, regions

MODEL_INVOKE = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
DATA_PLANE = (
    *MODEL_INVOKE,
    "bedrock:InvokeAgent",
    "bedrock:InvokeInlineAgent",
    "bedrock:InvokeFlow",
    "bedrock:Retrieve",
    "bedrock:RetrieveAndGenerate",
)
BEARER = ("bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken")
#: any Bedrock action -- a principal with none of these is not a Bedrock caller
ANY_BEDROCK = (*DATA_PLANE, "bedrock:CallWithBearerToken")
NETWORK_KEYS = ("aws:SourceVpce", "aws:SourceVpc", "aws:SourceVpcArn")

#: some Bedrock resource (models, profiles, agents, knowledge bases...)
ANY_BEDROCK_RESOURCE = "arn:*:bedrock:*:*:*"
#: a model nobody approved: a provider no policy names
UNAPPROVED_MODEL = "airlock.unapproved-model-v1:0"
UNAPPROVED = (
    f"arn:aws:bedrock:{{region}}::foundation-model/{UNAPPROVED_MODEL}",
    f"arn:aws:bedrock:{{region}}:{{account}}:inference-profile/global.{UNAPPROVED_MODEL}",
    "arn:aws:bedrock:{region}:{account}:application-inference-profile/airlock-unapproved",
)
GLOBAL_PROFILES = "arn:aws:bedrock:*:*:inference-profile/global.*"
TOKEN_TYPES = ("SHORT_TERM", "LONG_TERM")
_FAS_KEYS = ("aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast")


def _subject(ctx: ScanContext, principal: Principal) -> tuple[Authorization, Subject]:
    auth = authorization(ctx)
    return auth, auth.subject(principal)


def _label(subject: Subject) -> str:
    return subject.label[:1].upper() + subject.label[1:]


def _granted_by(auth: Authorization, answer: Answer) -> tuple[str, dict[str, Any]]:
    """ "policy app (statement 0)" and the statement as written."""
    found = auth.first_statement(answer, PolicyKind.IDENTITY) or auth.first_statement(answer)
    if found is None:
        return "its policies", {}
    where = f"policy {found.get('policy', '?')}"
    ref = found.get("ref", "")
    index = ref.rsplit(" statement ", 1)[-1] if " statement " in ref else ""
    return (f"{where}, statement {index}" if index else where), found


def _proved(
    auth: Authorization,
    search: Search,
    *,
    yes_reason: str,
    no_reason: str,
    none_reason: str,
    question: str,
) -> Judgement:
    """The judgement of a search: YES with the counterexample, UNKNOWN, or NO."""
    if search.allowed is not None:
        answer = search.allowed
        by, statement = _granted_by(auth, answer)
        proof = auth.evidence(answer)
        counterexample = {
            "action": answer.action,
            "resource": proof["resource"],
            **proof.get("counterexample", {}),
        }
        return yes(
            yes_reason.format(action=answer.action, by=by),
            statement={
                "policy": statement.get("policy"),
                "statement": statement.get("statement"),
                "action": answer.action,
            },
            counterexample=counterexample,
            proof=proof,
        )
    if search.unknown:
        first = search.unknown[0]
        return undecided(
            f"{question} cannot be decided: {auth.reason(first)}.",
            proof=[auth.evidence(a) for a in search.unknown[:3]],
        )
    if not search.asked:
        # nothing to ask: either no grant of these actions at all, or grants whose
        # resources no probe reaches (scoped to named models, say)
        return no(no_reason if search.granted else none_reason)
    return no(no_reason, proof=[auth.evidence(a) for a in search.denied[:3]])


# --- network binding: the leaked-credential test ---------------------------------------


def _probes(
    actions: tuple[str, ...],
    resources: tuple[str, ...],
    context: dict[str, ContextInput],
    example: str | None = None,
) -> list[Probe]:
    return [Probe(a, r, context, example) for a in actions for r in resources]


def _example(auth: Authorization) -> str:
    """A realistic model ARN for grants on every resource."""
    return f"arn:aws:bedrock:{auth.region}::foundation-model/{UNAPPROVED_MODEL}"


# --- network binding: the leaked-credential test ---------------------------------------

#: the attacker's own VPC endpoint: present, but none of ours (a fresh id matches no
#: literal or prefix our policies name)
FOREIGN_ENDPOINT = "vpce-0a1f0e1a0f0e1a0f0"
FOREIGN_VPC = "vpc-0a1f0e1a0f0e1a0f0"
FOREIGN_ACCOUNT = "999999999999"
#: Bedrock sets bedrock:InferenceProfileArn only on the model step of a call through an
#: inference profile, and that call is first authorised on the profile itself (without the
#: key). Asking each request as a direct call or as the profile step (the key absent) covers
#: every way in; leaving the key free would let a statement written for the model step of a
#: profile the caller cannot use -- AWS's documented geographic-profile pattern -- pass for
#: a request nobody can make.
PROFILE_KEY = "bedrock:InferenceProfileArn"
_VPC_KEYS = (
    "aws:SourceVpce", "aws:SourceVpc", "aws:SourceVpcArn", "aws:VpcSourceIp",
    "aws:VpceAccount", "aws:VpceOrgID", "aws:VpceOrgPaths",
)  # fmt: skip


def outside_contexts(auth: Authorization) -> tuple[dict[str, ContextInput], ...]:
    """Requests made with a principal's credentials from outside our network.

    Over the internet: no VPC endpoint or VPC keys (``aws:SourceIp`` any public address).
    Through the attacker's own VPC endpoint in another account: fresh endpoint, VPC and
    account ids. Neither is a forward-access call of another AWS service
    (``aws:ViaAWSService`` false, no ``aws:CalledVia``) nor a call by an AWS service.
    """
    common: dict[str, ContextInput] = dict.fromkeys(_FAS_KEYS, ABSENT)
    common["aws:ViaAWSService"] = False
    common["aws:PrincipalIsAWSService"] = False
    common[PROFILE_KEY] = ABSENT  # see _DIRECT
    public: dict[str, ContextInput] = {**common, **dict.fromkeys(_VPC_KEYS, ABSENT)}
    foreign: dict[str, ContextInput] = {
        **common,
        "aws:SourceVpce": FOREIGN_ENDPOINT,
        "aws:SourceVpc": FOREIGN_VPC,
        "aws:SourceVpcArn": f"arn:aws:ec2:{auth.region}:{FOREIGN_ACCOUNT}:vpc/{FOREIGN_VPC}",
        "aws:VpceAccount": FOREIGN_ACCOUNT,
        "aws:VpceOrgID": ABSENT,
        "aws:VpceOrgPaths": ABSENT,
        "aws:SourceIp": ABSENT,
    }
    return public, foreign


def invoke_outside_endpoint(ctx: ScanContext, principal: Principal) -> Judgement:
    """Can ``principal`` call Bedrock's data plane without going through our VPC endpoint?"""
    auth, subject = _subject(ctx, principal)
    probes = [
        probe
        for context in outside_contexts(auth)
        for probe in _probes(DATA_PLANE, (ANY_BEDROCK_RESOURCE,), context, _example(auth))
    ]
    return _proved(
        auth,
        auth.search(subject, probes, endpoints=()),
        yes_reason="A request from outside our VPC endpoints may call {action} (allowed by {by}), and no deny stops it.",
        no_reason="Every Bedrock data-plane request from outside our VPC endpoints is denied.",
        none_reason="The principal is granted no Bedrock data-plane action.",
        question=f"Whether {subject.label} can call Bedrock from outside the VPC endpoint",
    )


# --- model scope ---------------------------------------------------------------------


def unscoped_invocation(ctx: ScanContext, principal: Principal) -> Judgement:
    """Can ``principal`` invoke a model nobody approved (a fresh model or profile ARN)?"""
    auth, subject = _subject(ctx, principal)
    direct: dict[str, ContextInput] = {"bedrock:InferenceProfileArn": ABSENT}
    docs = auth.identity_side(subject, auth.endpoints_for(subject))
    probes = [
        Probe(action, pattern.format(region=region, account=subject.principal.account), direct)
        for action in MODEL_INVOKE
        for region in regions(docs, action, (auth.region, "airlock-other-region"))
        for pattern in UNAPPROVED
    ]
    return _proved(
        auth,
        auth.search(subject, probes),
        yes_reason="An unapproved model may be invoked with {action} (allowed by {by}), so the grant reaches beyond named model ARNs.",
        no_reason="Every model-invocation grant names model or inference-profile ARNs.",
        none_reason="The principal is granted no model invocation.",
        question=f"Whether {subject.label} can invoke an unapproved model",
    )


# --- guardrails ----------------------------------------------------------------------


def invoke_without_guardrail(ctx: ScanContext, principal: Principal) -> Judgement:
    """Can ``principal`` invoke a model without naming a guardrail?"""
    auth, subject = _subject(ctx, principal)
    bare: dict[str, ContextInput] = {"bedrock:GuardrailIdentifier": ABSENT, PROFILE_KEY: ABSENT}
    probes = _probes(MODEL_INVOKE, (ANY_BEDROCK_RESOURCE,), bare, _example(auth))
    return _proved(
        auth,
        auth.search(subject, probes),
        yes_reason="A model may be invoked with {action} without naming a guardrail (allowed by {by}).",
        no_reason="Every model invocation the principal may make must name a guardrail.",
        none_reason="The principal is granted no model invocation.",
        question=f"Whether {subject.label} can invoke a model without a guardrail",
    )


# --- API keys ------------------------------------------------------------------------


def bearer_token_allowed(ctx: ScanContext, principal: Principal) -> Judgement:
    """Can ``principal`` call Bedrock with an API key (``bedrock:CallWithBearerToken``)?"""
    auth, subject = _subject(ctx, principal)
    probes = [
        Probe(
            action,
            resource,
            {"bedrock:BearerTokenType": kind, "bedrock-mantle:BearerTokenType": kind},
        )
        for action in BEARER
        for kind in TOKEN_TYPES
        for resource in ("*", "arn:*:bedrock*:*:*:*")
    ]
    return _proved(
        auth,
        auth.search(subject, probes),
        yes_reason="Calls authenticated with a Bedrock API key may use {action} (allowed by {by}), and no deny stops them.",
        no_reason="Every call with a Bedrock API key is denied.",
        none_reason="The principal is granted no API-key calls.",
        question=f"Whether {subject.label} can call Bedrock with an API key",
    )


# --- global inference profiles -------------------------------------------------------


def _global_steps(
    auth: Authorization, subject: Subject, probe: Probe
) -> tuple[Verdict, list[Answer]]:
    """The three authorizations of a global cross-region invocation (iac.md §6): the profile
    and the model in the source region, then the model in the unspecified region."""
    region = region_of(probe.resource)
    context = {**(probe.context or {}), "aws:RequestedRegion": region}
    first = auth.ask(subject, probe.action, probe.resource, context=context)
    if first.status is not Verdict.ALLOW:
        return first.status, [first]
    profile = first.resource
    model = profile.split("/global.", 1)[-1]
    source: dict[str, ContextInput] = {"aws:RequestedRegion": region}
    via: dict[str, ContextInput] = {"bedrock:InferenceProfileArn": profile}
    second = auth.ask(
        subject, probe.action, f"arn:aws:bedrock:{region}::foundation-model/{model}",
        context={**source, **via},
    )  # fmt: skip
    if second.status is not Verdict.ALLOW:
        return second.status, [first, second]
    third = auth.ask(
        subject, probe.action, f"arn:aws:bedrock:::foundation-model/{model}",
        context={"aws:RequestedRegion": "unspecified", **via},
    )  # fmt: skip
    return third.status, [first, second, third]


def _named_global_profiles(subject: Subject) -> list[str]:
    """Global profile ARNs the principal's policies name literally (realistic examples)."""
    found: list[str] = []
    for doc in subject.identity:
        for stmt in doc.statements:
            for pattern in stmt.resources.patterns if stmt.resources is not None else ():
                if "/global." in pattern and "*" not in pattern and "?" not in pattern:
                    found.append(pattern)
    return list(dict.fromkeys(found))[:3]


def global_profile_allowed(ctx: ScanContext, principal: Principal) -> Judgement:
    """Can ``principal`` invoke a ``global.`` cross-region inference profile?"""
    auth, subject = _subject(ctx, principal)
    steps = ("the profile in the source region", "the model in the source region",
             "the model in the unspecified destination region")  # fmt: skip
    unknown: tuple[int, list[Answer]] | None = None
    denied: list[tuple[int, list[Answer]]] = []
    first_step: dict[str, ContextInput] = {
        "aws:RequestedRegion": Excluding.of(["unspecified"], allow_absent=False),
        "bedrock:InferenceProfileArn": ABSENT,
    }
    # realistic examples first (profiles the policies name, one in the deployment's region),
    # then every global profile
    example = (
        f"arn:aws:bedrock:{auth.region}:{subject.principal.account}:"
        f"inference-profile/global.{UNAPPROVED_MODEL}"
    )
    probes = [
        Probe(action, profile, first_step)
        for action in MODEL_INVOKE
        for profile in [*_named_global_profiles(subject), example]
    ]
    probes += _probes(MODEL_INVOKE, (GLOBAL_PROFILES,), first_step, example)
    concrete = [
        c for p in probes if auth.might_allow(subject, p.action) for c in auth.concrete(subject, p)
    ]
    for probe in concrete:
        action = probe.action
        status, answers = _global_steps(auth, subject, probe)
        shown = [{"step": steps[i], **auth.evidence(a)} for i, a in enumerate(answers)]
        if status is Verdict.ALLOW:
            profile = auth.evidence(answers[0])["resource"]
            by, _ = _granted_by(auth, answers[0])
            return yes(
                f"{_label(subject)} can invoke the global profile {profile} with {action} (allowed by {by}, in the source and the unspecified destination region), so prompts may be processed in any commercial region.",
                counterexample={"action": action, "resource": profile, "steps": shown},
                proof=shown,
            )
        if status is Verdict.UNKNOWN and unknown is None:
            unknown = (len(answers) - 1, answers)
        elif status is Verdict.DENY:
            denied.append((len(answers) - 1, answers))
    if unknown is not None:
        step, answers = unknown
        return undecided(
            f"Whether {subject.label} can invoke a global inference profile cannot be decided at {steps[step]}: {auth.reason(answers[-1])}.",
            proof=[auth.evidence(a) for a in answers],
        )
    if not denied:
        if any(auth.might_allow(subject, action) for action in MODEL_INVOKE):
            return no(
                "Every model-invocation grant names resources that no global inference profile matches."
            )
        return no("The principal is granted no model invocation.")
    step, answers = denied[0]
    return no(
        f"Invoking a global inference profile is denied at {steps[step]}: {auth.reason(answers[-1])}.",
        proof=[auth.evidence(a) for a in answers],
    )


# --- who calls Bedrock ---------------------------------------------------------------


def bedrock_callers(ctx: ScanContext) -> list[Principal]:
    """Principals in the inventory that may be granted a Bedrock call."""
    return ctx.analysis(
        "bedrock-callers", lambda: [p for p in principals(ctx.inventory) if bedrock_caller(ctx, p)]
    )


def bedrock_caller(ctx: ScanContext, principal: Principal) -> bool:
    """Whether any identity policy of ``principal`` may grant a Bedrock call (or cannot be
    read)."""
    auth, subject = _subject(ctx, principal)
    return any(auth.might_allow(subject, action) for action in ANY_BEDROCK)
