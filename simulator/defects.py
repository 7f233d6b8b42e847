"""What goes wrong in the source data (interface spec section 6), at configurable rates.

Two kinds of defect:

* Attribute defects live in a source customer record for as long as the record exists (the
  source system holds the wrong value): identity-number forms, missing certificates of
  pre-real-name customers, name variants, enterprise identifiers, attributes that disagree
  between systems. ``apply_record_defects`` damages the clean records once; the writer then
  records every delivered line that carries one in truth/defects.parquet.
* Line defects happen to one delivered line of one file (wrong field count, a date or amount
  that is not one, bytes invalid in the declared encoding, an exact duplicate line); the
  writer injects them while building the file (see simulator.writer).

DEFAULT profile (rates are per source customer record unless stated):
    id_bad_check 1%                 wrong check character
    id_lower_x 30% of IDs ending in X written with a lower-case x
    id_15digit 3% of persons born before 1985 carry the first-generation 15-digit number
    id_letters_in_15 5% of those 15-digit numbers have a letter typed for a digit
    id_fullwidth 0.2%, id_separator 0.3%, id_wrong_length 0.2% (14 or 16 digits),
    id_placeholder 0.2%, id_empty 0.3% (cert_type 101, no number)
    prerealname_no_cert 70% of core records opened before 1999-11-01 (half no cert_type and
        no number, 30% a cert_type but no number, 20% a placeholder number)
    name_spaces 0.5%, name_traditional 0.3%, name_homophone 0.3% (persons)
    ent_name_brackets 30% of records of enterprises whose name has （）, written with ()
    ent_name_suffix 5% of enterprise records: 有限公司 <-> 有限责任公司
    ent_id_as_org_code 30% of loan enterprise records and 20% of core enterprise records opened
        before 2016 identify the enterprise by organization code (cert_type 202); half of
        those write it with a hyphen (ent_id_org_code_hyphen)
    conflict_mobile 3%, conflict_address 3% of person records other than the first core one
    birth_contradicts_id 0.5%, gender_contradicts_id 0.3% of person records with a number
    conflict_birth_date 10%, conflict_gender 5% of person records without a usable number
    multi_custno_same_system every extra customer number of an entity in one system
    line defects, per delivered line of the customer, account, transaction and balance
    files: field_count 0.2%, bad_date 0.1%, bad_amount 0.1%, bad_encoding 0.1% (GB18030
    and UTF-8 text files with names), duplicate_record 0.2%.
The CLEAN profile sets every rate to zero (extra customer numbers still exist: they are the
bank's shape, not a keying error, but they are still labelled multi_custno_same_system).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace

import numpy as np
import polars as pl

from simulator import names
from simulator.population import addresses, mobiles

REALNAME_DATE = dt.date(1999, 11, 1)


@dataclass(frozen=True)
class Profile:
    name: str = "default"
    id_bad_check: float = 0.01
    id_lower_x: float = 0.30
    id_15digit: float = 0.03
    id_letters_in_15: float = 0.05
    id_fullwidth: float = 0.002
    id_separator: float = 0.003
    id_wrong_length: float = 0.002
    id_placeholder: float = 0.002
    id_empty: float = 0.003
    prerealname_no_cert: float = 0.70
    name_spaces: float = 0.005
    name_traditional: float = 0.003
    name_homophone: float = 0.003
    ent_name_brackets: float = 0.30
    ent_name_suffix: float = 0.05
    ent_id_as_org_code: float = 0.30
    ent_id_as_org_code_core_pre2016: float = 0.20
    ent_id_org_code_hyphen: float = 0.50
    conflict_mobile: float = 0.03
    conflict_address: float = 0.03
    birth_contradicts_id: float = 0.005
    gender_contradicts_id: float = 0.003
    conflict_birth_date: float = 0.10
    conflict_gender: float = 0.05
    field_count: float = 0.002
    bad_date: float = 0.001
    bad_amount: float = 0.001
    bad_encoding: float = 0.001
    duplicate_record: float = 0.002

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT = Profile()
CLEAN = replace(Profile(), **{k: 0.0 for k in asdict(Profile()) if k != "name"}, name="clean")
PROFILES = {"default": DEFAULT, "clean": CLEAN}

PLACEHOLDERS = np.array(["000000000000000000", "111111111111111111", "123456789012345678"])
FULLWIDTH_FROM = list("0123456789Xx")
FULLWIDTH_TO = [chr(0xFF10 + i) for i in range(10)] + ["Ｘ", "ｘ"]


class _Columns:
    """Mutable copies of a frame's columns; defects are scattered into the few rows they hit."""

    def __init__(self, rec: pl.DataFrame, names: list[str]) -> None:
        self.s = {c: rec.get_column(c).clone() for c in names}

    def __getitem__(self, col: str) -> pl.Series:
        return self.s[col]

    def put(self, idx: np.ndarray, col: str, values: pl.Series | str | None) -> None:
        if len(idx) == 0:
            return
        if not isinstance(values, pl.Series):
            values = pl.repeat(values, len(idx), dtype=pl.String, eager=True)
        self.s[col] = self.s[col].scatter(idx, values)


def _pick(rng: np.random.Generator, base: np.ndarray, rate: float) -> np.ndarray:
    """Row indices where ``base`` holds, each kept with probability ``rate``."""
    return np.flatnonzero(base & (rng.random(len(base)) < rate))


def apply_record_defects(
    rng: np.random.Generator, system: str, rec: pl.DataFrame, p: Profile
) -> pl.DataFrame:
    """Damage clean source records of one system; label each damaged record."""
    n = len(rec)
    if n == 0:
        return rec
    mutable = [
        "name",
        "cert_type",
        "cert_no",
        "gender",
        "birth",
        "mobile",
        "address",
        "d_cert",
        "d_name",
        "d_attr",
        "d_multi",
    ]
    c = _Columns(rec, mutable)
    is_p = (rec["kind"] == "P").to_numpy()
    is_e = ~is_p
    c.put(np.flatnonzero(rec["rank"].to_numpy() > 0), "d_multi", "multi_custno_same_system")
    cert = rec["cert_no"]
    birth = rec["birth"].fill_null("")
    free = is_p.copy()  # person records whose certificate is still untouched

    def take(rate: float, base: np.ndarray) -> np.ndarray:
        idx = _pick(rng, base & free, rate)
        free[idx] = False
        return idx

    def label(idx: np.ndarray, col: str, kind: str) -> None:
        c.put(idx, col, kind)

    if system == "core":
        pre = (rec["open_date"] < REALNAME_DATE).to_numpy()
        idx = take(p.prerealname_no_cert, pre)
        u = rng.random(len(idx))
        c.put(idx[u < 0.5], "cert_type", None)
        c.put(idx[u < 0.8], "cert_no", None)
        ph = idx[u >= 0.8]
        c.put(ph, "cert_no", pl.Series(PLACEHOLDERS).gather(rng.integers(0, 3, size=len(ph))))
        c.put(idx[rng.random(len(idx)) < 0.3], "birth", "00000000")
        # nor, often, a recorded sex ('0' unknown, '9' unspecified: spec section 4)
        unknown = idx[rng.random(len(idx)) < 0.2]
        c.put(
            unknown, "gender", pl.Series(["0", "9"]).gather(rng.integers(0, 2, size=len(unknown)))
        )
        label(idx, "d_cert", "prerealname_no_cert")
    born_early = ((birth.str.slice(0, 4) < "1985") & (birth.str.slice(0, 2) == "19")).to_numpy()
    idx = take(p.id_15digit, born_early)
    sub = cert.gather(idx)
    c15 = sub.str.slice(0, 6) + sub.str.slice(8, 9)
    letters = rng.random(len(idx)) < p.id_letters_in_15
    letter = pl.Series(np.array(list("OIlZSB"))[rng.integers(0, 6, size=len(idx))])
    c15l = c15.str.slice(0, 10) + letter + c15.str.slice(11)
    c.put(
        idx, "cert_no", pl.select(pl.when(pl.Series(letters)).then(c15l).otherwise(c15)).to_series()
    )
    label(idx[~letters], "d_cert", "id_15digit")
    label(idx[letters], "d_cert", "id_letters_in_15")

    idx = take(p.id_bad_check, np.ones(n, dtype=bool))
    sub = cert.gather(idx)
    pos = pl.DataFrame({"c": list("10X98765432"), "i": np.arange(11)})
    last_i = (
        sub.str.slice(17, 1).to_frame("c").join(pos, on="c", how="left", maintain_order="left")["i"]
    )
    shift = (last_i.fill_null(0).to_numpy() + rng.integers(1, 11, size=len(idx))) % 11
    c.put(idx, "cert_no", sub.str.slice(0, 17) + pl.Series(list("10X98765432")).gather(shift))
    label(idx, "d_cert", "id_bad_check")

    idx = take(p.id_lower_x, cert.str.ends_with("X").fill_null(False).to_numpy())
    c.put(idx, "cert_no", cert.gather(idx).str.slice(0, 17) + "x")
    label(idx, "d_cert", "id_lower_x")

    idx = take(p.id_fullwidth, np.ones(n, dtype=bool))
    c.put(idx, "cert_no", cert.gather(idx).str.replace_many(FULLWIDTH_FROM, FULLWIDTH_TO))
    label(idx, "d_cert", "id_fullwidth")

    idx = take(p.id_separator, np.ones(n, dtype=bool))
    sub = cert.gather(idx)
    sep = pl.Series(np.array([" ", "-"])[rng.integers(0, 2, size=len(idx))])
    c.put(idx, "cert_no", sub.str.slice(0, 6) + sep + sub.str.slice(6, 8) + sep + sub.str.slice(14))
    label(idx, "d_cert", "id_separator")

    idx = take(p.id_wrong_length, np.ones(n, dtype=bool))
    sub = cert.gather(idx)
    c15 = sub.str.slice(0, 6) + sub.str.slice(8, 9)
    extra = pl.Series(rng.integers(0, 10, size=len(idx))).cast(pl.String)
    longer = pl.Series(rng.random(len(idx)) < 0.5)
    c.put(
        idx,
        "cert_no",
        pl.select(pl.when(longer).then(c15 + extra).otherwise(c15.str.slice(0, 14))).to_series(),
    )
    label(idx, "d_cert", "id_wrong_length")

    idx = take(p.id_placeholder, np.ones(n, dtype=bool))
    c.put(idx, "cert_no", pl.Series(PLACEHOLDERS).gather(rng.integers(0, 3, size=len(idx))))
    label(idx, "d_cert", "id_placeholder")

    idx = take(p.id_empty, np.ones(n, dtype=bool))
    c.put(idx, "cert_no", None)
    label(idx, "d_cert", "id_empty")

    # names: at most one variant per record
    nm = rec["name"]
    free_n = np.ones(n, dtype=bool)

    def name_variant(rate: float, base: np.ndarray, make, kind: str, source: pl.Series) -> None:
        idx = _pick(rng, base & free_n, rate)
        if len(idx) == 0:
            return
        v = make(source.gather(idx))
        ok = v.is_not_null().to_numpy()
        idx, v = idx[ok], v.filter(pl.Series(ok))
        free_n[idx] = False
        c.put(idx, "name", v)
        label(idx, "d_name", kind)

    name_variant(
        p.name_traditional,
        is_p,
        lambda s: names.traditional_variant(s, rng),
        "name_traditional",
        nm,
    )
    name_variant(
        p.name_homophone, is_p, lambda s: names.homophone_variant(s, rng), "name_homophone", nm
    )
    has_br = nm.str.contains("（", literal=True).to_numpy()
    name_variant(
        p.ent_name_brackets,
        is_e & has_br,
        lambda s: s.str.replace("（", "(", literal=True).str.replace("）", ")", literal=True),
        "ent_name_brackets",
        nm,
    )
    has_suffix = (nm.str.ends_with("有限公司") & ~nm.str.ends_with("股份有限公司")).to_numpy()
    name_variant(
        p.ent_name_suffix,
        is_e & has_suffix,
        lambda s: pl.select(
            pl.when(s.str.ends_with("有限责任公司"))
            .then(s.str.replace("有限责任公司$", "有限公司"))
            .otherwise(s.str.replace("有限公司$", "有限责任公司"))
        ).to_series(),
        "ent_name_suffix",
        nm,
    )
    name_variant(
        p.name_spaces,
        np.ones(n, dtype=bool),
        lambda s: names.spaces_variant(s, rng),
        "name_spaces",
        nm,
    )

    # enterprise identifiers: organization code instead of the credit code
    if "org_code" in rec.columns and system in ("core", "loan"):
        if system == "loan":
            base = is_e
            rate = p.ent_id_as_org_code
        else:
            base = is_e & (rec["open_date"].dt.year() < 2016).to_numpy()
            rate = p.ent_id_as_org_code_core_pre2016
        idx = _pick(rng, base, rate)
        hy = rng.random(len(idx)) < p.ent_id_org_code_hyphen
        org = rec["org_code"].gather(idx)
        c.put(idx, "cert_type", "202")
        c.put(
            idx,
            "cert_no",
            pl.select(
                pl.when(pl.Series(hy))
                .then(org.str.slice(0, 8) + "-" + org.str.slice(8))
                .otherwise(org)
            ).to_series(),
        )
        label(idx[~hy], "d_cert", "ent_id_as_org_code")
        label(idx[hy], "d_cert", "ent_id_org_code_hyphen")

    # attributes that disagree between systems, and with the record's own number
    rank = rec["rank"].to_numpy()
    secondary = is_p & ((system != "core") | (rank > 0))
    free_a = np.ones(n, dtype=bool)

    def take_a(rate: float, base: np.ndarray) -> np.ndarray:
        idx = _pick(rng, base & free_a, rate)
        free_a[idx] = False
        return idx

    idx = take_a(p.conflict_mobile, secondary)
    c.put(idx, "mobile", mobiles(rng, len(idx)))
    label(idx, "d_attr", "conflict_mobile")
    idx = take_a(p.conflict_address, secondary & rec["region"].is_not_null().to_numpy())
    c.put(idx, "address", addresses(rng, rec["region"].gather(idx).cast(pl.Int64).to_numpy()))
    label(idx, "d_attr", "conflict_address")
    dc = c["d_cert"]
    no_number = dc.is_in(["prerealname_no_cert", "id_placeholder", "id_empty"]).fill_null(False)
    usable = is_p & c["cert_no"].is_not_null().to_numpy() & ~no_number.to_numpy()
    without = is_p & ~usable
    cur_birth = c["birth"]
    birth_ok = cur_birth.str.strptime(pl.Date, "%Y%m%d", strict=False).is_not_null().to_numpy()
    gender_ok = c["gender"].is_in(["1", "2"]).fill_null(False).to_numpy()
    for rate, base, col, kind in (
        (p.birth_contradicts_id, usable & birth_ok, "birth", "birth_contradicts_id"),
        (p.gender_contradicts_id, usable & gender_ok, "gender", "gender_contradicts_id"),
        (p.conflict_birth_date, without & birth_ok, "birth", "conflict_birth_date"),
        (p.conflict_gender, without & gender_ok, "gender", "conflict_gender"),
    ):
        idx = take_a(rate, base)
        if col == "birth":
            d = cur_birth.gather(idx).str.strptime(pl.Date, "%Y%m%d")
            shift = pl.Series(
                rng.integers(1, 400, size=len(idx)) * np.where(rng.random(len(idx)) < 0.5, -1, 1)
            )
            v = pl.select((d + pl.duration(days=shift)).dt.strftime("%Y%m%d")).to_series()
        else:
            v = c["gender"].gather(idx).replace_strict({"1": "2", "2": "1"})
        c.put(idx, col, v)
        label(idx, "d_attr", kind)
    return rec.with_columns(list(c.s.values()))
