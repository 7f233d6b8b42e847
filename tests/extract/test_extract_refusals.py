"""Batch-level failures: the whole batch is refused, nothing lands in raw or quarantine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestration.extract import BatchNotReady, BatchRefused, extract_batch

from .conftest import BIZ_DATE, Batch, customer, write_batch


def _nothing_written(lake: Path) -> bool:
    return not (lake / "raw").exists() and not (lake / "quarantine").exists()


def _refusal(lake: Path, system: str = "core") -> dict:
    return json.loads((lake / "control" / "refusals" / system / "20261103.json").read_text())


def _core(landing: Path) -> Batch:
    return write_batch(landing, "core", {"core_customer": [customer(i) for i in range(3)]})


def test_missing_ok_is_not_ready(dirs) -> None:
    landing, lake = dirs
    write_batch(landing, "core", {"core_customer": [customer(1)]}, write_ok=False)
    with pytest.raises(BatchNotReady, match="core 20261103"):
        extract_batch("core", BIZ_DATE, landing, lake)
    assert _nothing_written(lake)
    assert not (lake / "control" / "refusals").exists()


@pytest.mark.parametrize(
    ("override", "kind", "needle"),
    [
        ({"rows": 4}, "rows", "has 3 record separators, flag file says ROWS=4"),
        ({"bytes": 1}, "bytes", "flag file says BYTES=1"),
        ({"md5": "0" * 32}, "md5", "flag file says MD5=" + "0" * 32),
    ],
)
def test_mismatch_refuses_the_batch(dirs, override: dict, kind: str, needle: str) -> None:
    landing, lake = dirs
    batch = _core(landing)
    batch.rewrite_flag("core_customer", **override)
    with pytest.raises(BatchRefused) as info:
        extract_batch("core", BIZ_DATE, landing, lake)
    exc = info.value
    assert exc.kind == kind
    assert exc.file == "core_customer_20261103.dat"
    assert "core 20261103" in str(exc) and "core_customer_20261103.dat" in str(exc)
    assert needle in str(exc)
    assert _nothing_written(lake)
    refusal = _refusal(lake)
    assert refusal["kind"] == kind and refusal["file"] == exc.file and needle in refusal["reason"]


def test_rows_mismatch_when_bytes_and_md5_match(dirs) -> None:
    """A flag file that vouches for the right bytes but the wrong count is still refused."""
    landing, lake = dirs
    batch = _core(landing)
    batch.rewrite_flag("core_customer", rows=2)
    with pytest.raises(BatchRefused, match="ROWS=2"):
        extract_batch("core", BIZ_DATE, landing, lake)


def test_unlisted_dat_refuses_but_tmp_is_ignored(dirs) -> None:
    landing, lake = dirs
    batch = _core(landing)
    (batch.dir / "core_customer_20261103.dat.tmp").write_bytes(b"partial")
    (batch.dir / "core_extra_20261103.dat").write_bytes(b"x\n")
    with pytest.raises(BatchRefused) as info:
        extract_batch("core", BIZ_DATE, landing, lake)
    assert info.value.kind == "unlisted_file"
    assert "core_extra_20261103.dat" in str(info.value)
    assert _nothing_written(lake)
    (batch.dir / "core_extra_20261103.dat").unlink()
    result = extract_batch("core", BIZ_DATE, landing, lake)
    assert result.status == "extracted"
    assert not (lake / "control" / "refusals" / "core" / "20261103.json").exists()


def test_missing_listed_file_refuses(dirs) -> None:
    landing, lake = dirs
    batch = _core(landing)
    batch.path("core_txn").unlink()
    with pytest.raises(BatchRefused) as info:
        extract_batch("core", BIZ_DATE, landing, lake)
    assert info.value.kind == "missing_file"
    assert "core_txn_20261103.dat" in str(info.value) and "missing" in str(info.value)
    assert _nothing_written(lake)


def test_table_not_listed_in_flag_refuses(dirs) -> None:
    landing, lake = dirs
    batch = _core(landing)
    lines = [x for x in batch.ok.read_text().splitlines() if "core_fx_rate" not in x]
    batch.ok.write_text("\n".join(lines) + "\n")
    batch.path("core_fx_rate").unlink()
    with pytest.raises(BatchRefused, match="does not list core_fx_rate_20261103.dat"):
        extract_batch("core", BIZ_DATE, landing, lake)


def test_malformed_flag_refuses(dirs) -> None:
    landing, lake = dirs
    batch = _core(landing)
    batch.ok.write_text(batch.ok.read_text().replace("FORMAT=DELIMITED", "FORMAT=XML"))
    with pytest.raises(BatchRefused) as info:
        extract_batch("core", BIZ_DATE, landing, lake)
    assert info.value.kind == "flag_file"
    assert "FORMAT 'XML'" in str(info.value) and "core_20261103.ok" in str(info.value)
    assert _nothing_written(lake)


def test_csv_wrong_header_refuses(dirs) -> None:
    landing, lake = dirs
    batch = write_batch(landing, "chan", {"chan_consent": []})
    path = batch.path("chan_consent")
    data = path.read_bytes().replace(b"event_ts", b"event_time")
    path.write_bytes(data)
    import hashlib

    batch.rewrite_flag("chan_consent", bytes=len(data), md5=hashlib.md5(data).hexdigest())
    with pytest.raises(BatchRefused) as info:
        extract_batch("chan", BIZ_DATE, landing, lake)
    assert info.value.kind == "header"
    assert "event_time" in str(info.value) and "line 1" in str(info.value)
    assert _nothing_written(lake)


def test_refused_redelivery_keeps_the_previous_batch(dirs) -> None:
    landing, lake = dirs
    _core(landing)
    extract_batch("core", BIZ_DATE, landing, lake)
    batch = write_batch(
        landing, "core", {"core_customer": [customer(i) for i in range(7)]}, redelivery=1
    )
    batch.rewrite_flag("core_customer", md5="f" * 32)
    with pytest.raises(BatchRefused):
        extract_batch("core", BIZ_DATE, landing, lake)
    import pyarrow.parquet as pq

    raw = pq.read_table(lake / "raw/core/core_customer/biz_date=2026-11-03")
    assert raw.num_rows == 3
    assert set(raw.column("_batch_id").to_pylist()) == {"core_20261103_r0"}
