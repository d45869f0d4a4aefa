"""``airlock scan``: judge a CloudFormation template or a Terraform plan."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from airlock.controls.engine import Report, run
from airlock.controls.model import Settings, Status
from airlock.errors import UsageError
from airlock.inventory.model import SourceKind
from airlock.obligations.model import PROFILES, Regime

FORMATS = ("table", "json", "sarif")
OFFLINE_SOURCES = {
    "cloudformation": SourceKind.CLOUDFORMATION,
    "terraform-plan": SourceKind.TERRAFORM_PLAN,
}


#: below this many resources a second process costs more than it saves
PARALLEL_FROM = 500


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "scan",
        help="verify a deployment against the air-gapped reference architecture",
        description="Verify a CloudFormation template or Terraform plan (terraform show -json).",
    )
    parser.add_argument(
        "--from", dest="source", required=True, choices=sorted(OFFLINE_SOURCES), help="source kind"
    )
    parser.add_argument("path", metavar="PATH", help="template or plan JSON file")
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument(
        "--regime",
        default="",
        help="comma-separated regimes: " + ",".join(r.value for r in Regime),
    )
    parser.add_argument(
        "--allowed-regions", default=None, help="comma-separated regions (overrides the regime's)"
    )
    parser.add_argument(
        "--min-retention-days",
        type=int,
        default=None,
        help="minimum Object Lock retention for audit buckets (overrides the regime's)",
    )
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a template parameter's value at deploy time (repeatable)",
    )
    parser.add_argument("--region", default=None, help="the region a template is deployed to")
    parser.add_argument(
        "--account", default=None, help="the 12-digit account a template is deployed to"
    )
    parser.add_argument(
        "--workload-subnets",
        default="",
        help="comma-separated subnet ids/logical ids/addresses that run workloads",
    )
    parser.add_argument(
        "--operator-in-threat-model",
        action="store_true",
        help="judge Nitro Enclave isolation (the operator is an adversary)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        choices=(1, 2),
        default=None,
        help=f"processes that judge the controls (default: 2 from {PARALLEL_FROM} resources)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 3 when anything is UNKNOWN")
    parser.add_argument("--show-pass", action="store_true", help="list PASS rows in the table")
    parser.add_argument("--output", default=None, help="write the report to FILE instead of stdout")
    parser.set_defaults(handler=handle)


def settings_from(args: argparse.Namespace) -> Settings:
    regimes = _regimes(args.regime)
    allowed: frozenset[str] | None = None
    for regime in regimes:
        regions = PROFILES[regime].allowed_regions
        if regions is not None:
            allowed = regions if allowed is None else allowed & regions
    if args.allowed_regions is not None:
        allowed = frozenset(r.strip() for r in args.allowed_regions.split(",") if r.strip())
        if not allowed:
            raise UsageError("--allowed-regions needs at least one region")
    retention = max((PROFILES[r].min_retention_days for r in regimes), default=365)
    if args.min_retention_days is not None:
        if args.min_retention_days < 1:
            raise UsageError("--min-retention-days must be a positive number of days")
        retention = args.min_retention_days
    return Settings(
        regimes=regimes,
        allowed_regions=allowed,
        min_retention_days=retention,
        workload_subnets=frozenset(
            s.strip() for s in args.workload_subnets.split(",") if s.strip()
        ),
        operator_in_threat_model=args.operator_in_threat_model,
    )


def _regimes(text: str) -> tuple[Regime, ...]:
    chosen: list[Regime] = []
    for name in (n.strip().lower() for n in text.split(",")):
        if not name:
            continue
        try:
            regime = Regime(name)
        except ValueError:
            known = ", ".join(r.value for r in Regime)
            raise UsageError(f"unknown regime {name!r} (known: {known})") from None
        if regime not in chosen:
            chosen.append(regime)
    return tuple(chosen)


def handle(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    _check_output(args.output, args.path)
    # A scan keeps what it builds until it ends and makes next to no reference cycles, so
    # the cyclic collector's repeated passes over the growing heap (the catalog's modules
    # included) are pure overhead, about a tenth of a large scan; it is switched back on
    # before returning.
    collecting = gc.isenabled()
    gc.disable()
    try:
        from airlock.controls.registry import all_controls
        from airlock.sources import load

        inventory = load(
            OFFLINE_SOURCES[args.source],
            args.path,
            parameters=_parameters(args.parameter),
            region=args.region,
            account=args.account,
        )
        jobs = args.jobs or (2 if len(inventory) >= PARALLEL_FROM else 1)
        report = run(all_controls(), inventory, settings, jobs=jobs)
        _emit(report, args)
    finally:
        if collecting:
            gc.enable()
    return exit_code(report, strict=args.strict)


def _parameters(pairs: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--parameter {pair!r} is not KEY=VALUE")
        found[key.strip()] = value
    return found


def exit_code(report: Report, *, strict: bool) -> int:
    if report.has(Status.FAIL):
        return 1
    if strict and report.has(Status.UNKNOWN):
        return 3
    return 0


def _emit(report: Report, args: argparse.Namespace) -> None:
    if args.format == "json":
        from airlock.reports import json_report

        text = json_report.render(report)
    elif args.format == "sarif":
        from airlock.reports import sarif

        text = sarif.render(report)
    else:
        from airlock.reports import table

        to_terminal = args.output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        text = table.render(report, show_pass=args.show_pass, color=to_terminal)
    if args.output is None:
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")


def _check_output(output: str | None, source: str) -> None:
    if output is None:
        return
    out = Path(output)
    if out.exists() and out.resolve() == Path(source).resolve():
        raise UsageError(f"--output {output} is the input file; refusing to overwrite it")
    if out.is_dir():
        raise UsageError(f"--output {output} is a directory")
    if not out.parent.exists():
        raise UsageError(f"--output {output}: directory {out.parent} does not exist")
