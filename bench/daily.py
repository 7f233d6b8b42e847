"""Daily build cost of the org/finance facts: day 2 against day N, and a full rebuild.

    .venv/bin/python bench/daily.py                          # 1,000,000 persons, 30 days
    .venv/bin/python bench/daily.py --persons 200000 --days 10
    .venv/bin/python bench/daily.py --small                  # 20,000 persons, 5 days
    .venv/bin/python bench/daily.py --data-dir DIR           # reuse DIR (generated, extracted)

Steps: simulate the bank (crmwh generate) and extract every batch (orchestration.extract) into
the data directory unless they are already there; build staging and identity once over the
whole lake (not timed: upstream of the facts, measured by their own benchmarks); then run the
facts' daily build for each business date in order, as the orchestrator does
(`CRM_BIZ_DATE=T dbt build --select int_branches_daily+ fct_fx_rate_daily+ ...`:
models and their data tests; the date in the environment, not --vars, so dbt parses partially), and finally a `--full-refresh` rebuild of every date.

Each dbt invocation is a child process; its peak RSS (DuckDB runs inside dbt) comes from
os.wait4. Printed per build: wall time (includes dbt start-up and parsing), dbt's own execution time (run_results.json), the part spent
in models, and peak RSS. The target: day N's daily build within 1.3x of day 2's (a daily run
processes T only). Figures depend on the machine and on whatever else runs on it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crmwh.config import SYSTEMS  # noqa: E402
from orchestration.dbt.project import NO_TESTS_ARGS  # noqa: E402

# This area's models only (others' marts downstream of the facts are not part of the figure).
FACT_SELECTION = [
    "path:models/intermediate/org",
    "path:models/intermediate/finance",
    "path:models/marts/finance",
    "dim_branch",
    "dim_staff",
    "dim_staff_customer_assignments",
    "dim_date",
    "dim_product",
    "product_codes",
]
UPSTREAM_SELECTION = ["+rec_finance_daily", "+dim_staff", "+dim_customer"]


# Only the tests of the selected models (not other areas' tests that reference dim_branch).
CAUTIOUS = ["--indirect-selection", "cautious"]


@dataclass
class BuildFigures:
    label: str
    wall_s: float
    dbt_s: float
    models_s: float
    peak_rss_mb: float


def generate(data_dir: Path, persons: int, days: int, start: dt.date) -> None:
    """Simulate the bank into data_dir/landing (and truth) unless it is there already."""
    if (data_dir / "landing").is_dir():
        print(f"reusing {data_dir / 'landing'}", flush=True)
        return
    from simulator.generate import Options
    from simulator.generate import generate as simulate

    t0 = time.perf_counter()
    simulate(Options(persons=persons, enterprises=persons // 10, days=days, start=start), data_dir)
    print(f"generated {persons:,} persons x {days} days in {time.perf_counter() - t0:.1f} s")


def extract(data_dir: Path) -> list[dt.date]:
    """Extract every batch not yet in the lake; return the business dates."""
    from orchestration.extract import extract_batch, list_batches

    landing, lake = data_dir / "landing", data_dir / "lake"
    t0 = time.perf_counter()
    dates: set[dt.date] = set()
    for system in SYSTEMS:  # a loop over batches (systems x dates), not records
        for day, ready in list_batches(landing, system):
            if ready:
                extract_batch(system, day, landing, lake)
                dates.add(day)
    print(f"extracted {len(dates)} dates in {time.perf_counter() - t0:.1f} s", flush=True)
    return sorted(dates)


def dbt(args: list[str], data_dir: Path, work: Path, biz_date: dt.date, label: str) -> BuildFigures:
    """Run dbt as a child process; wall time, dbt's timings and the child's peak RSS."""
    env = {
        **os.environ,
        "CRM_DATA_DIR": str(data_dir),
        "DBT_PROFILES_DIR": str(ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # as the orchestrator passes the date: a changed --vars would make dbt re-parse
        "CRM_BIZ_DATE": biz_date.isoformat(),
    }
    target = work / "target"
    cmd = [
        str(Path(sys.executable).parent / "dbt"),
        *args,
        "--target-path",
        str(target),
        "--log-path",
        str(work / "logs"),
    ]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"dbt {' '.join(args)} failed for {biz_date}:\n{out.decode()[-6000:]}")
    results = json.loads((target / "run_results.json").read_text())
    models_s = sum(
        r["execution_time"] for r in results["results"] if r["unique_id"].startswith("model.")
    )
    return BuildFigures(label, wall, results["elapsed_time"], models_s, usage.ru_maxrss / 1024)


def show(fig: BuildFigures) -> None:
    print(
        f"{fig.label:<28} wall {fig.wall_s:7.1f} s   dbt {fig.dbt_s:7.1f} s   "
        f"models {fig.models_s:7.1f} s   peak RSS {fig.peak_rss_mb:7.0f} MB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2026, 11, 1))
    parser.add_argument("--small", action="store_true", help="20,000 persons, 5 days")
    parser.add_argument("--data-dir", type=Path, help="reuse or create the bank here")
    parser.add_argument(
        "--upstream-built", action="store_true", help="staging and identity already built"
    )
    args = parser.parse_args()
    if args.small:
        args.persons, args.days = 20_000, 5
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="crm-bench-daily-"))
    (data_dir / "warehouse").mkdir(parents=True, exist_ok=True)
    work = data_dir / "bench-dbt"
    generate(data_dir, args.persons, args.days, args.start)
    dates = extract(data_dir)
    if len(dates) < 2:
        sys.exit("need at least two business dates")

    if not args.upstream_built:
        print("building staging and identity once (not timed) ...", flush=True)
        select = ["--select", *UPSTREAM_SELECTION, "--exclude", *FACT_SELECTION]
        upstream = dbt(["build", *select, *NO_TESTS_ARGS], data_dir, work, dates[-1], "upstream")
        show(upstream)

    daily: list[BuildFigures] = []
    for i, day in enumerate(dates, start=1):
        flags = ["--full-refresh"] if i == 1 else []
        select = ["--select", *FACT_SELECTION, *CAUTIOUS, *flags]
        fig = dbt(["build", *select], data_dir, work, day, f"daily build day {i} ({day})")
        show(fig)
        daily.append(fig)
    select = ["--select", *FACT_SELECTION, *CAUTIOUS, "--full-refresh"]
    rebuild = dbt(
        ["build", *select], data_dir, work, dates[-1], f"full rebuild ({len(dates)} days)"
    )
    show(rebuild)

    day2, dayn = daily[1], daily[-1]
    print()
    print(f"bank: {args.persons:,} persons, {len(dates)} business dates, data in {data_dir}")
    for name, attr in (("wall", "wall_s"), ("dbt", "dbt_s"), ("models", "models_s")):
        a, b = getattr(day2, attr), getattr(dayn, attr)
        print(f"day {len(dates)} / day 2 ({name}): {b:.1f} s / {a:.1f} s = {b / a:.2f}")
    print(f"full rebuild: {rebuild.wall_s:.1f} s wall, {rebuild.models_s:.1f} s in models")
    peak = max(f.peak_rss_mb for f in [*daily, rebuild])
    print(f"peak RSS of any fact build: {peak:.0f} MB")


if __name__ == "__main__":
    main()
