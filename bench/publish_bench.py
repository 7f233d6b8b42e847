"""Benchmark of the publish step: a synthetic serving schema with hundreds of branches.

    .venv/bin/python bench/publish_bench.py --outlets 600 --customers 1000000 --days 3

Builds a warehouse under a temporary directory (or --dir) with a five-level branch tree
(--outlets outlets; 4 per sub-branch, 5 sub-branches per city branch, 3 cities per province),
a customer-level table (customers x days rows, masked text columns, pseudonymous keys), a KPI
table (every branch x day) and a reference table, then publishes twice (the second publish
also prunes) and prints the time of each phase, the number of branch files and the rows and
bytes written. Figures depend on the machine and on whatever else runs on it.

    .venv/bin/python bench/publish_bench.py --incremental --outlets 600 --customers 200000 --days 2,15

``--incremental``: for each N in --days, a warehouse with N + 1 business dates; the version of
its first N dates is published (full, not timed as the figure), then date N + 1 is published
incrementally on top of it and, for comparison, fully: seconds and CPU-seconds of each, so the
figures for two values of N show whether the nightly cost follows history or T's volume.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import duckdb


def build_warehouse(path: Path, outlets: int, customers: int, days: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema serving")
    # outlet i -> sub-branch i//4 -> city i//20 -> province i//60; codes do not encode the tree
    con.execute(
        f"""
        create table tree as
        select i,
            'P' || (i // 60) as l2, 'C' || (i // 20) as l3, 'S' || (i // 4) as l4, 'O' || i as l5
        from range({outlets}) t(i)
        """
    )
    con.execute(
        """
        create table serving.dim_branch as
        with nodes as (
            select distinct 'HQ' as branch_code, 1 as branch_level, null as parent_code,
                'HQ' as l1, null as l2, null as l3, null as l4, null as l5 from tree
            union all select distinct l2, 2, 'HQ', 'HQ', l2, null, null, null from tree
            union all select distinct l3, 3, l2, 'HQ', l2, l3, null, null from tree
            union all select distinct l4, 4, l3, 'HQ', l2, l3, l4, null from tree
            union all select distinct l5, 5, l4, 'HQ', l2, l3, l4, l5 from tree
        )
        select branch_code, branch_code || '网点' as branch_name, branch_level, parent_code,
            l1 as branch_l1_code, l2 as branch_l2_code, l3 as branch_l3_code,
            l4 as branch_l4_code, l5 as branch_l5_code, 'A' as status,
            date '2026-11-01' as valid_from, null::date as valid_to
        from nodes
        """
    )
    con.execute(
        f"""
        create table serving.pub_mart_customer_daily as
        select date '2026-11-01' + d.d::integer as biz_date,
            translate(left(sha256('bench|' || c.c), 20), '0123456789', 'ghijklmnop') as customer_key,
            '张*' || chr(cast(19968 + c.c % 2000 as integer)) as customer_name,
            '138****' || lpad(cast(c.c % 10000 as varchar), 4, '0') as mobile,
            '110101********' || lpad(cast(c.c % 10000 as varchar), 4, '0') as cert_no,
            '广东省广州市天河区' as address,
            cast(c.c % 100000 as decimal(18, 2)) as aum,
            'HQ' as branch_l1_code, t.l2 as branch_l2_code, t.l3 as branch_l3_code,
            t.l4 as branch_l4_code, t.l5 as branch_l5_code
        from range({customers}) c(c)
        join tree t on t.i = c.c % {outlets}
        cross join range({days}) d(d)
        """
    )
    con.execute(
        f"""
        create table serving.pub_mart_branch_kpi_daily as
        select date '2026-11-01' + d.d::integer as biz_date, b.branch_code, b.branch_level,
            100 as customers, b.branch_l1_code, b.branch_l2_code, b.branch_l3_code,
            b.branch_l4_code, b.branch_l5_code
        from serving.dim_branch b cross join range({days}) d(d)
        """
    )
    con.execute(
        f"create table serving.pub_dim_date as select date '2026-11-01' + i::integer as date_day "
        f"from range({days}) t(i)"
    )
    con.close()


HISTORY = {
    "mart_customer_daily": "biz_date",
    "mart_branch_kpi_daily": "biz_date",
    "dim_date": "date_day",
}
FIRST = dt.date(2026, 11, 1)


def _timed_publish(label: str, day: dt.date, wh: Path, serving: Path, full: bool) -> float:
    from orchestration.publish import publish

    cpu = time.process_time()
    result = publish(day, warehouse=wh, serving_dir=serving, keep=2, history=HISTORY, full=full)
    cpu = time.process_time() - cpu
    vdir = serving / "versions" / result.version
    manifest = json.loads((vdir / "manifest.json").read_text())
    ho_mb = (vdir / "crm.duckdb").stat().st_size / 1e6
    branch_mb = sum(p.stat().st_size for p in (vdir / "branches").glob("*.duckdb")) / 1e6
    print(
        f"  {label:<12} {result.mode:<11} {result.seconds:6.1f}s wall {cpu:6.1f}s CPU, "
        f"files {ho_mb:.0f} + {branch_mb:.0f} MB; phases "
        + ", ".join(f"{k} {v:.1f}s" for k, v in manifest["phase_seconds"].items())
    )
    return result.seconds


def incremental_figures(root: Path, outlets: int, customers: int, history_days: list[int]) -> None:
    """Per N: publish N dates (full), then date N + 1 incrementally and fully."""
    for n in history_days:
        wh = root / f"warehouse-{n}.duckdb"
        prev = root / f"warehouse-{n}-prev.duckdb"
        t0 = time.perf_counter()
        build_warehouse(wh, outlets, customers, n + 1)
        shutil.copyfile(wh, prev)
        con = duckdb.connect(str(prev))
        last = FIRST + dt.timedelta(days=n)
        for table, col in (
            ("pub_mart_customer_daily", "biz_date"),
            ("pub_mart_branch_kpi_daily", "biz_date"),
            ("pub_dim_date", "date_day"),
        ):
            con.execute(f"delete from serving.{table} where {col} >= ?", [last])
        con.close()
        print(
            f"{n} dates of history + 1: warehouse built in {time.perf_counter() - t0:.1f}s "
            f"({customers:,} customers x {n + 1} dates, {outlets} outlets)"
        )
        serving = root / f"serving-{n}"
        _timed_publish(f"base ({n})", last - dt.timedelta(days=1), prev, serving, full=True)
        incr = _timed_publish("incremental", last, wh, serving, full=False)
        full = _timed_publish("full", last, wh, root / f"serving-{n}-full", full=True)
        print(f"  date {n + 1} on {n} dates: incremental {incr:.1f}s vs full {full:.1f}s")
        for path in (wh, prev, serving, root / f"serving-{n}-full"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlets", type=int, default=600)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument(
        "--days",
        default="1",
        help="business dates (with --incremental: dates of history, comma-separated, e.g. 2,15)",
    )
    parser.add_argument(
        "--incremental",
        action="store_true",
        help="time one more date published on top of --days dates, incrementally and fully",
    )
    parser.add_argument("--dir", type=Path, help="work directory (default: a temporary one)")
    parser.add_argument("--runs", type=int, default=2, help="publishes in a row (keep=1)")
    args = parser.parse_args()
    os.environ.setdefault("CRM_PSEUDONYM_KEY", "bench-only-secret-0123456789")
    from orchestration.publish import publish

    with tempfile.TemporaryDirectory(prefix="publish-bench-") as tmp:
        root = args.dir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        if args.incremental:
            days = [int(d) for d in args.days.split(",")]
            incremental_figures(root, args.outlets, args.customers, days)
            return
        wh = root / "warehouse.duckdb"
        t0 = time.perf_counter()
        build_warehouse(wh, args.outlets, args.customers, int(args.days))
        print(
            f"warehouse built in {time.perf_counter() - t0:.1f}s ({wh.stat().st_size / 1e6:.0f} MB)"
        )
        for attempt in range(1, args.runs + 1):
            cpu = time.process_time()
            result = publish(
                dt.date(2026, 11, 1), warehouse=wh, serving_dir=root / "serving", keep=1
            )
            vdir = root / "serving" / "versions" / result.version
            manifest = json.loads((vdir / "manifest.json").read_text())
            size = sum(p.stat().st_size for p in vdir.rglob("*.duckdb"))
            print(
                f"publish {attempt}: {result.seconds:.1f}s total "
                f"({time.process_time() - cpu:.1f}s CPU in all threads); phases "
                + ", ".join(f"{k} {v:.1f}s" for k, v in manifest["phase_seconds"].items())
            )
            print(
                f"  {sum(result.tables.values()):,} rows in {len(result.tables)} tables (head office), "
                f"{result.branches} branch files with {result.branch_rows:,} rows, "
                f"{size / 1e6:.0f} MB written"
            )


if __name__ == "__main__":
    main()
