"""The raw suites are calibrated for real defects: a simulated bank with the default defect
profile, extracted by the real extractor, passes every raw gate without an ERROR."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from crmwh.config import SYSTEMS, TABLES
from orchestration.extract import extract_batch
from orchestration.quality.gx_runner import run_suite
from orchestration.quality.loaders import read_control
from orchestration.quality.reconciliation_report import write_report

START = dt.date(2026, 11, 1)
DAYS = 2


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from simulator.generate import Options, generate

    root = tmp_path_factory.mktemp("gxbank")
    generate(
        Options(
            persons=1500,
            enterprises=150,
            days=DAYS,
            start=START,
            seed=11,
            redeliver=[("core", START)],
        ),
        root,
    )
    for day in (START + dt.timedelta(days=i) for i in range(DAYS)):
        for system in SYSTEMS:
            extract_batch(system, day, root / "landing", root / "lake")
    return root


@pytest.mark.slow
def test_raw_suites_pass_a_simulated_bank_with_default_defects(
    bank: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_DATA_DIR", str(bank))
    defects = pl.read_parquet(bank / "truth" / "defects.parquet")
    record_defects = defects.filter(pl.col("defect_kind").is_in(["bad_date", "bad_amount"]))
    assert record_defects.height > 0, "the bank must carry the defects the suites tolerate"

    errors = []
    for i in range(DAYS):
        day = START + dt.timedelta(days=i)
        for system in SYSTEMS:
            for table in TABLES[system]:
                outcome = run_suite(f"raw_{table}", day, build_docs=False)
                assert outcome.evaluated > 0 and outcome.rows is not None
                if outcome.severity == "ERROR":
                    errors.append(
                        f"{day} {table}: {outcome.error or ''} "
                        + "; ".join(f.summary() for f in outcome.errors)
                    )
        _, _, report = write_report(day)
        assert report["ok"], [s["issues"] for s in report["sections"] if not s["ok"]]
    assert errors == []
    # The core batch of day 1 was re-delivered: the ERROR expectation on _batch_id checked that
    # its raw partition holds the r1 rows the reconciliation names, not the first delivery's.
    recon = read_control("reconciliation", "core", START)
    assert set(recon.column("batch_id").to_pylist()) == {"core_20261101_r1"}
