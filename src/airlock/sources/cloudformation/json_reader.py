"""JSON templates: the C ``json`` parser for the data, a token scan for lines and duplicates.

``json`` gives no positions, so after a successful parse one pass over the string tokens and
brackets records the line of every key in the first two levels and refuses duplicate keys at
any depth (Python's ``json`` would silently keep the last one).
"""

from __future__ import annotations

import json
import re
from typing import Any

from airlock.sources.cloudformation.yaml_reader import MAX_DEPTH, Parsed, YamlInputError

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],]')


def parse_json(text: str) -> Parsed:
    """Parse a JSON document; raises ``json.JSONDecodeError`` or :class:`YamlInputError`."""
    try:
        root: Any = json.loads(text)
    except RecursionError:
        raise YamlInputError(f"nesting deeper than {MAX_DEPTH} levels", None) from None
    return Parsed(root, _scan(text))


def _scan(text: str) -> dict[tuple[str, ...], int]:
    lines: dict[tuple[str, ...], int] = {}
    # one entry per open bracket: (keys seen or None for a list, path of keys to it)
    stack: list[tuple[dict[str, int] | None, tuple[str, ...]]] = []
    expect_key = False
    last_key: str | None = None
    line = 1
    last_pos = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        char = token[0]
        if char == '"':
            if not expect_key:
                continue
            start = match.start()
            line += text.count("\n", last_pos, start)
            last_pos = start
            key = json.loads(token) if "\\" in token else token[1:-1]
            keys, path = stack[-1]
            assert keys is not None
            first = keys.get(key)
            if first is not None:
                raise YamlInputError(f"duplicate key '{key}' (first on line {first})", line)
            keys[key] = line
            if len(stack) <= 2:
                lines[(*path, key)] = line
            last_key = key
            expect_key = False
        elif char == "{" or char == "[":
            if len(stack) >= MAX_DEPTH:
                start = match.start()
                line += text.count("\n", last_pos, start)
                last_pos = start
                raise YamlInputError(f"nesting deeper than {MAX_DEPTH} levels", line)
            path = ()
            if stack and len(stack) <= 2 and stack[-1][0] is not None and last_key is not None:
                path = (*stack[-1][1], last_key)
            stack.append(({} if char == "{" else None, path))
            expect_key = char == "{"
        elif char == ",":
            expect_key = bool(stack) and stack[-1][0] is not None
        else:  # closing bracket
            if stack:
                stack.pop()
            expect_key = False
    return lines
