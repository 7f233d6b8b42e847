"""Which entities are customers of which system, under which customer numbers.

Membership follows a bank's shape: about 92% of persons hold deposits (core), 40% of those and
60% of the rest hold cards, 8% borrow (legal representatives more often); enterprises bank in
core (corporate accounts) and 30% borrow. Some entities get several customer numbers in one
system (3.5% in core, 2% in card, 18% of borrowers in loan): the clerk did not find the existing
record. Numbers are handed out in opening order, as real systems do. A small share of records
opens during the simulated days (new customers); their first delivery is on that day.

The frames returned hold the *clean* delivered attributes (text as the source would send it);
simulator.defects then damages some of them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from simulator import ids
from simulator.population import days_between

REALNAME_DATE = np.datetime64("1999-11-01")


def _ymd(col: str) -> pl.Expr:
    return pl.col(col).dt.strftime("%Y%m%d")


def entity_attributes(persons: pl.DataFrame, ents: pl.DataFrame) -> pl.DataFrame:
    """Persons and enterprises in one frame with the attribute names all systems share."""
    rep = persons.select(
        pl.col("entity_id").alias("legal_rep_entity_id"),
        pl.col("name").alias("legal_rep_name"),
        pl.col("cert_no").alias("legal_rep_cert_no"),
    )
    p = persons.select(
        "entity_id",
        pl.lit("P").alias("kind"),
        "name",
        pl.lit("101").alias("cert_type"),
        "cert_no",
        pl.col("sex").alias("gender"),
        _ymd("birth_date").alias("birth"),
        "mobile",
        "address",
        pl.col("annual_income").cast(pl.String).alias("income"),
        "education",
        "occupation",
        "home_branch",
        pl.col("birth_date").alias("adult_from"),
        pl.col("region_code").alias("region"),
    ).with_columns(pl.col("adult_from").dt.offset_by("18y"))
    e = ents.join(rep, on="legal_rep_entity_id", how="left", maintain_order="left").select(
        "entity_id",
        pl.lit("E").alias("kind"),
        "name",
        pl.lit("201").alias("cert_type"),
        pl.col("uscc").alias("cert_no"),
        "mobile",
        "address",
        "industry_code",
        "ent_nature",
        "ent_scale",
        "credit_rating",
        "legal_rep_name",
        "legal_rep_cert_no",
        pl.format("{}.00", pl.col("reg_capital").cast(pl.Int64)).alias("reg_capital"),
        "home_branch",
        pl.col("established").alias("adult_from"),
        "org_code",
        pl.col("region_code").alias("region"),
    )
    return pl.concat([p, e], how="diagonal")


def _counts(rng: np.random.Generator, member: np.ndarray, p2: float, p3: float) -> np.ndarray:
    n = len(member)
    return member * (1 + (rng.random(n) < p2) + (rng.random(n) < p3))


def memberships(
    rng: np.random.Generator, persons: pl.DataFrame, ents: pl.DataFrame
) -> dict[str, np.ndarray]:
    """Records per entity per system (entity order: persons then enterprises)."""
    n, m = len(persons), len(ents)
    legal = np.zeros(n, dtype=bool)
    rep_idx = ents["legal_rep_entity_id"].str.slice(1).cast(pl.Int64).to_numpy() - 1
    legal[rep_idx] = True
    core_p = (rng.random(n) < 0.92) | legal
    card_p = np.where(core_p, rng.random(n) < 0.40, rng.random(n) < 0.60)
    loan_p = rng.random(n) < np.where(legal, 0.25, 0.08)
    none = ~(core_p | card_p | loan_p)
    core_p |= none
    core_e = rng.random(m) < 0.95
    loan_e = rng.random(m) < 0.30
    core_e |= ~(core_e | loan_e)
    return {
        "core": np.concatenate([_counts(rng, core_p, 0.03, 0.005), _counts(rng, core_e, 0.02, 0)]),
        "card": np.concatenate([_counts(rng, card_p, 0.02, 0), np.zeros(m, dtype=np.int64)]),
        "loan": np.concatenate([_counts(rng, loan_p, 0.15, 0.03), _counts(rng, loan_e, 0.10, 0)]),
    }


# attributes each system keeps (gathering only these keeps the record frames small)
_COMMON = [
    "entity_id",
    "kind",
    "name",
    "cert_type",
    "cert_no",
    "gender",
    "birth",
    "mobile",
    "address",
    "home_branch",
    "adult_from",
    "region",
    "org_code",
]
_PERSONAL = ["income", "education", "occupation"]
_CORPORATE = [
    "industry_code",
    "ent_nature",
    "ent_scale",
    "credit_rating",
    "legal_rep_name",
    "legal_rep_cert_no",
    "reg_capital",
]
COLUMNS = {"core": _COMMON, "card": _COMMON + _PERSONAL, "loan": _COMMON + _PERSONAL + _CORPORATE}

PREFIX = {
    "core": ("C", 10, 1_000_000_000),
    "card": ("H", 12, 100_000_000_000),
    "loan": ("L", 10, 3_000_000_000),
}
EARLIEST = {"core": "1988-01-01", "card": "2003-01-01", "loan": "2005-01-01"}


def build_records(
    rng: np.random.Generator,
    system: str,
    attrs: pl.DataFrame,
    counts: np.ndarray,
    outlets: pl.Series,
    start: dt.date,
    days: int,
    core_first_open: np.ndarray | None = None,
) -> pl.DataFrame:
    """One row per source customer record with clean attributes, numbers and open dates."""
    ent_idx = np.repeat(np.arange(len(attrs)), counts)
    rank = np.arange(len(ent_idx)) - np.repeat(np.cumsum(counts) - counts, counts)
    n = len(ent_idx)
    start64 = np.datetime64(start)
    lo = np.maximum(
        attrs["adult_from"].to_numpy().astype("datetime64[D]")[ent_idx],
        np.datetime64(EARLIEST[system]),
    )
    if core_first_open is not None:  # cards and loans come after the deposit relationship
        lo = np.maximum(lo, core_first_open[ent_idx])
    lo = np.minimum(lo, start64 - 1)
    # Relationship start skews recent: the bank has grown.
    u = rng.random(n) ** 0.7
    open_d = lo + ((start64 - 1 - lo).astype(np.int64) * u).astype(np.int64).astype(
        "timedelta64[D]"
    )
    # later numbers of the same entity opened after the first
    nz = counts > 0
    first = np.repeat(open_d[(np.cumsum(counts) - counts)[nz]], counts[nz])
    open_d = np.where(rank > 0, days_between(first, np.full(n, start64 - 1), rng), open_d)
    if days > 1:
        new = rng.random(n) < 0.0006 * (days - 1)
        open_d = np.where(
            new, start64 + rng.integers(1, days, size=n).astype("timedelta64[D]"), open_d
        )
    order = np.argsort(open_d, kind="stable")
    ent_idx, rank, open_d = ent_idx[order], rank[order], open_d[order]
    letter, width, low = PREFIX[system]
    numbers = ids.unique_numbers(rng, n, low, 4)
    key = letter + ids.as_strings(ids.digits(numbers, width))
    # last change before the first extract: between opening and the day before the start
    span = np.maximum((start64 - open_d).astype(np.int64), 1)
    upd_day = open_d + (rng.random(n) * span).astype(np.int64).astype("timedelta64[D]")
    upd_day = np.where(open_d >= start64, open_d, np.minimum(upd_day, start64 - 1))
    secs = rng.integers(8 * 3600, 20 * 3600, size=n).astype("timedelta64[s]")
    home = attrs["home_branch"].gather(ent_idx)
    other = outlets.gather(rng.integers(0, len(outlets), size=n))
    branch = pl.select(pl.when(pl.Series(rank == 0)).then(home).otherwise(other)).to_series()
    rec = attrs.select(COLUMNS[system])[ent_idx].with_columns(
        pl.Series("ent_i", ent_idx.astype(np.int32)),
        key.alias("key"),
        pl.Series("rank", rank.astype(np.int8)),
        pl.Series("open_date", open_d).cast(pl.Date),
        pl.Series("upd_ts", upd_day.astype("datetime64[us]") + secs).cast(pl.Datetime("us")),
        branch.alias("branch"),
        pl.lit("A").alias("status"),
    )
    return rec.with_columns(
        pl.max_horizontal(pl.col("open_date"), pl.lit(start)).alias("first_biz_date"),
        pl.col("upd_ts").dt.date().alias("upd_date"),
        pl.lit(None, dtype=pl.String).alias("d_cert"),
        pl.lit(None, dtype=pl.String).alias("d_name"),
        pl.lit(None, dtype=pl.String).alias("d_attr"),
        pl.lit(None, dtype=pl.String).alias("d_multi"),
    )


def first_core_open(core: pl.DataFrame, n_entities: int) -> np.ndarray:
    """Earliest core opening per entity (1900-01-01 where none), for ordering later systems."""
    out = np.full(n_entities, np.datetime64("2100-01-01"), dtype="datetime64[D]")
    np.minimum.at(
        out, core["ent_i"].to_numpy(), core["open_date"].to_numpy().astype("datetime64[D]")
    )
    return np.where(out == np.datetime64("2100-01-01"), np.datetime64("1900-01-01"), out)
