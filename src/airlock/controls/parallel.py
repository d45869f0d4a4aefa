"""Judge the catalog on two cores.

Once the inventory is loaded the process forks: the child judges one half of the controls
and sends its findings back through a pipe, pickled, while the parent judges the other half.
Each half keeps whole groups (the engine groups controls by layer), because the controls of
a layer share analyses -- network paths, the principals' policy sets -- that each process
then computes once.

The result is the same as judging in one process, in the same order. Whenever that cannot
be had the cheap way -- no ``fork`` on this platform, threads already running (forking them
is unsafe), the child failing, dying or sending something unreadable -- the parent judges
the child's half itself: slower, never different.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def usable() -> bool:
    """Whether forking helps and is safe here: two cores or more, ``fork``, no other thread."""
    return hasattr(os, "fork") and (os.cpu_count() or 1) >= 2 and threading.active_count() == 1


def halves(items: Sequence[T], group: Callable[[T], Hashable]) -> tuple[list[T], list[T]]:
    """Two halves of about equal size that keep each group whole (largest group first)."""
    groups: dict[Hashable, list[T]] = {}
    for item in items:
        groups.setdefault(group(item), []).append(item)
    first: list[T] = []
    second: list[T] = []
    for members in sorted(groups.values(), key=len, reverse=True):
        (first if len(first) <= len(second) else second).extend(members)
    return first, second


def judge_split(
    items: Sequence[T], work: Callable[[T], R], group: Callable[[T], Hashable]
) -> list[R]:
    """``[work(item) for item in items]``, with one half of the groups worked in a child."""
    mine, theirs = halves(items, group)
    if not mine or not theirs:
        return [work(item) for item in items]
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return [work(item) for item in items]
    if pid == 0:  # the child: work its half, send it, and leave without any clean-up
        os.close(read_fd)
        code = 1
        try:
            payload = pickle.dumps([work(item) for item in theirs], pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as out:
                out.write(payload)
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    done = {id(item): work(item) for item in mine}
    with os.fdopen(read_fd, "rb") as incoming:
        payload = incoming.read()
    _, status = os.waitpid(pid, 0)
    received = _received(payload, len(theirs)) if os.waitstatus_to_exitcode(status) == 0 else None
    if received is None:
        received = [work(item) for item in theirs]
    done.update((id(item), result) for item, result in zip(theirs, received, strict=True))
    return [done[id(item)] for item in items]


def _received(payload: bytes, expected: int) -> list[Any] | None:
    """The child's results, or None if they cannot be read back whole."""
    try:
        results: object = pickle.loads(payload)
    except Exception:  # a truncated or unreadable payload: the parent works that half itself
        return None
    if not isinstance(results, list) or len(results) != expected:
        return None
    return results
