"""A whole simulated bank with defects: every batch, every table reconciles, and quarantine
holds exactly the records the simulator broke (by file and line)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from crmwh.config import SYSTEMS, TABLES
from orchestration.extract import (
    BatchNotReady,
    BatchRefused,
    FlagFile,
    extract_batch,
    list_batches,
)

START = dt.date(2026, 11, 1)
DAYS = 3
CORRUPT = [
    ("card", START + dt.timedelta(days=1), "rows"),
    ("loan", START + dt.timedelta(days=1), "md5"),
    ("org", START + dt.timedelta(days=2), "bytes"),
    ("core", START + dt.timedelta(days=2), "unlisted"),
    ("chan", START + dt.timedelta(days=1), "missing_ok"),
]
REFUSAL_KIND = {
    "batch_rows_mismatch": "rows",
    "batch_bytes_mismatch": "bytes",
    "batch_md5_mismatch": "md5",
    "batch_unlisted_file": "unlisted_file",
}
LINE_KINDS = {
    "field_count": "field_count",
    "bad_encoding": "encoding",
    "duplicate_record": "duplicate",
}


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from simulator.generate import Options, generate

    root = tmp_path_factory.mktemp("simbank")
    generate(
        Options(
            persons=1500,
            enterprises=150,
            days=DAYS,
            start=START,
            seed=7,
            corrupt=CORRUPT,
            redeliver=[("core", START)],
        ),
        root,
    )
    return root


@pytest.mark.slow
def test_every_batch_reconciles_and_quarantine_matches_truth(bank: Path) -> None:
    landing, lake = bank / "landing", bank / "lake"
    truth = pl.read_parquet(bank / "truth" / "defects.parquet")
    batch_defects = {
        (r["system"], r["biz_date"]): r["defect_kind"]
        for r in truth.filter(pl.col("defect_kind").is_in([*REFUSAL_KIND, "batch_missing_ok"]))
        .select("system", "biz_date", "defect_kind")
        .to_dicts()
    }
    assert len(batch_defects) == len(CORRUPT)

    extracted = []
    for system in SYSTEMS:
        batches = list_batches(landing, system)
        assert [d for d, _ in batches] == [START + dt.timedelta(days=i) for i in range(DAYS)]
        for day, has_ok in batches:
            expected = batch_defects.get((system, day))
            if expected == "batch_missing_ok":
                assert not has_ok
                with pytest.raises(BatchNotReady):
                    extract_batch(system, day, landing, lake)
            elif expected is not None:
                with pytest.raises(BatchRefused) as info:
                    extract_batch(system, day, landing, lake)
                assert info.value.kind == REFUSAL_KIND[expected], str(info.value)
                assert not (lake / "raw" / system / TABLES[system][0] / f"biz_date={day}").exists()
            else:
                # A small chunk size makes even this small bank cross chunk edges.
                result = extract_batch(system, day, landing, lake, chunk_bytes=64 << 10)
                assert result.status == "extracted"
                extracted.append((system, day))
    assert len(extracted) == len(SYSTEMS) * DAYS - len(CORRUPT)

    recon = pl.read_parquet(lake / "control" / "reconciliation" / "**" / "*.parquet")
    assert recon.height == sum(len(TABLES[s]) for s, _ in extracted)
    bad = recon.filter(pl.col("declared_rows") != pl.col("raw_rows") + pl.col("quarantined_rows"))
    assert bad.is_empty(), bad
    # The counts agree with the files actually written.
    raw_rows = sum(
        pq.ParquetFile(f).metadata.num_rows for f in (lake / "raw").rglob("part-*.parquet")
    )
    assert raw_rows == recon["raw_rows"].sum()

    quarantine = pl.read_parquet(
        lake / "quarantine" / "**" / "*.parquet", hive_partitioning=False
    ).select(pl.col("source_file").alias("file"), "line_no", "reason")
    assert quarantine.height == recon["quarantined_rows"].sum()
    loaded = pl.DataFrame(extracted, schema=["system", "biz_date"], orient="row")
    expected = (
        truth.filter(pl.col("defect_kind").is_in(list(LINE_KINDS)))
        .join(loaded, on=["system", "biz_date"], how="semi")
        .select("file", "line_no", pl.col("defect_kind").replace_strict(LINE_KINDS).alias("reason"))
    )
    assert expected.height > 20  # the profile does break records
    diff = expected.join(quarantine, on=["file", "line_no", "reason"], how="anti")
    extra = quarantine.join(expected, on=["file", "line_no", "reason"], how="anti")
    assert diff.is_empty(), diff
    assert extra.is_empty(), extra
    # The re-delivered core batch of day 1 is what raw holds.
    state = (lake / "control" / "batches" / "core" / f"{START:%Y%m%d}.json").read_text()
    assert '"redelivery": 1' in state


@pytest.mark.slow
def test_second_pass_is_unchanged(bank: Path) -> None:
    landing, lake = bank / "landing", bank / "lake"
    for system in SYSTEMS:
        for day, has_ok in list_batches(landing, system):
            try:
                result = extract_batch(system, day, landing, lake)
            except (BatchRefused, BatchNotReady):
                continue
            assert result.status in ("unchanged", "extracted")
            if (lake / "control" / "batches" / system / f"{day:%Y%m%d}.json").exists():
                assert result.status == "unchanged" or not has_ok


def _reference_rows(data: bytes, flag: FlagFile, columns: tuple[str, ...]) -> dict[int, list]:
    """A deliberately naive record-by-record parse (line -> fields) of the well-formed records.

    Duplicates keep their first line, as the extractor does.
    """
    import csv
    import io

    rows: dict[tuple, int] = {}
    if flag.format == "DELIMITED":
        for line, rec in enumerate(data.split(flag.record_sep)[:-1], 1):
            try:
                fields = rec.decode(flag.encoding.lower()).split(flag.field_sep.decode())
            except UnicodeDecodeError:
                continue
            if len(fields) == len(columns):
                rows.setdefault(tuple(fields), line)
    else:
        reader = csv.reader(io.StringIO(data.decode(flag.encoding.lower()), newline=""))
        next(reader)
        prev = 1
        for fields in reader:
            start, prev = prev + 1, reader.line_num
            if len(fields) == len(columns):
                rows.setdefault(tuple(fields), start)
    return {line: [v if v != "" else None for v in f] for f, line in rows.items()}


@pytest.mark.slow
def test_raw_equals_a_naive_parse(bank: Path) -> None:
    """The vectorised splitter agrees, field for field and line for line, with a naive one."""
    from orchestration.extract import read_flag_file
    from orchestration.extract.columns import TABLE_COLUMNS

    landing, lake = bank / "landing", bank / "lake"
    for system in SYSTEMS:
        day = START
        bdir = landing / system / f"{day:%Y%m%d}"
        try:
            extract_batch(system, day, landing, lake, chunk_bytes=32 << 10)
        except (BatchRefused, BatchNotReady):
            continue
        flag = read_flag_file(bdir / f"{system}_{day:%Y%m%d}.ok")
        for table in TABLES[system]:
            columns = TABLE_COLUMNS[table]
            entry = next(f for f in flag.files if f.name.startswith(table + "_"))
            expected = _reference_rows((bdir / entry.name).read_bytes(), flag, columns)
            raw = pq.read_table(lake / "raw" / system / table / f"biz_date={day}").to_pylist()
            got = {r["_line_no"]: [r[c] for c in columns] for r in raw}
            assert got == expected, table
