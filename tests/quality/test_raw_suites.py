"""Every raw suite passes a clean partition and fails a deliberately corrupted one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import tests.quality.qfixtures as qf
from crmwh import config
from orchestration.quality.gx_runner import SuiteOutcome, mask_value, run_suite
from orchestration.quality.suites import list_suites, load_suite
from tests.quality.qfixtures import BIZ_DATE

TABLES = [t for ts in config.TABLES.values() for t in ts]

# A code or format whose violation the bank treats as ERROR, per table: (column, bad value).
BAD_CODE: dict[str, tuple[str, str]] = {
    "core_customer": ("cust_type", "3"),
    "core_account": ("status", "X"),
    "core_balance": ("currency", "人民币"),
    "core_txn": ("dr_cr", "d"),
    "core_fx_rate": ("rate_to_cny", "7.12"),
    "card_holder": ("holder_id", "H12345"),
    "card_account": ("card_kind", "X"),
    "card_txn": ("txn_type", "PAY"),
    "card_statement": ("card_no", "62258800000000001"),
    "loan_customer": ("cust_kind", "G"),
    "loan_contract": ("product_code", "D01"),
    "loan_balance": ("five_class", "6"),
    "org_branch": ("branch_level", "0"),
    "org_staff": ("role", "CEO"),
    "org_rm_assignment": ("source_system", "chan"),
    "chan_consent": ("purpose", "MKT_EMAIL"),
}

# A defect the source really produces and staging handles: WARN only, never blocks.
WARN_DEFECT: dict[str, tuple[str, str]] = {
    "core_customer": ("birth_date", "1985-12-31"),
    "core_account": ("open_date", "2026013"),
    "core_balance": ("balance", "12,345.67"),
    "core_txn": ("amount", "abc"),
    "core_fx_rate": None,  # type: ignore[dict-item]  # no WARN field: every column is ERROR
    "card_holder": ("education", "55"),
    "card_account": ("credit_limit", "5000.00"),
    "card_txn": ("amount", "12a"),
    "card_statement": ("overdue_days", "-1"),
    "loan_customer": ("credit_rating", "D"),
    "loan_contract": ("contract_amount", "1e6"),
    "loan_balance": ("principal_balance", "N/A"),
    "org_branch": ("open_date", "00000"),
    "org_staff": ("hire_date", "2026/01/01"),
    "org_rm_assignment": ("start_date", "20260101 "),
    "chan_consent": ("event_ts", "2026-11-03 10:00"),
}


def first_key(table: str) -> str:
    return load_suite(f"raw_{table}").body["meta"]["key"][0]


def run(table: str, day: dt.date = BIZ_DATE) -> SuiteOutcome:
    return run_suite(f"raw_{table}", day, build_docs=False)


def failed_types(outcome: SuiteOutcome, severity: str) -> set[str]:
    found = outcome.errors if severity == "ERROR" else outcome.warnings
    return {f"{f.expectation_type}:{f.column or ''}" for f in found}


def test_one_suite_per_raw_table() -> None:
    assert list_suites("raw_") == sorted(f"raw_{t}" for t in TABLES)


@pytest.mark.parametrize("table", TABLES)
def test_clean_partition_passes(table: str, lake: Path) -> None:
    qf.write_raw(lake, table, BIZ_DATE)
    outcome = run(table)
    assert outcome.error is None
    assert outcome.success, [f.summary() for f in outcome.errors + outcome.warnings]
    assert outcome.evaluated == len(load_suite(f"raw_{table}").expectations)
    assert outcome.result_path is not None and outcome.result_path.is_file()


@pytest.mark.parametrize("table", TABLES)
def test_null_key_and_bad_code_are_errors(table: str, lake: Path) -> None:
    key = first_key(table)
    column, bad = BAD_CODE[table]
    cols = qf.raw_rows(table, 12)
    cols[key][2] = None
    cols[column][5] = bad
    qf.write_raw(lake, table, BIZ_DATE, columns=cols)
    outcome = run(table)
    assert outcome.severity == "ERROR"
    assert f"expect_column_values_to_not_be_null:{key}" in failed_types(outcome, "ERROR")
    pii = load_suite(f"raw_{table}").body["meta"].get("pii_columns", [])
    shown = mask_value(bad) if column in pii else bad
    assert any(f.column == column and shown in f.examples for f in outcome.errors), [
        f.summary() for f in outcome.errors
    ]


@pytest.mark.parametrize("table", TABLES)
def test_row_count_must_match_flag_minus_quarantine(table: str, lake: Path) -> None:
    # The flag file declared 14 rows, 1 went to quarantine: raw must hold 13, it holds 12.
    qf.write_raw(lake, table, BIZ_DATE, declared_rows=14, quarantined_rows=1)
    outcome = run(table)
    assert outcome.severity == "ERROR"
    assert "expect_table_row_count_to_equal:" in failed_types(outcome, "ERROR")
    assert outcome.parameters["reconciled_rows"] == 13


def test_quarantine_explains_the_gap(lake: Path) -> None:
    qf.write_raw(lake, "core_txn", BIZ_DATE, declared_rows=14, quarantined_rows=2)
    outcome = run("core_txn")
    assert outcome.success and outcome.parameters["reconciled_rows"] == 12


@pytest.mark.parametrize("table", [t for t in TABLES if WARN_DEFECT[t]])
def test_real_source_defect_only_warns(table: str, lake: Path) -> None:
    column, bad = WARN_DEFECT[table]
    cols = qf.raw_rows(table, 12)
    cols[column][1] = bad
    qf.write_raw(lake, table, BIZ_DATE, columns=cols)
    outcome = run(table)
    assert outcome.severity == "WARN", [f.summary() for f in outcome.errors]
    assert [f.column for f in outcome.warnings] == [column]
    assert outcome.warnings[0].examples == [bad]


def test_stale_partition_from_an_earlier_delivery_is_an_error(lake: Path) -> None:
    part = qf.write_raw(lake, "core_customer", BIZ_DATE)
    # The reconciliation now describes re-delivery 1, but raw still holds r0's rows.
    recon = lake / "control" / "reconciliation" / "system=core" / f"biz_date={BIZ_DATE}"
    import pyarrow.parquet as pq

    table = pq.read_table(recon / "part-0.parquet")
    rows = table.to_pylist()
    for r in rows:
        r["batch_id"], r["redelivery"] = "core_20261103_r1", 1
    pq.write_table(type(table).from_pylist(rows, schema=table.schema), recon / "part-0.parquet")
    assert part.is_dir()
    outcome = run("core_customer")
    assert outcome.severity == "ERROR"
    assert "expect_column_values_to_be_in_set:_batch_id" in failed_types(outcome, "ERROR")


def test_unusual_drop_in_volume_warns(lake: Path) -> None:
    previous = BIZ_DATE - dt.timedelta(days=1)
    qf.write_raw(lake, "core_balance", previous, n=40)
    qf.write_raw(lake, "core_balance", BIZ_DATE, n=12)  # 30% of yesterday, floor is 50%
    outcome = run("core_balance")
    assert outcome.severity == "WARN"
    assert failed_types(outcome, "WARN") == {"expect_table_row_count_to_be_between:"}
    assert outcome.parameters["min_rows_vs_previous"] == 20
    qf.write_raw(lake, "core_balance", BIZ_DATE, n=20)
    assert run("core_balance").success


def test_missing_partition_or_reconciliation_fails(lake: Path) -> None:
    outcome = run("core_customer")
    assert outcome.severity == "ERROR" and "raw partition" in (outcome.error or "")
    part = qf.write_raw(lake, "core_customer", BIZ_DATE)
    for f in (lake / "control").rglob("*.parquet"):
        f.unlink()
    outcome = run("core_customer")
    assert part.is_dir()
    assert outcome.severity == "ERROR" and "reconciliation" in (outcome.error or "")


def test_empty_partition_of_an_empty_table_passes(lake: Path) -> None:
    qf.write_raw(lake, "core_txn", BIZ_DATE, n=0)
    outcome = run("core_txn")
    assert outcome.success, outcome.error or [f.summary() for f in outcome.errors]
    assert outcome.rows == 0


def test_no_batch_outlives_its_validation(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GX's execution engine keeps every batch it is given; the gates let each one go, so a
    process validating many suites holds one batch at a time, not all of them."""
    import gc
    import weakref

    import orchestration.quality.gx_runner as gx_runner

    tables = ["core_customer", "core_balance", "card_txn"]
    for table in tables:
        qf.write_raw(lake, table, BIZ_DATE)
    frames: list[weakref.ref] = []
    load = gx_runner.load_batch

    def remembered(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - a pass-through spy
        batch = load(*args, **kwargs)
        frames.append(weakref.ref(batch.frame))
        return batch

    monkeypatch.setattr(gx_runner, "load_batch", remembered)
    outcomes = gx_runner.run_suites([f"raw_{t}" for t in tables], BIZ_DATE, build_docs=False)
    assert all(o.success for o in outcomes), [o.summary() for o in outcomes]
    gc.collect()
    assert len(frames) == len(tables)
    assert [ref() is None for ref in frames] == [True] * len(tables)
