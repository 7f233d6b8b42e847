"""Relationship-manager assignments per source customer number (org_rm_assignment).

Every loan customer, every corporate core customer and every personal core customer of an
entity holding over 100,000 yuan has a relationship manager from its branch (or, where that
branch has none, from anywhere). One in five has history: an earlier RM whose row ends the day
before the current one starts. Each day a few customers are reassigned (the old row gets an
end date, a new row starts) and newly opened qualifying customers get their first RM.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

OPEN = dt.date(9999, 12, 31)


def _pick_rm(rng: np.random.Generator, branch: pl.Series, rms: pl.DataFrame) -> pl.Series:
    """A random active RM of each row's branch; any RM where the branch has none."""
    rms = rms.sort("branch_code", "staff_id")
    grp = rms.group_by("branch_code", maintain_order=True).agg(
        pl.len().alias("cnt"), pl.int_range(pl.len()).first().alias("dummy")
    )
    offs = np.concatenate([[0], np.cumsum(grp["cnt"].to_numpy())[:-1]])
    grp = grp.with_columns(pl.Series("off", offs))
    j = branch.to_frame("branch_code").join(
        grp, on="branch_code", how="left", maintain_order="left"
    )
    cnt = j["cnt"].fill_null(0).to_numpy()
    off = j["off"].fill_null(0).to_numpy()
    u = rng.random(len(j))
    pos = np.where(
        cnt > 0, off + (u * np.maximum(cnt, 1)).astype(np.int64), (u * len(rms)).astype(np.int64)
    )
    return rms["staff_id"].gather(pos)


def build_assignments(
    rng: np.random.Generator, records: pl.DataFrame, rms: pl.DataFrame, start: dt.date
) -> pl.DataFrame:
    """records: source_system, source_cust_no, branch, open_date, qualifies (bool)."""
    q = records.filter(pl.col("qualifies"))
    n = len(q)
    start64 = np.datetime64(start)
    open_d = q["open_date"].to_numpy().astype("datetime64[D]")
    first = np.maximum(open_d, np.datetime64("2005-01-01"))
    first = np.where(open_d >= start64, open_d, np.minimum(first, start64 - 1))
    hist = (rng.random(n) < 0.2) & (first < start64 - 2)
    span = np.maximum((start64 - 1 - first).astype(np.int64), 1)
    switch = first + 1 + (rng.random(n) * (span - 1)).astype(np.int64).astype("timedelta64[D]")
    cur_start = np.where(hist, switch, first)
    current = pl.DataFrame(
        {
            "source_system": q["source_system"],
            "source_cust_no": q["source_cust_no"],
            "staff_id": _pick_rm(rng, q["branch"], rms),
            "start_date": cur_start,
            "end_date": np.full(n, np.datetime64(OPEN)),
        }
    )
    h = np.flatnonzero(hist)
    old = pl.DataFrame(
        {
            "source_system": q["source_system"].gather(h),
            "source_cust_no": q["source_cust_no"].gather(h),
            "staff_id": _pick_rm(rng, q["branch"].gather(h), rms),
            "start_date": first[h],
            "end_date": switch[h] - 1,
        }
    )
    return (
        pl.concat([old, current])
        .with_columns(pl.col("start_date").cast(pl.Date), pl.col("end_date").cast(pl.Date))
        .sort("source_system", "source_cust_no", "start_date")
    )


def reassign_day(
    rng: np.random.Generator,
    assign: pl.DataFrame,
    rms: pl.DataFrame,
    day: dt.date,
    branch_of: pl.DataFrame,
) -> pl.DataFrame:
    """End ~0.05% of current assignments yesterday and start new ones today."""
    cur = (pl.col("end_date") == OPEN) & (pl.col("start_date") < day)
    mask = assign.select(cur).to_series().to_numpy() & (rng.random(len(assign)) < 0.0005)
    if not mask.any():
        return assign
    moved = assign.filter(pl.Series(mask))
    br = moved.join(
        branch_of, on=["source_system", "source_cust_no"], how="left", maintain_order="left"
    )
    new = moved.with_columns(
        _pick_rm(rng, br["branch"].fill_null(""), rms).alias("staff_id"),
        pl.lit(day).alias("start_date"),
        pl.lit(OPEN).alias("end_date"),
    )
    ended = assign.with_columns(
        pl.when(pl.Series(mask))
        .then(pl.lit(day - dt.timedelta(days=1)))
        .otherwise(pl.col("end_date"))
        .alias("end_date")
    )
    return pl.concat([ended, new]).sort("source_system", "source_cust_no", "start_date")
