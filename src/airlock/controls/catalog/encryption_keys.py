"""Encryption layer, the keys themselves: policies, rotation, size, purposes, decryption."""

from __future__ import annotations

from collections.abc import Iterator

from airlock.analysis.policy import Verdict as Decision
from airlock.controls.authorization import authorization
from airlock.controls.key_access import judge_decryption, open_statements
from airlock.controls.key_policy import (
    KEY_POLICY_LIMIT_BYTES,
    KEY_POLICY_WARN_RATIO,
    PolicySize,
    policy_size,
)
from airlock.controls.keys import customer_keys
from airlock.controls.model import (
    Control,
    ControlFactory,
    Layer,
    ResourceRef,
    ScanContext,
    Severity,
    Verdict,
    failed,
    not_applicable,
    passed,
    unknown,
)
from airlock.controls.purposes import AUDIT_PURPOSES, WORKLOAD_PURPOSES, key_usage
from airlock.controls.statements import ParsedPolicy, parse_policy
from airlock.controls.verdicts import from_judgement
from airlock.inventory.encryption import KmsKey, KmsReplicaKey
from airlock.inventory.model import Inventory, Unresolved
from airlock.obligations.model import Topic

#: a key protecting artefacts of more purposes than this fails the per-purpose control: every
#: purpose behind one policy and one set of grants widens what one mistake exposes
MAX_PURPOSES = 3
#: symmetric keys should rotate at least this often
MAX_ROTATION_DAYS = 365

Key = KmsKey | KmsReplicaKey


def _aws_managed(inventory: Inventory) -> Iterator[Verdict]:
    for key in inventory.of(KmsKey):
        if key.manager.upper() == "AWS":
            yield not_applicable(
                key, f"Key {key.id} is AWS managed; AWS sets its policy and rotation."
            )


# --- AL-ENC-012 open principals --------------------------------------------------------


def _open_principals(ctx: ScanContext) -> Iterator[Verdict]:
    yield from _aws_managed(ctx.inventory)
    for key in customer_keys(ctx.inventory):
        parsed = parse_policy(key.policy)
        if parsed is None:
            yield passed(
                key, f"Key {key.id} uses the default key policy, which trusts only its own account."
            )
        elif isinstance(parsed, Unresolved):
            yield unknown(key, f"The policy of key {key.id} is unresolved: {parsed.reason}.")
        else:
            yield _judge_open(ctx, key, parsed)


def _judge_open(ctx: ScanContext, key: Key, parsed: ParsedPolicy) -> Verdict:
    auth = authorization(ctx)
    found = open_statements(auth, key)
    opened = [o for o in found if o.status is Decision.ALLOW and o.principal == "*"]
    shown = [auth.book.written(o.ref).get("statement") for o in opened]
    if opened:
        return failed(
            key,
            f"The policy of key {key.id} allows any principal in any account without a condition that pins the caller.",
            statements=shown,
            counterexamples=[{"statement": str(o.ref), "context": o.context} for o in opened],
        )
    doubtful = [o for o in found if o.status is Decision.UNKNOWN]
    if doubtful or parsed.problems:
        return unknown(
            key,
            f"Parts of the policy of key {key.id} are unresolved, so an open principal cannot be ruled out.",
            statements=[auth.book.written(o.ref).get("statement") for o in doubtful],
            problems=[o.reason for o in doubtful] + list(parsed.problems),
        )
    return passed(key, f"No statement of the policy of key {key.id} opens it to any principal.")


# --- AL-ENC-013 rotation ---------------------------------------------------------------


def _rotation(ctx: ScanContext) -> Iterator[Verdict]:
    yield from _aws_managed(ctx.inventory)
    for key in ctx.inventory.of(KmsKey):
        if key.manager.upper() != "AWS":
            yield _judge_rotation(key)


def _judge_rotation(key: KmsKey) -> Verdict:
    spec, usage = key.key_spec, key.key_usage
    if isinstance(spec, Unresolved) or isinstance(usage, Unresolved):
        return unknown(
            key, f"The key spec of key {key.id} is unresolved, so rotation support is unknown."
        )
    if spec not in (None, "SYMMETRIC_DEFAULT") or usage not in (None, "ENCRYPT_DECRYPT"):
        return not_applicable(
            key,
            f"Key {key.id} is {spec or usage}; only symmetric encryption keys rotate automatically.",
            key_spec=spec,
            key_usage=usage,
        )
    enabled, period = key.rotation_enabled, key.rotation_period_days
    if isinstance(enabled, Unresolved):
        return unknown(key, f"Whether key {key.id} rotates is unresolved: {enabled.reason}.")
    if not enabled:
        return failed(key, f"Key {key.id} does not rotate automatically.", rotation_enabled=enabled)
    if isinstance(period, Unresolved):
        return unknown(key, f"The rotation period of key {key.id} is unresolved: {period.reason}.")
    days = period if period is not None else 365
    if days > MAX_ROTATION_DAYS:
        return failed(
            key,
            f"Key {key.id} rotates only every {days} days (more than {MAX_ROTATION_DAYS}).",
            rotation_period_days=days,
        )
    return passed(
        key, f"Key {key.id} rotates automatically every {days} days.", rotation_period_days=days
    )


# --- AL-ENC-014 policy size ------------------------------------------------------------


def _size(ctx: ScanContext) -> Iterator[Verdict]:
    yield from _aws_managed(ctx.inventory)
    for key in customer_keys(ctx.inventory):
        policy = key.policy
        if policy is None:
            yield passed(
                key, f"Key {key.id} uses the default key policy, far below the 32 KB limit."
            )
            continue
        if isinstance(policy, Unresolved):
            yield unknown(key, f"The policy of key {key.id} is unresolved: {policy.reason}.")
            continue
        size = policy_size(policy)
        parsed = parse_policy(policy)
        count = len(parsed.statements) if isinstance(parsed, ParsedPolicy) else None
        evidence = {
            "bytes": size.bytes,
            "limit_bytes": KEY_POLICY_LIMIT_BYTES,
            "percent": round(size.ratio * 100, 1),
            "estimated": size.estimated,
            "statements": count,
        }
        if size.ratio > 1:
            yield failed(
                key,
                f"The policy of key {key.id} is {size.bytes} bytes, over the 32,768-byte limit.",
                **evidence,
            )
        elif size.ratio > KEY_POLICY_WARN_RATIO:
            yield failed(
                key,
                f"The policy of key {key.id} uses {evidence['percent']}% of the 32 KB limit; split the key by purpose before it stops growing.",
                **evidence,
            )
        else:
            yield passed(
                key,
                f"The policy of key {key.id} uses {evidence['percent']}% of the 32 KB limit.",
                **evidence,
            )


# --- AL-ENC-015 per-purpose keys -------------------------------------------------------


def _purposes(ctx: ScanContext) -> Iterator[Verdict]:
    usage = key_usage(ctx)
    in_inventory = {key.id: key for key in customer_keys(ctx.inventory)}
    for key_id in dict.fromkeys([*in_inventory, *usage.by_key]):
        purposes = usage.purposes(key_id)
        subject = in_inventory.get(key_id) or ResourceRef(type="kms-key", id=key_id)
        shown = {p.value: list(users) for p, users in purposes.items()}
        names = ", ".join(p.value for p in purposes)
        audit = AUDIT_PURPOSES & purposes.keys()
        workload = WORKLOAD_PURPOSES & purposes.keys()
        if audit and workload:
            yield failed(
                subject,
                f"Key {key_id} protects both the audit record and workload data ({names}), so whoever may read workload data may read the audit record.",
                purposes=shown,
            )
        elif len(purposes) > MAX_PURPOSES:
            # the concern is the blast radius; the policy's size is AL-ENC-014's measure, and
            # named here only when it is measured near the limit
            size = _size_of(in_inventory.get(key_id))
            percent = round(size.ratio * 100, 1) if size is not None else None
            near = size is not None and size.ratio > KEY_POLICY_WARN_RATIO
            yield failed(
                subject,
                f"Key {key_id} protects {len(purposes)} purposes ({names}), more than {MAX_PURPOSES}: one key policy and one set of grants decide access to all of them, so one grant too broad for one purpose exposes the data of every other, and disabling or deleting the key stops them all"
                + (f"; its policy already uses {percent}% of the 32 KB limit." if near else "."),
                purposes=shown,
                policy_percent_of_limit=percent,
            )
        else:
            yield passed(
                subject,
                f"Key {key_id} protects {len(purposes)} purpose(s){': ' + names if names else ''}.",
                purposes=shown,
                unresolved_references=[f"{r}: {why}" for r, why in usage.unresolved][:10],
            )
    if not usage.by_key and usage.unresolved and not in_inventory:
        yield unknown(
            ctx.account_ref(),
            "The keys of some artefacts are unresolved, so key sharing cannot be judged.",
            unresolved=[f"{r}: {why}" for r, why in usage.unresolved][:10],
        )


def _size_of(key: Key | None) -> PolicySize | None:
    """The measured size of the key's own policy (None: no key, default or unresolved policy)."""
    if key is None or key.policy is None or isinstance(key.policy, Unresolved):
        return None
    return policy_size(key.policy)


# --- AL-ENC-016 decryption -------------------------------------------------------------


def _decryption(ctx: ScanContext) -> Iterator[Verdict]:
    yield from _aws_managed(ctx.inventory)
    for key in customer_keys(ctx.inventory):
        yield from_judgement(key, judge_decryption(ctx, key))


_ctl = ControlFactory(Layer.ENCRYPTION, (Topic.KEY_MANAGEMENT, Topic.ENCRYPTION_AT_REST))


CONTROLS: tuple[Control, ...] = (
    _ctl(
        12,
        "Key policies have no open principals",
        Severity.CRITICAL,
        'A key-policy Allow for Principal "*" without a condition that pins the caller\'s '
        "account, organization, ARN or network path lets any AWS account use the key; the data "
        "it protects is then only as private as its ciphertext.",
        "Replace the wildcard principal with named principals, or add kms:CallerAccount / "
        "aws:PrincipalOrgID (with kms:ViaService where a service calls on the caller's behalf).",
        _open_principals,
        "CKV_AWS_33",
    ),
    _ctl(
        13,
        "Symmetric keys rotate automatically",
        Severity.MEDIUM,
        "Automatic rotation bounds how much data one key version protects; regimes expect at "
        "least annual rotation.",
        "Enable automatic rotation (EnableKeyRotation / enable_key_rotation) with a period of "
        "at most 365 days.",
        _rotation,
        "CKV_AWS_7",
    ),
    _ctl(
        14,
        "Key policies stay below 80% of the 32 KB limit",
        Severity.LOW,
        "Key policies grow with every principal that needs the key; at 32,768 bytes PutKeyPolicy "
        "fails and the next principal cannot be added during an incident.",
        "Split the key by purpose (invocation logs, knowledge bases, vector store, secrets) so "
        "each policy stays small.",
        _size,
    ),
    _ctl(
        15,
        "Keys are not shared across purposes",
        Severity.LOW,
        "One key for everything puts the data of every purpose behind one policy and one set of "
        "grants: the audit record becomes readable by whoever reads workload data, a grant too "
        "broad for one purpose exposes the others, and disabling or deleting the key stops all "
        "of them. (The size of the policy is measured by AL-ENC-014.)",
        f"Use one customer-managed key per purpose; never share the key of the audit record "
        f"with workload data, and keep any key below {MAX_PURPOSES + 1} purposes.",
        _purposes,
    ),
    _ctl(
        16,
        "Decryption is limited to named principals",
        Severity.HIGH,
        "The key policy decides who can read the data: a small set of named workload, audit, "
        "incident-response and break-glass roles, not every identity the account's IAM policies "
        "might allow.",
        "Grant kms:Decrypt to named role ARNs in the key policy; keep the account-root statement "
        "to key administration, or add a Deny for every principal outside the named set "
        "(aws:PrincipalArn).",
        _decryption,
    ),
)
