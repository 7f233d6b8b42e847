"""Every warehouse suite (staging, conformed, marts) passes a real small warehouse and fails a
deliberately corrupted copy of it; build_warehouse_checks skips absent models, fails broken
suites, and a failed ERROR check leaves the publish asset unmaterialised.

One simulated bank per session (300 persons, one business date), extracted and built by dbt
once (models only, no dbt tests: about 20 s); each test copies the 8 MB warehouse file into its
own data directory (the lake is shared through a symlink, read-only) and corrupts the copy.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetCheckSeverity,
    AssetKey,
    AssetSpec,
    DagsterInstance,
    DailyPartitionsDefinition,
    asset,
    materialize,
    multi_asset,
)

from crmwh.config import SYSTEMS, project_dir
from orchestration.quality.gx_runner import SuiteOutcome, run_suite, run_suites
from orchestration.quality.suites import expectations_dir, load_suite
from orchestration.quality.warehouse_checks import (
    EXPECTED_SUITES,
    build_warehouse_checks,
    gated_suites,
    model_of,
)

DAY = dt.date(2026, 11, 1)
MODELS = [
    "path:models/staging",
    "+rec_finance_daily",
    "+dim_customer",
    "+mart_branch_kpi_daily",
    "+mart_customer_tier",
]


@pytest.fixture(scope="session")
def built_bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300-person bank: landing, lake and a warehouse built by dbt for DAY."""
    from orchestration.extract import extract_batch
    from simulator.testing import make_bank

    root = tmp_path_factory.mktemp("whbank")
    bank = make_bank(root, persons=300, enterprises=30, days=1, start=DAY)
    for system in SYSTEMS:
        extract_batch(system, DAY, bank.landing, root / "lake")
    (root / "warehouse").mkdir()
    env = {
        **os.environ,
        "CRM_DATA_DIR": str(root),
        "DBT_PROFILES_DIR": str(project_dir()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    cmd = [
        str(Path(sys.executable).parent / "dbt"),
        "build",
        "--select",
        *MODELS,
        "--exclude-resource-type",
        "test",
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        json.dumps({"biz_date": DAY.isoformat()}),
        "--target-path",
        str(root / "dbt-target"),
        "--log-path",
        str(root / "dbt-logs"),
    ]
    proc = subprocess.run(cmd, cwd=project_dir(), env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"dbt build of the test warehouse failed:\n{proc.stdout[-4000:]}")
    return root


@pytest.fixture
def warehouse(built_bank: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own copy of the warehouse file; the lake is the session bank's (read-only)."""
    monkeypatch.setenv("CRM_QUALITY_DATA_DOCS", "0")
    (data_dir / "warehouse").mkdir(parents=True)
    (data_dir / "lake").symlink_to(built_bank / "lake")
    path = data_dir / "warehouse" / "crm.duckdb"
    shutil.copyfile(built_bank / "warehouse" / "crm.duckdb", path)
    return path


def corrupt(path: Path, *statements: str) -> None:
    con = duckdb.connect(str(path))
    try:
        for sql in statements:
            con.execute(sql)
    finally:
        con.close()


def replace_view(model: str, select: str, kind: str = "view") -> tuple[str, str]:
    """Statements that put a corrupted view in place of a staging view (or, kind="table", of
    a staging table: the base models are incremental tables); ``{orig}`` in ``select`` names
    the original."""
    schema, name = model.split(".")
    return (
        f"alter {kind} {model} rename to {name}__orig",
        f"create view {model} as " + select.format(orig=f"{schema}.{name}__orig"),
    )


def failed(outcome: SuiteOutcome, severity: str = "ERROR") -> set[str]:
    found = outcome.errors if severity == "ERROR" else outcome.warnings
    return {f"{f.expectation_type}:{f.column or ''}" for f in found}


WAREHOUSE_SUITES = [s for s in EXPECTED_SUITES]


def test_every_expected_suite_is_on_disk_and_valid() -> None:
    for name in EXPECTED_SUITES:
        suite = load_suite(name)
        assert suite.body["meta"]["batch"]["loader"] == "warehouse_table"
        assert suite.body["meta"]["asset_key"][0] == "warehouse"


def test_clean_warehouse_passes_every_suite(warehouse: Path) -> None:
    outcomes = run_suites(WAREHOUSE_SUITES, DAY)
    problems = {o.suite: o.error or [f.summary() for f in o.errors] for o in outcomes if o.blocking}
    assert problems == {}
    assert all(o.evaluated == len(load_suite(o.suite).expectations) for o in outcomes)
    assert all(o.rows for o in outcomes)


S = "staging"
# suite -> (statements corrupting the warehouse copy, an ERROR expectation that must fail)
CORRUPTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "stg_core__customers": (
        replace_view(
            f"{S}.stg_core__customers",
            "select * replace (case when _line_no = 2 then 'X' else status end as status) "
            "from {orig}",
        ),
        "expect_column_values_to_be_in_set:status",
    ),
    "stg_core__accounts": (
        replace_view(
            f"{S}.stg_core__accounts",
            "select * replace (case when _line_no = 2 then null else cust_no end as cust_no) "
            "from {orig}",
        ),
        "expect_column_values_to_not_be_null:cust_no",
    ),
    "stg_core__balances": (
        replace_view(
            f"{S}.stg_core__balances",
            "select * from {orig} union all (select * from {orig} order by _line_no limit 1)",
        ),  # fmt: skip
        "expect_column_values_to_be_unique:acct_no",
    ),
    "stg_core__transactions": (
        replace_view(
            f"{S}.stg_core__transactions",
            "select * replace (case when _line_no = 2 then -amount else amount end as amount) "
            "from {orig}",
        ),
        "expect_column_values_to_be_between:amount",
    ),
    "stg_core__fx_rates": (
        replace_view(f"{S}.stg_core__fx_rates", "select * from {orig} where currency <> 'CNY'"),
        "expect_column_distinct_values_to_contain_set:currency",
    ),
    "stg_card__holders": (
        replace_view(
            f"{S}.stg_card__holders",
            "select * replace (case when _line_no = 2 then '55' else education end as education) "
            "from {orig}",
        ),
        "expect_column_values_to_be_in_set:education",
    ),
    "stg_card__accounts": (
        replace_view(
            f"{S}.stg_card__accounts",
            "select * replace (credit_limit::double as credit_limit) from {orig}",
        ),
        "expect_column_values_to_be_in_set:credit_limit__sql_type",
    ),
    "stg_card__statements": (
        replace_view(
            f"{S}.stg_card__statements",
            "select * replace ('X' || card_no as card_no) from {orig}",
        ),
        "expect_column_values_to_be_in_set:card_no_known",
    ),
    "stg_card__transactions": (
        replace_view(
            f"{S}.stg_card__transactions",
            "select * replace (case when _line_no = 2 then 'PAY' else txn_type end as txn_type) "
            "from {orig}",
        ),
        "expect_column_values_to_be_in_set:txn_type",
    ),
    "stg_loan__customers": (
        replace_view(f"{S}.stg_loan__customers", "select * from {orig} where _line_no > 2"),
        "expect_table_row_count_to_equal:",
    ),
    "stg_loan__contracts": (
        replace_view(
            f"{S}.stg_loan__contracts",
            "select * replace (99.0::decimal(9,4) as interest_rate) from {orig}",
        ),
        "expect_column_values_to_be_between:interest_rate",
    ),
    "stg_loan__balances": (
        replace_view(
            f"{S}.stg_loan__balances",
            "select * replace (case when _line_no = 2 then -1 else overdue_days end "
            "as overdue_days) from {orig}",
        ),
        "expect_column_values_to_be_between:overdue_days",
    ),
    "stg_org__branches": (
        replace_view(
            f"{S}.stg_org__branches",
            "select * replace (case when parent_code is null then 7 else branch_level end "
            "as branch_level) from {orig}",
        ),
        "expect_column_values_to_be_between:branch_level",
    ),
    "stg_org__staff": (
        replace_view(
            f"{S}.stg_org__staff",
            "select * replace (case when _line_no = 2 then 'CEO' else role end as role) "
            "from {orig}",
        ),
        "expect_column_values_to_be_in_set:role",
    ),
    "stg_org__rm_assignments": (
        replace_view(
            f"{S}.stg_org__rm_assignments",
            "select * replace (case when _line_no = 2 then start_date - 1 else end_date end "
            "as end_date) from {orig}",
        ),
        "expect_column_pair_values_a_to_be_greater_than_b:end_date,start_date",
    ),
    "stg_chan__consent_events": (
        replace_view(
            f"{S}.stg_chan__consent_events",
            "select * replace (case when _line_no = 2 then 'stale_r9' else _batch_id end "
            "as _batch_id) from {orig}",
        ),
        "expect_column_values_to_be_in_set:_batch_id",
    ),
    "customer_xref": (
        (
            "delete from intermediate.customer_xref where source_customer_no = "
            "(select min(source_customer_no) from intermediate.customer_xref)",
        ),
        "expect_column_values_to_be_in_set:xref_rows",
    ),
    "dim_customer": (
        (
            "insert into core.dim_customer select * from core.dim_customer "
            "where customer_key = (select min(customer_key) from core.dim_customer)",
        ),
        "expect_column_values_to_be_in_set:golden_records",
    ),
    "dim_customer__identity": (
        (
            # a second, different valid resident id among the records of a multi-record key
            "update intermediate.int_customer_records as r set resident_id = '110101199001011237'"
            " from (select x.source_system, x.source_customer_no from intermediate.customer_xref"
            " as x join intermediate.int_customer_records as i using (source_system,"
            " source_customer_no) where i.cert_quality = 'valid' and x.customer_key = ("
            "  select customer_key from intermediate.customer_xref as x2 join"
            "  intermediate.int_customer_records as i2 using (source_system, source_customer_no)"
            "  where i2.cert_quality = 'valid' group by customer_key having count(*) > 1"
            "  order by customer_key limit 1)"
            " order by x.source_system, x.source_customer_no limit 1) as one"
            " where r.source_system = one.source_system"
            " and r.source_customer_no = one.source_customer_no",
        ),
        "expect_column_values_to_be_between:valid_resident_ids",
    ),
    "rec_finance_daily": (
        ("delete from finance.rec_finance_daily where table_name = 'loan_balance'",),
        "expect_column_values_to_be_in_set:in_mart_reconciliation",
    ),
    "fct_deposit_balance_daily": (
        (
            "update finance.fct_deposit_balance_daily set balance = balance + 0.01 "
            "where acct_no = (select min(acct_no) from finance.fct_deposit_balance_daily)",
        ),
        "expect_column_values_to_be_between:fact_minus_staged",
    ),
    "fct_loan_balance_daily": (
        (
            "delete from finance.fct_loan_balance_daily where contract_no = "
            "(select min(contract_no) from finance.fct_loan_balance_daily)",
        ),
        "expect_column_values_to_be_in_set:fact_rows_minus_staged_rows",
    ),
    "mart_branch_kpi_daily": (
        (
            "update branch.mart_branch_kpi_daily set aum_cny = aum_cny + 0.01 "
            "where branch_level = 1",
        ),
        "expect_column_values_to_be_between:aum_minus_children_and_direct",
    ),
    "mart_customer_tier": (
        (
            "insert into branch.mart_customer_tier select * from branch.mart_customer_tier "
            "where customer_key = (select min(customer_key) from branch.mart_customer_tier)",
        ),
        "expect_column_values_to_be_in_set:tier_rows",
    ),
}


def test_every_suite_has_a_corruption() -> None:
    assert set(CORRUPTIONS) == set(EXPECTED_SUITES)


@pytest.mark.parametrize("suite", sorted(CORRUPTIONS))
def test_corrupted_input_fails_the_suite(suite: str, warehouse: Path) -> None:
    statements, expected = CORRUPTIONS[suite]
    corrupt(warehouse, *statements)
    outcome = run_suite(suite, DAY)
    assert outcome.error is None, outcome.error
    assert outcome.severity == "ERROR"
    assert expected in failed(outcome, "ERROR"), [f.summary() for f in outcome.errors]


def test_staging_orphans_in_a_delta_file_only_warn(warehouse: Path) -> None:
    corrupt(
        warehouse,
        *replace_view(
            f"{S}.stg_core__accounts",
            "select * replace (case when _line_no = 2 then 'C9999999999' else cust_no end "
            "as cust_no) from {orig}",
        ),
    )
    outcome = run_suite("stg_core__accounts", DAY)
    assert outcome.severity == "WARN"
    assert failed(outcome, "WARN") == {"expect_column_values_to_be_in_set:cust_no_known"}


# --------------------------------------------------------------------------- wiring

PARTITIONS = DailyPartitionsDefinition(start_date=DAY.isoformat(), end_offset=1)


def manifest_of(*models: str) -> dict:
    return {"nodes": {f"model.bank_crm.{m}": {"resource_type": "model", "name": m} for m in models}}


def test_suite_to_model_mapping() -> None:
    models = {"dim_customer", "dim_customer_history", "stg_core__balances"}
    assert model_of("dim_customer__identity", models) == "dim_customer"
    assert model_of("dim_customer", models) == "dim_customer"
    assert model_of("stg_core__balances", models) == "stg_core__balances"
    assert model_of("mart_customer_tier", models) is None


def test_absent_models_are_skipped_with_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        pairs = gated_suites({"stg_core__balances", "dim_customer"})
    assert pairs == [
        ("dim_customer", "dim_customer"),
        ("dim_customer__identity", "dim_customer"),
        ("stg_core__balances", "stg_core__balances"),
    ]
    assert "mart_customer_tier skipped" in caplog.text
    checks = build_warehouse_checks(PARTITIONS, manifest_of("stg_core__balances"))
    specs = [s for c in checks for s in c.check_specs]
    assert [s.name for s in specs] == ["gx_stg_core__balances"]
    assert all(s.blocking for s in specs)
    assert build_warehouse_checks(PARTITIONS, manifest_of("something_else")) == []


def balances_pipeline(marker: Path, suites_dir: Path | None = None) -> list:
    """The dbt asset (here: the already-built warehouse) and a publish asset after it."""
    key = AssetKey(["warehouse", "stg_core__balances"])

    @multi_asset(specs=[AssetSpec(key)], partitions_def=PARTITIONS, name="warehouse_dbt")
    def warehouse_dbt():
        from dagster import MaterializeResult

        yield MaterializeResult(asset_key=key)

    @asset(key=AssetKey(["serving", "publish"]), deps=[key], partitions_def=PARTITIONS)
    def publish() -> None:
        marker.write_text("published")

    checks = build_warehouse_checks(
        PARTITIONS, manifest_of("stg_core__balances"), suites_dir=suites_dir
    )
    return [warehouse_dbt, publish, *checks]


def run(assets: list):
    return materialize(
        assets,
        partition_key=DAY.isoformat(),
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def test_error_in_a_warehouse_suite_blocks_publish(warehouse: Path, tmp_path: Path) -> None:
    marker = tmp_path / "published"
    corrupt(warehouse, *CORRUPTIONS["stg_core__balances"][0])
    result = run(balances_pipeline(marker))
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR
    assert "acct_no" in evaluation.metadata["failures"].value
    assert not result.success
    assert not marker.exists()


def test_clean_warehouse_lets_publish_run(warehouse: Path, tmp_path: Path) -> None:
    marker = tmp_path / "published"
    result = run(balances_pipeline(marker))
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.passed or evaluation.severity == AssetCheckSeverity.WARN
    assert evaluation.partition == DAY.isoformat()
    assert marker.read_text() == "published"


def test_existing_model_with_a_broken_suite_fails(warehouse: Path, tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    text = (expectations_dir() / "stg_core__balances.json").read_text()
    (suites / "stg_core__balances.json").write_text(text[:-40])  # truncated: not JSON
    marker = tmp_path / "published"
    result = run(balances_pipeline(marker, suites))
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR
    assert "cannot be parsed" in evaluation.metadata["suite_could_not_run"].value
    assert not marker.exists()


# --------------------------------------------------------------------------- reconciliation report


def report_section(report: dict, title_start: str) -> dict:
    return next(s for s in report["sections"] if s["title"].startswith(title_start))


def test_report_has_staged_and_mart_totals_to_the_cent(warehouse: Path) -> None:
    from orchestration.quality.reconciliation_report import build_report

    report = build_report(DAY)
    staged = report_section(report, "Staged totals")
    assert staged["ok"], staged["issues"]
    balance = [
        r for r in staged["rows"] if (r["table_name"], r["measure"]) == ("core_balance", "balance")
    ]
    assert balance and all(r["difference"] == "0.00" for r in balance)
    mart = report_section(report, "Mart totals")
    assert mart["ok"], mart["issues"]
    assert {r["table_name"] for r in mart["rows"]} >= {"core_balance", "loan_balance"}


def test_report_flags_a_staged_cent_and_a_mart_break(warehouse: Path) -> None:
    from orchestration.quality.reconciliation_report import build_report

    corrupt(
        warehouse,
        *replace_view(
            f"{S}.base_loan__balances",
            "select * replace (case when _line_no = 2 then principal_balance + 0.01 "
            "else principal_balance end as principal_balance) from {orig}",
            kind="table",
        ),
        "update finance.rec_finance_daily set fact_minus_staged = 1.00 "
        "where table_name = 'core_txn'",
    )
    report = build_report(DAY)
    staged = report_section(report, "Staged totals")
    assert not staged["ok"]
    assert any("loan_balance.principal_balance CNY" in i and "-0.01" in i for i in staged["issues"])
    mart = report_section(report, "Mart totals")
    assert not mart["ok"] and all("core_txn" in i for i in mart["issues"])
    assert not report["ok"]
