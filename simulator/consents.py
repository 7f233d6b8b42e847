"""Marketing and profiling consents, per source customer number and purpose (chan_consent).

State is one row per (source record, purpose) with whether the consent is in force. The first
batch carries one GRANT, with its original timestamp, for every consent in force before the
first day (spec section 3), plus that day's events; later batches carry only the day's GRANT
and WITHDRAW events. New customers often consent at onboarding.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

PURPOSES = np.array(["MKT_SMS", "MKT_CALL", "MKT_APP", "PROFILING"])
IN_FORCE_P = np.array([0.30, 0.10, 0.25, 0.20])
CHANNELS = np.array(["MOB", "WEB", "CNT"])


def build_consents(rng: np.random.Generator, records: pl.DataFrame) -> pl.DataFrame:
    """records: source_system, source_cust_no, open_date. One row per record and purpose."""
    n = len(records)
    rec = np.repeat(np.arange(n), 4)
    purpose = np.tile(np.arange(4), n)
    granted = rng.random(n * 4) < IN_FORCE_P[purpose]
    open_d = records["open_date"].to_numpy().astype("datetime64[D]")[rec]
    return pl.DataFrame(
        {
            "source_system": records["source_system"].gather(rec),
            "source_cust_no": records["source_cust_no"].gather(rec),
            "purpose": PURPOSES[purpose],
            "open_date": open_d,
            "granted": granted,
        }
    ).with_columns(pl.col("open_date").cast(pl.Date))


def consent_day(
    state: pl.DataFrame, rng: np.random.Generator, day: dt.date, first: bool
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Events of ``day`` (and, on the first day, the GRANTs in force before it)."""
    d64 = np.datetime64(day)
    n = len(state)
    open_d = state["open_date"].to_numpy().astype("datetime64[D]")
    granted = state["granted"].to_numpy().copy()
    visible = open_d <= d64
    events = []
    if first:
        hist = granted & (open_d < d64)
        span = np.maximum((d64 - open_d).astype(np.int64), 1)
        when = open_d + (rng.random(n) * span).astype(np.int64).astype("timedelta64[D]")
        when = np.minimum(when, d64 - 1)
        ts = when.astype("datetime64[us]") + rng.integers(7 * 3600, 22 * 3600, size=n).astype(
            "timedelta64[s]"
        )
        events.append((np.flatnonzero(hist), "GRANT", ts))
    onboarding = (open_d == d64) & granted  # consents given when the number was opened today
    new_grant = visible & ~granted & (open_d < d64) & (rng.random(n) < 0.0008)
    withdraw = visible & granted & (open_d < d64) & (rng.random(n) < 0.0006)
    ts = d64.astype("datetime64[us]") + rng.integers(7 * 3600, 22 * 3600, size=n).astype(
        "timedelta64[s]"
    )
    events.append((np.flatnonzero(onboarding | new_grant), "GRANT", ts))
    events.append((np.flatnonzero(withdraw), "WITHDRAW", ts))
    granted = (granted | new_grant) & ~withdraw
    frames = [
        pl.DataFrame(
            {
                "source_system": state["source_system"].gather(idx),
                "source_cust_no": state["source_cust_no"].gather(idx),
                "purpose": state["purpose"].gather(idx),
                "action": np.full(len(idx), action),
                "event_ts": t[idx],
                "channel": CHANNELS[rng.choice(3, size=len(idx), p=[0.6, 0.15, 0.25])],
            },
            schema_overrides={"action": pl.String, "channel": pl.String},
        )
        for idx, action, t in events
    ]
    ev = (
        pl.concat(frames)
        .with_columns(pl.col("event_ts").cast(pl.Datetime("us")))
        .sort("event_ts", "source_cust_no", "purpose")
    )
    return state.with_columns(pl.Series("granted", granted)), ev
