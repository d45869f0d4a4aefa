"""Reading the plan file: bytes to a checked JSON object, or one clear :class:`InputError`.

Accepted: the output of ``terraform show -json <planfile>`` (``format_version`` 0.x or 1.x), in
UTF-8 (a BOM is allowed) or UTF-16 with a BOM (what PowerShell's ``>`` writes). Everything else
-- a missing file, a directory, an empty or huge file, other encodings, malformed JSON, a
state file, a CloudFormation template, ``terraform plan -json`` log lines, the binary plan file
itself -- is refused with the file, the line when known, and what to do instead.
"""

from __future__ import annotations

import codecs
import json
import os
import stat
from typing import Any

from airlock.errors import InputError

#: plans larger than this are refused rather than read into memory
MAX_BYTES = 200 * 1024 * 1024
SUPPORTED_MAJOR_VERSIONS = ("0", "1")

_PLAN_KEYS = ("planned_values", "resource_changes", "configuration", "prior_state")
_HOW_TO = "produce it with `terraform show -json <planfile> > plan.json`"


def read_document(path: str) -> tuple[dict[str, Any], str]:
    """The plan as a JSON object, and its text (kept for line numbers)."""
    raw = _read_bytes(path)
    text = decode_text(path, raw)
    return parse_document(path, text), text


def _read_bytes(path: str) -> bytes:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as err:
        raise InputError(path, f"cannot read the file: {err.strerror or err}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(path, f"is a directory, not a plan file; {_HOW_TO}")
    if info.st_size > MAX_BYTES:
        size_mb = info.st_size / (1024 * 1024)
        raise InputError(path, f"the file is {size_mb:.0f} MB; plans over 200 MB are refused")
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as err:
        raise InputError(path, f"cannot read the file: {err.strerror or err}") from None
    if len(data) > MAX_BYTES:
        raise InputError(path, "the file is over 200 MB; plans that large are refused")
    return data


def decode_text(path: str, raw: bytes) -> str:
    """Decode UTF-8 (optional BOM) or BOM-marked UTF-16; refuse anything else."""
    if raw.startswith(b"PK\x03\x04"):
        raise InputError(path, f"this is a binary Terraform plan file, not JSON; {_HOW_TO}")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as err:
            raise InputError(path, f"invalid UTF-16 text ({err.reason})") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise InputError(
            path, f"the file is not UTF-8 text (byte 0x{raw[err.start]:02x}); {_HOW_TO}", line
        ) from None


def parse_document(path: str, text: str) -> dict[str, Any]:
    """Parse JSON text and check that it is a plan in a format version we read."""
    if not text.strip():
        raise InputError(path, f"the file is empty; {_HOW_TO}")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        _refuse_streamed_log(path, text)
        raise InputError(
            path, f"malformed JSON: {err.msg} (column {err.colno})", err.lineno
        ) from None
    except RecursionError:
        raise InputError(path, "malformed JSON: nested too deeply") from None
    except ValueError as err:  # e.g. an integer literal too long to convert
        raise InputError(path, f"malformed JSON: {err}") from None
    check_plan(path, document)
    assert isinstance(document, dict)
    return document


def check_plan(path: str, document: object) -> None:
    """Raise unless ``document`` is a ``terraform show -json`` plan we can read."""
    if not isinstance(document, dict):
        kind = type(document).__name__ if document is not None else "null"
        kind = {"list": "an array", "str": "a string", "dict": "an object"}.get(kind, kind)
        raise InputError(path, f"expected a Terraform plan (a JSON object), found {kind}")
    if "AWSTemplateFormatVersion" in document or (
        "Resources" in document and "format_version" not in document
    ):
        raise InputError(path, "this is a CloudFormation template, not a Terraform plan")
    if "lineage" in document and "serial" in document:
        raise InputError(path, f"this is a raw Terraform state file, not a plan; {_HOW_TO}")
    version = document.get("format_version")
    if version is None:
        raise InputError(path, f"not a Terraform plan: there is no format_version; {_HOW_TO}")
    if not isinstance(version, str) or not version:
        raise InputError(path, f'format_version must be a string such as "1.2", found {version!r}')
    if not any(key in document for key in _PLAN_KEYS):
        if "values" in document:
            raise InputError(
                path,
                f"this is Terraform state JSON (`terraform show -json` of a state), not a plan; {_HOW_TO}",
            )
        raise InputError(path, f"not a Terraform plan: it has none of {', '.join(_PLAN_KEYS)}")
    major = version.split(".", 1)[0]
    if major not in SUPPORTED_MAJOR_VERSIONS:
        raise InputError(
            path,
            f"unsupported plan format_version {version!r}: this version of airlock reads 0.x and 1.x",
        )
    for key in ("planned_values", "configuration", "prior_state", "variables"):
        if document.get(key) is not None and not isinstance(document[key], dict):
            raise InputError(path, f"not a valid plan: '{key}' must be an object")
    for key in ("resource_changes", "resource_drift", "deferred_changes"):
        if document.get(key) is not None and not isinstance(document[key], list):
            raise InputError(path, f"not a valid plan: '{key}' must be an array")


def _refuse_streamed_log(path: str, text: str) -> None:
    """``terraform plan -json`` writes one JSON log message per line; say so."""
    first = text.lstrip().split("\n", 1)[0]
    try:
        message = json.loads(first)
    except (ValueError, RecursionError):
        return
    if isinstance(message, dict) and "@message" in message:
        raise InputError(
            path,
            f"this is the log stream of `terraform plan -json`, not a plan document; {_HOW_TO}",
            1,
        )
