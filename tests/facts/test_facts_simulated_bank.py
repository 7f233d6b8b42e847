"""Facts on a simulated bank: reconciliation to the cent, branch subtotals, merged outlets,
and daily incremental runs equal to a full rebuild."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from orchestration.dbt.project import DATE_RANGE_TAG
from tests.facts.conftest import FACT_TABLES, BuiltBank, snapshot

MONEY_TABLES = {"core_balance", "core_txn", "card_statement", "card_txn", "loan_balance"}


def test_incremental_daily_runs_equal_full_rebuild(bank: BuiltBank) -> None:
    for table in FACT_TABLES:
        daily = bank.daily[table]
        rebuilt = snapshot(bank.con, table)
        assert daily.height > 0, table
        assert daily.columns == rebuilt.columns, table
        assert daily.equals(rebuilt), f"{table}: daily runs and rebuild differ"
    dates = bank.daily["finance.fct_deposit_balance_daily"]["biz_date"].unique().sort()
    assert dates.to_list() == bank.dates


def test_a_range_run_rebuilds_every_date_of_its_range_as_the_daily_runs_did(
    bank: BuiltBank,
) -> None:
    """The backfill's range run (CRM_BIZ_DATE_FROM..T in one incremental run) restores the
    dates deleted before it, row for row: the date filters and the account versions valid
    anywhere in the range, not only at T."""
    # every model tagged date_range is checked here, and only those
    manifest = json.loads((bank.data_dir.parent / "target" / "manifest.json").read_text())
    tagged = {
        f"{node['schema']}.{node['name']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and DATE_RANGE_TAG in node["tags"]
    }
    assert set(bank.ranged) == tagged
    for table, ranged in bank.ranged.items():
        daily = bank.daily[table]
        assert daily["biz_date"].n_unique() == len(bank.dates), table
        assert daily.equals(ranged), f"{table}: the range run and the daily runs differ"


def test_the_rebuilds_last_run_builds_only_the_last_range_of_the_facts(bank: BuiltBank) -> None:
    """--full-refresh with CRM_BIZ_DATE_FROM: the date_range facts run incrementally over the
    range (should_full_refresh), keeping the dates built before; a marker row of the first date,
    added before that run, is still there (the tables otherwise equal the daily runs')."""
    assert bank.range_kept_history


def test_a_range_run_refuses_a_model_not_tagged_for_it(bank: BuiltBank) -> None:
    """mart_customer_360 reads month-end state: built over a range it would miss dates."""
    assert "mart_customer_360" in bank.range_refusal
    assert "only for models tagged 'date_range'" in bank.range_refusal


def test_facts_reconcile_to_staging_and_control_totals_to_the_cent(bank: BuiltBank) -> None:
    rec = bank.con.sql(
        "select * from finance.rec_finance_daily order by biz_date, table_name, measure, currency"
    ).pl()
    assert rec.filter(pl.col("fact_minus_staged") != 0).is_empty()
    assert rec.filter(pl.col("control_minus_staged_and_excluded") != 0).is_empty()
    # every control total of the money tables, every date, is covered by the reconciliation
    control = bank.con.sql(
        "select distinct biz_date, table_name, measure, upper(trim(currency)) as currency "
        f"from read_parquet('{bank.data_dir}/lake/control/control_totals/*/*/*.parquet') "
        "where table_name in ('core_balance', 'core_txn', 'card_statement', 'card_txn', "
        "'loan_balance')"
    ).pl()
    covered = control.join(rec, on=["biz_date", "table_name", "measure", "currency"], how="anti")
    assert covered.is_empty(), covered
    assert set(control["table_name"]) == MONEY_TABLES
    assert sorted(set(rec["biz_date"])) == bank.dates


def test_deposit_totals_equal_staged_balances_independently(bank: BuiltBank) -> None:
    """Bank-wide CNY deposits per date, recomputed from staging and the FX table by hand."""
    got = bank.con.execute(
        "select biz_date, sum(balance_cny) from finance.fct_deposit_balance_daily "
        "group by 1 order by 1"
    ).fetchall()
    want = bank.con.execute(
        "select b.biz_date, sum(round(b.balance * r.rate_to_cny, 2)) "
        "from staging.stg_core__balances as b join staging.stg_core__fx_rates as r "
        "on b.biz_date = r.biz_date and b.currency = r.currency group by 1 order by 1"
    ).fetchall()
    assert got == want


@pytest.mark.parametrize(
    ("table", "measure"),
    [
        ("finance.fct_deposit_balance_daily", "balance_cny"),
        ("finance.fct_loan_balance_daily", "principal_cny"),
        ("finance.fct_card_daily", "outstanding"),
        ("finance.fct_customer_daily", "aum_cny"),
        ("finance.fct_customer_daily", "liabilities_cny"),
        ("finance.fct_transactions", "amount"),
    ],
)
def test_branch_subtotals_sum_to_their_parent_at_every_level(
    bank: BuiltBank, table: str, measure: str
) -> None:
    con = bank.con
    # every level-k code sits under exactly one level-(k-1) code on a date, its true parent
    for k in range(2, 6):
        bad = con.execute(
            f"select f.biz_date, f.branch_l{k}_code from {table} f "
            f"join intermediate.int_branches_daily b on b.biz_date = f.biz_date "
            f"and b.branch_code = f.branch_l{k}_code "
            f"where f.branch_l{k - 1}_code is distinct from b.parent_code"
        ).fetchall()
        assert bad == [], (table, k, bad[:5])
    totals = con.execute(
        f"select biz_date, sum({measure}), count(*), count(branch_l1_code) from {table} group by 1"
    ).fetchall()
    for biz_date, total, rows, with_branch in totals:
        assert rows == with_branch, f"{table} {biz_date}: rows without branch codes"
        top = con.execute(
            f"select sum(s) from (select branch_l1_code, sum({measure}) s from {table} "
            "where biz_date = ? group by 1)",
            [biz_date],
        ).fetchone()[0]
        assert top == total
        for k in range(2, 6):
            parents = dict(
                con.execute(
                    f"select branch_l{k - 1}_code, sum({measure}) from {table} "
                    f"where biz_date = ? and branch_l{k - 1}_code is not null group by 1",
                    [biz_date],
                ).fetchall()
            )
            children = con.execute(
                f"select branch_l{k - 1}_code, branch_l{k}_code, sum({measure}) from {table} "
                f"where biz_date = ? and branch_l{k - 1}_code is not null group by 1, 2",
                [biz_date],
            ).fetchall()
            summed: dict[str, object] = {}
            for parent, _child, amount in children:  # a few hundred branch groups
                summed[parent] = summed.get(parent, 0) + (amount or 0)
            assert summed == {p: v or 0 for p, v in parents.items()}, (table, biz_date, k)


def _merges(bank: BuiltBank) -> pl.DataFrame:
    changes = pl.read_parquet(bank.truth_dir / "branch_changes.parquet")
    return changes.filter(pl.col("change_kind") == "merge")


def test_merged_outlet_accounts_count_under_survivor_from_merge_date(bank: BuiltBank) -> None:
    merges = _merges(bank)
    assert merges.height > 0, "the simulator merges an outlet on day 2"
    checked = 0
    for merge in merges.iter_rows(named=True):  # one or two merges per small bank
        rows = bank.con.execute(
            "select biz_date, branch_code, branch_l5_code, branch_l4_code "
            "from finance.fct_deposit_balance_daily where booking_branch_code = ?",
            [merge["branch_code"]],
        ).fetchall()
        survivor_l4 = dict(
            bank.con.execute(
                "select biz_date, branch_l4_code from intermediate.int_branches_daily "
                "where branch_code = ?",
                [merge["new_value"]],
            ).fetchall()
        )
        for biz_date, branch, l5, l4 in rows:
            if biz_date >= merge["biz_date"]:
                assert (branch, l5) == (merge["new_value"], merge["new_value"])
                assert l4 == survivor_l4[biz_date]
            else:
                assert (branch, l5) == (merge["branch_code"], merge["branch_code"])
            checked += 1
    assert checked > 0, "no account booked at a merged outlet: the test proved nothing"


def test_merged_outlet_in_dim_branch_history(bank: BuiltBank) -> None:
    for merge in _merges(bank).iter_rows(named=True):
        versions = bank.con.execute(
            "select valid_from, valid_to, status, reporting_branch_code from core.dim_branch "
            "where branch_code = ? order by valid_from",
            [merge["branch_code"]],
        ).fetchall()
        before = [v for v in versions if v[0] < merge["biz_date"]]
        after = [v for v in versions if v[0] >= merge["biz_date"]]
        assert before and before[-1][1] == merge["biz_date"] - dt.timedelta(days=1)
        assert before[-1][2:] == ("A", merge["branch_code"])
        assert after[0][0] == merge["biz_date"]
        assert after[0][2:] == ("M", merge["new_value"])


def test_reparented_outlet_moves_subtree_on_its_date(bank: BuiltBank) -> None:
    changes = pl.read_parquet(bank.truth_dir / "branch_changes.parquet")
    moves = changes.filter(pl.col("change_kind") == "reparent")
    assert moves.height > 0
    for move in moves.iter_rows(named=True):
        rows = dict(
            bank.con.execute(
                "select biz_date, branch_l4_code from intermediate.int_branches_daily "
                "where branch_code = ?",
                [move["branch_code"]],
            ).fetchall()
        )
        for biz_date, l4 in rows.items():
            want = move["new_value"] if biz_date >= move["biz_date"] else move["old_value"]
            assert l4 == want, (move, biz_date)


def test_customer_daily_matches_account_facts_per_customer(bank: BuiltBank) -> None:
    diff = bank.con.execute(
        "with d as (select biz_date, customer_key, sum(balance_cny) aum, "
        "sum(case when deposit_family = 'wealth' then balance_cny else 0 end) wealth "
        "from finance.fct_deposit_balance_daily where customer_key is not null group by 1, 2) "
        "select count(*) from d join finance.fct_customer_daily c using (biz_date, customer_key) "
        "where d.aum != c.aum_cny or d.wealth != c.wealth_cny "
        "or c.deposits_cny + c.wealth_cny != c.aum_cny"
    ).fetchone()[0]
    assert diff == 0
    n = bank.con.execute("select count(*) from finance.fct_customer_daily").fetchone()[0]
    assert n > 0


def test_no_raw_card_numbers_in_facts(bank: BuiltBank) -> None:
    cards = bank.con.execute(
        "select count(*) from finance.fct_card_daily f join staging.stg_card__accounts a "
        "on f.card_key = a.card_no"
    ).fetchone()[0]
    assert cards == 0
    columns = {
        r[0]
        for r in bank.con.execute(
            "select column_name from information_schema.columns where table_schema = 'finance'"
        ).fetchall()
    }
    assert "card_no" not in columns


GOLDEN_COLUMNS = ["customer_name", "mobile", "address_district", "identity_quality"]


def test_month_end_rows_take_golden_attributes_as_of_the_month_end(bank: BuiltBank) -> None:
    """mart_customer_360's month-end row shows the golden record as it was at the month end
    (the dim_customer_history version in force on it), so a rebuild months later gives the
    same row; the latest row shows the current golden record."""
    differs = " or ".join(f"m.{c} is distinct from h.{c}" for c in GOLDEN_COLUMNS)
    checked, wrong = bank.con.execute(
        f"select count(*), count(*) filter (where {differs}) "
        "from branch.mart_customer_360 m join core.dim_customer_history h "
        "on m.customer_key = h.customer_key and h.valid_from <= m.biz_date "
        "and coalesce(h.valid_to, date '9999-12-31') >= m.biz_date "
        "where m.snapshot_kind = 'month_end'"
    ).fetchone()
    assert checked > 0, "no month-end row (the dates must span a month end)"
    assert wrong == 0, f"{wrong} month-end rows differ from the version in force"
    # Some customer's golden record changed after the month end: its month-end row keeps the
    # old value, which dim_customer (today's) no longer has. Without history this is 0.
    differs_now = " or ".join(f"m.{c} is distinct from d.{c}" for c in GOLDEN_COLUMNS)
    changed = bank.con.execute(
        f"select count(*) filter (where {differs_now}) from branch.mart_customer_360 m "
        "join core.dim_customer d using (customer_key) where m.snapshot_kind = 'month_end'"
    ).fetchone()[0]
    assert changed > 0, "no golden record changed after the month end in this simulated bank"
    latest = bank.con.execute(
        f"select count(*) filter (where {differs_now}), count(*) from branch.mart_customer_360 m "
        "join core.dim_customer d using (customer_key) where m.snapshot_kind = 'latest'"
    ).fetchone()
    assert latest[1] > 0 and latest[0] == 0
