"""The truth is complete and consistent with the files, and the bank looks like a bank."""

from __future__ import annotations

import datetime as dt

import polars as pl

from crmwh.config import SYSTEMS, TABLES
from simulator import ids
from simulator.testing import Bank, read_table, split_records
from tests.simulator.spec import COLUMNS

CUSTOMER_COLUMNS = {
    "core_customer": ("core", "cust_no"),
    "core_account": ("core", "cust_no"),
    "card_holder": ("card", "holder_id"),
    "card_account": ("card", "holder_id"),
    "loan_customer": ("loan", "loan_cust_id"),
    "loan_contract": ("loan", "loan_cust_id"),
}


def test_truth_covers_every_source_customer_number(bank: Bank, frames: dict) -> None:
    recs = bank.truth_table("customer_records")
    assert recs["source_customer_no"].is_unique().all()
    assert set(recs["entity_kind"].unique()) == {"P", "E"}
    assert recs["entity_id"].str.contains(r"^[PE]\d{9}$").all()
    known = recs.select("source_system", "source_customer_no")
    seen = []
    for (table, _), df in frames.items():
        if table in CUSTOMER_COLUMNS:
            system, col = CUSTOMER_COLUMNS[table]
            seen.append(
                df.select(
                    pl.lit(system).alias("source_system"), pl.col(col).alias("source_customer_no")
                )
            )
        if table in ("org_rm_assignment", "chan_consent"):
            seen.append(
                df.select("source_system", pl.col("source_cust_no").alias("source_customer_no"))
            )
    seen_df = pl.concat(seen).unique()
    missing = seen_df.join(known, on=["source_system", "source_customer_no"], how="anti")
    assert missing.is_empty(), missing
    # first_biz_date is the day the number was first delivered
    first_seen = []
    for table, (_system, col) in CUSTOMER_COLUMNS.items():
        if table.endswith(("customer", "holder")):
            for day in bank.dates:
                first_seen.append(
                    frames[(table, day)].select(
                        pl.col(col).alias("source_customer_no"), pl.lit(day).alias("d")
                    )
                )
    fs = pl.concat(first_seen).group_by("source_customer_no").agg(pl.col("d").min())
    j = fs.join(recs, on="source_customer_no")
    assert (j["d"] >= j["first_biz_date"]).all()
    assert (j["d"] == j["first_biz_date"]).mean() > 0.99


def test_persons_truth_is_consistent(bank: Bank) -> None:
    p = bank.truth_table("persons")
    assert ids.valid_resident_ids(p["cert_no"]).all()
    assert (p["cert_no"].str.slice(6, 8) == p["birth_date"].dt.strftime("%Y%m%d")).all()
    sex_digit = p["cert_no"].str.slice(16, 1).cast(pl.Int64) % 2
    assert ((sex_digit == 1) == (p["sex"] == "1")).all()
    assert (p["cert_no"].str.slice(0, 6) == p["id_region_code"]).all()
    assert p["mobile"].str.contains(r"^1[3-9]\d{9}$").all()
    # real surname frequencies: the big three lead, and common full names collide
    surname = p["name"].str.slice(0, 1)
    top = surname.value_counts().sort("count", descending=True)["name"].head(5).to_list()
    assert len({"王", "李", "张"} & set(top)) >= 2, top
    assert p["name"].value_counts()["count"].max() >= 3
    assert p["pre_realname"].any() and not p["pre_realname"].all()


def test_wealth_is_skewed_and_under_limited_customers_exist(bank: Bank) -> None:
    p = bank.truth_table("persons")
    aum = p["aum_target_yuan"]
    assert (aum < 50_000).mean() > 0.7
    assert 0.005 < (aum > 500_000).mean() < 0.04
    assert p["under_limited"].sum() > 0
    ul = p.filter(pl.col("under_limited"))
    assert (ul["aum_first_day_yuan"] >= 500_000).all()
    daily = bank.truth_table("entity_aum")
    assert daily["biz_date"].n_unique() == len(bank.dates)
    first = daily.filter(pl.col("biz_date") == bank.dates[0])
    assert (
        first.join(p.select("entity_id", "aum_first_day_yuan"), on="entity_id")
        .select((pl.col("aum_cny_yuan") == pl.col("aum_first_day_yuan")).all())
        .item()
    )
    assert (ul["total_credit_limit_yuan"] <= 20_000).all()
    assert p["drain_start_date"].drop_nulls().len() > 0


def test_enterprises_truth(bank: Bank) -> None:
    e = bank.truth_table("enterprises")
    assert ids.valid_usccs(e["uscc"]).all() and ids.valid_org_codes(e["org_code"]).all()
    assert (e["uscc"].str.slice(8, 9) == e["org_code"]).all()
    assert e["industry_code"].str.contains(r"^[A-T]\d{2}$").all()
    recs = bank.truth_table("customer_records").filter(pl.col("source_system") == "core")
    reps = e.select(pl.col("legal_rep_entity_id").alias("entity_id")).unique()
    assert reps.join(recs, on="entity_id", how="anti").is_empty()


def _branches(bank: Bank, day: dt.date) -> pl.DataFrame:
    path = bank.batch_dir("org", day) / f"org_branch_{day:%Y%m%d}.dat"
    header, rows = read_table(path, "org")
    return pl.DataFrame(rows, schema=COLUMNS["org_branch"], orient="row").with_columns(
        pl.all().replace("", None)
    )


def test_org_hierarchy_is_a_five_level_tree(bank: Bank) -> None:
    for day in bank.dates:
        b = _branches(bank, day)
        assert b["branch_code"].is_unique().all()
        assert b["branch_code"].str.contains(r"^[0-9A-Z]{1,10}$").all()
        assert sorted(b["branch_level"].unique().to_list()) == ["1", "2", "3", "4", "5"]
        head = b.filter(pl.col("branch_level") == "1")
        assert len(head) == 1 and head["parent_code"].is_null().all()
        j = b.filter(pl.col("branch_level") != "1").join(
            b.select(
                pl.col("branch_code").alias("parent_code"),
                pl.col("branch_level").alias("pl"),
                pl.col("region_code").alias("pr"),
            ),
            on="parent_code",
            how="left",
        )
        assert j["pl"].is_not_null().all()
        assert (j["branch_level"].cast(pl.Int8) == j["pl"].cast(pl.Int8) + 1).all()
        # region codes nest: a branch lies in its parent's province (tier-1 branches: HO aside)
        below = j.filter(pl.col("branch_level").cast(pl.Int8) >= 3)
        assert (below["region_code"].str.slice(0, 2) == below["pr"].str.slice(0, 2)).all()
        merged = b.filter(pl.col("status") == "M")
        if len(merged):
            targets = b.select(
                pl.col("branch_code").alias("merged_into"), pl.col("branch_level").alias("tl")
            )
            mj = merged.join(targets, on="merged_into", how="left")
            assert (mj["tl"] == "5").all() and (mj["branch_level"] == "5").all()
        assert b.filter(pl.col("status") != "M")["merged_into"].is_null().all()


def test_branch_changes_recorded(bank: Bank) -> None:
    ch = bank.truth_table("branch_changes")
    assert {"merge", "reparent", "close", "rm_move"} <= set(ch["change_kind"].unique())
    last = _branches(bank, bank.dates[-1])
    for row in ch.filter(pl.col("change_kind") == "reparent").iter_rows(named=True):
        assert row["old_value"] != row["new_value"]
    merged = ch.filter(pl.col("change_kind") == "merge")
    j = merged.join(last, on="branch_code")
    assert (j["status"] == "M").all() and (j["merged_into"] == j["new_value"]).all()


def test_balances_move_by_the_days_transactions(
    bank: Bank, clean_frames: dict, defects: pl.DataFrame
) -> None:
    d1, d2 = bank.dates[0], bank.dates[1]
    broken = defects.filter(
        pl.col("line_no").is_not_null() & pl.col("file").str.starts_with("core_")
    )["source_key"]
    b1 = clean_frames[("core_balance", d1)].select(
        "acct_no", pl.col("balance").cast(pl.Decimal(20, 2)).alias("b1")
    )
    b2 = clean_frames[("core_balance", d2)].select(
        "acct_no", pl.col("balance").cast(pl.Decimal(20, 2)).alias("b2")
    )
    t = clean_frames[("core_txn", d2)]
    # accounts of transactions whose line is broken (those lines are not in the frames)
    raw = split_records(
        "core", (bank.batch_dir("core", d2) / f"core_txn_{d2:%Y%m%d}.dat").read_bytes()
    )
    lines = pl.Series([r.decode("gb18030", errors="replace") for r in raw]).str.split("\x1b")
    bad_lines = defects.filter(pl.col("file") == f"core_txn_{d2:%Y%m%d}.dat")["line_no"] - 1
    bad_acct = lines.gather(bad_lines).list.get(1, null_on_oob=True).drop_nulls()
    net = t.group_by("acct_no").agg(
        (
            pl.when(pl.col("dr_cr") == "C").then(1).otherwise(-1)
            * pl.col("amount").cast(pl.Decimal(20, 2))
        )
        .sum()
        .alias("net")
    )
    j = (
        b1.join(b2, on="acct_no")
        .join(net, on="acct_no", how="left")
        .with_columns(pl.col("net").fill_null(0))
    )
    j = j.filter(
        ~pl.col("acct_no").is_in(broken.implode()) & ~pl.col("acct_no").is_in(bad_acct.implode())
    )
    assert len(j) > 1000
    off = j.filter(pl.col("b2") - pl.col("b1") != pl.col("net"))
    assert off.is_empty(), off.to_dicts()[:5]
    assert (j["b2"] >= 0).all()
    assert (j["net"] != 0).sum() > 100


def test_delta_batches_carry_only_the_days_changes(bank: Bank, frames: dict) -> None:
    for day in bank.dates[1:]:
        ymd = f"{day:%Y%m%d}"
        for table in (
            "core_customer",
            "core_account",
            "card_holder",
            "card_account",
            "loan_customer",
            "loan_contract",
        ):
            df = frames[(table, day)]
            assert df["upd_ts"].str.starts_with(ymd).all(), (table, day)
            assert len(df) < len(frames[(table, bank.dates[0])]) / 10
        for table, col in (
            ("core_txn", "txn_ts"),
            ("card_txn", "txn_ts"),
            ("chan_consent", "event_ts"),
        ):
            assert frames[(table, day)][col].str.starts_with(ymd).all()
    first = frames[("chan_consent", bank.dates[0])]
    before = first.filter(pl.col("event_ts") < f"{bank.dates[0]:%Y%m%d}")
    assert len(before) > 1000 and (before["action"] == "GRANT").all()
    changed = sum(len(frames[("core_customer", d)]) for d in bank.dates[1:])
    assert changed > 0


def test_loan_grades_follow_arrears(bank: Bank, clean_frames: dict) -> None:
    lb = clean_frames[("loan_balance", bank.dates[-1])].with_columns(
        pl.col("overdue_days").cast(pl.Int64)
    )
    assert (lb.filter(pl.col("overdue_days") > 360)["five_class"] == "5").all()
    assert (lb.filter(pl.col("overdue_days").is_between(1, 90))["five_class"] == "2").all()
    assert (lb.filter(pl.col("overdue_days") == 0)["five_class"].is_in(["1", "2", "5"])).all()
    assert (lb["overdue_days"] > 0).sum() > 0


def test_every_system_delivers_every_day(bank: Bank) -> None:
    for system in SYSTEMS:
        days = sorted(p.name for p in (bank.landing / system).iterdir())
        assert days == [f"{d:%Y%m%d}" for d in bank.dates]
        for day in bank.dates:
            assert len(list(bank.batch_dir(system, day).glob("*.dat"))) == len(TABLES[system])


def test_rm_assignments_chain_and_point_at_relationship_managers(
    bank: Bank, clean_frames: dict
) -> None:
    day = bank.dates[-1]
    a = clean_frames[("org_rm_assignment", day)].sort(
        "source_system", "source_cust_no", "start_date"
    )
    assert len(a) > 100
    nxt = a.with_columns(
        pl.col("start_date").shift(-1).over("source_system", "source_cust_no").alias("next_start")
    )
    chained = nxt.filter(pl.col("next_start").is_not_null()).with_columns(
        (pl.col("next_start").str.strptime(pl.Date, "%Y%m%d") - pl.duration(days=1))
        .dt.strftime("%Y%m%d")
        .alias("expected_end")
    )
    assert len(chained) > 0
    assert (chained["end_date"] == chained["expected_end"]).all()
    last = nxt.filter(pl.col("next_start").is_null())
    assert (last["end_date"] == "99991231").all()
    staff = clean_frames[("org_staff", day)]
    rms = staff.filter(pl.col("role") == "RM")["staff_id"]
    assert a["staff_id"].is_in(rms.implode()).all()
    # the day's reassignments start today
    assert (a["start_date"] <= f"{day:%Y%m%d}").all()


def test_consent_events_follow_state(bank: Bank, clean_frames: dict) -> None:
    ev = pl.concat([clean_frames[("chan_consent", d)] for d in bank.dates]).sort("event_ts")
    # a WITHDRAW only ever follows a GRANT for the same number and purpose
    first = ev.group_by("source_system", "source_cust_no", "purpose", maintain_order=True).agg(
        pl.col("action").first()
    )
    assert (first["action"] == "GRANT").all()
    assert (ev["action"] == "WITHDRAW").sum() > 0
    assert ev["event_id"].is_unique().all()
