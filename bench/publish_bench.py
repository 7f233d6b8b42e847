"""Benchmark of the publish step: a synthetic serving schema with hundreds of branches.

    .venv/bin/python bench/publish_bench.py --outlets 600 --customers 1000000 --days 3

Builds a warehouse under a temporary directory (or --dir) with a five-level branch tree
(--outlets outlets; 4 per sub-branch, 5 sub-branches per city branch, 3 cities per province),
a customer-level table (customers x days rows, masked text columns, pseudonymous keys), a KPI
table (every branch x day) and a reference table, then publishes twice (the second publish
also prunes) and prints the time of each phase, the number of branch files and the rows and
bytes written. Figures depend on the machine and on whatever else runs on it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outlets", type=int, default=600)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--dir", type=Path, help="work directory (default: a temporary one)")
    parser.add_argument("--runs", type=int, default=2, help="publishes in a row (keep=1)")
    args = parser.parse_args()
    os.environ.setdefault("CRM_PSEUDONYM_KEY", "bench-only-secret-0123456789")
    from orchestration.publish import publish

    with tempfile.TemporaryDirectory(prefix="publish-bench-") as tmp:
        root = args.dir or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        wh = root / "warehouse.duckdb"
        t0 = time.perf_counter()
        build_warehouse(wh, args.outlets, args.customers, args.days)
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
