"""Wildcard patterns as IAM uses them: ``*`` and ``?`` in actions, resources and values.

A :class:`Glob` is a token sequence, so the same pattern can be matched against a string (a
compiled regular expression; regex metacharacters in the pattern are literal) and stepped
through character by character (the string witness search in :mod:`.witness`).

Case rules: actions and ``...IgnoreCase`` operators are case-insensitive; resources, ARNs and
``StringLike`` are case-sensitive. ARN patterns are matched segment by segment: in the first
five colon-separated segments a wildcard never crosses a colon; in the resource segment it
may (``arn:aws:s3:::*`` matches ``arn:aws:s3:::b/a:b``).

Literal ``*`` and ``?`` produced by the policy-variable escapes ``${*}`` and ``${?}`` are
carried as :data:`LITERAL_STAR` and :data:`LITERAL_QUESTION` until tokenized.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from typing import ClassVar

from msgspec import Struct

LITERAL_STAR = "\ue000"
LITERAL_QUESTION = "\ue001"


class Wild(Enum):
    """A wildcard token."""

    STAR = "*"  # any run of characters
    STAR_IN_SEGMENT = "*:"  # any run without a colon
    ONE = "?"  # one character
    ONE_IN_SEGMENT = "?:"  # one character, not a colon


Token = str | Wild

_REGEX_OF = {
    Wild.STAR: ".*",
    Wild.STAR_IN_SEGMENT: "[^:]*",
    Wild.ONE: ".",
    Wild.ONE_IN_SEGMENT: "[^:]",
}


def _decode(ch: str) -> str:
    if ch == LITERAL_STAR:
        return "*"
    if ch == LITERAL_QUESTION:
        return "?"
    return ch


class Glob(Struct, frozen=True, dict=True):
    """A compiled wildcard pattern.

    Equality, hash and repr see only ``tokens`` and ``case_insensitive``. The caches below
    are not fields: an instance stores them in its ``__dict__`` (the class attributes are
    the defaults; ``ClassVar`` keeps msgspec from making them fields).
    """

    tokens: tuple[Token, ...]
    case_insensitive: bool = False
    #: the regular expression, compiled on first use
    _compiled: ClassVar[re.Pattern[str] | None] = None
    #: the text of a case-sensitive pattern without wildcards: matching is equality
    _literal: ClassVar[str | None] = None

    def __post_init__(self) -> None:
        if not self.case_insensitive and all(isinstance(tok, str) for tok in self.tokens):
            self.__dict__["_literal"] = "".join(self.tokens)  # type: ignore[arg-type]

    @property
    def _regex(self) -> re.Pattern[str]:
        compiled = self._compiled
        if compiled is None:
            compiled = self.__dict__["_compiled"] = _regex(self.tokens, self.case_insensitive)
        return compiled

    @staticmethod
    def like(pattern: str, *, case_insensitive: bool = False) -> Glob:
        """``StringLike`` / action pattern: ``*`` and ``?`` anywhere."""
        return _like(pattern, case_insensitive)

    @staticmethod
    def exact(text: str, *, case_insensitive: bool = False) -> Glob:
        """A pattern without wildcards (``StringEquals`` and friends)."""
        return _exact(text, case_insensitive)

    @staticmethod
    def arn(pattern: str) -> Glob:
        """ARN pattern (``Resource``, ``ArnLike``): segment-aware, case-sensitive.

        The bare pattern ``*`` matches everything.
        """
        return _arn(pattern)

    @staticmethod
    def _build_like(pattern: str, case_insensitive: bool) -> Glob:
        tokens: list[Token] = []
        for ch in pattern:
            if ch == "*":
                tokens.append(Wild.STAR)
            elif ch == "?":
                tokens.append(Wild.ONE)
            else:
                tokens.append(_decode(ch))
        return Glob(tuple(tokens), case_insensitive)

    @staticmethod
    def _build_arn(pattern: str) -> Glob:
        if pattern == "*":
            return Glob((Wild.STAR,))
        tokens: list[Token] = []
        colons = 0
        for ch in pattern:
            in_segment = colons < 5
            if ch == "*":
                tokens.append(Wild.STAR_IN_SEGMENT if in_segment else Wild.STAR)
            elif ch == "?":
                tokens.append(Wild.ONE_IN_SEGMENT if in_segment else Wild.ONE)
            else:
                if ch == ":":
                    colons += 1
                tokens.append(_decode(ch))
        return Glob(tuple(tokens))

    @property
    def has_wildcard(self) -> bool:
        return any(isinstance(tok, Wild) for tok in self.tokens)

    @property
    def text(self) -> str:
        """The pattern as written (wildcards as ``*``/``?``)."""
        return "".join(tok if isinstance(tok, str) else tok.value[0] for tok in self.tokens)

    def matches(self, value: str) -> bool:
        literal = self._literal
        if literal is not None and type(value) is str:
            return value == literal
        return self._regex.fullmatch(value) is not None

    # --- automaton view, used by the witness search -------------------------------------

    def literal_chars(self) -> set[str]:
        return {tok for tok in self.tokens if isinstance(tok, str)}

    def start(self) -> frozenset[int]:
        return self._closure({0})

    def accepts(self, state: frozenset[int]) -> bool:
        return len(self.tokens) in state

    def step(self, state: frozenset[int], ch: str) -> frozenset[int]:
        nxt: set[int] = set()
        fold = ch.lower() if self.case_insensitive else ch
        for pos in state:
            if pos >= len(self.tokens):
                continue
            tok = self.tokens[pos]
            if isinstance(tok, str):
                if (tok.lower() if self.case_insensitive else tok) == fold:
                    nxt.add(pos + 1)
            elif tok is Wild.STAR or (tok is Wild.STAR_IN_SEGMENT and ch != ":"):
                nxt.add(pos)
            elif tok is Wild.ONE or (tok is Wild.ONE_IN_SEGMENT and ch != ":"):
                nxt.add(pos + 1)
        return self._closure(nxt)

    def _closure(self, positions: set[int]) -> frozenset[int]:
        todo = list(positions)
        seen = set(positions)
        while todo:
            pos = todo.pop()
            is_star = pos < len(self.tokens) and self.tokens[pos] in (
                Wild.STAR,
                Wild.STAR_IN_SEGMENT,
            )
            if is_star and pos + 1 not in seen:
                seen.add(pos + 1)
                todo.append(pos + 1)
        return frozenset(seen)


# Globs are immutable and built from their text alone: policies repeat the same patterns
# across thousands of principals, so the built ones are shared (bounded caches).
@lru_cache(maxsize=8192)
def _regex(tokens: tuple[Token, ...], case_insensitive: bool) -> re.Pattern[str]:
    body = "".join(re.escape(tok) if isinstance(tok, str) else _REGEX_OF[tok] for tok in tokens)
    flags = re.DOTALL | (re.IGNORECASE if case_insensitive else 0)
    return re.compile(body, flags)


@lru_cache(maxsize=8192)
def _like(pattern: str, case_insensitive: bool) -> Glob:
    return Glob._build_like(pattern, case_insensitive)


@lru_cache(maxsize=8192)
def _exact(text: str, case_insensitive: bool) -> Glob:
    return Glob(tuple(_decode(ch) for ch in text), case_insensitive)


@lru_cache(maxsize=8192)
def _arn(pattern: str) -> Glob:
    return Glob._build_arn(pattern)


def fill(glob: Glob, filler: str) -> str:
    """One string the pattern matches: each wildcard replaced by ``filler`` (or nothing)."""
    out: list[str] = []
    for tok in glob.tokens:
        if isinstance(tok, str):
            out.append(tok)
        elif tok in (Wild.ONE, Wild.ONE_IN_SEGMENT):
            out.append(filler or "x")
        else:
            out.append(filler)
    return "".join(out)
