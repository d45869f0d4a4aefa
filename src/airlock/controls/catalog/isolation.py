"""Isolation layer: Nitro Enclaves when the operator is in the threat model.

Every control is NOT_APPLICABLE unless ``Settings.operator_in_threat_model`` is set. See
:mod:`airlock.controls.enclave` for why only direct Decrypt paths must carry attestation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from airlock.controls.enclave import attestation_facts
from airlock.controls.invocation import bedrock_caller
from airlock.controls.key_access import decrypt_access
from airlock.controls.keys import customer_keys
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
from airlock.controls.principals import principal_arn
from airlock.controls.purposes import BEDROCK_DATA_PURPOSES, key_usage
from airlock.controls.statements import ParsedPolicy, parse_policy
from airlock.inventory.compute import Instance
from airlock.inventory.encryption import KmsKey, KmsReplicaKey
from airlock.inventory.identity import InstanceProfile, Role
from airlock.inventory.model import Unresolved
from airlock.obligations.model import Topic

Check = Callable[[ScanContext], Iterator[Verdict]]


def _operator(check: Check) -> Check:
    def run(ctx: ScanContext) -> Iterator[Verdict]:
        if not ctx.settings.operator_in_threat_model:
            yield not_applicable(
                ctx.account_ref(),
                "The operator is not in the threat model, so Nitro Enclaves are not required.",
            )
            return
        yield from check(ctx)

    return run


def bedrock_data_keys(ctx: ScanContext) -> list[KmsKey | KmsReplicaKey]:
    usage = key_usage(ctx)
    return [
        k
        for k in customer_keys(ctx.inventory)
        if BEDROCK_DATA_PURPOSES & usage.purposes(k.id).keys()
    ]


def _policy(key: KmsKey | KmsReplicaKey) -> ParsedPolicy | Unresolved | None:
    return parse_policy(key.policy)


# --- AL-ISO-001 ------------------------------------------------------------------------


def _attestation(ctx: ScanContext) -> Iterator[Verdict]:
    keys = bedrock_data_keys(ctx)
    if not keys:
        yield not_applicable(
            ctx.account_ref(), "No customer-managed key in this inventory protects Bedrock data."
        )
        return
    usage = key_usage(ctx)
    for key in keys:
        purposes = [p.value for p in usage.purposes(key.id)]
        parsed = _policy(key)
        if parsed is None:
            yield failed(
                key,
                f"Key {key.id} uses the default policy: IAM principals of the account can decrypt without enclave attestation.",
                purposes=purposes,
            )
            continue
        if isinstance(parsed, Unresolved):
            yield unknown(key, f"The policy of key {key.id} is unresolved: {parsed.reason}.")
            continue
        facts = attestation_facts(parsed)
        if facts.guard is not None:
            yield passed(
                key,
                f"Key {key.id} denies direct Decrypt without enclave attestation.",
                guard=facts.guard.shown(),
                purposes=purposes,
            )
        elif facts.unattested:
            grants = len(facts.through_grants)
            how = (
                f" ({grants} of these statements through a grant the caller creates for itself with kms:CreateGrant, which cannot require attestation)"
                if grants
                else ""
            )
            yield failed(
                key,
                f"Key {key.id} protects {', '.join(purposes)} and lets principals decrypt directly without enclave attestation{how}.",
                statements=[s.shown() for s in facts.unattested],
                **({"through_grants": [s.shown() for s in facts.through_grants]} if grants else {}),
            )
        elif facts.unreadable:
            yield unknown(
                key,
                f"Some Decrypt statements of key {key.id} are unresolved.",
                statements=list(facts.unreadable),
            )
        elif facts.direct:
            yield passed(
                key,
                f"Every direct Decrypt path of key {key.id} requires enclave attestation ({len(facts.direct)} statements).",
                purposes=purposes,
            )
        else:
            yield passed(
                key,
                f"No statement of key {key.id} lets a principal decrypt directly: only AWS services decrypt with it, so no path bypasses attestation.",
                purposes=purposes,
            )


# --- AL-ISO-002 ------------------------------------------------------------------------


def _debug_mode(ctx: ScanContext) -> Iterator[Verdict]:
    judged = False
    for key in customer_keys(ctx.inventory):
        parsed = _policy(key)
        if isinstance(parsed, Unresolved):
            judged = True
            yield unknown(key, f"The policy of key {key.id} is unresolved: {parsed.reason}.")
            continue
        if parsed is None:
            continue
        facts = attestation_facts(parsed)
        if not facts.any_attestation:
            continue
        judged = True
        if facts.debug:
            yield failed(
                key,
                f"Key {key.id} has an attestation check that a debug-mode enclave passes: it accepts an all-zero measurement, a wildcard or any measurement at all.",
                conditions=[c.as_json() for c in facts.debug],
            )
        elif facts.unclear:
            yield unknown(
                key,
                f"Whether the attestation checks of key {key.id} refuse a debug-mode enclave cannot be read: a measurement or condition is unresolved or uses an operator Airlock does not read.",
                statements=[s.shown() for s in facts.unclear],
            )
        else:
            # direct paths without attestation are AL-ISO-001's question: a debug-mode enclave
            # can use them no more than any other host of a principal they allow
            side = facts.unattested if facts.guard is None else ()
            grants = len([s for s in side if s in facts.through_grants])
            how = f", {grants} through a grant they create for themselves" if grants else ""
            note = (
                f" {len(side)} statement(s) let the principals they allow decrypt directly without attestation{how}; AL-ISO-001 judges those paths."
                if side
                else ""
            )
            yield passed(
                key,
                f"Key {key.id} accepts only specific enclave measurements.{note}",
                **({"unattested_statements": [s.shown() for s in side]} if side else {}),
            )
    if not judged:
        yield not_applicable(
            ctx.account_ref(),
            "No key in this inventory requires enclave attestation (AL-ISO-001 judges that).",
        )


# --- AL-ISO-003 ------------------------------------------------------------------------


def _instances(ctx: ScanContext) -> Iterator[Verdict]:
    instances = ctx.inventory.of(Instance)
    if not instances:
        yield not_applicable(
            ctx.account_ref(), "No EC2 instance in this inventory could host an enclave."
        )
        return
    decryptors = {name for key in bedrock_data_keys(ctx) for name in decrypt_access(ctx, key).named}
    for instance in instances:
        role = _role_of(ctx, instance)
        if isinstance(role, str):
            yield unknown(
                instance, f"The role of instance {instance.id} cannot be resolved ({role})."
            )
            continue
        if role is None:
            yield not_applicable(
                instance,
                f"Instance {instance.id} has no role, so it cannot call Bedrock or decrypt its data.",
            )
            continue
        handles = bedrock_caller(ctx, role) or (principal_arn(role) or role.id) in decryptors
        if not handles:
            yield not_applicable(
                instance,
                f"Instance {instance.id}'s role {role.id} neither calls Bedrock nor decrypts its data.",
            )
            continue
        enabled = instance.enclave_enabled
        if isinstance(enabled, Unresolved):
            yield unknown(
                instance, f"Whether instance {instance.id} enables Nitro Enclaves is unresolved."
            )
        elif enabled:
            yield passed(
                instance,
                f"Instance {instance.id} handles Bedrock data with Nitro Enclaves enabled.",
                role=role.id,
            )
        else:
            yield failed(
                instance,
                f"Instance {instance.id} handles Bedrock data without Nitro Enclaves enabled.",
                role=role.id,
            )


def _role_of(ctx: ScanContext, instance: Instance) -> Role | str | None:
    ref = instance.instance_profile
    if ref is None:
        return None
    if isinstance(ref, Unresolved):
        return ref.reason
    profile = ctx.inventory.find(ref, InstanceProfile)
    if profile is None:
        return f"instance profile {ref} is not in the inventory"
    for role_ref in profile.roles:
        role = ctx.inventory.find(role_ref, Role) if isinstance(role_ref, str) else None
        if role is None:
            return f"a role of instance profile {profile.id} is not in the inventory"
        return role
    return None


_catalog = ControlFactory(Layer.ISOLATION, (Topic.ISOLATION, Topic.KEY_MANAGEMENT))


def _ctl(
    number: int, title: str, severity: Severity, rationale: str, remediation: str, check: Check
) -> Control:
    """A control that judges only when the operator is in the threat model."""
    return _catalog(number, title, severity, rationale, remediation, _operator(check))


CONTROLS: tuple[Control, ...] = (
    _ctl(
        1,
        "Direct decryption of Bedrock data requires enclave attestation",
        Severity.HIGH,
        "When the operator is an adversary, plaintext must only exist inside an attested enclave; "
        "a Decrypt path without kms:RecipientAttestation hands the data key to any host the "
        "operator controls.",
        "Condition every direct kms:Decrypt grant on kms:RecipientAttestation:ImageSha384 (or the "
        "PCRs) of the release build, or deny Decrypt without attestation when kms:ViaService is "
        "absent.",
        _attestation,
    ),
    _ctl(
        2,
        "Enclave attestation excludes debug mode",
        Severity.HIGH,
        "A debug-mode enclave reports all-zero measurements and exposes its memory to the host; "
        "an attestation check that accepts zeros, a wildcard or any measurement defeats the "
        "attestation (Decrypt paths without any check are AL-ISO-001's).",
        "Pin the attestation conditions to the measurements of the signed release image "
        "(ImageSha384 or PCR0), never to zeros or a wildcard.",
        _debug_mode,
    ),
    _ctl(
        3,
        "Bedrock-facing instances run Nitro Enclaves",
        Severity.MEDIUM,
        "Attestation conditions only help if the instance that processes Bedrock responses can "
        "start an enclave.",
        "Launch the instances that call Bedrock or decrypt its data with EnclaveOptions enabled, "
        "and process plaintext only inside the enclave.",
        _instances,
    ),
)
