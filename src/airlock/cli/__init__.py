"""The ``airlock`` command line: the only place where errors become exit codes.

Exit codes: 0 nothing failed; 1 a control failed (or a trail failed verification);
2 usage or input error (one line naming the file); 3 UNKNOWN findings under ``--strict``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import cast

from airlock import __version__
from airlock.errors import AirlockError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNKNOWN_STRICT = 3


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so usage errors share one path."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageExit(f"{self.prog}: {message}")


class _UsageExit(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    from airlock.cli import scan

    parser = _Parser(
        prog="airlock",
        description="Prove that an Amazon Bedrock deployment is private.",
    )
    parser.add_argument("--version", action="version", version=f"airlock {__version__}")
    sub = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND"),
    )
    sub.required = True
    scan.add_parser(sub)
    for name in ("trail",):
        module = _optional_command(name)
        if module is not None:
            module(sub)
    return parser


def _optional_command(
    name: str,
) -> Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None] | None:
    import importlib

    try:
        module = importlib.import_module(f"airlock.cli.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"airlock.cli.{name}":
            return None
        raise
    return cast(
        "Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]", module.add_parser
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except _UsageExit as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    handler = cast(Callable[[argparse.Namespace], int], args.handler)
    try:
        return handler(args)
    except AirlockError as exc:
        print(f"airlock: error: {exc.diagnostics()}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("airlock: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


def run() -> None:
    sys.exit(main())
