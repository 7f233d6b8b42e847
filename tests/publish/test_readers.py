"""Readers are never blocked: read-only sessions held open across publishes keep their version.

Threads and a separate process hold ``serving/crm.duckdb`` and a branch file open read-only and
query them in a loop while several publishes (with keep=1, so the versions they hold are even
deleted) run; other readers reconnect on every query. None may fail; a held session keeps
seeing the version it opened, a new session sees the newest version.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

from orchestration.publish import layout, publish
from tests.publish import fake_warehouse as fw

PUBLISHES = 3
PAUSE = 0.005  # readers query in a tight loop, but leave the CPU to the publisher

READER_PROCESS = r"""
import sys, time, duckdb
from pathlib import Path
path, stop = sys.argv[1], Path(sys.argv[2])
held = duckdb.connect(path, read_only=True)
first = held.execute("select count(*) from dim_date").fetchone()[0]
print("ready", first, flush=True)
loops = 0
while not stop.exists():
    n = held.execute("select count(*) from dim_date").fetchone()[0]
    m = held.execute("select count(*), sum(aum) from mart_customer_daily").fetchone()
    assert n == first, (n, first)
    fresh = duckdb.connect(path, read_only=True)
    fresh.execute("select count(*) from dim_date").fetchone()
    fresh.close()
    loops += 1
    time.sleep(0.005)
print("done", first, loops, flush=True)
"""


def _add_date(warehouse: Path, i: int) -> None:
    """Make each publish distinguishable: one more row in the reference table."""
    con = duckdb.connect(str(warehouse))
    con.execute(f"insert into serving.pub_dim_date values (date '2027-01-01' + {i}, 1)")
    con.close()


def test_readers_never_fail_during_publishes(
    warehouse: Path, serving: Path, tmp_path: Path
) -> None:
    first_version = publish(fw.DATES[-1], warehouse=warehouse, serving_dir=serving, keep=1).version
    ho = serving / "crm.duckdb"
    branch = serving / "branches" / "GD.duckdb"
    stop = threading.Event()
    errors: list[BaseException] = []
    seen_fresh: list[int] = []

    def held_reader(path: Path) -> None:
        try:
            con = duckdb.connect(str(path), read_only=True)
            first = con.execute("select count(*) from dim_date").fetchone()[0]
            while not stop.is_set():
                assert con.execute("select count(*) from dim_date").fetchone()[0] == first
                assert con.execute("select count(*) from mart_customer_daily").fetchone()[0] > 0
                time.sleep(PAUSE)
            con.close()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    def fresh_reader(path: Path) -> None:
        try:
            while not stop.is_set():
                con = duckdb.connect(str(path), read_only=True)
                seen_fresh.append(con.execute("select count(*) from dim_date").fetchone()[0])
                con.close()
                time.sleep(PAUSE)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    stop_file = tmp_path / "stop"
    proc = subprocess.Popen(
        [sys.executable, "-c", READER_PROCESS, str(branch), str(stop_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().split() == ["ready", "4"]
    threads = [
        threading.Thread(target=held_reader, args=(ho,)),
        threading.Thread(target=held_reader, args=(branch,)),
        threading.Thread(target=fresh_reader, args=(ho,)),
    ]
    for t in threads:
        t.start()
    for i in range(PUBLISHES):
        _add_date(warehouse, i)
        publish(fw.DATES[-1], warehouse=warehouse, serving_dir=serving, keep=1)
        time.sleep(0.05)
    stop.set()
    stop_file.touch()
    for t in threads:
        t.join()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    done, held_count, loops = out.split()
    assert (done, held_count) == ("done", "4") and int(loops) > 0
    assert errors == []
    # fresh sessions only ever move forward and end on the newest version
    assert seen_fresh == sorted(seen_fresh)
    assert len(set(seen_fresh)) >= 2
    con = duckdb.connect(str(ho), read_only=True)
    assert con.execute("select count(*) from dim_date").fetchone()[0] == 4 + PUBLISHES
    con.close()
    # the version the held sessions opened was pruned from disk while open (keep=1: the newest
    # plus the one just replaced stay) and still served its readers to the end
    assert first_version not in layout.list_versions(serving)
    assert len(layout.list_versions(serving)) == 2
