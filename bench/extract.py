"""Extraction speed: MB/s and rows/s per system, peak memory, and DuckDB's bare read for scale.

    .venv/bin/python bench/extract.py                 # simulate 1,000,000 persons, then measure
    .venv/bin/python bench/extract.py --small         # 20,000 persons
    .venv/bin/python bench/extract.py --data-dir DIR  # reuse DIR/landing (nothing generated)

Every system's batch of the first business date is extracted in a fresh child process (so each
system's peak RSS is its own) into a temporary lake. Then, in the same run, the same files are
converted to UTF-8 (not timed) and read by DuckDB's ``read_csv`` with every column VARCHAR into
an in-memory table, two threads: the bare-read yardstick the extractor is held to (within 3x).
Figures depend on the machine and on whatever else runs on it; say so when quoting them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crmwh.config import SYSTEMS  # noqa: E402


def _generate(data_dir: Path, persons: int, enterprises: int) -> None:
    env = {**os.environ, "CRM_DATA_DIR": str(data_dir)}
    cmd = [
        sys.executable,
        "-m",
        "crmwh.cli",
        "generate",
        "--persons",
        str(persons),
        "--enterprises",
        str(enterprises),
        "--days",
        "1",
    ]
    print("$", " ".join(cmd[2:]), f"(CRM_DATA_DIR={data_dir})", flush=True)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, cwd=ROOT)
    print(f"generated in {time.perf_counter() - t0:.1f} s", flush=True)


def _first_date(landing: Path) -> dt.date:
    days = sorted(
        p.name for s in SYSTEMS if (landing / s).is_dir() for p in (landing / s).iterdir()
    )
    if not days:
        sys.exit(f"no batches under {landing}")
    return dt.datetime.strptime(days[0], "%Y%m%d").date()


def _worker(system: str, day: str, landing: str, lake: str, chunk_mb: int) -> None:
    """Child process: extract one batch, print one JSON line with the figures."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from orchestration.extract import extract_batch

    # Arrow initialises its compute kernels on first use (about a second on a busy machine);
    # a pipeline process pays that once, so it is kept out of the per-batch figure.
    pc.equal(pa.array(["a"]).take(pa.array([0])), "a")
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    r = extract_batch(
        system,
        dt.date.fromisoformat(day),
        Path(landing),
        Path(lake),
        chunk_bytes=chunk_mb << 20,
    )
    seconds = time.perf_counter() - t0
    out = {
        "system": system,
        "status": r.status,
        "bytes": r.bytes_read,
        "rows": sum(t.declared_rows for t in r.tables),
        "quarantined": sum(sum(t.quarantined.values()) for t in r.tables),
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(out))


def _duckdb_read(batch_dir: Path, tmp: Path) -> tuple[float, int]:
    """Seconds DuckDB takes to read the batch's files, already UTF-8, into memory."""
    import duckdb

    from orchestration.extract import read_flag_file
    from orchestration.extract.columns import TABLE_COLUMNS

    flag = read_flag_file(next(batch_dir.glob("*.ok")))
    codec = "gb18030" if flag.encoding == "GB18030" else "utf-8"
    converted = []
    for entry in flag.files:  # conversion, not timed
        src = batch_dir / entry.name
        dst = tmp / entry.name
        dst.write_bytes(src.read_bytes().decode(codec, "replace").encode("utf-8"))
        table = next(t for t in TABLE_COLUMNS if entry.name.startswith(t + "_"))
        converted.append((dst, TABLE_COLUMNS[table]))
    con = duckdb.connect()
    con.execute("set threads = 2")
    delim = flag.field_sep.decode()
    quote = "'\"'" if flag.format == "CSV" else "''"
    newline = "\\r\\n" if flag.record_sep == b"\r\n" else "\\n"
    seconds = 0.0
    rows = 0
    for i, (path, columns) in enumerate(converted):
        cols = ", ".join(f"'{c}': 'VARCHAR'" for c in columns)
        sql = (
            f"create table t{i} as select * from read_csv('{path}', delim = '{delim}', "
            f"header = {'true' if flag.format == 'CSV' else 'false'}, quote = {quote}, "
            f"escape = {quote}, new_line = '{newline}', auto_detect = false, "
            f"null_padding = true, ignore_errors = true, columns = {{{cols}}})"
        )
        t0 = time.perf_counter()
        con.execute(sql)
        seconds += time.perf_counter() - t0
        rows += con.execute(f"select count(*) from t{i}").fetchone()[0]
        con.execute(f"drop table t{i}")
        path.unlink()
    return seconds, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--enterprises", type=int, default=None)
    ap.add_argument("--small", action="store_true", help="20,000 persons")
    ap.add_argument("--data-dir", type=Path, help="reuse DIR/landing instead of simulating")
    ap.add_argument("--chunk-mb", type=int, default=48)
    ap.add_argument("--systems", nargs="*", default=list(SYSTEMS))
    ap.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        _worker(*args.worker, chunk_mb=args.chunk_mb)
        return

    persons = 20_000 if args.small else args.persons
    with tempfile.TemporaryDirectory(prefix="bench-extract-") as tmpname:
        tmp = Path(tmpname)
        if args.data_dir:
            landing = args.data_dir.resolve() / "landing"
        else:
            _generate(tmp / "data", persons, args.enterprises or max(persons // 10, 100))
            landing = tmp / "data" / "landing"
        day = _first_date(landing)
        lake = tmp / "lake"
        print(f"landing {landing}, business date {day}, {os.cpu_count()} cores\n", flush=True)
        header = (
            f"{'system':<6} {'MB':>8} {'rows':>11} {'s':>7} {'MB/s':>7} {'rows/s':>10} "
            f"{'cpu s':>6} {'RSS MB':>7} {'duckdb s':>8} {'ratio':>6}"
        )
        print(header)
        print("-" * len(header))
        totals = {"bytes": 0, "rows": 0, "seconds": 0.0, "duck": 0.0}
        peak = 0.0
        for system in args.systems:
            cmd = [sys.executable, __file__, "--chunk-mb", str(args.chunk_mb), "--worker"]
            cmd += [system, day.isoformat(), str(landing), str(lake)]
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            if proc.returncode != 0:
                print(f"{system:<6} failed:\n{proc.stderr[-2000:]}")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            duck, _ = _duckdb_read(landing / system / f"{day:%Y%m%d}", tmp)
            mb = r["bytes"] / 1e6
            print(
                f"{system:<6} {mb:>8.1f} {r['rows']:>11,} {r['seconds']:>7.2f} "
                f"{mb / r['seconds']:>7.1f} {r['rows'] / r['seconds']:>10,.0f} "
                f"{r['cpu_seconds']:>6.1f} {r['peak_rss_mb']:>7.0f} {duck:>8.2f} "
                f"{r['seconds'] / duck if duck else float('nan'):>6.2f}",
                flush=True,
            )
            totals["bytes"] += r["bytes"]
            totals["rows"] += r["rows"]
            totals["seconds"] += r["seconds"]
            totals["duck"] += duck
            peak = max(peak, r["peak_rss_mb"])
        mb = totals["bytes"] / 1e6
        if totals["seconds"]:
            print("-" * len(header))
            print(
                f"{'all':<6} {mb:>8.1f} {totals['rows']:>11,} {totals['seconds']:>7.2f} "
                f"{mb / totals['seconds']:>7.1f} {totals['rows'] / totals['seconds']:>10,.0f} "
                f"{'':>6} {peak:>7.0f} {totals['duck']:>8.2f} "
                f"{totals['seconds'] / totals['duck']:>6.2f}"
            )
            print(
                "\nratio = extraction seconds / DuckDB read_csv seconds on the same bytes in "
                "UTF-8 (target <= 3); target >= 40 MB/s; peak RSS < 4096 MB."
            )
            print(f"load average during the run: {os.getloadavg()}")


if __name__ == "__main__":
    main()
