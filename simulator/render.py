"""Turn the simulator's state into each table's delivered text columns, in spec order.

Each ``render_<table>`` returns (frame of String columns named as in the spec, labels frame
of attribute-defect labels or None). Dates become YYYYMMDD, timestamps YYYYMMDDHHMMSS, fen
amounts yuan text with two decimals where the column is in yuan.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from simulator.writer import TableSpec

LABELS = ["d_cert", "d_name", "d_attr", "d_multi"]

SPECS: dict[str, TableSpec] = {
    "core_customer": TableSpec("cust_no", ("birth_date", "open_date"), (), ("cust_name",)),
    "core_account": TableSpec("acct_no", ("open_date", "close_date"), ()),
    "core_balance": TableSpec("acct_no", (), ("balance", "accrued_interest")),
    "core_txn": TableSpec("txn_id", (), ("amount",), ("memo",)),
    "core_fx_rate": TableSpec("currency", line_defects=False),
    "card_holder": TableSpec("holder_id", ("birth_date",), ("annual_income",), ("name",)),
    "card_account": TableSpec("card_no", ("open_date",), ("credit_limit",)),
    "card_txn": TableSpec("auth_id", (), ("amount",)),
    "card_statement": TableSpec("card_no", (), ("outstanding",)),
    "loan_customer": TableSpec("loan_cust_id", ("birth_date",), ("annual_income",), ("name",)),
    "loan_contract": TableSpec(
        "contract_no", ("start_date", "maturity_date"), ("contract_amount",)
    ),
    "loan_balance": TableSpec("contract_no", (), ("principal_balance",)),
    "org_branch": TableSpec("branch_code", line_defects=False),
    "org_staff": TableSpec("staff_id", ("hire_date",), (), ("name",)),
    "org_rm_assignment": TableSpec("source_cust_no", ("start_date",), ()),
    "chan_consent": TableSpec("event_id", (), ()),
}


def ymd(c: str) -> pl.Expr:
    return pl.col(c).dt.strftime("%Y%m%d")


def ts(c: str) -> pl.Expr:
    return pl.col(c).dt.strftime("%Y%m%d%H%M%S")


def money(c: str) -> pl.Expr:
    """int64 minor units -> '-123.45'."""
    a = pl.col(c).abs()
    sign = pl.when(pl.col(c) < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str(
        [
            sign,
            (a // 100).cast(pl.String),
            pl.lit("."),
            (a % 100).cast(pl.String).str.pad_start(2, "0"),
        ]
    )


def fixed(c: str, decimals: int) -> pl.Expr:
    """Non-negative float -> text with exactly ``decimals`` decimals."""
    units = (pl.col(c) * 10**decimals).round(0).cast(pl.Int64)
    return pl.concat_str(
        [
            (units // 10**decimals).cast(pl.String),
            pl.lit("."),
            (units % 10**decimals).cast(pl.String).str.pad_start(decimals, "0"),
        ]
    )


def _split(df: pl.DataFrame, cols: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    present = [c for c in LABELS if c in df.columns]
    return df.select(cols), df.select(present)


def render_core_customer(rec: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    df = rec.select(
        pl.col("key").alias("cust_no"),
        pl.when(pl.col("kind") == "P").then(pl.lit("1")).otherwise(pl.lit("2")).alias("cust_type"),
        pl.col("name").alias("cust_name"),
        "cert_type",
        "cert_no",
        "gender",
        pl.col("birth").alias("birth_date"),
        "mobile",
        "address",
        ymd("open_date").alias("open_date"),
        pl.col("branch").alias("open_branch"),
        "status",
        ts("upd_ts").alias("upd_ts"),
        *[c for c in LABELS],
    )
    return _split(df, [c for c in df.columns if c not in LABELS])


def render_card_holder(rec: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    df = rec.select(
        pl.col("key").alias("holder_id"),
        "name",
        "cert_type",
        "cert_no",
        "gender",
        pl.col("birth").alias("birth_date"),
        "mobile",
        "employer",
        pl.col("income").alias("annual_income"),
        "education",
        "occupation",
        "address",
        ts("upd_ts").alias("upd_ts"),
        *LABELS,
    )
    return _split(df, [c for c in df.columns if c not in LABELS])


def render_loan_customer(rec: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    df = rec.select(
        pl.col("key").alias("loan_cust_id"),
        pl.col("kind").alias("cust_kind"),
        "name",
        "cert_type",
        "cert_no",
        "gender",
        pl.col("birth").alias("birth_date"),
        "mobile",
        "occupation",
        pl.col("income").alias("annual_income"),
        "education",
        "industry_code",
        "ent_nature",
        "ent_scale",
        "credit_rating",
        "legal_rep_name",
        "legal_rep_cert_no",
        "reg_capital",
        "address",
        ts("upd_ts").alias("upd_ts"),
        *LABELS,
    )
    return _split(df, [c for c in df.columns if c not in LABELS])


def render_core_account(a: pl.DataFrame) -> pl.DataFrame:
    return a.select(
        "acct_no",
        "cust_no",
        "product_code",
        "currency",
        ymd("open_date").alias("open_date"),
        ymd("close_date").alias("close_date"),
        "branch_code",
        "status",
        ts("upd_ts").alias("upd_ts"),
    )


def render_core_balance(a: pl.DataFrame) -> pl.DataFrame:
    return a.select(
        "acct_no",
        "currency",
        money("bal").alias("balance"),
        money("accrued").alias("accrued_interest"),
    )


def render_core_txn(t: pl.DataFrame) -> pl.DataFrame:
    return t.select(
        "txn_id",
        "acct_no",
        ts("txn_ts").alias("txn_ts"),
        "dr_cr",
        money("amount").alias("amount"),
        "channel",
        "counterparty_acct",
        "memo",
    )


def render_fx(rates: dict[str, float], held: list[str]) -> pl.DataFrame:
    cur = sorted(set(held) | {"CNY"})
    df = pl.DataFrame({"currency": cur, "r": [rates[c] for c in cur]})
    return df.select("currency", fixed("r", 6).alias("rate_to_cny"))


def render_card_account(c: pl.DataFrame) -> pl.DataFrame:
    return c.select(
        "card_no",
        "holder_id",
        "card_kind",
        "linked_acct_no",
        pl.col("credit_limit").cast(pl.String),
        ymd("open_date").alias("open_date"),
        "status",
        "issue_branch",
        ts("upd_ts").alias("upd_ts"),
    )


def render_card_txn(t: pl.DataFrame) -> pl.DataFrame:
    return t.select(
        "auth_id",
        "card_no",
        ts("txn_ts").alias("txn_ts"),
        pl.col("amount").cast(pl.String),
        "mcc",
        "txn_type",
    )


def render_card_statement(c: pl.DataFrame) -> pl.DataFrame:
    return c.select(
        "card_no", pl.col("outstanding").cast(pl.String), pl.col("overdue_days").cast(pl.String)
    )


def render_loan_contract(lc: pl.DataFrame) -> pl.DataFrame:
    return lc.select(
        "contract_no",
        "loan_cust_id",
        "product_code",
        money("amount").alias("contract_amount"),
        "currency",
        ymd("start_date").alias("start_date"),
        ymd("maturity_date").alias("maturity_date"),
        fixed("interest_rate", 4).alias("interest_rate"),
        "branch_code",
        "status",
        ts("upd_ts").alias("upd_ts"),
    )


def render_loan_balance(lc: pl.DataFrame, five: pl.Series) -> pl.DataFrame:
    return lc.select(
        "contract_no",
        money("principal").alias("principal_balance"),
        pl.col("overdue_days").cast(pl.String),
        five.alias("five_class"),
    )


def render_org_branch(b: pl.DataFrame) -> pl.DataFrame:
    return b.select(
        "branch_code",
        "branch_name",
        pl.col("branch_level").cast(pl.String),
        "parent_code",
        pl.col("region_code").cast(pl.String),
        ymd("open_date").alias("open_date"),
        "status",
        "merged_into",
    )


def render_org_staff(s: pl.DataFrame) -> pl.DataFrame:
    return s.select(
        "staff_id", "name", "branch_code", "role", "status", ymd("hire_date").alias("hire_date")
    )


def render_rm(a: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    return a.filter(pl.col("start_date") <= day).select(
        "source_system",
        "source_cust_no",
        "staff_id",
        ymd("start_date").alias("start_date"),
        ymd("end_date").alias("end_date"),
    )


def render_consent(ev: pl.DataFrame) -> pl.DataFrame:
    return ev.select(
        "event_id",
        "source_system",
        "source_cust_no",
        "purpose",
        "action",
        ts("event_ts").alias("event_ts"),
        "channel",
    )
