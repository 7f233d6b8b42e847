"""Deposit accounts: who holds what, and how much.

Wealth is what makes the bank's problem real, so it is drawn per *entity* (the true person or
enterprise), then split over all the entity's accounts in all its core customer numbers.
Personal AUM is log-normal with median 8,000 yuan and sigma 2.0: about 82% of persons hold
under 50,000, about 2% over 500,000 and roughly 450 per million over 6,000,000. Enterprises:
median 300,000, sigma 2.2.

Balances are int64 fen (minor units) throughout; rendering adds the decimal point.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from simulator import ids

RATES = {  # annual percent, for accrued interest
    "D01": 0.10,
    "T03": 0.85,
    "T06": 1.05,
    "T12": 1.15,
    "T24": 1.20,
    "T36": 1.50,
    "T60": 1.55,
    "C01": 0.10,
    "C02": 1.20,
    "N01": 2.00,
    "W01": 0.0,
}
TERM_DAYS = {"T03": 91, "T06": 182, "T12": 365, "T24": 730, "T36": 1095, "T60": 1826, "C02": 365}
FX_BASE = {
    "CNY": 1.0,
    "USD": 7.1032,
    "HKD": 0.9128,
    "EUR": 7.7211,
    "JPY": 0.047312,
    "GBP": 9.0175,
    "AUD": 4.6130,
}
FX_CURRENCIES = np.array(["USD", "HKD", "EUR", "JPY", "GBP", "AUD"])
FX_P = np.array([0.55, 0.17, 0.12, 0.07, 0.06, 0.03])
OPEN = np.datetime64("9999-12-31")


def entity_aum(rng: np.random.Generator, n_persons: int, n_ents: int) -> np.ndarray:
    """Target assets under management per entity in fen (persons first)."""
    p = np.exp(rng.normal(np.log(8000.0), 2.0, size=n_persons))
    e = np.exp(rng.normal(np.log(300000.0), 2.2, size=n_ents))
    return np.round(np.concatenate([p, e]) * 100).astype(np.int64)


PRODUCTS = ["D01", "T03", "T06", "T12", "T24", "T36", "T60", "C01", "C02", "N01", "W01"]
CURRENCIES = ["CNY", "USD", "HKD", "EUR", "JPY", "GBP", "AUD"]
STATUSES = ["A", "D", "F", "C"]
_P = {p: i for i, p in enumerate(PRODUCTS)}
RATE_BY_CODE = np.array([RATES[p] for p in PRODUCTS])
TERM_BY_CODE = np.array([TERM_DAYS.get(p, 0) for p in PRODUCTS], dtype=np.int64)
FX_BY_CODE = np.array([FX_BASE[c] for c in CURRENCIES])


def _slots(
    rng: np.random.Generator, core: pl.DataFrame, aum_yuan: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Account rows for every core customer record: (record index, product code, currency code).

    Codes index PRODUCTS and CURRENCIES; text is made once at the end (no per-row strings).
    """
    n = len(core)
    is_p = (core["kind"] == "P").to_numpy()
    primary = (core["rank"] == 0).to_numpy()
    rich = aum_yuan > 200_000
    time_codes = np.array([_P[t] for t in ("T03", "T06", "T12", "T24", "T36", "T60")])
    fx = np.arange(1, len(CURRENCIES))
    slots: list[tuple[np.ndarray, int | np.ndarray, bool]] = [
        # personal demand savings for every record, a second one for 20%
        (np.where(is_p, 1 + (rng.random(n) < 0.2), 0), _P["D01"], False),
        (np.where(is_p, rng.poisson(np.where(rich, 1.5, 0.45)), 0), time_codes, False),
        (is_p & primary & (rng.random(n) < np.where(rich, 0.45, 0.04)), _P["W01"], False),
        (primary & (aum_yuan > 1_000_000) & (rng.random(n) < 0.3), _P["N01"], False),
        (is_p & (rng.random(n) < np.where(rich, 0.2, 0.025)), _P["D01"], True),
        (np.where(~is_p, 1 + (rng.random(n) < 0.3), 0), _P["C01"], False),
        (~is_p & (rng.random(n) < 0.3), _P["C02"], False),
        (~is_p & (rng.random(n) < 0.10), _P["C01"], True),
    ]
    recs, prods, curs = [], [], []
    for count, prod, foreign in slots:  # eight kinds of holding
        rec = np.repeat(np.arange(n), np.asarray(count, dtype=np.int64))
        k = len(rec)
        recs.append(rec)
        if isinstance(prod, np.ndarray):
            prods.append(prod[rng.integers(0, len(prod), size=k)])
        else:
            prods.append(np.full(k, prod))
        curs.append(
            fx[rng.choice(len(fx), size=k, p=FX_P)] if foreign else np.zeros(k, dtype=np.int64)
        )
    rec = np.concatenate(recs)
    order = np.argsort(rec, kind="stable")
    return (
        rec[order],
        np.concatenate(prods)[order].astype(np.int8),
        np.concatenate(curs)[order].astype(np.int8),
    )


def build_accounts(
    rng: np.random.Generator,
    core: pl.DataFrame,
    aum: pl.DataFrame,
    start: dt.date,
    days: int,
) -> pl.DataFrame:
    """Core accounts with balances. ``aum``: entity_id, aum (fen), drain_start_date."""
    rec_aum = core.select("entity_id").join(aum, on="entity_id", how="left", maintain_order="left")
    rec, prod, cur = _slots(rng, core, rec_aum["aum"].to_numpy() / 100)
    k = len(rec)
    start64 = np.datetime64(start)
    ent = core["entity_id"].gather(rec)
    # split the entity's AUM over its accounts: time deposits and wealth products weigh more
    demand = (prod == _P["D01"]) | (prod == _P["C01"])
    weight = rng.gamma(1.0, size=k) * np.where(demand, 1.0, np.where(prod == _P["N01"], 6.0, 3.0))
    weight = np.where(cur != 0, weight * 0.5, weight)
    ent_no = ent.str.slice(1).cast(pl.Int64).to_numpy() + np.where(
        (ent.str.slice(0, 1) == "E").to_numpy(), 10**10, 0
    )
    _, inv = np.unique(ent_no, return_inverse=True)
    wsum = np.bincount(inv, weights=weight)[inv]
    ent_aum = rec_aum["aum"].to_numpy()[rec]
    rate = FX_BY_CODE[cur]
    bal = np.round(ent_aum * weight / wsum / rate).astype(np.int64)
    # open dates: after the customer record opened; time deposits inside their current term
    rec_open = core["open_date"].to_numpy().astype("datetime64[D]")[rec]
    span = np.maximum((start64 - rec_open).astype(np.int64), 1)
    open_d = rec_open + (rng.random(k) ** 2 * span).astype(np.int64).astype("timedelta64[D]")
    term = TERM_BY_CODE[prod]
    in_term = start64 - (rng.random(k) * term).astype(np.int64).astype("timedelta64[D]")
    open_d = np.where(term > 0, np.maximum(rec_open, in_term), open_d)
    open_d = np.where(rec_open >= start64, rec_open, np.minimum(open_d, start64 - 1))
    if days > 1:  # accounts opened by existing customers during the run
        new = (rng.random(k) < 0.0005 * (days - 1)) & (rec_open < start64)
        open_d = np.where(
            new, start64 + rng.integers(1, days, size=k).astype("timedelta64[D]"), open_d
        )
    maturity = np.where(term > 0, open_d + term.astype("timedelta64[D]"), OPEN)
    # a few accounts closed in the past (delivered in the first full extract, no balance)
    closed = (rng.random(k) < 0.03) & (open_d < start64 - 30)
    gap = ((start64 - 1 - open_d).astype(np.int64) * rng.random(k)).astype(np.int64)
    close_d = np.where(closed, open_d + gap.astype("timedelta64[D]") + 1, OPEN)
    close_d = np.where(closed & (close_d >= start64), start64 - 1, close_d)
    u = rng.random(k)
    status = np.where(
        closed, 3, np.where((u < 0.03) & (prod == _P["D01"]), 1, np.where(u > 0.998, 2, 0))
    )
    bal = np.where(closed, 0, bal)
    maturity = np.where(closed, OPEN, maturity)
    numbers = ids.unique_numbers(rng, k, 6_210_000_000_000_000_000, 9)
    acct_no = ids.as_strings(ids.digits(numbers, 19))
    # accrued interest since the last quarterly settlement (21 Sep) or since opening
    last_settle = np.datetime64(f"{start.year if start.month > 9 else start.year - 1}-09-21")
    acc_from = np.where(term > 0, open_d, np.maximum(open_d, last_settle))
    acc_days = np.maximum((start64 - acc_from).astype(np.int64), 0)
    rate_pa = RATE_BY_CODE[prod]
    accrued = np.round(bal * rate_pa / 100 / 360 * acc_days).astype(np.int64)
    upd = np.where(closed, close_d, open_d)
    secs = rng.integers(9 * 3600, 17 * 3600, size=k).astype("timedelta64[s]")
    return pl.DataFrame(
        {
            "acct_no": acct_no,
            "cust_no": core["key"].gather(rec),
            "entity_id": ent,
            "product_code": pl.Series(PRODUCTS).gather(prod),
            "currency": pl.Series(CURRENCIES).gather(cur),
            "open_date": open_d,
            "close_date": close_d,
            "branch_code": core["branch"].gather(rec),
            "status": pl.Series(STATUSES).gather(status),
            "upd_ts": upd.astype("datetime64[us]") + secs,
            "bal": bal,
            "accrued": accrued,
            "rate": rate_pa,
            "maturity": maturity,
            "term": term,
        }
    ).with_columns(
        pl.col("open_date").cast(pl.Date),
        pl.col("close_date").cast(pl.Date),
        pl.col("maturity").cast(pl.Date),
        pl.col("upd_ts").cast(pl.Datetime("us")),
        pl.col("upd_ts").cast(pl.Date).alias("upd_date"),
    )
