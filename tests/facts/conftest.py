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
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest

from crmwh.config import SYSTEMS
from orchestration.dbt.project import (
    BIZ_DATE_FROM_ENV,
    DATE_RANGE_TAG,
    NO_TESTS_ARGS,
    backfill_invocations,
)
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
# The models tagged date_range, which a backfill builds a range of dates at a time.
RANGE_TABLES = [t for t in FACT_TABLES if t.startswith("finance.")]
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
    ranged: dict[str, pl.DataFrame]  # RANGE_TABLES after one range run of every date
    range_refusal: str  # the error of compiling an untagged model in a range run
    range_kept_history: bool  # the rebuild's last run left the facts' earlier dates alone
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
    dbt(["build", "--select", *build_all, *OWN_MODELS, *NO_TESTS_ARGS], first)
    # Later days: the daily incremental runs, as the orchestrator runs them (staging reads T's
    # lake partition only; identity and dim_customer_history move to T).
    for day in rest:
        dbt(["run", "--select", "+mart_customer_360", *OWN_MODELS], day)
    wh = data_dir / "warehouse" / "crm.duckdb"
    with duckdb.connect(str(wh), read_only=True) as con:
        daily = {t: snapshot(con, t) for t in FACT_TABLES}
    # A backfill's range run (CRM_BIZ_DATE_FROM): the date_range facts lose every date but the
    # last, then one incremental run builds them all again, as the backfill builds its ranges.
    with duckdb.connect(str(wh)) as con:
        for table in RANGE_TABLES:
            con.execute(f"delete from {table} where biz_date < ?", [sim.dates[-1]])
    os.environ[BIZ_DATE_FROM_ENV] = first.isoformat()
    try:
        dbt(["run", "--select", f"tag:{DATE_RANGE_TAG}"], sim.dates[-1])
        try:  # any other model refuses a range
            dbt(["compile", "--select", "mart_customer_360"], sim.dates[-1])
            range_refusal = ""
        except AssertionError as exc:
            range_refusal = str(exc)
    finally:
        del os.environ[BIZ_DATE_FROM_ENV]
    with duckdb.connect(str(wh), read_only=True) as con:
        ranged = {t: snapshot(con, t) for t in RANGE_TABLES}
    # Full rebuild of every date up to the last one, with all data and unit tests, as the
    # orchestrator rebuilds after a re-delivery: the date_range facts two dates at a time (a
    # --full-refresh through the second date), then one --full-refresh of everything in which
    # they build only the last date (backfill_invocations).
    # cautious: only tests whose models are all selected (not other areas' marts' tests)
    only_own = ["--indirect-selection", "cautious"]
    plan = backfill_invocations(first, sim.dates[-1], (*OWN_MODELS, *MART_MODELS), days=2)
    assert [r.biz_date_from for r in plan] == [None, sim.dates[-1]]
    marker = "insert into finance.fct_fx_rate_daily (biz_date, currency, rate_to_cny) values (?, 'ZZZ', 1)"
    for i, run in enumerate(plan):
        if i == len(plan) - 1:  # a row of the first date the rebuild's last run must not touch
            with duckdb.connect(str(wh)) as con:
                con.execute(marker, [first])
        if run.biz_date_from is not None:  # the date itself goes in --vars (Dbt)
            os.environ[BIZ_DATE_FROM_ENV] = run.biz_date_from.isoformat()
        try:
            dbt([*run.args, *only_own], run.biz_date)
        finally:
            os.environ.pop(BIZ_DATE_FROM_ENV, None)
    with duckdb.connect(str(wh)) as con:
        kept = con.execute(
            "delete from finance.fct_fx_rate_daily where currency = 'ZZZ' returning 1"
        )
        range_kept_history = len(kept.fetchall()) == 1
    con = duckdb.connect(str(wh), read_only=True)
    yield BuiltBank(
        data_dir, sim.truth, sim.dates, daily, ranged, range_refusal, range_kept_history, con
    )
    con.close()
