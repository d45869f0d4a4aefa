"""Nitro Enclave attestation conditions in KMS key policies.

A key-policy statement can require that ``kms:Decrypt`` comes from an attested enclave:
``kms:RecipientAttestation:ImageSha384`` or ``kms:RecipientAttestation:PCR<n>`` with the
expected measurements. An enclave started in debug mode reports PCR values of all zeros, so
a condition that accepts zeros -- or a wildcard -- accepts a debuggable enclave.

Decrypt paths through AWS services (``kms:ViaService``, service principals) cannot present an
attestation document: S3, CloudWatch Logs or Bedrock decrypt on the caller's behalf. Those
paths are judged by the encryption controls; the isolation controls judge *direct* paths,
where a principal receives the plaintext data key itself.

Two questions, kept apart: does every direct path require attestation (AL-ISO-001:
``unattested``), and do the attestation checks that exist refuse a debug-mode enclave
(AL-ISO-002: ``debug``)? A check refuses one when the all-zero measurement fails it: an
Allow statement when one of its attestation conditions is false for zeros, the Deny guard
when all of its attestation conditions are true for zeros (a Deny applies when every
condition holds). Other Deny statements only ever refuse, so they never accept debug mode.

``kms:CreateGrant`` (also through ``kms:Create*``) is a direct path too: the caller grants
itself Decrypt and decrypts through the grant, and a grant's only constraints are on the
encryption context -- it cannot require attestation. Unless the statement limits the grant
to AWS resources (``kms:GrantIsForAWSResource``) or to operations without Decrypt
(``kms:GrantOperations``), or requires attestation itself (a CreateGrant request carries no
attestation document, so it never allows). A Deny guard still stops such a decrypt: an
explicit Deny in the key policy overrides grants.
"""

from __future__ import annotations

import re

from msgspec import Struct

from airlock.analysis.policy.condition import ConditionClause
from airlock.controls.key_access import CREATE_GRANT, DECRYPT, may_grant_decrypt
from airlock.controls.statements import Condition, ParsedPolicy, Statement, glob_match

_ATTESTATION = re.compile(r"^kms:recipientattestation:(imagesha384|pcr\d+)$", re.IGNORECASE)
_ZEROS = re.compile(r"^0+$")
#: every PCR (and ImageSha384, which is PCR0) of a debug-mode enclave: 48 zero bytes in hex
DEBUG_MEASUREMENT = "0" * 96
_EQUALS = ("StringEquals", "StringEqualsIgnoreCase", "StringNotEquals", "StringNotEqualsIgnoreCase")
_LIKE = ("StringLike", "StringNotLike")


def is_attestation(condition: Condition) -> bool:
    return _ATTESTATION.match(condition.key) is not None


def attested(stmt: Statement) -> bool:
    """An Allow that only an enclave presenting the expected measurement can use."""
    return any(
        is_attestation(c) and c.requires_key and bool(c.values) and not c.negated
        for c in stmt.conditions
    )


def accepts_debug(cond: Condition) -> bool | None:
    """Whether the measurement of a debug-mode enclave (all zeros) satisfies the attestation
    condition ``cond`` (None: cannot tell -- an operator Airlock does not read here, or a lost
    value that may be zeros). A zero value is read as the debug measurement whatever its
    length; a pattern as IAM matches it."""
    if cond.base == "Null":
        # the key is present (zeros): "Null: false" holds, "Null: true" does not
        values = {v.lower() for v in cond.values}
        if values == {"false"}:
            return True
        return False if values == {"true"} else None
    if cond.base in _EQUALS:
        hit = any(_ZEROS.match(v) for v in cond.values)
    elif cond.base in _LIKE:
        hit = any(glob_match(v, DEBUG_MEASUREMENT) for v in cond.values)
    else:
        return None
    if not hit and cond.unresolved:
        return None
    return hit != cond.negated


def via_service(stmt: Statement) -> bool:
    """A Decrypt path through an AWS service (no attestation possible)."""
    if stmt.principals and all(kind == "Service" for kind, _ in stmt.principals):
        return True
    return any(c.on("kms:ViaService") and c.requires_key for c in stmt.conditions)


def grants_decrypt(stmt: Statement) -> bool:
    """An Allow for CreateGrant by which a caller may grant itself Decrypt (see the module
    docstring); the attestation and service checks are the caller's."""
    if stmt.covers_action(CREATE_GRANT) is not True:
        return False
    clauses = [ConditionClause.parse(c.operator, c.key, c.values, False) for c in stmt.conditions]
    return may_grant_decrypt(clauses)


class AttestationFacts(Struct, frozen=True):
    direct: tuple[Statement, ...]
    unattested: tuple[Statement, ...]
    #: a Deny that refuses Decrypt without attestation for every direct caller
    guard: Statement | None
    #: attestation conditions of a check that a debug-mode enclave passes (zeros, a
    #: wildcard, a presence test)
    debug: tuple[Condition, ...]
    unreadable: tuple[int, ...]
    #: the unattested statements that reach Decrypt through a grant the caller creates
    through_grants: tuple[Statement, ...] = ()
    #: the checks (Allow statements with attestation conditions, the guard)
    checks: tuple[Statement, ...] = ()
    #: checks of which Airlock cannot tell whether they refuse a debug-mode enclave
    unclear: tuple[Statement, ...] = ()

    @property
    def any_attestation(self) -> bool:
        """The key checks attestation somewhere (AL-ISO-002 judges those checks)."""
        return bool(self.checks)


def attestation_facts(parsed: ParsedPolicy) -> AttestationFacts:
    direct: list[Statement] = []
    unattested: list[Statement] = []
    through_grants: list[Statement] = []
    debug: list[Condition] = []
    unreadable: list[int] = []
    for stmt in parsed.statements:
        if not stmt.allows:
            continue
        covers = stmt.covers_action(DECRYPT)
        if covers is None or "Condition" in stmt.unresolved:
            unreadable.append(stmt.index)
            continue
        if via_service(stmt):
            continue
        if covers:
            direct.append(stmt)
            if not attested(stmt):
                unattested.append(stmt)
        elif grants_decrypt(stmt) and not attested(stmt):
            direct.append(stmt)
            unattested.append(stmt)
            through_grants.append(stmt)
    guard = _guard(parsed)
    checks = [s for s in parsed.allows if any(is_attestation(c) for c in s.conditions)]
    checks += [guard] if guard is not None else []
    unclear: list[Statement] = []
    for stmt in checks:
        refuses, passed_by_zeros = _refuses_debug(stmt)
        if refuses is None:
            unclear.append(stmt)
        elif not refuses:
            debug += passed_by_zeros
    return AttestationFacts(
        tuple(direct), tuple(unattested), guard, tuple(debug), tuple(unreadable),
        tuple(through_grants), tuple(checks), tuple(unclear),
    )  # fmt: skip


def _refuses_debug(check: Statement) -> tuple[bool | None, list[Condition]]:
    """Whether ``check`` refuses a debug-mode enclave (None: cannot tell), and when it does
    not, the attestation conditions that let the enclave's zeros through."""
    conds = [c for c in check.conditions if is_attestation(c)]
    answers = [accepts_debug(c) for c in conds]
    if check.denies:
        # the guard refuses only when every attestation condition holds for zeros
        failing = [c for c, a in zip(conds, answers, strict=True) if a is False]
        if failing:
            return False, failing
        return (None, []) if None in answers else (True, [])
    # an Allow refuses as soon as one of its attestation conditions fails for zeros
    if False in answers:
        return True, []
    if None in answers or "Condition" in check.unresolved:
        return None, []  # a lost value or condition may refuse zeros
    return False, conds


def _guard(parsed: ParsedPolicy) -> Statement | None:
    for stmt in parsed.denies:
        if (
            stmt.covers_action(DECRYPT) is not True
            or stmt.not_resource
            or "*" not in stmt.resources
        ):
            continue
        if not stmt.open_principal or not stmt.conditions:
            continue
        checks = [c for c in stmt.conditions if is_attestation(c)]
        others = [c for c in stmt.conditions if not is_attestation(c)]
        if not checks or any(not _service_exemption(c) for c in others):
            continue
        if all(_refuses_missing(c) for c in checks):
            return stmt
    return None


def _refuses_missing(cond: Condition) -> bool:
    values = {v.lower() for v in cond.values}
    if cond.base == "Null":
        return values == {"true"}
    return cond.negated and bool(cond.values)


def _service_exemption(cond: Condition) -> bool:
    """``Null kms:ViaService = true``: the deny only applies to direct calls."""
    return (
        cond.on("kms:ViaService")
        and cond.base == "Null"
        and {v.lower() for v in cond.values} == {"true"}
    )
