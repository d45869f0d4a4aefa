"""Credential-looking environment variables, found by name and by value.

A value is never shown: evidence carries the variable name and a redacted hint (the kind of
credential and its length).

By name: the words of the name (split on ``_``, ``-``, ``.`` and camelCase) include
``PASSWORD``, ``SECRET``, ``TOKEN``, ``CREDENTIAL(S)``, ``PASSPHRASE``, ``APIKEY`` or one of
the pairs ``API KEY``, ``ACCESS KEY``, ``PRIVATE KEY`` -- unless the last word says the
variable holds a reference or a setting (``..._ARN``, ``..._NAME``, ``..._ENDPOINT``,
``..._TTL``...) or a word makes it a count (``MAX_TOKENS``). ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY`` and ``AWS_SESSION_TOKEN`` always count.

By value: AWS access key ids (``AKIA``/``ASIA``...), Bedrock API keys (long-term ``ABSK...``,
short-term ``bedrock-api-key-...``), and CloudFormation dynamic references to Secrets Manager
or SecureString parameters, which put the plaintext into the function configuration at
deploy time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import pairwise

from msgspec import Struct

from airlock.inventory.model import Unresolved, Val

_SECRET_WORDS = frozenset(
    {
        "PASSWORD",
        "PASSWD",
        "PWD",
        "SECRET",
        "TOKEN",
        "CREDENTIAL",
        "CREDENTIALS",
        "PASSPHRASE",
        "APIKEY",
    }
)
_SECRET_PAIRS = frozenset({("API", "KEY"), ("ACCESS", "KEY"), ("PRIVATE", "KEY")})
_REFERENCE_TAIL = frozenset(
    {
        "ARN", "NAME", "ID", "PATH", "PARAM", "PARAMETER", "URL", "URI", "ENDPOINT", "HOST",
        "FILE", "TTL", "TYPE", "HEADER", "REGION", "LENGTH", "EXPIRY", "EXPIRATION", "ENABLED",
        "DISABLED", "TIMEOUT", "SECONDS", "MINUTES", "LIMIT", "COUNT", "SIZE", "PREFIX",
        "VERSION", "FIELD", "LOCATION", "AUDIENCE", "ISSUER", "SCOPE", "SCOPES",
    }
)  # fmt: skip
_COUNTING = frozenset({"MAX", "MIN", "NUM", "COUNT", "LIMIT"})
_ALWAYS = frozenset({"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"})

_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_ACCESS_KEY = re.compile(r"\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b")
_BEDROCK_LONG = re.compile(r"\bABSK[A-Za-z0-9+/=]{20,}")
_BEDROCK_SHORT = re.compile(r"\bbedrock-api-key-[A-Za-z0-9+/=._-]{10,}")
_DYNAMIC_SECRET = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure):")


class CredentialHit(Struct, frozen=True):
    variable: str
    why: str
    #: a redacted description of the value (kind and length), never the value
    hint: str
    #: False when only the name is credential-like and the value could not be seen
    certain: bool = True

    def shown(self) -> dict[str, str]:
        return {"variable": self.variable, "why": self.why, "value": self.hint}


def credential_name(name: str) -> bool:
    if name.upper() in _ALWAYS:
        return True
    words = [w.upper() for w in _SPLIT.split(name) if w]
    if not words or words[-1] in _REFERENCE_TAIL or _COUNTING & set(words):
        return False
    if _SECRET_WORDS & set(words):
        return True
    return any(pair in _SECRET_PAIRS for pair in pairwise(words))


def _value_kind(value: str) -> str | None:
    if _ACCESS_KEY.search(value):
        return "an AWS access key id"
    if _BEDROCK_LONG.search(value):
        return "a long-term Bedrock API key"
    if _BEDROCK_SHORT.search(value):
        return "a short-term Bedrock API key"
    if _DYNAMIC_SECRET.search(value):
        return "a secret resolved into plaintext at deploy time"
    return None


def redact(value: str, kind: str | None = None) -> str:
    if kind == "an AWS access key id":
        match = _ACCESS_KEY.search(value)
        prefix = match.group(1) if match else ""
        return f"{prefix}… (redacted, {len(value)} chars)"
    if kind == "a secret resolved into plaintext at deploy time":
        service = _DYNAMIC_SECRET.search(value)
        return f"{{{{resolve:{service.group(1) if service else '?'}:…}}}}"
    return f"(redacted, {len(value)} chars)"


def _not_secret(value: str) -> bool:
    text = value.strip()
    return (
        text == ""
        or text.lower() in ("true", "false", "none", "null")
        or text.isdigit()
        or text.startswith("arn:")
        or text.startswith("{{resolve:ssm:")
    )


def inspect_environment(environment: Mapping[str, Val[str]]) -> list[CredentialHit]:
    hits: list[CredentialHit] = []
    for name, value in environment.items():
        by_name = credential_name(name)
        if isinstance(value, Unresolved):
            if by_name:
                hits.append(
                    CredentialHit(
                        name,
                        "credential-like name; value unresolved",
                        "(unresolved)",
                        certain=False,
                    )
                )
            continue
        kind = _value_kind(value)
        if kind is not None:
            hits.append(CredentialHit(name, f"value looks like {kind}", redact(value, kind)))
        elif by_name and not _not_secret(value):
            hits.append(
                CredentialHit(name, "credential-like name with a literal value", redact(value))
            )
    return hits
