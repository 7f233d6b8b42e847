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
    """One row per (record, purpose): record index (into ``records``), purpose index, granted.

    Integers only, so the state of millions of consents stays small; text is gathered for the
    day's events alone.
    """
    n = len(records)
    rec = np.repeat(np.arange(n, dtype=np.int32), 4)
    purpose = np.tile(np.arange(4, dtype=np.int8), n)
    granted = rng.random(n * 4) < IN_FORCE_P[purpose]
    return pl.DataFrame({"rec": rec, "purpose": purpose, "granted": granted})


def consent_day(
    state: pl.DataFrame,
    records: pl.DataFrame,
    rng: np.random.Generator,
    day: dt.date,
    first: bool,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Events of ``day`` (and, on the first day, the GRANTs in force before it).

    ``records``: source_system, source_cust_no, open_date, the frame the state indexes.
    """
    d64 = np.datetime64(day)
    n = len(state)
    rec = state["rec"].to_numpy()
    open_d = records["open_date"].to_numpy().astype("datetime64[D]")[rec]
    granted = state["granted"].to_numpy().copy()
    visible = open_d <= d64
    events: list[tuple[np.ndarray, int, np.ndarray]] = []
    if first:
        idx = np.flatnonzero(granted & (open_d < d64))
        od = open_d[idx]
        span = np.maximum((d64 - od).astype(np.int64), 1)
        when = od + (rng.random(len(idx)) * span).astype(np.int64).astype("timedelta64[D]")
        when = np.minimum(when, d64 - 1)
        secs = rng.integers(7 * 3600, 22 * 3600, size=len(idx)).astype("timedelta64[s]")
        events.append((idx, 0, when.astype("datetime64[us]") + secs))
    onboarding = (open_d == d64) & granted  # consents given when the number was opened today
    u = rng.random(n)
    new_grant = visible & ~granted & (open_d < d64) & (u < 0.0008)
    withdraw = visible & granted & (open_d < d64) & (u > 1 - 0.0006)
    for mask, action in ((onboarding | new_grant, 0), (withdraw, 1)):
        idx = np.flatnonzero(mask)
        secs = rng.integers(7 * 3600, 22 * 3600, size=len(idx)).astype("timedelta64[s]")
        events.append((idx, action, d64.astype("datetime64[us]") + secs))
    granted = (granted | new_grant) & ~withdraw
    idx = np.concatenate([e[0] for e in events])
    action = np.concatenate([np.full(len(e[0]), e[1], dtype=np.int8) for e in events])
    ts = np.concatenate([e[2] for e in events])
    r = rec[idx]
    # older consents were given at the counter; online channels came later
    old = ts < np.datetime64("2012-01-01")
    chan = np.where(old, 2, rng.choice(3, size=len(idx), p=[0.6, 0.15, 0.25]))
    ev = pl.DataFrame(
        {
            "source_system": records["source_system"].gather(r),
            "source_cust_no": records["source_cust_no"].gather(r),
            "purpose": pl.Series(PURPOSES.tolist()).gather(state["purpose"].to_numpy()[idx]),
            "action": pl.Series(["GRANT", "WITHDRAW"]).gather(action),
            "event_ts": ts,
            "channel": pl.Series(CHANNELS.tolist()).gather(chan),
        }
    ).sort("event_ts", "source_system", "source_cust_no", "purpose")
    return state.with_columns(pl.Series("granted", granted)), ev
