"""Debit and credit cards.

Debit cards hang off the holder's demand account in core (``linked_acct_no``), so a card holder
must also be a core customer for one. Credit limits are set from the income declared on the
application and ignore deposits entirely, which is how a customer with millions on deposit ends
up with a 5,000 yuan limit or no credit card at all (``under_limited`` in the truth).
Amounts are fen.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from simulator import ids

DEBIT_BINS = np.array([621700, 622848, 621226, 623668, 621483])
CREDIT_BINS = np.array([622588, 625802, 438088, 524091, 628288])
MCC = np.array(
    [
        "5411",
        "5812",
        "5541",
        "5311",
        "4111",
        "5999",
        "5732",
        "7011",
        "4511",
        "5912",
        "5814",
        "5651",
        "5977",
        "4814",
        "8062",
    ]
)
MCC_P = np.array(
    [0.2, 0.18, 0.08, 0.08, 0.08, 0.1, 0.04, 0.03, 0.02, 0.04, 0.06, 0.03, 0.02, 0.03, 0.01]
)
OPEN = np.datetime64("9999-12-31")


def build_cards(
    rng: np.random.Generator,
    holders: pl.DataFrame,
    accounts: pl.DataFrame,
    start: dt.date,
) -> pl.DataFrame:
    """card_no, holder_id, entity_id, card_kind, linked_acct_no, credit_limit, dates, state."""
    start64 = np.datetime64(start)
    n = len(holders)
    primary_acct = (
        accounts.filter(
            (pl.col("product_code") == "D01")
            & (pl.col("currency") == "CNY")
            & (pl.col("status") != "C")
        )
        .group_by("entity_id")
        .agg(pl.col("acct_no").first(), pl.col("open_date").min().alias("acct_open"))
    )
    h = holders.select("key", "entity_id", "open_date", "income", "branch").join(
        primary_acct, on="entity_id", how="left", maintain_order="left"
    )
    has_acct = h["acct_no"].is_not_null().to_numpy()
    n_debit = np.where(has_acct, (rng.random(n) < 0.8) * (1 + (rng.random(n) < 0.15)), 0)
    n_credit = (rng.random(n) < np.where(has_acct & (n_debit > 0), 0.5, 0.85)).astype(int) + (
        rng.random(n) < 0.1
    )
    n_credit = np.where((n_debit + n_credit) == 0, 1, n_credit)
    frames = []
    for kind, count in (("D", n_debit), ("C", n_credit)):
        idx = np.repeat(np.arange(n), count)
        k = len(idx)
        if kind == "D":
            no = ids.card_numbers(rng, DEBIT_BINS[rng.integers(0, 5, size=k)], 19)
            linked = h["acct_no"].gather(idx)
            limit = np.zeros(k, dtype=np.int64)
        else:
            no = ids.card_numbers(rng, CREDIT_BINS[rng.integers(0, 5, size=k)], 16)
            linked = pl.Series([None] * k, dtype=pl.String)
            income = h["income"].cast(pl.Int64).fill_null(50000).to_numpy()[idx]
            limit_yuan = np.clip(income * rng.uniform(0.05, 0.4, size=k), 2000, 300000)
            # a quarter got the branch's standard starter limit whatever they earn
            limit_yuan = np.where(
                rng.random(k) < 0.25, rng.choice([3000, 5000, 8000], size=k), limit_yuan
            )
            limit = (np.round(limit_yuan, -3) * 100).astype(np.int64)
        frames.append(
            pl.DataFrame(
                {
                    "card_no": ids.as_strings(no),
                    "holder_id": h["key"].gather(idx),
                    "entity_id": h["entity_id"].gather(idx),
                    "card_kind": kind,
                    "linked_acct_no": linked,
                    "credit_limit": limit,
                    "h_open": h["open_date"].gather(idx),
                    "a_open": h["acct_open"].gather(idx),
                    "issue_branch": h["branch"].gather(idx),
                }
            )
        )
    cards = pl.concat(frames)
    k = len(cards)
    lo = (
        cards.select(pl.max_horizontal("h_open", "a_open"))
        .to_series()
        .to_numpy()
        .astype("datetime64[D]")
    )
    span = np.maximum((start64 - lo).astype(np.int64), 1)
    open_d = np.where(
        lo >= start64, lo, lo + (rng.random(k) * span).astype(np.int64).astype("timedelta64[D]")
    )
    open_d = np.where(lo >= start64, lo, np.minimum(open_d, start64 - 1))
    status = np.where(rng.random(k) < 0.02, "C", np.where(rng.random(k) < 0.01, "L", "A"))
    status = np.where(open_d >= start64, "A", status)
    is_credit = (cards["card_kind"] == "C").to_numpy()
    limit = cards["credit_limit"].to_numpy()
    outstanding = np.where(
        is_credit & (status != "C"), (limit * rng.random(k) ** 2).astype(np.int64), 0
    )
    overdue = np.where(
        is_credit & (outstanding > 0) & (rng.random(k) < 0.03), rng.integers(1, 200, size=k), 0
    )
    upd = open_d.astype("datetime64[us]") + rng.integers(9 * 3600, 18 * 3600, size=k).astype(
        "timedelta64[s]"
    )
    return (
        cards.drop("h_open", "a_open")
        .with_columns(
            pl.Series("open_date", open_d).cast(pl.Date),
            pl.Series("status", status),
            pl.Series("upd_ts", upd).cast(pl.Datetime("us")),
            pl.Series("outstanding", outstanding),
            pl.Series("overdue_days", overdue),
            pl.Series("cycle_day", rng.integers(1, 29, size=k)),
        )
        .with_columns(pl.col("upd_ts").dt.date().alias("upd_date"))
    )
