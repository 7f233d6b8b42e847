"""The quality gates' share of one business date's daily run: extraction, dbt build, GX gates.

    .venv/bin/python bench/gates.py --data-dir /tmp/me-data --date 2026-11-02
    .venv/bin/python bench/gates.py --data-dir /tmp/me-data --persons 20000 --days 3 --date 2026-11-02
    .venv/bin/python bench/gates.py ... --no-dbt           # gates and extraction only
    .venv/bin/python bench/gates.py ... --code /tmp/old    # gates from another checkout (before/after)

The data directory must hold (or gets, with ``--persons``) a simulated bank: landing, the lake
extracted for every date, and a warehouse built by dbt up to the date before ``--date``.
For ``--date`` T the script measures, one after the other:

- extraction: every system's batch of T extracted again into a scratch lake (the daily work of
  ``extract_<system>``; the data directory's own lake is not touched);
- dbt: ``dbt build --vars {biz_date: T}`` (the ``warehouse_dbt`` asset's daily run, incremental
  models and data tests), as a child process with its own target and log paths;
- gates: the raw suites of each system in a fresh Python process per system (what one Dagster
  check step per system pays, imports included, Data Docs built once per step; with
  ``--raw-one-step`` all raw suites in one process), then the warehouse suites (staging,
  conformed, marts) of the models that exist, in one more process.

Printed: per-suite seconds, per-step wall and CPU seconds (children's user+system time, which
matters on a shared machine where wall time follows the load) and the gates' share of
extraction + dbt + gates. The issue's target: at most 25 % on the 1,000,000-person bank.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crmwh.config import SYSTEMS, TABLES  # noqa: E402

# Runs in the child: the suites given on the command line, one GX context, one docs build.
GATE_CHILD = """
import datetime as dt, json, sys, time
t0 = time.perf_counter()
from orchestration.quality import gx_runner
day, docs, names = dt.date.fromisoformat(sys.argv[1]), sys.argv[2] == "1", sys.argv[3:]
if hasattr(gx_runner, "run_suites"):
    outcomes = gx_runner.run_suites(names, day, build_docs=docs)
else:  # a checkout from before run_suites: one suite at a time, as its checks did
    outcomes = [gx_runner.run_suite(n, day, build_docs=docs) for n in names]
print(json.dumps({"seconds": time.perf_counter() - t0, "suites": [
    {"suite": o.suite, "rows": o.rows, "verdict": o.severity or "PASSED", "seconds": o.seconds,
     "error": o.error} for o in outcomes]}))
"""


@dataclass
class Step:
    label: str
    wall_s: float
    cpu_s: float
    detail: list[dict] | None = None


def child_env(data_dir: Path, code: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CRM_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(code),
        "DBT_PROFILES_DIR": str(ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "false",
        "DAGSTER_DISABLE_TELEMETRY": "true",
    }


def timed_child(
    cmd: list[str], env: dict[str, str], cwd: Path, check: bool = True
) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system, from os.wait4) and stdout of a child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        message = f"{' '.join(cmd[:4])} failed ({proc.returncode}):\n{(out + err).decode()[-800:]}"
        if check:
            sys.exit(message)
        print(f"WARNING (timed anyway): {message}", flush=True)
    return wall, usage.ru_utime + usage.ru_stime, out.decode()


def prepare(data_dir: Path, persons: int, days: int, start: dt.date) -> None:
    """Simulate, extract and build every date (not timed), unless the bank is there already."""
    if (data_dir / "landing").is_dir():
        return
    from orchestration.extract import extract_batch
    from simulator.generate import Options, generate

    print(f"simulating {persons:,} persons x {days} days into {data_dir} ...", flush=True)
    generate(Options(persons=persons, enterprises=persons // 10, days=days, start=start), data_dir)
    for i in range(days):
        for system in SYSTEMS:
            extract_batch(
                system, start + dt.timedelta(days=i), data_dir / "landing", data_dir / "lake"
            )
    for i in range(days - 1):  # the measured date's own build is the one timed below
        dbt_build(data_dir, start + dt.timedelta(days=i))


def dbt_build(data_dir: Path, day: dt.date) -> Step:
    (data_dir / "warehouse").mkdir(parents=True, exist_ok=True)
    work = data_dir / "bench-gates-dbt"
    cmd = [
        str(Path(sys.executable).parent / "dbt"),
        "build",
        "--vars",
        json.dumps({"biz_date": day.isoformat()}),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    # a failing dbt test (another area's work in progress) does not make the timing meaningless
    wall, cpu, _ = timed_child(cmd, child_env(data_dir, ROOT), ROOT, check=False)
    return Step(f"dbt build {day}", wall, cpu)


def extraction(data_dir: Path, day: dt.date) -> Step:
    """Every system's batch of ``day`` extracted into a scratch lake, in a child process."""
    scratch = Path(tempfile.mkdtemp(prefix="bench-gates-lake-"))
    code = (
        "import datetime as dt, sys\n"
        "from pathlib import Path\n"
        "from orchestration.extract import extract_batch\n"
        f"for s in {list(SYSTEMS)!r}:\n"
        f"    extract_batch(s, dt.date.fromisoformat({day.isoformat()!r}),"
        f" Path({str(data_dir / 'landing')!r}), Path({str(scratch)!r}))\n"
    )
    try:
        wall, cpu, _ = timed_child([sys.executable, "-c", code], child_env(data_dir, ROOT), ROOT)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Step(f"extraction {day}", wall, cpu)


def gates(data_dir: Path, day: dt.date, code: Path, docs: bool, groups: dict) -> list[Step]:
    steps = []
    # a script file, not ``python -c``: under -c, importing GX (which imports pyspark when it is
    # installed) ends the process silently with status 0 before the gates run
    script = Path(tempfile.mkdtemp(prefix="bench-gates-")) / "gate_child.py"
    script.write_text(GATE_CHILD, encoding="utf-8")
    try:
        for label, names in groups.items():
            if not names:
                continue
            cmd = [sys.executable, str(script), day.isoformat(), "1" if docs else "0", *names]
            wall, cpu, out = timed_child(cmd, child_env(data_dir, code), code)
            body = json.loads(out.strip().splitlines()[-1])
            steps.append(Step(f"gates {label}", wall, cpu, body["suites"]))
    finally:
        shutil.rmtree(script.parent, ignore_errors=True)
    return steps


def warehouse_suites(data_dir: Path, code: Path) -> list[str]:
    """Warehouse suites whose model exists in the warehouse (others are skipped, as in Dagster)."""
    sys.path.insert(0, str(code))
    try:
        from orchestration.quality.warehouse_checks import existing_warehouse_suites
    except ImportError:  # a checkout from before the warehouse suites
        return []
    os.environ["CRM_DATA_DIR"] = str(data_dir)
    return [name for name, _ in existing_warehouse_suites()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--date", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--persons", type=int, default=20_000, help="when simulating")
    parser.add_argument("--days", type=int, default=3, help="when simulating")
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2026, 11, 1))
    parser.add_argument("--no-dbt", action="store_true", help="skip the dbt build")
    parser.add_argument("--no-docs", action="store_true", help="gates without Data Docs")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout the gates run from")
    parser.add_argument(
        "--raw-one-step",
        action="store_true",
        help="all raw suites in one process (checks.build_raw_checks_one_step) instead of one "
        "per system (build_raw_system_checks)",
    )
    args = parser.parse_args()

    prepare(args.data_dir, args.persons, args.days, args.start)
    steps = [extraction(args.data_dir, args.date)]
    if not args.no_dbt:
        steps.append(dbt_build(args.data_dir, args.date))
    groups: dict[str, list[str]] = {s: [f"raw_{t}" for t in TABLES[s]] for s in SYSTEMS}
    if args.raw_one_step:
        groups = {"raw (one step)": [name for names in groups.values() for name in names]}
    groups["warehouse"] = warehouse_suites(args.data_dir, args.code)
    gate_steps = gates(args.data_dir, args.date, args.code, not args.no_docs, groups)

    print(f"\nbusiness date {args.date}, data {args.data_dir}, gates from {args.code}")
    print(f"{'suite':34s} {'rows':>10s} {'verdict':7s} {'seconds':>8s}")
    for step in gate_steps:
        for s in step.detail or []:
            rows = "-" if s["rows"] is None else f"{s['rows']:,}"
            print(f"{s['suite']:34s} {rows:>10s} {s['verdict']:7s} {s['seconds']:8.2f}")
            if s["error"]:
                print(f"    could not run: {s['error'][:150]}")
    print(f"\n{'step':34s} {'wall s':>8s} {'CPU s':>8s}")
    for step in [*steps, *gate_steps]:
        print(f"{step.label:34s} {step.wall_s:8.2f} {step.cpu_s:8.2f}")
    gate_wall = sum(s.wall_s for s in gate_steps)
    gate_cpu = sum(s.cpu_s for s in gate_steps)
    rest_wall = sum(s.wall_s for s in steps)
    rest_cpu = sum(s.cpu_s for s in steps)
    print(f"{'gates total':34s} {gate_wall:8.2f} {gate_cpu:8.2f}")
    print(f"{'extraction + dbt':34s} {rest_wall:8.2f} {rest_cpu:8.2f}")
    if not args.no_dbt:
        share_wall = gate_wall / (gate_wall + rest_wall)
        share_cpu = gate_cpu / (gate_cpu + rest_cpu)
        print(f"gates' share of the daily run: {share_wall:.1%} of wall, {share_cpu:.1%} of CPU")
    print("(figures depend on the machine and on whatever else runs on it)")


if __name__ == "__main__":
    main()
