"""Loan contracts and their balances.

Personal loans (PL consumer, ML mortgage, PB business) and corporate ones (BW working capital,
BF fixed asset, BD bill discount). Amortising loans repay equal principal each month (等额本金,
the common Chinese method), so the balance falls linearly; BW and BD are repaid at maturity.
About 4% of active contracts are overdue; the five-class grade follows days overdue
(0 normal, 1-90 special mention, 91-180 substandard, 181-360 doubtful, over 360 loss), with a
few current loans already graded special mention. From the second day on, each instalment is
debited from the borrower's demand account in core (memo 贷款还款); a borrower whose account
cannot cover it falls into arrears, one without a demand account here misses 1% at random.
Amounts are int64 fen.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from simulator import ids

PERSON_PRODUCTS = (np.array(["PL", "ML", "PB"]), np.array([0.45, 0.35, 0.20]))
ENT_PRODUCTS = (np.array(["BW", "BF", "BD"]), np.array([0.5, 0.25, 0.25]))
TERMS = {
    "PL": [12, 24, 36, 60],
    "ML": [240, 300, 360],
    "PB": [12, 24, 36],
    "BW": [12],
    "BF": [36, 60, 120],
    "BD": [6],
}
AMOUNT = {
    "PL": (80_000, 0.8),
    "ML": (900_000, 0.6),
    "PB": (300_000, 0.8),
    "BW": (3_000_000, 1.2),
    "BF": (10_000_000, 1.2),
    "BD": (1_000_000, 1.0),
}
RATE = {
    "PL": (3.5, 9.5),
    "ML": (3.1, 4.3),
    "PB": (3.8, 7.5),
    "BW": (3.3, 5.8),
    "BF": (3.6, 5.2),
    "BD": (1.4, 2.4),
}
BULLET = ("BW", "BD")


def five_class(overdue: np.ndarray, mention: np.ndarray) -> np.ndarray:
    """Five-class grade from days overdue (special mention also for flagged current loans)."""
    grade = np.select(
        [overdue > 360, overdue > 180, overdue > 90, overdue > 0], ["5", "4", "3", "2"], "1"
    )
    return np.where((grade == "1") & mention, "2", grade)


def _scheduled_principal(
    amount: np.ndarray, start: np.ndarray, term_m: np.ndarray, on: np.datetime64, bullet: np.ndarray
) -> np.ndarray:
    """Principal outstanding on ``on`` under the repayment schedule (no arrears)."""
    months = ((on - start).astype(np.int64) // 30).clip(0)
    paid = np.minimum(months, term_m)
    linear = amount - amount * paid // term_m
    return np.where(bullet, np.where(months >= term_m, 0, amount), linear)


def build_contracts(
    rng: np.random.Generator, loan_customers: pl.DataFrame, start: dt.date
) -> pl.DataFrame:
    start64 = np.datetime64(start)
    n = len(loan_customers)
    count = 1 + (rng.random(n) < 0.2)
    idx = np.repeat(np.arange(n), count)
    k = len(idx)
    is_p = (loan_customers["kind"] == "P").to_numpy()[idx]
    prod = np.where(
        is_p,
        rng.choice(PERSON_PRODUCTS[0], size=k, p=PERSON_PRODUCTS[1]),
        rng.choice(ENT_PRODUCTS[0], size=k, p=ENT_PRODUCTS[1]),
    )
    term_m = np.zeros(k, dtype=np.int64)
    amount = np.zeros(k, dtype=np.int64)
    lo_rate = np.zeros(k)
    hi_rate = np.zeros(k)
    for p, terms in TERMS.items():  # loop over the six products
        m = prod == p
        term_m[m] = rng.choice(terms, size=m.sum())
        med, sig = AMOUNT[p]
        amount[m] = (np.round(med * np.exp(rng.normal(0, sig, size=m.sum())), -3) * 100).astype(
            np.int64
        )
        lo_rate[m], hi_rate[m] = RATE[p]
    rate = np.round(rng.uniform(lo_rate, hi_rate), 4)
    rec_open = loan_customers["open_date"].to_numpy().astype("datetime64[D]")[idx]
    term_days = term_m * 30
    # active contracts started inside their term; 10% settled in the past
    lo = np.maximum(rec_open, start64 - term_days)
    span = np.maximum((start64 - lo).astype(np.int64), 1)
    start_d = np.where(
        rec_open >= start64,
        rec_open,
        lo + (rng.random(k) * span).astype(np.int64).astype("timedelta64[D]"),
    )
    start_d = np.where(rec_open >= start64, rec_open, np.minimum(start_d, start64 - 1))
    settled = (rng.random(k) < 0.10) & (rec_open < start64 - 400)
    start_d = np.where(settled, rec_open, start_d)
    maturity = start_d + term_days.astype("timedelta64[D]")
    maturity = np.where(settled, np.minimum(maturity, start64 - 1), maturity)
    bullet = np.isin(prod, BULLET)
    principal = _scheduled_principal(amount, start_d, term_m, start64 - 1, bullet)
    principal = np.where(settled, 0, principal)
    overdue = np.where(
        ~settled & (principal > 0) & (rng.random(k) < 0.04), rng.integers(1, 420, size=k), 0
    )
    mention = ~settled & (rng.random(k) < 0.01)
    written_off = (overdue > 360) & (rng.random(k) < 0.5)
    status = np.where(settled, "S", np.where(written_off, "W", "A"))
    currency = np.where((prod == "BW") & (rng.random(k) < 0.05), "USD", "CNY")
    numbers = ids.unique_numbers(rng, k, 200_000_000_000, 5)
    upd = np.where(settled, maturity, start_d).astype("datetime64[us]") + rng.integers(
        9 * 3600, 17 * 3600, size=k
    ).astype("timedelta64[s]")
    return pl.DataFrame(
        {
            "contract_no": "LC" + ids.as_strings(ids.digits(numbers, 12)),
            "loan_cust_id": loan_customers["key"].gather(idx),
            "entity_id": loan_customers["entity_id"].gather(idx),
            "product_code": prod,
            "amount": amount,
            "currency": currency,
            "start_date": start_d,
            "maturity_date": maturity,
            "interest_rate": rate,
            "branch_code": loan_customers["branch"].gather(idx),
            "status": status,
            "upd_ts": upd,
            "principal": principal,
            "overdue_days": overdue,
            "mention": mention,
            "term_m": term_m,
            "bullet": bullet,
            "settled_on": np.where(settled, maturity, np.datetime64("9999-12-31")),
        }
    ).with_columns(
        pl.col("start_date").cast(pl.Date),
        pl.col("maturity_date").cast(pl.Date),
        pl.col("settled_on").cast(pl.Date),
        pl.col("upd_ts").cast(pl.Datetime("us")),
        pl.col("upd_ts").cast(pl.Date).alias("upd_date"),
    )


def _state(loans: pl.DataFrame, day: dt.date) -> dict[str, np.ndarray]:
    d64 = np.datetime64(day)
    start = loans["start_date"].to_numpy().astype("datetime64[D]")
    active = (loans["status"] == "A").to_numpy() & (start < d64)
    overdue = loans["overdue_days"].to_numpy()
    principal = loans["principal"].to_numpy()
    bullet = loans["bullet"].to_numpy()
    inst = np.where(bullet, 0, loans["amount"].to_numpy() // loans["term_m"].to_numpy())
    matured = active & (loans["maturity_date"].to_numpy().astype("datetime64[D]") <= d64)
    monthly = active & (((d64 - start).astype(np.int64) % 30) == 0)
    owing = (monthly | matured) & (overdue == 0) & (principal > 0)
    amount = np.where(matured, principal, np.minimum(inst, principal))
    return {"active": active, "owing": owing & (amount > 0), "amount": amount}


def due_today(loans: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """Instalments (or the final principal) due on ``day`` from current CNY loans:
    row (index into ``loans``), entity_id, amount (fen). The ledger debits them from the
    borrower's demand account; a borrower who cannot pay falls into arrears."""
    st = _state(loans, day)
    cny = (loans["currency"] == "CNY").to_numpy()
    rows = np.flatnonzero(st["owing"] & cny)
    return pl.DataFrame(
        {
            "row": rows.astype(np.int64),
            "entity_id": loans["entity_id"].gather(rows),
            "amount": st["amount"][rows].astype(np.int64),
        }
    )


def advance_day(
    loans: pl.DataFrame,
    rng: np.random.Generator,
    day: dt.date,
    paid: np.ndarray | None = None,
    failed: np.ndarray | None = None,
) -> pl.DataFrame:
    """Repayments, new arrears, cures and settlements for ``day``.

    ``paid``/``failed``: rows whose instalment the ledger debited / could not debit from the
    borrower's account. Borrowers who pay from elsewhere (no demand account here) miss 1% of
    instalments at random.
    """
    k = len(loans)
    st = _state(loans, day)
    active, owing, amount = st["active"], st["owing"], st["amount"]
    overdue = loans["overdue_days"].to_numpy().copy()
    principal = loans["principal"].to_numpy().copy()
    attempted = np.zeros(k, dtype=bool)
    missed = np.zeros(k, dtype=bool)
    for rows, flag in ((paid, False), (failed, True)):
        if rows is not None and len(rows):
            attempted[rows] = True
            missed[rows] = flag
    miss = owing & np.where(attempted, missed, rng.random(k) < 0.01)
    pay = owing & ~miss
    principal = np.where(pay, principal - amount, principal)
    cure = active & (overdue > 0) & (rng.random(k) < 0.03)
    overdue = np.where(cure, 0, np.where(active & (overdue > 0), overdue + 1, overdue))
    overdue = np.where(miss, 1, overdue)
    settle = active & (principal == 0)
    status = np.where(settle, "S", loans["status"].to_numpy())
    changed = settle
    ts = np.datetime64(day).astype("datetime64[us]") + rng.integers(
        9 * 3600, 20 * 3600, size=k
    ).astype("timedelta64[s]")
    return loans.with_columns(
        pl.Series("principal", principal),
        pl.Series("overdue_days", overdue),
        pl.Series("status", status),
        pl.when(pl.Series(changed))
        .then(pl.lit(day))
        .otherwise(pl.col("settled_on"))
        .alias("settled_on"),
        pl.when(pl.Series(changed))
        .then(pl.Series(ts).cast(pl.Datetime("us")))
        .otherwise(pl.col("upd_ts"))
        .alias("upd_ts"),
    ).with_columns(pl.col("upd_ts").cast(pl.Date).alias("upd_date"))
