"""Re-runs change nothing; re-deliveries replace every partition of the batch."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from orchestration.extract import extract_batch

from .conftest import BIZ_DATE, customer, write_batch

PART = "biz_date=2026-11-03"


def _files(lake: Path) -> dict[str, int]:
    return {
        str(p.relative_to(lake)): p.stat().st_mtime_ns
        for p in lake.rglob("*")
        if p.is_file() and not p.name.endswith(".lock")
    }


def test_rerun_is_unchanged(dirs) -> None:
    landing, lake = dirs
    recs = [customer(i) for i in range(4)]
    write_batch(landing, "core", {"core_customer": [*recs, recs[0]]})
    first = extract_batch("core", BIZ_DATE, landing, lake)
    assert first.status == "extracted" and first.previous_redelivery is None
    before = _files(lake)
    again = extract_batch("core", BIZ_DATE, landing, lake)
    assert again.status == "unchanged"
    assert again.bytes_read == 0
    assert [t.raw_rows for t in again.tables] == [t.raw_rows for t in first.tables]
    assert _files(lake) == before
    r = pq.read_table(lake / "raw/core/core_customer" / PART)
    assert r.num_rows == 4
    assert len(list((lake / "raw/core/core_customer").iterdir())) == 1  # no temp left


def test_redelivery_replaces_every_partition(dirs) -> None:
    landing, lake = dirs
    recs = [customer(i) for i in range(4)]
    write_batch(landing, "core", {"core_customer": [*recs, recs[0]]})
    extract_batch("core", BIZ_DATE, landing, lake)
    assert (lake / "quarantine/core/core_customer" / PART).exists()

    # The corrected batch: a different set of customers and no duplicate.
    batch = write_batch(
        landing, "core", {"core_customer": [customer(i) for i in (10, 11)]}, redelivery=1
    )
    result = extract_batch("core", BIZ_DATE, landing, lake)
    assert result.status == "redelivered"
    assert result.previous_redelivery == 0
    assert result.redelivery == 1 and result.batch_id == "core_20261103_r1"
    r = pq.read_table(lake / "raw/core/core_customer" / PART)
    assert r.column("cust_no").to_pylist() == ["C0000000010", "C0000000011"]
    assert set(r.column("_batch_id").to_pylist()) == {"core_20261103_r1"}
    assert set(r.column("_redelivery").to_pylist()) == {1}
    # The old duplicate's quarantine row is gone with the old delivery.
    assert pq.read_table(lake / "quarantine/core/core_customer" / PART).num_rows == 0
    recon = pq.read_table(lake / "control/reconciliation/system=core" / PART).to_pylist()
    assert {r["redelivery"] for r in recon} == {1}
    cust = next(r for r in recon if r["table_name"] == "core_customer")
    assert (cust["declared_rows"], cust["raw_rows"], cust["quarantined_rows"]) == (2, 2, 0)
    state = json.loads((lake / "control/batches/core/20261103.json").read_text())
    assert state["redelivery"] == 1
    assert state["flag_md5"] != ""
    for table_dir in (lake / "raw/core").iterdir():
        assert [p.name for p in table_dir.iterdir()] == [PART], table_dir  # no temp left
    assert extract_batch("core", BIZ_DATE, landing, lake).status == "unchanged"
    assert batch.redelivery == 1


def test_different_flag_same_redelivery_number_is_replaced(dirs) -> None:
    landing, lake = dirs
    write_batch(landing, "core", {"core_customer": [customer(1)]})
    extract_batch("core", BIZ_DATE, landing, lake)
    write_batch(landing, "core", {"core_customer": [customer(1), customer(2)]})
    result = extract_batch("core", BIZ_DATE, landing, lake)
    assert result.status == "redelivered"
    assert pq.read_table(lake / "raw/core/core_customer" / PART).num_rows == 2


def test_reconciliation_invariant(dirs) -> None:
    landing, lake = dirs
    recs: list = [customer(i) for i in range(6)]
    recs += [recs[2], b"C1\x1b\xff", "\x1b".join(customer(8)[:3]).encode("gb18030")]
    write_batch(landing, "core", {"core_customer": recs})
    result = extract_batch("core", BIZ_DATE, landing, lake)
    recon = pq.read_table(lake / "control/reconciliation/system=core" / PART).to_pylist()
    assert [r["table_name"] for r in recon] == [t.table for t in result.tables]
    for row in recon:
        assert row["declared_rows"] == row["raw_rows"] + row["quarantined_rows"]
        assert row["quarantined_rows"] == (
            row["quarantined_field_count"]
            + row["quarantined_encoding"]
            + row["quarantined_duplicate"]
        )
    cust = recon[0]
    assert (cust["declared_rows"], cust["raw_rows"], cust["quarantined_rows"]) == (9, 6, 3)
    assert cust["batch_id"] == "core_20261103_r0"
    raw_n = pq.read_table(lake / "raw/core/core_customer" / PART).num_rows
    q_n = pq.read_table(lake / "quarantine/core/core_customer" / PART).num_rows
    assert raw_n + q_n == cust["declared_rows"]


def test_systems_extract_concurrently(dirs) -> None:
    """Different systems in parallel threads share no temporary names or state."""
    from concurrent.futures import ThreadPoolExecutor

    landing, lake = dirs
    write_batch(landing, "core", {"core_customer": [customer(i) for i in range(50)]})
    write_batch(landing, "loan", {})
    write_batch(landing, "org", {"org_staff": [["S1", "王", "001", "RM", "A", "20200101"]]})
    write_batch(landing, "chan", {})
    write_batch(landing, "card", {})
    with ThreadPoolExecutor(5) as pool:
        results = list(
            pool.map(
                lambda s: extract_batch(s, BIZ_DATE, landing, lake, chunk_bytes=200),
                ["core", "loan", "org", "chan", "card"],
            )
        )
    assert [r.status for r in results] == ["extracted"] * 5
    assert results[0].tables[0].raw_rows == 50
    leftovers = [p for p in lake.rglob(".tmp-*")]
    assert leftovers == []


def test_rerun_after_raw_was_deleted_extracts_again(dirs) -> None:
    """The state file alone does not make a batch 'unchanged': its partitions must be there."""
    import shutil

    landing, lake = dirs
    write_batch(landing, "core", {"core_customer": [customer(1)]})
    extract_batch("core", BIZ_DATE, landing, lake)
    shutil.rmtree(lake / "raw" / "core" / "core_customer")
    again = extract_batch("core", BIZ_DATE, landing, lake)
    assert again.status == "redelivered"
    assert pq.read_table(lake / "raw/core/core_customer" / PART).num_rows == 1


_EXTRACT_IN_CHILD = (
    "import datetime as dt, sys; from pathlib import Path; "
    "from orchestration.extract import extract_batch; "
    "print(extract_batch(sys.argv[1], dt.date.fromisoformat(sys.argv[2]), Path(sys.argv[3]), "
    "Path(sys.argv[4]), chunk_bytes=300).status)"
)


def test_processes_extract_concurrently_and_same_batch_once(dirs) -> None:
    """Separate processes: different systems in parallel; the same batch twice is serialised by
    its lock, so exactly one process extracts it and the other finds it unchanged. Fresh
    interpreters, not forks of this one: a fork of a process with other threads running (DuckDB's,
    a test worker's) can inherit a lock one of them holds and hang for ever, as one CI run did."""
    import subprocess
    import sys

    landing, lake = dirs
    write_batch(landing, "core", {"core_customer": [customer(i) for i in range(200)]})
    write_batch(landing, "loan", {})
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _EXTRACT_IN_CHILD, system, BIZ_DATE.isoformat(), landing, lake],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for system in ("core", "core", "loan")
    ]
    statuses = []
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        statuses.append(out.strip())
    assert sorted(statuses[:2]) == ["extracted", "unchanged"]
    assert statuses[2] == "extracted"
    assert pq.read_table(lake / "raw/core/core_customer" / PART).num_rows == 200
