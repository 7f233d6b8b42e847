"""The nightly publish alone, on a benchmark bank's warehouse: where its time goes.

    CRM_DATA_DIR=/tmp/b1m/p1000000 .venv/bin/python bench/publish_night.py 2026-11-30 --runs 3

For a data directory whose warehouse and serving directory are both at business date T (a
``bench/pipeline.py --data-root`` run leaves them so), each run:

1. makes the current published version look like T-1's to the history check: in its
   manifest (made writable for that), the recorded digest of every history table's newest
   date (T, or the current month) is zeroed. So the publish deletes and re-inserts the same
   dates a night does (T's rows, the month's tier and value). Tables without history
   (dim_branch, dim_staff, the data-quality worklist: 0.14 million rows at 1,000,000 persons)
   are equal to the warehouse's, so they stay as copied where a real night replaces them;
2. publishes T (incremental, on top of that version) and prints wall and CPU seconds, the
   manifest's phases, the branch files' thread-seconds per level and per statement kind
   (summed over the writer threads), and the copying of the previous version's files.

It rewrites the serving directory's history of that data directory: run it on a benchmark
bank only, never on a bank's serving directory.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from crmwh import config
from orchestration.publish import incremental, layout, publisher

_lock = threading.Lock()
_statements: dict[tuple[int, str], float] = collections.defaultdict(float)
_copies: dict[str, float] = collections.defaultdict(float)


def _kind(sql: str) -> str:
    words = sql.split()
    verb = words[0].lower()
    if verb in ("create", "drop", "delete", "insert") and len(words) > 2:
        return f"{verb} {words[2].split('.')[-1]}"
    return "count" if verb == "select" else verb


class _TimedCursor:
    def __init__(self, cursor: Any, level: int) -> None:
        self._cursor, self._level = cursor, level

    def execute(self, sql: str, *args: Any) -> _TimedCursor:
        t = time.perf_counter()
        self._cursor.execute(sql, *args)
        with _lock:
            _statements[(self._level, _kind(sql))] += time.perf_counter() - t
        return self

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def close(self) -> None:
        self._cursor.close()


class _Connection:
    def __init__(self, con: Any, level: int) -> None:
        self._con, self._level = con, level

    def cursor(self) -> _TimedCursor:
        return _TimedCursor(self._con.cursor(), self._level)


def _instrument() -> None:
    write_branch, copy_writable = publisher._write_branch, incremental.copy_writable

    def timed_write_branch(con: Any, branch_dir: Path, code: str, level: int, *a: Any) -> int:
        return write_branch(_Connection(con, level), branch_dir, code, level, *a)

    def timed_copy(src: Path, dst: Path) -> None:
        t = time.perf_counter()
        copy_writable(src, dst)
        with _lock:
            _copies["branch files" if layout.BRANCH_DIR in dst.parts else "head office"] += (
                time.perf_counter() - t
            )

    publisher._write_branch = timed_write_branch
    incremental.copy_writable = timed_copy


def _make_current_look_like_the_day_before(serving: Path) -> str:
    version = layout.current_version(serving)
    if version is None:
        raise SystemExit(f"{serving}: nothing published yet")
    manifest = layout.read_manifest(serving, version)
    for table in (manifest.get("history") or {}).values():
        dates = sorted(k for k in table["dates"] if k != "NULL")
        if dates:  # no longer equal to the warehouse's: deleted and inserted again
            table["dates"][dates[-1]] = [0, 0, 0]
    path = layout.versions_dir(serving) / version / layout.MANIFEST
    os.chmod(path, 0o644)
    path.write_text(json.dumps(manifest))
    os.chmod(path, 0o444)
    return version


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("biz_date", type=dt.date.fromisoformat, help="T, the warehouse's date")
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    serving = config.serving_dir()
    _instrument()
    for run in range(1, args.runs + 1):
        _statements.clear()
        _copies.clear()
        base = _make_current_look_like_the_day_before(serving)
        wall, cpu = time.perf_counter(), time.process_time()
        result = publisher.publish(args.biz_date)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        manifest = layout.read_manifest(serving, result.version)
        print(f"run {run}: on {base}: {wall:.1f} s wall, {cpu:.1f} CPU-s, {result.mode}")
        print(f"  phases: {manifest['phase_seconds']}")
        print(f"  copies (thread-s): { {k: round(v, 1) for k, v in _copies.items()} }")
        levels = sorted({lvl for lvl, _ in _statements})
        per_level = {
            lvl: sum(v for (at, _), v in _statements.items() if at == lvl) for lvl in levels
        }
        print(
            f"  branch files per level (thread-s): { {k: round(v, 1) for k, v in per_level.items()} }"
        )
        kinds: dict[str, float] = collections.defaultdict(float)
        for (_, kind), seconds in _statements.items():
            kinds[kind] += seconds
        for kind, seconds in sorted(kinds.items(), key=lambda kv: -kv[1])[:15]:
            by_level = "  ".join(
                f"L{lvl} {_statements.get((lvl, kind), 0.0):.1f}" for lvl in levels
            )
            print(f"  {kind:40s} {seconds:7.1f}   {by_level}")


if __name__ == "__main__":
    main()
