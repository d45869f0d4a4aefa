"""Policy size and statement counts (KMS key policies are limited to 32 KB).

The size of a document given as text is the UTF-8 byte length of that text (what
``GetKeyPolicy`` returned). A document given as a dict is measured on its compact JSON
serialisation, a lower bound of what AWS stores.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .document import PolicyDocument

KEY_POLICY_SIZE_LIMIT = 32_768


def policy_size_bytes(policy: PolicyDocument | str | bytes | Mapping[str, Any]) -> int:
    if isinstance(policy, PolicyDocument):
        return policy.size_bytes
    if isinstance(policy, bytes):
        return len(policy)
    if isinstance(policy, str):
        return len(policy.encode("utf-8"))
    return len(json.dumps(policy, separators=(",", ":")).encode("utf-8"))


def statement_count(policy: PolicyDocument) -> int:
    """Statements written in the document (including ones with no effect)."""
    return sum(1 for stmt in policy.statements if not stmt.opaque)


def inert_statements(policy: PolicyDocument) -> tuple[str, ...]:
    """Why each ineffective statement (key policy without Action/Resource) has no effect."""
    return tuple(f"{stmt.ref}: {stmt.inert}" for stmt in policy.statements if stmt.inert)
