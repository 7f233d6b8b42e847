"""A small simulated bank taken through extraction and the org/finance dbt models.

Why one module-scoped fixture: dbt runs dominate the cost, so the bank is built once, the
facts are built by daily incremental runs (one per business date, as the orchestrator does),
their rows are captured, and then a --full-refresh rebuild of the same models runs with every
data test; the tests compare and inspect the two states. The dates span a month end
(2026-10-30 .. 11-01) so that mart_customer_360's month-end rows, whose golden attributes come
from dim_customer_history as of the month end, are compared too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest

from crmwh.config import SYSTEMS
from tests.dbt_inprocess import Dbt

START = dt.date(2026, 10, 30)
DAYS = 3
PERSONS = 2000
ENTERPRISES = 200

# The models this area owns (upstream - staging, identity - is built by the first run).
OWN_MODELS = [
    "path:models/intermediate/org",
    "path:models/intermediate/finance",
    "path:models/marts/finance",
    "dim_branch",
    "dim_staff",
    "dim_staff_customer_assignments",
    "dim_date",
    "dim_product",
    "product_codes",
]
FACT_TABLES = [
    "intermediate.int_branches_daily",
    "intermediate.int_staff_daily",
    "intermediate.int_customer_rm_daily",
    "finance.fct_fx_rate_daily",
    "finance.fct_deposit_balance_daily",
    "finance.fct_loan_balance_daily",
    "finance.fct_card_daily",
    "finance.fct_transactions",
    "finance.fct_customer_daily",
    "finance.rec_finance_daily",
    "core.dim_branch",
    "core.dim_staff",
    "core.dim_staff_customer_assignments",
    "intermediate.int_customer_month_state",
    "branch.mart_customer_360",
]
# mart_customer_360 and what it reads beyond the facts: built by every daily run, rebuilt with
# the facts (dim_customer_history keeps its versions through --full-refresh: full_refresh=false).
MART_MODELS = [
    "int_customer_consents",
    "int_customer_month_state",
    "mart_customer_tier",
    "mart_customer_360",
    "dim_customer_history",
]


def snapshot(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    """All rows of a table, sorted on every column, for set comparison."""
    df = con.sql(f"select * from {table}").pl()
    return df.sort(df.columns, nulls_last=True)


@dataclass
class BuiltBank:
    data_dir: Path
    truth_dir: Path
    dates: list[dt.date]
    daily: dict[str, pl.DataFrame]  # rows after the daily incremental runs
    con: duckdb.DuckDBPyConnection  # warehouse after the full rebuild (read-only)


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> BuiltBank:
    from orchestration.extract import extract_batch
    from simulator.testing import make_bank

    root = tmp_path_factory.mktemp("facts")
    data_dir = root / "data"
    sim = make_bank(data_dir, persons=PERSONS, enterprises=ENTERPRISES, days=DAYS, start=START)
    lake = data_dir / "lake"
    for day in sim.dates:  # a handful of batches
        for system in SYSTEMS:
            extract_batch(system, day, sim.landing, lake)
    (data_dir / "warehouse").mkdir(parents=True, exist_ok=True)

    dbt = Dbt(data_dir, root)
    first, *rest = sim.dates
    # Day 1: first build of everything the facts and mart_customer_360 need (staging, identity,
    # org, facts, the customer marts).
    build_all = ["+rec_finance_daily", "+dim_staff", "+dim_branch", "+mart_customer_360"]
    no_tests = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
    dbt(["build", "--select", *build_all, *OWN_MODELS, *no_tests], first)
    # Later days: the daily incremental runs, as the orchestrator runs them (staging reads T's
    # lake partition only; identity and dim_customer_history move to T).
    for day in rest:
        dbt(["run", "--select", "+mart_customer_360", *OWN_MODELS], day)
    wh = data_dir / "warehouse" / "crm.duckdb"
    with duckdb.connect(str(wh), read_only=True) as con:
        daily = {t: snapshot(con, t) for t in FACT_TABLES}
    # Full rebuild of every date up to the last one, with all data and unit tests.
    # cautious: only tests whose models are all selected (not other areas' marts' tests)
    only_own = ["--indirect-selection", "cautious"]
    dbt(
        ["build", "--full-refresh", "--select", *OWN_MODELS, *MART_MODELS, *only_own],
        sim.dates[-1],
    )
    con = duckdb.connect(str(wh), read_only=True)
    yield BuiltBank(data_dir, sim.truth, sim.dates, daily, con)
    con.close()
