"""``airlock controls``: the catalog, as a table or JSON (ids, layers, severities, rationale)."""

from __future__ import annotations

import argparse
import json
import sys

from airlock.controls.model import Control


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("controls", help="list the controls Airlock judges")
    parser.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from airlock.controls.registry import all_controls

    controls = all_controls()
    if args.format == "json":
        sys.stdout.write(json.dumps([_as_json(c) for c in controls], indent=2) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(render_markdown(controls))
    else:
        width = max(len(c.id) for c in controls)
        for c in controls:
            sys.stdout.write(
                f"{c.id:<{width}}  {c.layer.value:<10}  {c.severity.value:<8}  {c.title}\n"
            )
    return 0


def render_markdown(controls: tuple[Control, ...]) -> str:
    lines = ["| id | layer | severity | title |", "|---|---|---|---|"]
    lines += [f"| {c.id} | {c.layer.value} | {c.severity.value} | {c.title} |" for c in controls]
    return "\n".join(lines) + "\n"


def _as_json(control: Control) -> dict[str, object]:
    return {
        "id": control.id,
        "title": control.title,
        "layer": control.layer.value,
        "severity": control.severity.value,
        "rationale": control.rationale,
        "remediation": control.remediation,
        "topics": [t.value for t in control.topics],
        "references": list(control.references),
    }
