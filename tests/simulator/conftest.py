"""One small simulated bank shared by the simulator tests (built once per session)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from simulator.testing import Bank, make_bank

START = dt.date(2026, 11, 1)


@pytest.fixture(scope="session")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Bank:
    """4,000 persons, 400 enterprises, 4 days, default defect profile, no batch failures."""
    return make_bank(
        tmp_path_factory.mktemp("simbank"), persons=4000, enterprises=400, days=4, start=START
    )


@pytest.fixture(scope="session")
def frames(bank: Bank) -> dict[tuple[str, dt.date], pl.DataFrame]:
    """Every well-formed record of every file, as String frames with ``_line_no``."""
    from crmwh.config import TABLES
    from simulator.testing import table_frame
    from tests.simulator.spec import COLUMNS

    out = {}
    for system, tables in TABLES.items():
        for day in bank.dates:
            for table in tables:
                path = bank.batch_dir(system, day) / f"{table}_{day:%Y%m%d}.dat"
                out[(table, day)] = table_frame(path, system, COLUMNS[table])
    return out


@pytest.fixture(scope="session")
def defects(bank: Bank) -> pl.DataFrame:
    return bank.truth_table("defects")


@pytest.fixture(scope="session")
def clean_frames(frames: dict, defects: pl.DataFrame) -> dict:
    """``frames`` without the lines that carry a line defect (bad dates or amounts, copies)."""
    lines = defects.filter(
        pl.col("defect_kind").is_in(["bad_date", "bad_amount", "duplicate_record"])
    ).select("file", pl.col("line_no").alias("_line_no"))
    out = {}
    for (table, day), df in frames.items():
        name = f"{table}_{day:%Y%m%d}.dat"
        drop = lines.filter(pl.col("file") == name).select("_line_no")
        out[(table, day)] = df.join(drop, on="_line_no", how="anti")
    return out
