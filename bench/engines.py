"""DuckDB against Spark for the dbt build of the same bank (issue 8's benchmark row).

    .venv/bin/python bench/engines.py                        # 1,000 persons, 2 days
    .venv/bin/python bench/engines.py --persons 20000 --days 3
    .venv/bin/python bench/engines.py --data-dir DIR         # reuse DIR (generated, extracted)

One simulated bank is extracted once into one lake; `dbt build --resource-type seed
--resource-type model` (no data tests: their count, not the engine, would dominate) runs on
DuckDB and then on Spark (CRM_ENGINE=spark, dbt-spark session mode, one thread), each with its
own target path. Printed per engine: wall time (dbt start-up, parsing and, for Spark, the JVM
start included), dbt's own execution time, models built / failed / skipped, and the dbt
process's peak RSS (DuckDB runs inside it; Spark's JVM is a separate process, not counted). Figures depend on the machine and on whatever else runs on it.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crmwh.config import SYSTEMS  # noqa: E402

START = dt.date(2026, 11, 1)


def prepare(data_dir: Path, persons: int, days: int) -> None:
    """Simulate and extract the bank unless the lake is already there."""
    if (data_dir / "lake" / "raw").exists():
        return
    from orchestration.extract import extract_batch
    from simulator.testing import make_bank

    sim = make_bank(data_dir, persons=persons, enterprises=max(persons // 10, 1), days=days)
    for system in SYSTEMS:
        for day in sim.dates:
            extract_batch(system, day, sim.landing, data_dir / "lake")


def build(engine: str, data_dir: Path, work: Path, biz_date: str) -> dict:
    """One dbt build on one engine; wall time, dbt's elapsed time, node counts, peak RSS."""
    env = {
        **os.environ,
        "CRM_ENGINE": engine,
        "CRM_DATA_DIR": str(data_dir),
        "DBT_PROFILES_DIR": str(ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_TARGET_PATH": str(work / f"target-{engine}"),
        "DBT_LOG_PATH": str(work / f"logs-{engine}"),
        "CRM_PSEUDONYM_KEY": os.environ.get("CRM_PSEUDONYM_KEY", "bench-engines-key"),
    }
    args = ["build", "--resource-type", "seed", "--resource-type", "model",
            "--vars", json.dumps({"biz_date": biz_date})]  # fmt: skip
    if engine == "spark":
        args += ["--threads", "1"]
    began = time.perf_counter()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "dbt"), *args],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    results = json.loads((work / f"target-{engine}" / "run_results.json").read_text())
    statuses = [r["status"] for r in results["results"]]
    return {
        "wall": wall,
        "elapsed": results["elapsed_time"],
        "ok": statuses.count("success"),
        "error": statuses.count("error"),
        "skipped": statuses.count("skipped"),
        "rss_gib": usage.ru_maxrss / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1000)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--data-dir", type=Path)
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-engines-"))
    data_dir = opts.data_dir or work / "data"
    prepare(data_dir, opts.persons, opts.days)
    (data_dir / "warehouse").mkdir(parents=True, exist_ok=True)
    biz_date = (START + dt.timedelta(days=opts.days - 1)).isoformat()
    print(f"bank: {opts.persons} persons, {opts.days} days, lake {data_dir / 'lake'}")
    print(f"{'engine':<8}{'wall s':>9}{'dbt s':>9}{'ok':>5}{'error':>7}{'skip':>6}{'RSS GiB':>9}")
    for engine in ("duckdb", "spark"):
        r = build(engine, data_dir, work, biz_date)
        print(
            f"{engine:<8}{r['wall']:>9.1f}{r['elapsed']:>9.1f}{r['ok']:>5}{r['error']:>7}"
            f"{r['skipped']:>6}{r['rss_gib']:>9.2f}"
        )


if __name__ == "__main__":
    main()
