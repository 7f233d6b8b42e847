"""Benchmark the simulator: records/s, MB/s and peak RSS for a bank of a given size.

    .venv/bin/python bench/simulate.py                      # 1,000,000 persons, first day
    .venv/bin/python bench/simulate.py --small              # 20,000 persons, quick
    .venv/bin/python bench/simulate.py --persons 300000 --days 3

Writes into a temporary directory (or --data-dir) and removes it afterwards unless --keep.
The target (issue 2): 1,000,000 persons + 100,000 enterprises, first business day, at most
2 minutes and peak RSS under 4 GiB on a 2-core machine. Figures depend on what else runs on
the machine; print the load average with them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--enterprises", type=int, default=None, help="default: persons / 10")
    ap.add_argument("--days", type=int, default=1)
    ap.add_argument("--seed", type=int, default=20261101)
    ap.add_argument("--small", action="store_true", help="20,000 persons, 2,000 enterprises")
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    if args.small:
        args.persons = 20_000
    enterprises = args.enterprises if args.enterprises is not None else args.persons // 10

    from simulator.generate import Options, generate

    target = args.data_dir or Path(tempfile.mkdtemp(prefix="crmwh-bench-"))
    opts = Options(
        persons=args.persons,
        enterprises=enterprises,
        days=args.days,
        start=dt.date(2026, 11, 1),
        seed=args.seed,
    )
    load = os.getloadavg()
    t0 = time.perf_counter()
    summary = generate(opts, target)
    seconds = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    print(f"bank: {args.persons:,} persons, {enterprises:,} enterprises, {args.days} day(s)")
    print(f"files {summary.files}, records {summary.rows:,}, {summary.nbytes / 1e6:,.1f} MB")
    print(f"total {seconds:.1f} s (first day {summary.first_day_seconds:.1f} s)")
    print(f"records/s {summary.rows / seconds:,.0f}   MB/s {summary.nbytes / 1e6 / seconds:,.1f}")
    print(f"peak RSS {peak:,.0f} MiB   CPU time (user+sys) {cpu:.1f} s")
    print(
        f"load average before/after: {load[0]:.2f} / {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} CPUs (figures are under whatever else was running)"
    )
    if not args.keep and args.data_dir is None:
        shutil.rmtree(target, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
