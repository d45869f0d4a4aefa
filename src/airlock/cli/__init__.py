"""The ``airlock`` command line: the only place where errors become exit codes.

Exit codes: 0 nothing failed; 1 a control failed (or a trail failed verification);
2 usage or input error (one line naming the file); 3 UNKNOWN findings under ``--strict``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
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


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The full parser. A command's module is imported only when that command runs (the
    trail commands pull in DuckDB and cryptography, which ``scan`` does not need); otherwise a
    placeholder keeps it listed in ``airlock --help``."""
    from airlock.cli import controls, scan

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
    controls.add_parser(sub)
    chosen = argv[0] if argv else None
    for name, summary in _LAZY_COMMANDS.items():
        if chosen == name:
            _command_module(name)(sub)
        else:
            sub.add_parser(name, help=summary, add_help=False)
    return parser


_LAZY_COMMANDS = {
    "trail": "audit trail: fetch, verify, ingest, query, scope",
}


def _command_module(
    name: str,
) -> Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]:
    import importlib

    module = importlib.import_module(f"airlock.cli.{name}")
    return cast(
        "Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]", module.add_parser
    )


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(arguments)
    try:
        args = parser.parse_args(arguments)
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
    except OSError as exc:  # the report could not be written (a full disk, a closed device)
        _io_error(exc)
        return EXIT_USAGE


def _io_error(exc: OSError) -> None:
    where = f"{exc.filename}: " if exc.filename else ""
    with contextlib.suppress(OSError):  # stderr gone too: the exit code is all that is left
        print(f"airlock: error: cannot write: {where}{exc.strerror or exc}", file=sys.stderr)


def run() -> None:
    code = main()
    # Every command has closed its files and joined its workers by now. Leaving with
    # os._exit skips tearing down the heap object by object, which after a large scan costs
    # more than writing its report (about 50 ms for 2,000 resources).
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    except OSError as exc:  # what was buffered could not be written: the report is lost
        _io_error(exc)
        code = EXIT_USAGE
    os._exit(code)
