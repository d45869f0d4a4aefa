"""Who can call Bedrock, and under which conditions -- the pattern-level answers.

Each public function answers one question about one principal and returns a
:class:`~airlock.controls.judgement.Judgement`; YES is the bad answer. They are the places
the policy evaluator (:mod:`airlock.analysis.policy`) plugs in:

* :func:`invoke_outside_endpoint` -- can P call Bedrock's data plane without our VPC endpoint?
* :func:`unscoped_invocation` -- can P invoke every model (``*`` resources)?
* :func:`invoke_without_guardrail` -- can P invoke a model without naming a guardrail?
* :func:`bearer_token_allowed` -- can P call Bedrock with an API key?
* :func:`global_profile_allowed` -- can P invoke a ``global.`` inference profile?

Until then they match shapes. An Allow that covers the action is *safe* when its own
conditions close the gap (``StringEquals aws:SourceVpce``), or *closed* when a Deny in the
identity policies, the permissions boundary or an SCP covers it with a condition whose shape
is known to hold for the attacker's request (``StringNotEquals aws:SourceVpce``). An open
grant gives YES with the statement and a counterexample request. Anything that cannot be read
(an unresolved document, an AWS managed policy not in Airlock's table, a boundary outside the
inventory, a Deny with conditions the pattern cannot judge) makes the answer UNKNOWN instead
of NO -- and an unreadable customer policy, boundary or SCP makes it UNKNOWN instead of YES,
since each could hold the Deny that removes the grant (an AWS managed policy missing from the
table only adds grants, so it cannot turn a YES into a NO).
"""

from __future__ import annotations

from airlock.controls.grants import Check, answer, exposure
from airlock.controls.judgement import Judgement
from airlock.controls.model import ScanContext
from airlock.controls.models import reaches_global_profile, unscoped_model_resource
from airlock.controls.principals import Principal, policy_set, principals
from airlock.controls.statements import (
    Condition,
    Statement,
    arn_match,
    glob_match,
)
from airlock.inventory.identity import Group, Role

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
_POSITIVE_STRING = frozenset(
    {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"}
)

# --- network binding ---------------------------------------------------------------


def binds_network(stmt: Statement) -> bool:
    """An Allow condition that only a request through our endpoint or VPC satisfies."""
    return any(
        c.requires_key and c.base in _POSITIVE_STRING and _concrete(c)
        for c in stmt.conditions_on(*NETWORK_KEYS)
    )


def _concrete(condition: Condition) -> bool:
    return bool(condition.values) and not any(v.strip("*?") == "" for v in condition.values)


def network_deny(principal: Principal) -> Check:
    """Whether a Deny's conditions hold for a leaked credential used outside the VPC."""
    tags = {k.lower(): v for k, v in principal.tags.items() if isinstance(v, str)}

    def closes(stmt: Statement) -> bool | None:
        if not stmt.conditions:
            return True  # an unconditional deny removes the action everywhere
        network = stmt.conditions_on(*NETWORK_KEYS)
        if any(c.requires_key for c in network):
            return False  # applies only to requests that carry a VPC key
        if not any(c.negated and _concrete(c) for c in network):
            return None if network else False
        verdict: bool | None = True
        for cond in stmt.conditions:
            if cond in network:
                continue
            judged = _safe_exemption(cond, principal, tags)
            if judged is False:
                return False
            if judged is None:
                verdict = None
        return verdict

    return closes


def _safe_exemption(cond: Condition, principal: Principal, tags: dict[str, str]) -> bool | None:
    """True when the extra condition holds for the attacker's request, False when it exempts
    this principal, None when the pattern cannot say."""
    values = {v.lower() for v in cond.values}
    if cond.on("aws:ViaAWSService", "aws:PrincipalIsAWSService") and cond.base == "Bool":
        return values == {"false"}
    if cond.on("aws:SourceIp") and cond.base == "NotIpAddress":
        return True  # the organization's own egress range is an accepted exemption
    if cond.on("aws:PrincipalArn") and cond.negated and not cond.unresolved:
        exempt = principal_matches(principal, cond.values)
        return None if exempt is None else not exempt
    if cond.key.lower().startswith("aws:principaltag/") and cond.base.startswith("String"):
        tag = tags.get(cond.key.split("/", 1)[1].lower())
        matched = tag is not None and tag.lower() in values
        return not matched if cond.negated else matched
    return None


def principal_matches(principal: Principal, patterns: tuple[str, ...]) -> bool | None:
    """Whether the principal's ARN matches one of ``patterns`` (None: cannot tell).

    Without a known ARN the principal's name is compared with the name part of each pattern
    (the account part then stays unknown, which only matters for a match).
    """
    if isinstance(principal.arn, str):
        return any(arn_match(p, principal.arn) for p in patterns)
    name = principal.name if isinstance(principal.name, str) else None
    if name is None or isinstance(principal, Group):
        return None
    kind = "role" if isinstance(principal, Role) else "user"
    for pattern in patterns:
        if pattern == "*":
            return True
        parts = pattern.split(":", 5)
        head, sep, rest = parts[-1].partition("/")
        if sep and glob_match(head, kind) and glob_match(rest.rsplit("/", 1)[-1], name):
            any_account = len(parts) == 6 and parts[4].strip("*") == ""
            return True if any_account else None
    return False


def invoke_outside_endpoint(ctx: ScanContext, principal: Principal) -> Judgement:
    """Can ``principal`` call Bedrock's data plane without going through our VPC endpoint?"""
    exp = exposure(
        policy_set(ctx, principal),
        DATA_PLANE,
        safe=binds_network,
        closes=network_deny(principal),
    )
    return answer(
        exp,
        yes_reason="Policy {policy} grants Bedrock data-plane access with no aws:SourceVpce/aws:SourceVpc condition and no deny outside the endpoint.",
        no_reason="Every Bedrock data-plane grant requires our VPC endpoint or VPC.",
        none_reason="The principal is granted no Bedrock data-plane action.",
        counter={
            "aws:SourceVpce": "absent",
            "aws:SourceVpc": "absent",
            "aws:ViaAWSService": "false",
        },
    )


# --- model scope ---------------------------------------------------------------------


def scoped_to_models(stmt: Statement) -> bool | None:
    """Resources name models, or a condition pins the inference profile the call goes through
    (the destination-region grant of a geographic profile: ``foundation-model/*`` with
    ``bedrock:InferenceProfileArn``)."""
    if any(
        c.requires_key
        and c.base in _POSITIVE_STRING
        and _concrete(c)
        and not any(unscoped_model_resource(v) for v in c.values)
        for c in stmt.conditions_on("bedrock:InferenceProfileArn")
    ):
        return True
    if stmt.not_resource:
        return False
    if any(unscoped_model_resource(r) for r in stmt.resources):
        return False
    if "Resource" in stmt.unresolved:
        return None
    return True


def _unconditional(stmt: Statement) -> bool:
    return not stmt.conditions


def unscoped_invocation(ctx: ScanContext, principal: Principal) -> Judgement:
    """Can ``principal`` invoke every model (``*`` or ``foundation-model/*`` resources)?"""
    exp = exposure(
        policy_set(ctx, principal),
        MODEL_INVOKE,
        safe=scoped_to_models,
        closes=_unconditional,
    )
    wide = next(
        (r for w in exp.open for r in w.statement.resources if unscoped_model_resource(r)),
        "every resource (NotResource)",
    )
    return answer(
        exp,
        yes_reason="Policy {policy} grants model invocation on "
        + wide
        + " instead of named model ARNs.",
        no_reason="Every model-invocation grant names model or inference-profile ARNs.",
        none_reason="The principal is granted no model invocation.",
        counter={"resource": "arn:aws:bedrock:<any region>::foundation-model/<any model>"},
    )


# --- guardrails ----------------------------------------------------------------------


def requires_guardrail(stmt: Statement) -> bool:
    return any(
        c.requires_key and c.base in _POSITIVE_STRING and _concrete(c)
        for c in stmt.conditions_on("bedrock:GuardrailIdentifier")
    )


def _guardrail_deny(stmt: Statement) -> bool | None:
    if not stmt.conditions:
        return True
    guard = stmt.conditions_on("bedrock:GuardrailIdentifier")
    if len(guard) != len(stmt.conditions):
        return None
    for cond in guard:
        if cond.base == "Null" and {v.lower() for v in cond.values} == {"true"}:
            continue
        if cond.negated and _concrete(cond):
            continue
        return None
    return True


def invoke_without_guardrail(ctx: ScanContext, principal: Principal) -> Judgement:
    """Can ``principal`` invoke a model without naming a guardrail?"""
    exp = exposure(
        policy_set(ctx, principal),
        MODEL_INVOKE,
        safe=requires_guardrail,
        closes=_guardrail_deny,
    )
    return answer(
        exp,
        yes_reason="Policy {policy} grants model invocation without a bedrock:GuardrailIdentifier condition.",
        no_reason="Every model-invocation grant requires a named guardrail.",
        none_reason="The principal is granted no model invocation.",
        counter={"bedrock:GuardrailIdentifier": "absent"},
    )


# --- API keys ------------------------------------------------------------------------


def bearer_token_allowed(ctx: ScanContext, principal: Principal) -> Judgement:
    """Can ``principal`` call Bedrock with an API key (``bedrock:CallWithBearerToken``)?"""
    exp = exposure(
        policy_set(ctx, principal),
        BEARER,
        safe=lambda s: False,
        closes=lambda s: True if _unconditional(s) else None,
    )
    return answer(
        exp,
        yes_reason="Policy {policy} allows calls authenticated with Bedrock API keys and nothing denies them.",
        no_reason="Every grant of API-key calls is denied without conditions.",
        none_reason="The principal is granted no API-key calls.",
        counter={"bedrock:BearerTokenType": "SHORT_TERM or LONG_TERM"},
    )


# --- global inference profiles -------------------------------------------------------


def _global_deny(stmt: Statement) -> bool | None:
    if not stmt.conditions:
        return True
    for cond in stmt.conditions:
        values = [v.lower() for v in cond.values]
        if (
            cond.on("bedrock:InferenceProfileArn")
            and cond.base in ("ArnLike", "ArnEquals", "StringLike")
            and not cond.if_exists
            and any(reaches_global_profile(v) for v in cond.values)
        ):
            continue
        if (
            cond.on("aws:RequestedRegion")
            and cond.base == "StringEquals"
            and values == ["unspecified"]
        ):
            continue
        return None
    return True


def global_profile_allowed(ctx: ScanContext, principal: Principal) -> Judgement:
    """Can ``principal`` invoke a ``global.`` cross-region inference profile?"""
    exp = exposure(
        policy_set(ctx, principal),
        MODEL_INVOKE,
        safe=lambda s: False,
        closes=_global_deny,
        target="arn:aws:bedrock:*:*:inference-profile/global.*",
    )
    return answer(
        exp,
        yes_reason="Policy {policy} grants invocation of global inference profiles, which route to any commercial region.",
        no_reason="Grants that reach global inference profiles are denied.",
        none_reason="No grant reaches a global inference profile.",
        counter={"resource": "arn:aws:bedrock:<region>:<account>:inference-profile/global.<model>"},
    )


def bedrock_callers(ctx: ScanContext) -> list[Principal]:
    """Principals in the inventory that may be granted a Bedrock call."""
    return ctx.analysis(
        "bedrock-callers", lambda: [p for p in principals(ctx.inventory) if bedrock_caller(ctx, p)]
    )


def bedrock_caller(ctx: ScanContext, principal: Principal) -> bool:
    """Whether any policy of ``principal`` may grant a Bedrock call (or cannot be read)."""
    ps = policy_set(ctx, principal)
    if ps.problems:
        return True
    return any(stmt.covers_any(ANY_BEDROCK) is not False for _, stmt in ps.allows())
