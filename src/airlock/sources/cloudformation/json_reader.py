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


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"[\[{][\]}]")
_SPACE = re.compile(r"[ \t\n\r]*")


def parse_json(text: str) -> Parsed:
    """Parse a JSON document; raises ``json.JSONDecodeError`` or :class:`YamlInputError`."""
    duplicates: list[bool] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items):
            duplicates.append(True)
        return obj

    try:
        root: Any = json.loads(text, object_pairs_hook=pairs)
    except RecursionError:
        raise YamlInputError(f"nesting deeper than {MAX_DEPTH} levels", None) from None
    lines = None if duplicates or _deep(text) else _key_lines(text)
    # the full token scan reports a duplicate key or deep nesting with its line
    return Parsed(root, _scan(text) if lines is None else lines)


def _deep(text: str) -> bool:
    """Whether brackets nest ``MAX_DEPTH`` deep or more (C-speed passes, one per level)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    for _ in range(MAX_DEPTH):
        if not brackets:
            return False
        brackets = _INNERMOST.sub("", brackets)
    return True


class _Lines:
    """Line numbers of positions visited in increasing order (one pass over the text)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line = 1
        self.last = 0

    def at(self, pos: int) -> int:
        self.line += self.text.count("\n", self.last, pos)
        self.last = pos
        return self.line


def _key_lines(text: str) -> dict[tuple[str, ...], int] | None:
    """The lines of the keys in the first two levels (as :func:`_scan` records them), walking
    those levels in Python and skipping deeper values with the C scanner; None if the text
    is not what the walk expects (then the full scan decides)."""
    lines: dict[tuple[str, ...], int] = {}
    try:
        pos = _after_space(text, 0)
        if pos < len(text) and text[pos] in "{[":
            _walk(text, pos, 1, (), lines, _Lines(text))
    except (ValueError, IndexError):
        return None
    return lines


def _walk(
    text: str,
    pos: int,
    level: int,
    path: tuple[str, ...],
    lines: dict[tuple[str, ...], int],
    counter: _Lines,
) -> int:
    """Walk the container opening at ``pos``; returns the position after it."""
    skip = _SKIP.raw_decode
    closing = "}" if text[pos] == "{" else "]"
    pos = _after_space(text, pos + 1)
    if text[pos] == closing:
        return pos + 1
    while True:
        key: Any = None
        if closing == "}":
            if text[pos] != '"':
                raise ValueError("expected a key")
            key, end = skip(text, pos)
            if not isinstance(key, str):
                raise ValueError("expected a key")
            lines[(*path, key)] = counter.at(pos)
            pos = _after_space(text, end)
            if text[pos] != ":":
                raise ValueError("expected ':'")
            pos = _after_space(text, pos + 1)
        if level == 1 and text[pos] in "{[":
            inner = (*path, key) if key is not None else path
            pos = _walk(text, pos, 2, inner, lines, counter)
        else:
            pos = skip(text, pos)[1]
        pos = _after_space(text, pos)
        if text[pos] == closing:
            return pos + 1
        if text[pos] != ",":
            raise ValueError("expected ','")
        pos = _after_space(text, pos + 1)


_SKIP = json.JSONDecoder()


def _after_space(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    return match.end() if match is not None else pos


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
