"""Witness strings: one value for every distinguishable combination of string patterns.

Given the patterns a key is compared with (exact, case-insensitive, ``StringLike``, ARN), the
truth of every comparison depends only on which patterns the value matches — its
*signature*. :func:`string_witnesses` returns one value per signature that some string
realises, by a breadth-first walk of the product of the patterns' automata over the
characters that occur in them plus one character that occurs in none (every other character
behaves like that one). The walk is exact; when it exceeds its state budget the result is
marked incomplete, and a DENY that relied on it becomes UNKNOWN.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from functools import lru_cache

from msgspec import Struct

from .wildcard import Glob

STATE_BUDGET = 20_000
_SPARE = "xqzjkw0123456789-_."


class Witnesses(Struct, frozen=True):
    values: tuple[str, ...]
    complete: bool


def _alphabet(globs: Sequence[Glob]) -> list[str]:
    chars: set[str] = set()
    for glob in globs:
        for ch in glob.literal_chars():
            chars.add(ch)
            if glob.case_insensitive:
                chars |= {ch.lower(), ch.upper()}
    if any(g.case_insensitive for g in globs):
        chars |= {c.swapcase() for c in list(chars)}
    chars.add(":")
    spare = next((c for c in _SPARE if c not in chars and c.swapcase() not in chars), "\u00b7")
    # The spare character first: it makes the shortest, most neutral witnesses.
    return [spare, *sorted(chars)]


def signature(globs: Sequence[Glob], value: str) -> tuple[bool, ...]:
    return tuple(glob.matches(value) for glob in globs)


@lru_cache(maxsize=4096)
def string_witnesses(globs: tuple[Glob, ...], preferred: tuple[str, ...]) -> Witnesses:
    """One value per realisable signature; ``preferred`` values win where they qualify."""
    chosen: dict[tuple[bool, ...], str] = {}
    for value in preferred:
        chosen.setdefault(signature(globs, value), value)
    if all(not g.has_wildcard and not g.case_insensitive for g in globs):
        # Exact patterns only: each literal and one value equal to none of them suffice.
        for glob in globs:
            chosen.setdefault(signature(globs, glob.text), glob.text)
        fresh = "airlock-other"
        while fresh in {g.text for g in globs}:
            fresh += "-x"
        chosen.setdefault(signature(globs, fresh), fresh)
        return Witnesses(tuple(chosen.values()), True)
    alphabet = _alphabet(globs)
    start = tuple(g.start() for g in globs)
    seen = {start}
    queue: deque[tuple[tuple[frozenset[int], ...], str]] = deque([(start, "")])
    complete = True
    while queue:
        state, text = queue.popleft()
        sig = tuple(g.accepts(s) for g, s in zip(globs, state, strict=True))
        chosen.setdefault(sig, text)
        if not any(state):
            continue  # every automaton is dead: nothing new beyond this point
        for ch in alphabet:
            nxt = tuple(g.step(s, ch) for g, s in zip(globs, state, strict=True))
            if nxt not in seen:
                if len(seen) >= STATE_BUDGET:
                    complete = False
                    break
                seen.add(nxt)
                queue.append((nxt, text + ch))
        if not complete:
            break
    return Witnesses(tuple(chosen.values()), complete)
