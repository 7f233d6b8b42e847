"""Warehouse suites (staging, conformed, marts) read one business date, read-only, from DuckDB."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from orchestration.quality.gx_runner import run_suite
from orchestration.quality.loaders import LoaderError, quoted_relation

DAY = dt.date(2026, 11, 3)


@pytest.fixture
def warehouse(data_dir: Path) -> Path:
    path = data_dir / "warehouse" / "crm.duckdb"
    path.parent.mkdir(parents=True)
    con = duckdb.connect(str(path))
    con.execute(
        """
        create table main.stg_balances as
        select * from (values
            (date '2026-11-02', '6222000000000000001', 999.00),
            (date '2026-11-03', '6222000000000000001', 100.25),
            (date '2026-11-03', '6222000000000000002', 200.50)
        ) t(biz_date, acct_no, balance)
        """
    )
    con.close()
    return path


def write_suite(directory: Path, parameters: dict[str, str], expectations: list[dict]) -> Path:
    directory.mkdir(exist_ok=True)
    body = {
        "name": "stg_balances",
        "expectations": expectations,
        "meta": {
            "batch": {
                "loader": "warehouse_table",
                "relation": "main.stg_balances",
                "date_column": "biz_date",
                "parameters": parameters,
            }
        },
    }
    (directory / "stg_balances.json").write_text(json.dumps(body))
    return directory


ROW_COUNT = {"type": "expect_table_row_count_to_equal", "kwargs": {"value": 2}}
SUM_TO_CONTROL = {
    "type": "expect_column_sum_to_be_between",
    "kwargs": {
        "column": "balance",
        "min_value": {"$PARAMETER": "control_total"},
        "max_value": {"$PARAMETER": "control_total"},
    },
}


def test_only_the_business_date_is_validated_and_reconciles(
    warehouse: Path, tmp_path: Path
) -> None:
    suites = write_suite(
        tmp_path / "s", {"control_total": "select 300.75"}, [ROW_COUNT, SUM_TO_CONTROL]
    )
    outcome = run_suite("stg_balances", DAY, suites_dir=suites, build_docs=False)
    assert outcome.success, outcome.error or [f.summary() for f in outcome.errors]
    assert outcome.rows == 2
    assert outcome.parameters == {"control_total": 300.75}


def test_total_off_by_a_cent_fails(warehouse: Path, tmp_path: Path) -> None:
    suites = write_suite(tmp_path / "s", {"control_total": "select 300.74"}, [SUM_TO_CONTROL])
    outcome = run_suite("stg_balances", DAY, suites_dir=suites, build_docs=False)
    assert outcome.severity == "ERROR"
    assert outcome.errors[0].expectation_type == "expect_column_sum_to_be_between"


def test_connection_is_read_only(warehouse: Path, tmp_path: Path) -> None:
    suites = write_suite(
        tmp_path / "s", {"x": "create table main.sneaky as select 1 as a"}, [ROW_COUNT]
    )
    outcome = run_suite("stg_balances", DAY, suites_dir=suites, build_docs=False)
    assert outcome.severity == "ERROR" and "read-only" in (outcome.error or "").lower()
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute(
        "select count(*) from information_schema.tables where table_name = 'sneaky'"
    ).fetchone() == (0,)
    con.close()


def test_missing_warehouse_fails(data_dir: Path, tmp_path: Path) -> None:
    suites = write_suite(tmp_path / "s", {}, [ROW_COUNT])
    outcome = run_suite("stg_balances", DAY, suites_dir=suites, build_docs=False)
    assert outcome.severity == "ERROR" and "does not exist" in (outcome.error or "")


def test_relation_names_are_plain_identifiers() -> None:
    assert quoted_relation("main.stg_balances") == '"main"."stg_balances"'
    with pytest.raises(LoaderError):
        quoted_relation("main.x; drop table y")
