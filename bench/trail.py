"""Trail benchmark: N CloudTrail records verified, ingested and queried, against two baselines.

    .venv/bin/python bench/trail.py                      # 1,000,000 records (~1.5 GB JSON)
    .venv/bin/python bench/trail.py --records 20000      # smoke check
    .venv/bin/python bench/trail.py --data-dir /tmp/trail-1m --keep   # reuse generated data

Phases, each in a fresh child process (wall time measured inside; peak RSS from wait4):

* floor      gunzip (first member) + SHA-256 of every log file, one thread per core:
             the least work any integrity check must do.
* python     plain Python: gzip + json.load per file, then "Bedrock calls by principal";
             one process, and one process per core.
* verify     ``airlock trail verify``: signatures, chain, every log file's hash, gaps.
* ingest     ``airlock trail ingest`` into a fresh DuckDB file.
* query      the named incident queries and a scope report on the ingested database.

Peak RSS is the phase process's own, plus its worker processes' (largest x count).

Targets (DESIGN.md): verify + query within 2x of the floor; under 2 GB of memory. The
/dev/shm staging area used by ingest is sampled and reported with the peak RSS.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from msgspec.structs import asdict

CORES = os.cpu_count() or 1
MARKER = "bench-trail.json"


def log_files(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("AWSLogs/*/CloudTrail/*/*/*/*/*.json.gz"))


# --- phases (run in child processes) ------------------------------------------------------------


def _floor_one(path: str) -> tuple[int, str]:
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    data = inflater.decompress(Path(path).read_bytes())
    return len(data), hashlib.sha256(data).hexdigest()


def phase_floor(root: Path) -> dict[str, Any]:
    files = [str(p) for p in log_files(root)]
    with ThreadPoolExecutor(max_workers=CORES) as pool:
        sizes = [n for n, _ in pool.map(_floor_one, files)]
    return {"files": len(files), "json_bytes": sum(sizes)}


def _python_one(path: str) -> Counter[str]:
    with gzip.open(path, "rb") as f:
        records = json.load(f)["Records"]
    return Counter(
        r["userIdentity"].get("arn", "?")
        for r in records
        if r.get("eventSource") == "bedrock.amazonaws.com"
    )


def phase_python(root: Path, processes: int) -> dict[str, Any]:
    files = [str(p) for p in log_files(root)]
    total: Counter[str] = Counter()
    if processes == 1:
        for path in files:
            total.update(_python_one(path))
    else:
        with ProcessPoolExecutor(max_workers=processes) as pool:
            for part in pool.map(_python_one, files, chunksize=8):
                total.update(part)
    return {"bedrock_calls": sum(total.values()), "principals": len(total)}


def phase_verify(root: Path) -> dict[str, Any]:
    from airlock.trail.integrity import verify
    from airlock.trail.keys import local_key_ring
    from airlock.trail.source import LocalSource

    ring = local_key_ring([root / "bench-public-key.pem"])
    report = verify(LocalSource(root), lambda *_: ring)
    region = report.regions[0]
    return {
        "status": report.status.value,
        "digests_valid": sum(c.digests_valid for c in region.chains),
        "log_files_valid": region.log_files.valid,
        "findings": len(report.all_findings),
    }


def phase_ingest(root: Path, db: Path) -> dict[str, Any]:
    from airlock.trail.ingest import ingest_path
    from airlock.trail.source import LocalSource

    summary = ingest_path(LocalSource(root), db)
    return {
        "events": summary.events_added,
        "problems": len(summary.problems),
        "db_bytes": db.stat().st_size,
    }


def phase_query(db: Path, start: str, end: str) -> dict[str, Any]:
    from airlock.trail.queries import QueryParams, run_query
    from airlock.trail.scope import build_scope
    from airlock.trail.store import open_existing
    from airlock.trail.synthetic import access_key

    t0, t1 = datetime.fromisoformat(start), datetime.fromisoformat(end)
    con = open_existing(db)
    timings: dict[str, float] = {}

    def timed(name: str, fn: Any) -> Any:
        began = time.perf_counter()
        result = fn()
        timings[name] = round(time.perf_counter() - began, 4)
        return result

    by_principal = timed(
        "bedrock calls by principal (same as python)",
        lambda: con.execute(
            "SELECT principal_arn, count(*) FROM events WHERE event_source = 'bedrock.amazonaws.com' GROUP BY 1"
        ).fetchall(),
    )
    window = QueryParams(start=t0, end=t0 + timedelta(hours=72))
    timed("model-calls (72 h)", lambda: run_query(con, "model-calls", window))
    timed("no-vpc-endpoint", lambda: run_query(con, "no-vpc-endpoint", QueryParams()))
    timed(
        "outside-regions",
        lambda: run_query(
            con,
            "outside-regions",
            QueryParams(allowed_regions=("eu-west-1", "eu-central-1", "eu-west-3")),
        ),
    )
    timed(
        "new-principals",
        lambda: run_query(con, "new-principals", QueryParams(start=t1 - timedelta(minutes=90))),
    )
    timed(
        "key-chain",
        lambda: run_query(
            con, "key-chain", QueryParams(access_key=access_key("claims-genai-app", "eu-west-1", 1))
        ),
    )
    timed(
        "scope (claims-genai-app, 72 h)",
        lambda: build_scope(con, "*:role/claims-genai-app", t0, t0 + timedelta(hours=72)),
    )
    con.close()
    return {
        "bedrock_calls": sum(n for _, n in by_principal),
        "principals": len(by_principal),
        "timings": timings,
    }


def run_phase(args: argparse.Namespace) -> None:
    root = Path(args.data)
    began = time.perf_counter()
    if args.phase == "floor":
        result = phase_floor(root)
    elif args.phase == "python1":
        result = phase_python(root, 1)
    elif args.phase == "pythonN":
        result = phase_python(root, CORES)
    elif args.phase == "verify":
        result = phase_verify(root)
    elif args.phase == "ingest":
        result = phase_ingest(root, Path(args.db))
    elif args.phase == "query":
        result = phase_query(Path(args.db), args.start, args.end)
    else:
        raise SystemExit(f"unknown phase {args.phase}")
    result["seconds"] = time.perf_counter() - began
    import resource

    # Peak RSS of this phase's process, plus the largest of its worker processes (if any).
    result["rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["rss_children_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps(result))


# --- driver -------------------------------------------------------------------------------------


class ShmSampler:
    """Peak bytes used in /dev/shm while a phase runs (ingest stages content there)."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._base = self._used()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _used() -> int:
        try:
            return shutil.disk_usage("/dev/shm").used
        except OSError:
            return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._used() - self._base)
            time.sleep(0.02)

    def __enter__(self) -> ShmSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def child(phase: str, data: Path, **extra: str) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--phase", phase, "--data", str(data)]
    for name, value in extra.items():
        argv += [f"--{name}", value]
    with ShmSampler() as shm:
        done = subprocess.run(argv, capture_output=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{done.stderr.decode()}")
    result: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    workers = CORES if phase == "pythonN" else (1 if result["rss_children_kb"] else 0)
    result["peak_rss_mb"] = round(
        (result["rss_kb"] + workers * result["rss_children_kb"]) / 1024, 1
    )
    result["peak_shm_mb"] = round(shm.peak / 2**20, 1)
    return result


def generate(records: int, data: Path) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from airlock.trail.synthetic import SigningKey, TrailSpec, write_trail

    per_file = max(10, min(1000, records // 12))
    files = math.ceil(records / per_file)
    hours = max(2, math.ceil(files / 12))
    spec = TrailSpec(
        hours=hours,
        files_per_hour=math.ceil(files / hours),
        records_per_file=per_file,
        services=200 if records >= 100_000 else 8,
        bedrock_share=0.2,
        invocation_logs=False,
        seed=42,
    )
    wanted = {"records": records, "spec": json.loads(json.dumps(asdict(spec), default=str))}
    marker = data / MARKER
    if marker.exists() and json.loads(marker.read_text()).get("wanted") == wanted:
        return dict(json.loads(marker.read_text()))
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    began = time.perf_counter()
    key = SigningKey.generate()
    trail = write_trail(spec, data, key, processes=CORES)
    (data / "bench-public-key.pem").write_bytes(key.public_pem())
    info = {
        "wanted": wanted,
        "records": trail.records,
        "log_files": len(trail.log_keys),
        "digests": len(trail.digest_keys),
        "start": spec.start.isoformat(),
        "end": spec.end.isoformat(),
        "generated_seconds": round(time.perf_counter() - began, 1),
    }
    marker.write_text(json.dumps(info, indent=1))
    return info


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument(
        "--data-dir", help="where to generate (reused when it matches); default: a temp dir"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated data and database")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run each phase N times and keep the fastest (noisy hosts)",
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--start", help=argparse.SUPPRESS)
    parser.add_argument("--end", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args)
        return

    work = (
        Path(args.data_dir)
        if args.data_dir
        else Path(tempfile.mkdtemp(prefix="airlock-bench-trail-"))
    )
    data = work / "bucket" if not args.data_dir else work
    db_dir = Path(tempfile.mkdtemp(prefix="airlock-bench-db-"))
    db = db_dir / "trail.duckdb"
    try:
        info = generate(args.records, data)
        gz = sum(p.stat().st_size for p in log_files(data))
        results: dict[str, dict[str, Any]] = {}
        loads = [os.getloadavg()[0]]
        for _ in range(max(1, args.repeat)):
            runs = {
                phase: child(phase, data) for phase in ("floor", "python1", "pythonN", "verify")
            }
            shutil.rmtree(db_dir, ignore_errors=True)
            db_dir.mkdir()
            runs["ingest"] = child("ingest", data, db=str(db))
            runs["query"] = child("query", data, db=str(db), start=info["start"], end=info["end"])
            for phase, result in runs.items():
                if phase not in results or result["seconds"] < results[phase]["seconds"]:
                    results[phase] = result
            loads.append(os.getloadavg()[0])
        info["load_average"] = [round(x, 2) for x in loads]
        report(info, gz, results, args.json)
    finally:
        shutil.rmtree(db_dir, ignore_errors=True)
        if not args.keep and not args.data_dir:
            shutil.rmtree(work, ignore_errors=True)


def report(info: dict[str, Any], gz: int, r: dict[str, dict[str, Any]], as_json: bool) -> None:
    floor = r["floor"]["seconds"]
    query_total = sum(r["query"]["timings"].values())
    checks = {
        "python and airlock agree on Bedrock calls by principal": (
            r["python1"]["bedrock_calls"]
            == r["pythonN"]["bedrock_calls"]
            == r["query"]["bedrock_calls"]
            and r["python1"]["principals"] == r["query"]["principals"]
        ),
        "verify: trail VERIFIED": r["verify"]["status"] == "VERIFIED",
        "ingest: every record stored": r["ingest"]["events"] == info["records"],
    }
    peak_memory = max(p["peak_rss_mb"] + p["peak_shm_mb"] for p in r.values())
    summary = {
        "records": info["records"],
        "log_files": info["log_files"],
        "gzip_mb": round(gz / 2**20, 1),
        "json_mb": round(r["floor"]["json_bytes"] / 2**20, 1),
        "cores": CORES,
        "load_average": info["load_average"],
        "seconds": {name: round(p["seconds"], 2) for name, p in r.items()},
        "queries_seconds": r["query"]["timings"],
        "ratios_to_floor": {
            "verify": round(r["verify"]["seconds"] / floor, 2),
            "verify + queries": round((r["verify"]["seconds"] + query_total) / floor, 2),
            "ingest": round(r["ingest"]["seconds"] / floor, 2),
            "ingest / python gzip+json (1 process)": round(
                r["ingest"]["seconds"] / r["python1"]["seconds"], 2
            ),
            "python gzip+json (1 process)": round(r["python1"]["seconds"] / floor, 2),
            f"python gzip+json ({CORES} processes)": round(r["pythonN"]["seconds"] / floor, 2),
        },
        "peak_rss_mb": {name: p["peak_rss_mb"] for name, p in r.items()},
        "peak_shm_staging_mb": {
            name: p["peak_shm_mb"] for name, p in r.items() if p["peak_shm_mb"]
        },
        "peak_memory_mb": peak_memory,
        "db_mb": round(r["ingest"]["db_bytes"] / 2**20, 1),
        "checks": checks,
        "targets": {
            "verify + queries within 2x floor": (r["verify"]["seconds"] + query_total) / floor <= 2,
            "under 2 GB": peak_memory < 2048,
        },
    }
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    print(
        f"{summary['records']:,} CloudTrail records in {summary['log_files']} files: "
        f"{summary['gzip_mb']} MB gzip, {summary['json_mb']} MB JSON; {CORES} cores; "
        f"1-min load average: {info['load_average']}"
    )
    print()
    print(f"{'phase':<34}{'seconds':>9}{'x floor':>9}{'peak RSS MB':>13}")
    labels = {
        "floor": "floor: gunzip + SHA-256",
        "python1": "python gzip+json, 1 process",
        "pythonN": f"python gzip+json, {CORES} processes",
        "verify": "airlock verify",
        "ingest": "airlock ingest (DuckDB)",
        "query": "airlock queries + scope (process)",
    }
    for name, label in labels.items():
        seconds = r[name]["seconds"]
        print(f"{label:<34}{seconds:>9.2f}{seconds / floor:>9.2f}{r[name]['peak_rss_mb']:>13.0f}")
    print()
    for name, seconds in r["query"]["timings"].items():
        print(f"  query {name:<44}{seconds * 1000:>8.1f} ms")
    print()
    print(
        f"verify + queries: {r['verify']['seconds'] + query_total:.2f} s = "
        f"{summary['ratios_to_floor']['verify + queries']}x floor (target <= 2x)"
    )
    print(
        f"ingest (parse, normalise, persist): {summary['ratios_to_floor']['ingest']}x floor; "
        f"{r['ingest']['seconds'] / r['python1']['seconds']:.2f}x the time of python gzip+json "
        f"in 1 process (which only parses), "
        f"{r['ingest']['seconds'] / r['pythonN']['seconds']:.2f}x in {CORES} processes"
    )
    print(
        f"peak memory: {peak_memory:.0f} MB (RSS + /dev/shm staging; target < 2048); "
        f"database {summary['db_mb']} MB"
    )
    for name, ok in {**checks, **summary["targets"]}.items():
        print(f"  [{'ok' if ok else 'MISSED'}] {name}")


if __name__ == "__main__":
    main()
