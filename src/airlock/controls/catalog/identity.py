"""Identity layer, who may call Bedrock and how: scope, endpoint binding, trusts, sessions.

The static-credential controls are in :mod:`airlock.controls.catalog.identity_credentials`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from airlock.controls.aws_managed import BROAD_BEDROCK, managed_name
from airlock.controls.confused_deputy import deputy_exposure
from airlock.controls.invocation import (
    bearer_token_allowed,
    bedrock_callers,
    global_profile_allowed,
    invoke_outside_endpoint,
    unscoped_invocation,
)
from airlock.controls.judgement import Answer, Judgement
from airlock.controls.model import (
    Control,
    ControlFactory,
    Layer,
    ScanContext,
    Severity,
    Verdict,
    failed,
    not_applicable,
    passed,
    unknown,
)
from airlock.controls.principals import (
    Principal,
    PrincipalClass,
    classify,
    principals,
    trust_of,
)
from airlock.controls.statements import Statement, literal_prefix
from airlock.controls.verdicts import from_judgement
from airlock.inventory.identity import AccessKey, Group, PermissionSet, Role, User
from airlock.inventory.model import Unresolved
from airlock.obligations.model import Topic

#: roles assumed by people may keep a session at most this long (seconds). 3600 is also the
#: smallest MaxSessionDuration IAM accepts; shorter sessions are set by the identity provider.
HUMAN_MAX_SESSION_SECONDS = 3600


def _per_caller(
    question: Callable[[ScanContext, Principal], Judgement], *, skip_service_roles: bool
) -> Callable[[ScanContext], Iterator[Verdict]]:
    def check(ctx: ScanContext) -> Iterator[Verdict]:
        callers = bedrock_callers(ctx)
        if not callers:
            yield not_applicable(
                ctx.account_ref(), "No principal in this inventory is granted a Bedrock call."
            )
            return
        for principal in callers:
            klass = classify(ctx, principal)
            if skip_service_roles and klass is PrincipalClass.SERVICE:
                yield not_applicable(
                    principal,
                    f"Role {principal.id} is a service role: the service calls Bedrock on its own network path, so an endpoint condition does not apply.",
                    trusted_services=list(trust_of(ctx, principal).services)
                    if isinstance(principal, Role)
                    else [],
                )
                continue
            judgement = question(ctx, principal)
            if (
                skip_service_roles
                and klass is PrincipalClass.UNKNOWN
                and judgement.answer is Answer.YES
            ):
                problem = trust_of(ctx, principal).problem if isinstance(principal, Role) else None
                yield unknown(
                    principal,
                    f"Role {principal.id} would fail, but its trust policy cannot be read ({problem}); a service role is exempt.",
                    **judgement.evidence,
                )
                continue
            yield from_judgement(principal, judgement)

    return check


# --- AL-IAM-007 ------------------------------------------------------------------------


def _full_access(ctx: ScanContext) -> Iterator[Verdict]:
    keyed_users = {k.user for k in ctx.inventory.of(AccessKey) if isinstance(k.user, str)}
    for principal in principals(ctx.inventory):
        attached, unresolved = _broad_policies(ctx, principal)
        workload = _workload(ctx, principal, keyed_users)
        if not attached and not unresolved:
            if workload is True:
                yield passed(
                    principal, f"{_name(principal)} has no AmazonBedrockFullAccess attachment."
                )
            continue
        if workload is False:
            if attached:
                yield not_applicable(
                    principal,
                    f"{_name(principal)} holds AmazonBedrockFullAccess but is used by people, not a workload.",
                    policies=attached,
                )
            continue
        if attached:
            verdict = failed if workload else unknown
            suffix = "" if workload else " (whether it is a workload cannot be read)"
            yield verdict(
                principal,
                f"{_name(principal)} holds AmazonBedrockFullAccess{suffix}, which grants every Bedrock action on every resource.",
                policies=attached,
            )
        else:
            yield unknown(
                principal,
                f"Some managed policies of {_name(principal)} are unresolved and may include AmazonBedrockFullAccess.",
                unresolved=unresolved,
            )


def _broad_policies(ctx: ScanContext, principal: Principal) -> tuple[list[str], list[str]]:
    refs = list(principal.managed_policies)
    if isinstance(principal, User):
        for ref in principal.groups:
            group = ctx.inventory.find(ref, Group) if isinstance(ref, str) else None
            if group is not None:
                refs += group.managed_policies
    attached = [r for r in refs if isinstance(r, str) and managed_name(r) in BROAD_BEDROCK]
    unresolved = [r.reason for r in refs if isinstance(r, Unresolved)]
    return attached, unresolved


def _workload(ctx: ScanContext, principal: Principal, keyed_users: set[str]) -> bool | None:
    """True for workload and service roles and users with access keys; None when unknown."""
    if isinstance(principal, Role):
        klass = classify(ctx, principal)
        if klass is PrincipalClass.UNKNOWN:
            return None
        return klass in (PrincipalClass.WORKLOAD, PrincipalClass.SERVICE)
    if isinstance(principal, User):
        names = {principal.id, *(v for v in (principal.name, principal.arn) if isinstance(v, str))}
        return bool(names & keyed_users)
    return False


def _name(principal: Principal) -> str:
    kind = (
        "Role"
        if isinstance(principal, Role)
        else "User"
        if isinstance(principal, User)
        else "Group"
    )
    return f"{kind} {principal.id}"


# --- AL-IAM-008 ------------------------------------------------------------------------


def _confused_deputy(ctx: ScanContext) -> Iterator[Verdict]:
    for role in ctx.inventory.of(Role):
        judgement = deputy_exposure(ctx, role)
        if judgement is not None:
            yield from_judgement(role, judgement)


# --- AL-IAM-009 ------------------------------------------------------------------------


def _oidc(ctx: ScanContext) -> Iterator[Verdict]:
    for role in ctx.inventory.of(Role):
        trust = trust_of(ctx, role)
        if not trust.oidc:
            continue
        worst: Verdict | None = None
        for provider, host, stmt in trust.oidc:
            verdict = _judge_oidc(role, provider, host, stmt)
            if worst is None or _rank(verdict) < _rank(worst):
                worst = verdict
        if worst is not None:
            yield worst


def _rank(verdict: Verdict) -> int:
    return {"FAIL": 0, "UNKNOWN": 1, "PASS": 2}.get(verdict.status.value, 3)


def _judge_oidc(role: Role, provider: str, host: str | None, stmt: Statement) -> Verdict:
    claim = "aud" if host == "cognito-identity.amazonaws.com" else "sub"
    conds = [
        c for c in stmt.conditions
        if c.key.lower().endswith(f":{claim}") and (host is None or c.key.lower() == f"{host.lower()}:{claim}")
    ]  # fmt: skip
    evidence = {"provider": provider, "statement": stmt.shown()}
    usable = [c for c in conds if c.requires_key and c.base in ("StringEquals", "StringLike")]
    if not usable:
        if "Condition" in stmt.unresolved:
            return unknown(
                role,
                f"The {claim} condition of role {role.id}'s OIDC trust is unresolved.",
                **evidence,
            )
        return failed(
            role,
            f"Role {role.id} trusts OIDC provider {host or provider} without restricting the {claim} claim, so any identity of that provider can assume it.",
            **evidence,
        )
    values = [v for c in usable for v in c.values]
    if any(c.unresolved for c in usable) and not values:
        return unknown(
            role, f"The {claim} values of role {role.id}'s OIDC trust are unresolved.", **evidence
        )
    loose = [v for v in values if _loose_subject(v, host)]
    if loose:
        return failed(
            role,
            f"Role {role.id}'s OIDC trust accepts {claim} patterns that match any identity ({', '.join(loose)}).",
            **evidence,
        )
    return passed(
        role,
        f"Role {role.id}'s OIDC trust is restricted to {claim} {', '.join(values)}.",
        **evidence,
    )


def _loose_subject(value: str, host: str | None) -> bool:
    prefix = literal_prefix(value)
    if prefix == "":
        return True
    if host == "token.actions.githubusercontent.com":
        return not (prefix.startswith("repo:") and "/" in prefix)
    if host is not None and "oidc.eks." in host and prefix.startswith("system:serviceaccount:"):
        return prefix.count(":") < 3
    return False


# --- AL-IAM-010 ------------------------------------------------------------------------


def _sessions(ctx: ScanContext) -> Iterator[Verdict]:
    for role in ctx.inventory.of(Role):
        trust = trust_of(ctx, role)
        if not trust.human:
            continue
        duration = role.max_session_duration
        if isinstance(duration, Unresolved):
            yield unknown(role, f"The maximum session duration of role {role.id} is unresolved.")
        elif duration is not None and duration > HUMAN_MAX_SESSION_SECONDS:
            yield failed(
                role,
                f"Role {role.id} is assumed by people and allows {duration // 60}-minute sessions (more than {HUMAN_MAX_SESSION_SECONDS // 60}).",
                max_session_duration=duration,
                saml=trust.saml,
                aws_principals=list(trust.aws),
            )
        else:
            seconds = duration if duration is not None else 3600
            yield passed(
                role,
                f"Role {role.id} is assumed by people and caps sessions at {seconds // 60} minutes.",
                max_session_duration=seconds,
            )
    # every permission set is a way for people into the accounts it is assigned to
    for permission_set in ctx.inventory.of(PermissionSet):
        yield _judge_permission_set(permission_set)


def _judge_permission_set(permission_set: PermissionSet) -> Verdict:
    duration = permission_set.session_duration
    name = f"Identity Center permission set {permission_set.id}"
    if isinstance(duration, Unresolved):
        return unknown(
            permission_set, f"The session duration of {name} is unresolved: {duration.reason}."
        )
    seconds = duration if duration is not None else 3600  # Identity Center default PT1H
    default = " (the Identity Center default)" if duration is None else ""
    if seconds > HUMAN_MAX_SESSION_SECONDS:
        return failed(
            permission_set,
            f"{name} keeps people's sessions for {_span(seconds)}, more than {HUMAN_MAX_SESSION_SECONDS // 60} minutes.",
            session_duration=seconds,
        )
    return passed(
        permission_set,
        f"{name} caps people's sessions at {_span(seconds)}{default}.",
        session_duration=seconds,
    )


def _span(seconds: int) -> str:
    return f"{seconds // 60} minutes" if seconds % 60 == 0 else f"{seconds} seconds"


_ctl = ControlFactory(Layer.IDENTITY, (Topic.ACCESS_CONTROL,))


CONTROLS: tuple[Control, ...] = (
    _ctl(
        4,
        "Principals cannot call Bedrock with API keys",
        Severity.MEDIUM,
        "Calls authenticated with a Bedrock API key (bearer token) skip SigV4; allowing "
        "bedrock:CallWithBearerToken lets a short-term key be minted from any session and used "
        "from anywhere.",
        "Do not grant bedrock:CallWithBearerToken (it is included in bedrock:* and *); deny it "
        "and bedrock-mantle:CallWithBearerToken in an SCP.",
        _per_caller(bearer_token_allowed, skip_service_roles=False),
        topics=(Topic.AUTHENTICATION, Topic.ACCESS_CONTROL),
    ),
    _ctl(
        5,
        "Model invokers are scoped to model ARNs",
        Severity.HIGH,
        "A grant on every model lets a workload use models nobody approved, including "
        "cross-region profiles that process data elsewhere.",
        "List the foundation-model and inference-profile ARNs the workload is approved for in "
        "the Resource element of bedrock:InvokeModel* grants.",
        _per_caller(unscoped_invocation, skip_service_roles=False),
    ),
    _ctl(
        6,
        "Model invokers are bound to the VPC endpoint",
        Severity.CRITICAL,
        "Only a network condition on the identity side makes a leaked credential useless outside "
        "the VPC: endpoint policies govern traffic through the endpoint, not around it.",
        "Add a StringEquals aws:SourceVpce (or aws:SourceVpc) condition to every Bedrock grant of "
        "workload principals, or deny Bedrock when aws:SourceVpce is not the endpoint (identity "
        "policy, permissions boundary or SCP).",
        _per_caller(invoke_outside_endpoint, skip_service_roles=True),
        topics=(Topic.ACCESS_CONTROL, Topic.NETWORK_ISOLATION),
    ),
    _ctl(
        7,
        "Workloads do not hold AmazonBedrockFullAccess",
        Severity.HIGH,
        "AmazonBedrockFullAccess grants every Bedrock action on every resource, including "
        "logging configuration, guardrail deletion and API-key calls.",
        "Replace it with a customer-managed policy that grants the workload's actions on its "
        "model ARNs.",
        _full_access,
    ),
    _ctl(
        8,
        "Service roles pin the calling resource",
        Severity.MEDIUM,
        "Without aws:SourceAccount or aws:SourceArn in the trust policy, any account can point "
        "the trusted service at this role (the confused-deputy problem).",
        "Add StringEquals aws:SourceAccount and ArnLike aws:SourceArn (the agent, knowledge base "
        "or trail) to the trust statement of each service principal.",
        _confused_deputy,
    ),
    _ctl(
        9,
        "OIDC trusts are restricted by subject",
        Severity.CRITICAL,
        "An OIDC trust without a sub condition lets every identity of the provider assume the "
        "role -- for GitHub, any repository of any owner.",
        "Add StringEquals (or StringLike without a bare wildcard) <provider>:sub naming the "
        "repository and branch, or the service account, that may assume the role.",
        _oidc,
        topics=(Topic.AUTHENTICATION, Topic.ACCESS_CONTROL),
    ),
    _ctl(
        10,
        "Human sessions are short",
        Severity.LOW,
        f"A long session outlives the person's authorization; sessions of at most "
        f"{HUMAN_MAX_SESSION_SECONDS // 60} minutes keep revocation close to real time.",
        "Set MaxSessionDuration to 3600 seconds on roles assumed by people and a SessionDuration "
        "of at most PT1H on Identity Center permission sets, and shorter session durations for "
        "production.",
        _sessions,
        topics=(Topic.AUTHENTICATION,),
    ),
    _ctl(
        11,
        "Global inference profiles are not granted",
        Severity.MEDIUM,
        "A global. inference profile may process prompts in any commercial region, outside "
        "every residency boundary.",
        "Grant geographic or in-region model ARNs only, and deny bedrock:* when "
        'aws:RequestedRegion is "unspecified" and bedrock:InferenceProfileArn is a global. '
        "profile.",
        _per_caller(global_profile_allowed, skip_service_roles=False),
        topics=(Topic.ACCESS_CONTROL, Topic.RESIDENCY),
    ),
)
