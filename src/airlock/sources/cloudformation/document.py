"""Read a template file into plain data, or refuse it with one clear :class:`InputError`.

The file is never modified. JSON is recognised by its content (a ``{`` first) and parsed as
JSON; a file that is not valid JSON is then tried as YAML (a YAML flow mapping also starts
with ``{``), and if neither works the JSON error is reported.
"""

from __future__ import annotations

import json
import os
import stat
import sys

from airlock.errors import InputError
from airlock.sources.cloudformation.json_reader import parse_json
from airlock.sources.cloudformation.yaml_reader import Parsed, YamlInputError, parse_yaml

#: Larger files are refused. CloudFormation itself accepts at most 1 MB (from S3).
MAX_BYTES = 50 * 1024 * 1024


def read_document(path: str) -> Parsed:
    """The parsed document at ``path``; every problem becomes an ``InputError``."""
    text = _read_text(path)
    try:
        return _parse(text)
    except YamlInputError as err:
        raise InputError(path, err.message, err.line) from None
    except json.JSONDecodeError as err:
        raise InputError(path, f"malformed JSON: {err.msg}", err.lineno) from None
    except RecursionError:
        raise InputError(path, "nesting is too deep to be a template") from None
    except Exception as err:
        # PyYAML is imported only when a document is read as YAML: before that, no YAML error
        converted = _yaml_error(path, text, err) if "yaml" in sys.modules else None
        if converted is None:
            raise
        raise converted from None


def _yaml_error(path: str, text: str, err: Exception) -> InputError | None:
    """The InputError for PyYAML's error ``err``; None for any other error."""
    import yaml

    if isinstance(err, yaml.MarkedYAMLError):
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = err.problem or err.context or "cannot be parsed"
        return InputError(path, f"malformed YAML: {problem}", line)
    if isinstance(err, yaml.reader.ReaderError):
        line = text.count("\n", 0, max(err.position, 0)) + 1
        return InputError(path, f"malformed YAML: {err.reason}", line)
    if isinstance(err, yaml.YAMLError):
        return InputError(path, f"malformed YAML: {_one_line(str(err))}")
    return None


def _parse(text: str) -> Parsed:
    if text.lstrip().startswith("{"):
        try:
            return parse_json(text)
        except json.JSONDecodeError:
            import yaml

            try:
                parsed = parse_yaml(text)
            except (yaml.YAMLError, YamlInputError):
                parsed = None
            if parsed is not None and isinstance(parsed.root, dict):
                return parsed
            raise
    return parse_yaml(text)


def _read_text(path: str) -> str:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as err:
        raise InputError(path, f"cannot read the file: {err.strerror or err}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(path, "is a directory, not a template file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(path, "is not a regular file")
    if info.st_size > MAX_BYTES:
        raise _too_large(path, info.st_size)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as err:
        raise InputError(path, f"cannot read the file: {err.strerror or err}") from None
    if len(data) > MAX_BYTES:
        raise _too_large(path, len(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        byte = data[err.start]
        raise InputError(path, f"is not UTF-8 text (byte 0x{byte:02x})", line) from None
    if not text.strip():
        raise InputError(path, "is empty")
    return text


def _too_large(path: str, size: int) -> InputError:
    megabytes = size / (1024 * 1024)
    return InputError(
        path,
        f"is {megabytes:.1f} MB; templates over {MAX_BYTES // (1024 * 1024)} MB are refused "
        "(CloudFormation itself accepts at most 1 MB)",
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())
