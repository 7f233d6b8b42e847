"""The true people and enterprises behind the source systems' customer records.

Persons live near an outlet of the bank (their address is in the outlet's district); three in
four were also born and registered there, so the identity number's region matches, the rest
came from elsewhere. Income is log-normal; occupation and education follow age. Enterprises
carry a valid unified social credit code embedding a valid organization code, and a legal
representative who is one of the persons (and so also a personal customer).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from simulator import ids, names, reference
from simulator.org import MUNICIPALITIES, Org

MOBILE_PREFIXES = np.array(
    [
        130,
        131,
        132,
        133,
        134,
        135,
        136,
        137,
        138,
        139,
        150,
        151,
        152,
        153,
        155,
        156,
        157,
        158,
        159,
        166,
        176,
        177,
        180,
        181,
        182,
        183,
        185,
        186,
        187,
        188,
        189,
        198,
        199,
    ]
)
INDUSTRIES = np.array(
    [
        "A01",
        "A03",
        "C13",
        "C14",
        "C17",
        "C18",
        "C26",
        "C27",
        "C30",
        "C33",
        "C34",
        "C35",
        "C36",
        "C38",
        "C39",
        "D44",
        "E47",
        "E48",
        "F51",
        "F52",
        "G54",
        "G58",
        "H61",
        "H62",
        "I63",
        "I64",
        "I65",
        "K70",
        "L72",
        "M73",
        "M75",
        "N78",
        "O80",
        "P83",
        "Q84",
        "R86",
    ]
)


def entity_ids(prefix: str, n: int) -> pl.Series:
    return prefix + pl.Series(np.arange(1, n + 1)).cast(pl.String).str.pad_start(9, "0")


def days_between(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A uniform random date in [a, b] per row (b >= a)."""
    span = (b - a).astype(np.int64)
    return a + (rng.random(len(a)) * (span + 1)).astype(np.int64).astype("timedelta64[D]")


def mobiles(rng: np.random.Generator, n: int) -> pl.Series:
    pre = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), size=n)]
    return ids.as_strings(ids.digits(pre * 10**8 + rng.integers(0, 10**8, size=n), 11))


def addresses(rng: np.random.Generator, region: np.ndarray) -> pl.Series:
    """Full postal address in the given district: province city district street no. estate."""
    d = reference.districts()
    idx = np.searchsorted(d["code"].to_numpy(), region)
    prov = d["prov_name"].gather(idx)
    city = d["city_name"].gather(idx)
    city = pl.select(
        pl.when(pl.Series(np.isin(d["prov_code"].to_numpy()[idx], list(MUNICIPALITIES))))
        .then(pl.lit(""))
        .otherwise(city)
    ).to_series()
    n = len(region)
    street_v, street_p = reference.parts("street")
    estate_v, estate_p = reference.parts("estate")
    num = pl.Series(rng.integers(1, 999, size=n)).cast(pl.String)
    bld = pl.Series(rng.integers(1, 30, size=n)).cast(pl.String)
    unit = pl.Series(rng.integers(1, 6, size=n)).cast(pl.String)
    room = pl.Series(rng.integers(1, 33, size=n) * 100 + rng.integers(1, 5, size=n)).cast(pl.String)
    return pl.select(
        pl.concat_str(
            [
                prov,
                city,
                d["name"].gather(idx),
                reference.pick(rng, street_v, street_p, n),
                num,
                pl.lit("号"),
                reference.pick(rng, estate_v, estate_p, n),
                bld,
                pl.lit("栋"),
                unit,
                pl.lit("单元"),
                room,
                pl.lit("室"),
            ]
        )
    ).to_series()


def _outlets(org: Org) -> tuple[pl.DataFrame, np.ndarray]:
    out = org.branches.filter(pl.col("branch_level") == 5)
    w = out["weight"].to_numpy()
    return out, w / w.sum()


def build_persons(rng: np.random.Generator, n: int, org: Org, start: dt.date) -> pl.DataFrame:
    """The true persons. Columns follow contracts.md (persons.parquet) plus helpers."""
    outlets, w = _outlets(org)
    home = rng.choice(len(outlets), size=n, p=w)
    addr_region = outlets["region_code"].to_numpy()[home]
    d = reference.districts()
    dp = d["dist_weight"].to_numpy() / d["dist_weight"].sum()
    elsewhere = d["code"].to_numpy()[rng.choice(len(d), size=n, p=dp)]
    id_region = np.where(rng.random(n) < 0.75, addr_region, elsewhere)
    sex = rng.integers(1, 3, size=n).astype(np.int8)
    age = rng.normal(44, 15, size=n)
    # customers are adults: redraw the young tail over 18-30 rather than piling it on the 18th
    # birthday (a pile-up on one birth date is not a bank's population)
    age = np.where(age < 18, rng.uniform(18, 30, size=n), np.minimum(age, 92))
    start64 = np.datetime64(start)
    birth = start64 - (age * 365.25).astype(np.int64).astype("timedelta64[D]")
    cert = ids.as_strings(
        ids.resident_ids(id_region, birth, ids.id_sequence(rng, sex, id_region, birth))
    )
    income = np.round(np.exp(rng.normal(np.log(60000), 0.8, size=n)), -2).astype(np.int64)
    occ_p = np.array([0.04, 0.18, 0.15, 0.25, 0.10, 0.18, 0.01, 0.09])
    occupation = rng.choice(np.arange(1, 9), size=n, p=occ_p)
    occupation = np.where((age > 62) & (rng.random(n) < 0.8), 8, occupation)
    edu_codes = np.array([10, 20, 30, 40, 60, 70, 80, 90])
    young = rng.choice(edu_codes, size=n, p=[0.06, 0.30, 0.25, 0.10, 0.15, 0.10, 0.02, 0.02])
    old = rng.choice(edu_codes, size=n, p=[0.01, 0.08, 0.12, 0.15, 0.22, 0.28, 0.10, 0.04])
    education = np.where(age < 45, young, old)
    income = np.where(occupation == 8, (income * 0.5).astype(np.int64), income)
    income = np.where(np.isin(education, [10, 20]), (income * 1.6).astype(np.int64), income)
    return pl.DataFrame(
        {
            "entity_id": entity_ids("P", n),
            "name": names.person_names(rng, sex),
            "cert_no": cert,
            "sex": pl.Series(sex).cast(pl.String),
            "birth_date": birth,
            "mobile": mobiles(rng, n),
            "address": addresses(rng, addr_region),
            "region_code": pl.Series(addr_region).cast(pl.String),
            "id_region_code": pl.Series(id_region).cast(pl.String),
            "annual_income": income,
            "occupation": pl.Series(occupation).cast(pl.String),
            "education": pl.Series(education).cast(pl.String),
            "home_branch": outlets["branch_code"].gather(home),
            "salary_day": rng.integers(1, 29, size=n).astype(np.int8),
        }
    ).with_columns(pl.col("birth_date").cast(pl.Date))


def build_enterprises(
    rng: np.random.Generator, m: int, persons: pl.DataFrame, org: Org, start: dt.date
) -> pl.DataFrame:
    outlets, w = _outlets(org)
    home = rng.choice(len(outlets), size=m, p=w)
    region = outlets["region_code"].to_numpy()[home]
    d = reference.districts()
    idx = np.searchsorted(d["code"].to_numpy(), region)
    city_short = d["city_name"].gather(idx).str.strip_suffix("市")
    trade_v, trade_p = reference.parts("trade")
    bus_v, bus_p = reference.parts("business")
    suf_v, suf_p = reference.parts("suffix")
    given = reference.given_names().filter(pl.col("kind") == "char")
    gv = np.array(given["text"].to_list(), dtype=object)
    gp = np.full(len(gv), 1 / len(gv))
    coined = reference.pick(rng, gv, gp, m) + reference.pick(rng, gv, gp, m)
    trade = pl.select(
        pl.when(pl.Series(rng.random(m) < 0.5))
        .then(reference.pick(rng, trade_v, trade_p, m))
        .otherwise(coined)
    ).to_series()
    business = reference.pick(rng, bus_v, bus_p, m)
    suffix = reference.pick(rng, suf_v, suf_p, m)
    bracket = pl.Series(rng.random(m) < 0.15)
    name = pl.select(
        pl.when(bracket)
        .then(trade + "（" + city_short + "）" + business + suffix)
        .otherwise(city_short + trade + business + suffix)
    ).to_series()
    org_chars = ids.org_codes(rng, m)
    adult = persons.filter(pl.col("birth_date") < pl.lit(start - dt.timedelta(days=25 * 365)))[
        "entity_id"
    ]
    rep = adult.gather(rng.integers(0, len(adult), size=m))
    scale = rng.choice(np.array(["L", "M", "S", "X"]), size=m, p=[0.04, 0.14, 0.32, 0.50])
    cap_median = {"L": 5e7, "M": 1e7, "S": 2e6, "X": 3e5}
    cap = np.array([cap_median[s] for s in "LMSX"])[np.searchsorted(np.array(list("LMSX")), scale)]
    reg_capital = np.round(cap * np.exp(rng.normal(0, 0.7, size=m)), -4)
    ratings = np.array(["AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C"])
    rating = rng.choice(ratings, size=m, p=[0.05, 0.12, 0.2, 0.25, 0.18, 0.1, 0.05, 0.03, 0.02])
    est = days_between(
        np.full(m, np.datetime64("1988-01-01")), np.full(m, np.datetime64(start) - 30), rng
    )
    return pl.DataFrame(
        {
            "entity_id": entity_ids("E", m),
            "name": name,
            "uscc": ids.as_strings(ids.usccs(region, org_chars)),
            "org_code": ids.as_strings(org_chars),
            "industry_code": INDUSTRIES[rng.integers(0, len(INDUSTRIES), size=m)],
            "ent_nature": rng.choice(
                np.array(["1", "2", "3", "4", "5", "9"]),
                size=m,
                p=[0.08, 0.03, 0.70, 0.05, 0.06, 0.08],
            ),
            "ent_scale": scale,
            "credit_rating": rating,
            "legal_rep_entity_id": rep,
            "region_code": pl.Series(region).cast(pl.String),
            "reg_capital": reg_capital,
            "address": addresses(rng, region),
            "mobile": mobiles(rng, m),
            "home_branch": outlets["branch_code"].gather(home),
            "established": est,
        }
    ).with_columns(pl.col("established").cast(pl.Date))
