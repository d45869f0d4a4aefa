"""Nitro Enclave attestation conditions in KMS key policies.

A key-policy statement can require that ``kms:Decrypt`` comes from an attested enclave:
``kms:RecipientAttestation:ImageSha384`` or ``kms:RecipientAttestation:PCR<n>`` with the
expected measurements. An enclave started in debug mode reports PCR values of all zeros, so
a condition that accepts zeros -- or a wildcard -- accepts a debuggable enclave.

Decrypt paths through AWS services (``kms:ViaService``, service principals) cannot present an
attestation document: S3, CloudWatch Logs or Bedrock decrypt on the caller's behalf. Those
paths are judged by the encryption controls; the isolation controls judge *direct* paths,
where a principal receives the plaintext data key itself.
"""

from __future__ import annotations

import re

from msgspec import Struct

from airlock.controls.key_access import DECRYPT
from airlock.controls.statements import Condition, ParsedPolicy, Statement

_ATTESTATION = re.compile(r"^kms:recipientattestation:(imagesha384|pcr\d+)$", re.IGNORECASE)
_ZEROS = re.compile(r"^0+$")


def is_attestation(condition: Condition) -> bool:
    return _ATTESTATION.match(condition.key) is not None


def attested(stmt: Statement) -> bool:
    """An Allow that only an enclave presenting the expected measurement can use."""
    return any(
        is_attestation(c) and c.requires_key and bool(c.values) and not c.negated
        for c in stmt.conditions
    )


def via_service(stmt: Statement) -> bool:
    """A Decrypt path through an AWS service (no attestation possible)."""
    if stmt.principals and all(kind == "Service" for kind, _ in stmt.principals):
        return True
    return any(c.on("kms:ViaService") and c.requires_key for c in stmt.conditions)


class AttestationFacts(Struct, frozen=True):
    direct: tuple[Statement, ...]
    unattested: tuple[Statement, ...]
    #: a Deny that refuses Decrypt without attestation for every direct caller
    guard: Statement | None
    #: conditions that accept a debug-mode enclave (zeros) or any image (wildcards)
    debug: tuple[Condition, ...]
    unreadable: tuple[int, ...]

    @property
    def any_attestation(self) -> bool:
        return self.guard is not None or len(self.unattested) < len(self.direct)


def attestation_facts(parsed: ParsedPolicy) -> AttestationFacts:
    direct: list[Statement] = []
    unattested: list[Statement] = []
    debug: list[Condition] = []
    unreadable: list[int] = []
    for stmt in parsed.statements:
        for cond in stmt.conditions:
            if is_attestation(cond) and any(
                _ZEROS.match(v) or v.strip("*?") == "" for v in cond.values
            ):
                debug.append(cond)
        if not stmt.allows:
            continue
        covers = stmt.covers_action(DECRYPT)
        if covers is None or "Condition" in stmt.unresolved:
            unreadable.append(stmt.index)
            continue
        if not covers or via_service(stmt):
            continue
        direct.append(stmt)
        if not attested(stmt):
            unattested.append(stmt)
    return AttestationFacts(
        tuple(direct), tuple(unattested), _guard(parsed), tuple(debug), tuple(unreadable)
    )


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
