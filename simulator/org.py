"""The bank's branch network and staff, and how they change from day to day.

Five levels: head office (1), provincial branches (2), city branches (3), sub-branches (4, one
per chosen district) and outlets (5). The number of outlets grows with the number of persons
(about one per 2,500, at least 8). Branch codes are random 1-10 character strings of 0-9A-Z,
deliberately unrelated to the hierarchy, as in the spec. Region codes are the real GB/T 2260
codes of the province, city and district each branch sits in.

Daily changes (recorded in truth/branch_changes.parquet):
- merge: an outlet becomes status M with merged_into another active outlet; its staff move there
  (old_value 'A', new_value the outlet that took over);
- reparent: an outlet moves under another sub-branch (old/new parent code);
- close: an outlet becomes status C (old 'A', new 'C'); its staff move to a sibling outlet;
- rm_move: a relationship manager moves to another outlet (branch_code is the staff_id,
  old/new branch code). RMs keep their customers (spec: org_rm_assignment).
Customers, accounts, cards and loans keep the branch codes they were booked at, as source
systems do; a merged or closed outlet's business is found through merged_into and the
change log, which is exactly what the warehouse has to resolve.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from simulator import names, reference

CODE_ALPHABET = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
MUNICIPALITIES = {110000, 120000, 310000, 500000}


@dataclass
class Org:
    branches: pl.DataFrame
    staff: pl.DataFrame
    changes: list[dict] = field(default_factory=list)


def _codes(rng: np.random.Generator, n: int) -> list[str]:
    """Unique random branch codes of 2-10 characters (a loop over branches, a few hundred)."""
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        length = int(rng.choice([3, 4, 5, 6, 8, 10]))
        code = "".join(rng.choice(CODE_ALPHABET, size=length))
        if code not in seen:
            seen.add(code)
            out.append(code)
    return out


def _dates(rng: np.random.Generator, n: int, lo: str, hi: str) -> np.ndarray:
    a, b = np.datetime64(lo), np.datetime64(hi)
    return a + rng.integers(0, int((b - a).astype(int)) + 1, size=n).astype("timedelta64[D]")


def build_org(rng: np.random.Generator, n_persons: int, n_enterprises: int, start: dt.date) -> Org:
    """Branch tree and staff sized for the population, as of the first business date."""
    n_outlets = max(8, round(n_persons / 2500))
    n_sub = max(3, int(np.ceil(n_outlets / 2.5)))
    # provinces first (about one per six sub-branches, at least two), then their districts
    all_d = reference.districts()
    provs_all = all_d.select("prov_code", "weight").unique().sort("prov_code")
    n_prov = int(np.clip(round(n_sub / 6), 2, len(provs_all)))
    pw = provs_all["weight"].to_numpy() / provs_all["weight"].sum()
    picked = provs_all["prov_code"].gather(
        rng.choice(len(provs_all), size=n_prov, replace=False, p=pw)
    )
    d = all_d.filter(pl.col("prov_code").is_in(picked.implode()))
    p = d["dist_weight"].to_numpy()
    p = p / p.sum()
    k = min(n_sub, len(d))
    chosen = rng.choice(len(d), size=k, replace=False, p=p)
    if n_sub > k:
        chosen = np.concatenate([chosen, rng.choice(len(d), size=n_sub - k, p=p)])
    subs = d[chosen].with_columns(
        pl.int_range(pl.len()).alias("sub_idx"),
        (pl.int_range(pl.len()).over("code") + 1).alias("nth"),
    )
    cities = subs.select("city_code", "city_name", "prov_code").unique().sort("city_code")
    provs = subs.select("prov_code", "prov_name").unique().sort("prov_code")

    # outlets per sub-branch: at least one each, the rest by district weight
    extra = (
        rng.multinomial(
            n_outlets - n_sub, subs["dist_weight"].to_numpy() / subs["dist_weight"].sum()
        )
        if n_outlets > n_sub
        else np.zeros(n_sub, dtype=int)
    )
    per_sub = 1 + extra
    streets, sp = reference.parts("street")
    out_sub = np.repeat(np.arange(n_sub), per_sub)
    n_out = len(out_sub)
    street = reference.pick(rng, streets, sp, n_out)

    codes = _codes(rng, 1 + len(provs) + len(cities) + n_sub + n_out)
    i = 0
    ho_code = codes[i]
    i += 1
    prov_codes = dict(zip(provs["prov_code"].to_list(), codes[i : i + len(provs)], strict=True))
    i += len(provs)
    city_codes = dict(zip(cities["city_code"].to_list(), codes[i : i + len(cities)], strict=True))
    i += len(cities)
    sub_codes = codes[i : i + n_sub]
    i += n_sub
    out_codes = codes[i : i + n_out]

    frames = [
        pl.DataFrame(
            {
                "branch_code": [ho_code],
                "branch_name": ["总行"],
                "branch_level": [1],
                "parent_code": [None],
                "region_code": [110102],
                "open_date": [dt.date(1984, 1, 1)],
            },
            schema_overrides={"parent_code": pl.String},
        ),
        pl.DataFrame(
            {
                "branch_code": [prov_codes[c] for c in provs["prov_code"]],
                "branch_name": [n + "分行" for n in provs["prov_name"]],
                "branch_level": 2,
                "parent_code": ho_code,
                "region_code": provs["prov_code"],
                "open_date": _dates(rng, len(provs), "1985-01-01", "1995-12-31"),
            }
        ),
        pl.DataFrame(
            {
                "branch_code": [city_codes[c] for c in cities["city_code"]],
                "branch_name": [
                    n + ("直属分行" if p_ in MUNICIPALITIES else "分行")
                    for n, p_ in zip(cities["city_name"], cities["prov_code"], strict=True)
                ],
                "branch_level": 3,
                "parent_code": [prov_codes[c] for c in cities["prov_code"]],
                "region_code": cities["city_code"],
                "open_date": _dates(rng, len(cities), "1986-01-01", "2000-12-31"),
            }
        ),
        pl.DataFrame(
            {
                "branch_code": sub_codes,
                "branch_name": [
                    n + ("支行" if k_ == 1 else f"第{k_}支行")
                    for n, k_ in zip(subs["name"], subs["nth"], strict=True)
                ],
                "branch_level": 4,
                "parent_code": [city_codes[c] for c in subs["city_code"]],
                "region_code": subs["code"],
                "open_date": _dates(rng, n_sub, "1988-01-01", "2015-12-31"),
            }
        ),
        pl.DataFrame(
            {
                "branch_code": out_codes,
                "branch_name": (
                    subs["name"].gather(out_sub)
                    + street
                    + pl.Series(np.arange(n_out) % 97 + 1).cast(pl.String)
                    + "号分理处"
                ),
                "branch_level": 5,
                "parent_code": [sub_codes[j] for j in out_sub],
                "region_code": subs["code"].gather(out_sub),
                "open_date": _dates(rng, n_out, "1990-01-01", "2022-12-31"),
            }
        ),
    ]
    branches = pl.concat(
        [
            f.with_columns(
                pl.col("branch_level").cast(pl.Int8),
                pl.col("parent_code").cast(pl.String),
                pl.col("region_code").cast(pl.Int64),
                pl.col("open_date").cast(pl.Date),
            )
            for f in frames
        ]
    ).with_columns(
        pl.lit("A").alias("status"),
        pl.lit(None, dtype=pl.String).alias("merged_into"),
        # population weight of the district, used to place customers
        pl.lit(1.0).alias("weight"),
    )
    w_out = subs["dist_weight"].gather(out_sub).to_numpy() / per_sub[out_sub]
    branches = branches.with_columns(
        pl.when(pl.col("branch_level") == 5)
        .then(pl.Series(np.concatenate([np.zeros(len(branches) - n_out), w_out])))
        .otherwise(0.0)
        .alias("weight")
    )
    staff = _build_staff(rng, branches, n_persons, n_enterprises, start)
    return Org(branches=branches, staff=staff)


def _build_staff(
    rng: np.random.Generator,
    branches: pl.DataFrame,
    n_persons: int,
    n_enterprises: int,
    start: dt.date,
) -> pl.DataFrame:
    lvl = branches["branch_level"].to_numpy()
    nb = len(branches)
    n_rm_total = max(int(lvl[lvl >= 4].size), (n_persons + 10 * n_enterprises) // 700)
    is_front = lvl >= 4
    rm = np.zeros(nb, dtype=int)
    rm[is_front] = 1 + rng.multinomial(
        max(0, n_rm_total - is_front.sum()), np.full(is_front.sum(), 1 / is_front.sum())
    )
    tlr = np.where(lvl == 5, rng.integers(2, 6, size=nb), 0)
    ops = np.where(
        lvl <= 3, rng.integers(2, 6, size=nb), np.where(lvl == 4, rng.integers(1, 3, size=nb), 0)
    )
    mgr = np.ones(nb, dtype=int)
    counts = np.stack([rm, tlr, ops, mgr], axis=1)
    roles = np.array(["RM", "TLR", "OPS", "MGR"])
    b_idx = np.repeat(np.repeat(np.arange(nb), 4), counts.ravel())
    role = np.repeat(np.tile(roles, nb), counts.ravel())
    n = len(b_idx)
    sex = rng.integers(1, 3, size=n)
    ids = np.arange(n) * 3 + rng.integers(1, 4, size=n) + 1000000
    open_d = branches["open_date"].to_numpy().astype("datetime64[D]")[b_idx]
    # nobody on the first day's staff list was hired after it
    last_hire = min(dt.date(2026, 6, 30), start - dt.timedelta(days=1)).isoformat()
    hire = np.minimum(
        np.maximum(open_d, _dates(rng, n, "1990-01-01", last_hire)),
        np.datetime64(last_hire),
    )
    return pl.DataFrame(
        {
            "staff_id": "S" + pl.Series(ids).cast(pl.String).str.pad_start(7, "0"),
            "name": names.person_names(rng, sex),
            "branch_code": branches["branch_code"].gather(b_idx),
            "role": role,
            "status": np.where(rng.random(n) < 0.03, "L", "A"),
            "hire_date": hire,
        }
    ).with_columns(pl.col("hire_date").cast(pl.Date))


def active_rms(org: Org) -> pl.DataFrame:
    """Active relationship managers at active front-line branches (sub-branch or outlet)."""
    b = org.branches.filter(pl.col("status") == "A").select("branch_code", "branch_level")
    return org.staff.filter((pl.col("role") == "RM") & (pl.col("status") == "A")).join(
        b, on="branch_code", maintain_order="left"
    )


def apply_day_changes(
    org: Org, rng: np.random.Generator, day: dt.date, day_index: int
) -> list[dict]:
    """Merge, re-parent, close outlets and move RMs on ``day``; return the change records.

    Counts scale with the number of outlets (about 0.3% each per day), and each kind is forced
    at least once on a fixed rotation (day 2 merge, day 3 re-parent, day 4 close, day 5 RM move,
    ...) so that even a small bank over a few days shows every kind.
    """
    kinds = ["merge", "reparent", "close", "rm_move"]
    br = org.branches
    outlets_n = int((br["branch_level"] == 5).sum())
    out: list[dict] = []
    for kind in kinds:
        n = rng.binomial(outlets_n, 0.003)
        if kinds[(day_index - 1) % 4] == kind:
            n = max(n, 1)
        for _ in range(n):  # a handful of branch events per day
            out.extend(_one_change(org, rng, kind, day))
    org.changes.extend(out)
    return out


def _one_change(org: Org, rng: np.random.Generator, kind: str, day: dt.date) -> list[dict]:
    br = org.branches
    active_out = br.filter((pl.col("branch_level") == 5) & (pl.col("status") == "A"))
    if kind == "rm_move":
        rms = active_rms(org).filter(pl.col("branch_level") == 5)
        if len(rms) == 0 or len(active_out) < 2:
            return []
        r = rms.row(int(rng.integers(len(rms))), named=True)
        targets = active_out.filter(pl.col("branch_code") != r["branch_code"])
        new = targets["branch_code"][int(rng.integers(len(targets)))]
        org.staff = org.staff.with_columns(
            pl.when(pl.col("staff_id") == r["staff_id"])
            .then(pl.lit(new))
            .otherwise(pl.col("branch_code"))
            .alias("branch_code")
        )
        return [
            {
                "biz_date": day,
                "change_kind": kind,
                "branch_code": r["staff_id"],
                "old_value": r["branch_code"],
                "new_value": new,
            }
        ]
    if len(active_out) < 3:
        return []
    if kind == "reparent":  # only outlets whose province has another sub-branch can move
        subs_a = br.filter((pl.col("branch_level") == 4) & (pl.col("status") == "A"))
        per_prov = subs_a.group_by(pl.col("region_code") // 10000).len()
        movable = per_prov.filter(pl.col("len") >= 2)["region_code"]
        active_out = active_out.filter((pl.col("region_code") // 10000).is_in(movable.implode()))
        if len(active_out) == 0:
            return []
    o = active_out.row(int(rng.integers(len(active_out))), named=True)
    code = o["branch_code"]
    if kind == "reparent":
        subs = br.filter(
            (pl.col("branch_level") == 4)
            & (pl.col("status") == "A")
            & (pl.col("branch_code") != o["parent_code"])
        )
        # another sub-branch of the same city if there is one, else of the same province
        same_city = subs.filter(pl.col("region_code") // 100 == o["region_code"] // 100)
        same_prov = subs.filter(pl.col("region_code") // 10000 == o["region_code"] // 10000)
        subs = same_city if len(same_city) else same_prov
        if len(subs) == 0:
            return []
        new = subs["branch_code"][int(rng.integers(len(subs)))]
        org.branches = br.with_columns(
            pl.when(pl.col("branch_code") == code)
            .then(pl.lit(new))
            .otherwise(pl.col("parent_code"))
            .alias("parent_code")
        )
        return [
            {
                "biz_date": day,
                "change_kind": kind,
                "branch_code": code,
                "old_value": o["parent_code"],
                "new_value": new,
            }
        ]
    # merge or close: the business goes to another active outlet, preferably a sibling
    others = active_out.filter(pl.col("branch_code") != code)
    sib = others.filter(pl.col("parent_code") == o["parent_code"])
    pool = sib if len(sib) else others
    target = pool["branch_code"][int(rng.integers(len(pool)))]
    status = "M" if kind == "merge" else "C"
    org.branches = br.with_columns(
        pl.when(pl.col("branch_code") == code)
        .then(pl.lit(status))
        .otherwise(pl.col("status"))
        .alias("status"),
        pl.when(pl.col("branch_code") == code)
        .then(pl.lit(target if kind == "merge" else None))
        .otherwise(pl.col("merged_into"))
        .alias("merged_into"),
    )
    moved = org.staff.filter(
        (pl.col("branch_code") == code) & (pl.col("role") == "RM") & (pl.col("status") == "A")
    )
    org.staff = org.staff.with_columns(
        pl.when(pl.col("branch_code") == code)
        .then(pl.lit(target))
        .otherwise(pl.col("branch_code"))
        .alias("branch_code")
    )
    recs = [
        {
            "biz_date": day,
            "change_kind": kind,
            "branch_code": code,
            "old_value": "A",
            "new_value": target if kind == "merge" else "C",
        }
    ]
    # The outlet's relationship managers go with its business (each one an rm_move).
    recs += [
        {
            "biz_date": day,
            "change_kind": "rm_move",
            "branch_code": sid,
            "old_value": code,
            "new_value": target,
        }
        for sid in moved["staff_id"].to_list()
    ]
    return recs
