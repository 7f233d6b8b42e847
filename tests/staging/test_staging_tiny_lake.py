"""dbt staging on a hand-made lake: typing, identity quality, rejects routing, empty systems.

One `dbt run --select staging` on tiny_lake, then the
warehouse is inspected with DuckDB.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from tests.staging.dbt_runner import run_dbt
from tests.staging.tiny_lake import D1, build_tiny_lake

STG_MODELS = {
    "core_customer": "stg_core__customers",
    "core_account": "stg_core__accounts",
    "core_balance": "stg_core__balances",
    "core_txn": "stg_core__transactions",
    "core_fx_rate": "stg_core__fx_rates",
    "card_holder": "stg_card__holders",
    "card_account": "stg_card__accounts",
    "card_txn": "stg_card__transactions",
    "card_statement": "stg_card__statements",
    "loan_customer": "stg_loan__customers",
    "loan_contract": "stg_loan__contracts",
    "loan_balance": "stg_loan__balances",
    "org_branch": "stg_org__branches",
    "org_staff": "stg_org__staff",
    "org_rm_assignment": "stg_org__rm_assignments",
    "chan_consent": "stg_chan__consent_events",
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[duckdb.DuckDBPyConnection, dict]:
    tmp = tmp_path_factory.mktemp("tiny")
    data_dir = tmp / "data"
    counts = build_tiny_lake(data_dir / "lake")
    # chan has not delivered yet: its table must build empty, not fail.
    shutil.rmtree(data_dir / "lake" / "raw" / "chan")
    counts = {k: v for k, v in counts.items() if k[0] != "chan_consent"}
    # Views only: data and unit tests run in the simulated-bank test's `dbt build`.
    run_dbt(["run", "--select", "staging"], data_dir, tmp)
    con = duckdb.connect(str(data_dir / "warehouse" / "crm.duckdb"), read_only=True)
    yield con, counts
    con.close()


def test_every_raw_row_is_staged_or_rejected(warehouse) -> None:
    con, counts = warehouse
    for (table, biz_date), raw_rows in counts.items():
        staged = con.execute(
            f"select count(*) from staging.{STG_MODELS[table]} where biz_date = ?", [biz_date]
        ).fetchone()[0]
        excluded = con.execute(
            "select count(distinct line_no) from staging.stg_rejects "
            "where table_name = ? and biz_date = ? and excludes_record",
            [table, biz_date],
        ).fetchone()[0]
        assert staged + excluded == raw_rows, (table, biz_date, staged, excluded, raw_rows)


def test_rejects_name_file_line_column_and_reason(warehouse) -> None:
    con, _ = warehouse
    rows = con.execute(
        "select table_name, source_file, line_no, column_name, reason, excludes_record "
        "from staging.stg_rejects order by table_name, line_no"
    ).fetchall()
    assert rows == [
        ("core_balance", "core_balance_20261101.dat", 2, "balance", "not_a_number", True),
        ("core_customer", "core_customer_20261101.dat", 5, "birth_date", "not_a_date", False),
        ("core_customer", "core_customer_20261101.dat", 9, "cust_no", "missing_required", True),
        ("core_customer", "core_customer_20261101.dat", 10, "upd_ts", "not_a_timestamp", True),
    ]


def test_identity_numbers_standardised(warehouse) -> None:
    con, _ = warehouse
    got = dict(
        con.execute(
            "select cust_no, cert_quality || ':' || coalesce(resident_id, org_code, '-') "
            "from staging.stg_core__customers where biz_date = ?",
            [D1],
        ).fetchall()
    )
    assert got == {
        "C0000000001": "valid:11010519491231002X",
        "C0000000002": "converted_15:11010519491231002X",
        "C0000000003": "valid:11010519491231002X",
        "C0000000004": "valid:11010519491231002X",
        "C0000000005": "placeholder:-",
        "C0000000006": "invalid_check:-",
        "C0000000007": "valid_uscc:600037341",
        "C0000000008": "valid_org_code:600037341",
    }


def test_system_not_delivered_builds_empty(warehouse) -> None:
    con, _ = warehouse
    assert con.execute("select count(*) from staging.stg_chan__consent_events").fetchone()[0] == 0


def test_no_staging_model_has_a_null_key(warehouse) -> None:
    con, _ = warehouse
    keys = {
        "stg_core__customers": "cust_no",
        "stg_core__balances": "acct_no",
        "stg_card__transactions": "auth_id",
        "stg_loan__customers": "loan_cust_id",
        "stg_org__branches": "branch_code",
    }
    for model, key in keys.items():
        nulls = con.execute(f"select count(*) from staging.{model} where {key} is null").fetchone()
        assert nulls[0] == 0, model


def test_money_is_exact_decimal(warehouse) -> None:
    con, _ = warehouse
    limit, kind = con.execute(
        "select credit_limit, typeof(credit_limit) from staging.stg_card__accounts"
    ).fetchone()
    assert (str(limit), kind) == ("50000.00", "DECIMAL(18,2)")


def test_raw_columns_macro_matches_sources_yml() -> None:
    """The raw column lists live in the sources yml and in macros/lake/raw_columns.sql."""
    import re

    import yaml

    from crmwh.config import SYSTEMS, project_dir
    from tests.staging.tiny_lake import COLUMNS

    root = project_dir()
    macro = (root / "macros" / "lake" / "raw_columns.sql").read_text(encoding="utf-8")
    for system in SYSTEMS:
        doc = yaml.safe_load(
            (root / "models" / "staging" / system / f"_{system}__sources.yml").read_text("utf-8")
        )
        for table in doc["sources"][0]["tables"]:
            yml_cols = [c["name"] for c in table["columns"] if not c["name"].startswith("_")]
            block = re.search(rf"'{table['name']}': \[(.*?)\]", macro, re.S)
            assert block, table["name"]
            macro_cols = re.findall(r"'(\w+)'", block.group(1))
            assert yml_cols == macro_cols == COLUMNS[table["name"]], table["name"]
