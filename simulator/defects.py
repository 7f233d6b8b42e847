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

from dataclasses import asdict, dataclass, replace

import numpy as np
import polars as pl

from simulator import names
from simulator.ids import ID_CHECK
from simulator.population import addresses, mobiles

REALNAME = "19991101"


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


def _set(
    df: pl.DataFrame, mask: np.ndarray, **cols: pl.Series | pl.Expr | str | None
) -> pl.DataFrame:
    """Replace columns on rows where ``mask`` holds."""
    m = pl.Series(mask)
    exprs = []
    for name, value in cols.items():
        v = value if isinstance(value, pl.Expr | pl.Series) else pl.lit(value, dtype=pl.String)
        exprs.append(pl.when(m).then(v).otherwise(pl.col(name)).alias(name))
    return df.with_columns(exprs)


def _label(df: pl.DataFrame, col: str, mask: np.ndarray, kind: str) -> pl.DataFrame:
    return _set(df, mask, **{col: kind})


def apply_record_defects(
    rng: np.random.Generator, system: str, rec: pl.DataFrame, p: Profile
) -> pl.DataFrame:
    """Damage clean source records of one system; label each damaged record."""
    n = len(rec)
    if n == 0:
        return rec
    is_p = (rec["kind"] == "P").to_numpy()
    is_e = ~is_p
    rank = rec["rank"].to_numpy()
    rec = _label(rec, "d_multi", rank > 0, "multi_custno_same_system")
    free = is_p.copy()  # person records whose certificate is still untouched
    cert = rec["cert_no"]
    birth = rec["birth"].fill_null("")
    pre = (rec["open_date"].dt.strftime("%Y%m%d") < REALNAME).to_numpy()

    def take(rate: float, base: np.ndarray) -> np.ndarray:
        nonlocal free
        m = base & free & (rng.random(n) < rate)
        free = free & ~m
        return m

    if system == "core":
        m = take(p.prerealname_no_cert, pre)
        u = rng.random(n)
        none_at_all = m & (u < 0.5)
        type_only = m & (u >= 0.5) & (u < 0.8)
        placeholder = m & (u >= 0.8)
        rec = _set(rec, none_at_all, cert_type=None, cert_no=None)
        rec = _set(rec, type_only, cert_no=None)
        rec = _set(rec, placeholder, cert_no=pl.Series(PLACEHOLDERS[rng.integers(0, 3, size=n)]))
        rec = _set(rec, m & (rng.random(n) < 0.3), birth="00000000")
        rec = _label(rec, "d_cert", m, "prerealname_no_cert")
    id15_base = (birth.str.slice(0, 4) < "1985").to_numpy() & (
        birth.str.slice(0, 2) == "19"
    ).to_numpy()
    m15 = take(p.id_15digit, id15_base)
    c15 = cert.str.slice(0, 6) + cert.str.slice(8, 9)
    letters = m15 & (rng.random(n) < p.id_letters_in_15)
    c15l = c15.str.slice(0, 10) + pl.Series(rng.choice(list("OIlZSB"), size=n)) + c15.str.slice(11)
    rec = _set(rec, m15, cert_no=c15)
    rec = _set(rec, letters, cert_no=c15l)
    rec = _label(rec, "d_cert", m15 & ~letters, "id_15digit")
    rec = _label(rec, "d_cert", letters, "id_letters_in_15")
    m = take(p.id_bad_check, np.ones(n, dtype=bool))
    last = cert.str.slice(17, 1)
    pos = pl.Series(list("10X98765432")).to_frame("c").with_row_index("i")
    last_i = (
        last.to_frame("c")
        .join(pos, on="c", how="left", maintain_order="left")["i"]
        .fill_null(0)
        .to_numpy()
    )
    wrong = pl.Series(ID_CHECK[(last_i + rng.integers(1, 11, size=n)) % 11].view("S1").astype(str))
    rec = _set(rec, m, cert_no=cert.str.slice(0, 17) + wrong)
    rec = _label(rec, "d_cert", m, "id_bad_check")
    ends_x = (last == "X").fill_null(False).to_numpy()
    m = take(p.id_lower_x, ends_x)
    rec = _set(rec, m, cert_no=cert.str.slice(0, 17) + "x")
    rec = _label(rec, "d_cert", m, "id_lower_x")
    m = take(p.id_fullwidth, np.ones(n, dtype=bool))
    rec = _set(rec, m, cert_no=cert.str.replace_many(FULLWIDTH_FROM, FULLWIDTH_TO))
    rec = _label(rec, "d_cert", m, "id_fullwidth")
    m = take(p.id_separator, np.ones(n, dtype=bool))
    sep = pl.Series(np.where(rng.random(n) < 0.5, " ", "-"))
    rec = _set(
        rec, m, cert_no=cert.str.slice(0, 6) + sep + cert.str.slice(6, 8) + sep + cert.str.slice(14)
    )
    rec = _label(rec, "d_cert", m, "id_separator")
    m = take(p.id_wrong_length, np.ones(n, dtype=bool))
    longer = pl.Series(rng.integers(0, 10, size=n)).cast(pl.String)
    wl = pl.select(
        pl.when(pl.Series(rng.random(n) < 0.5)).then(c15 + longer).otherwise(c15.str.slice(0, 14))
    ).to_series()
    rec = _set(rec, m, cert_no=wl)
    rec = _label(rec, "d_cert", m, "id_wrong_length")
    m = take(p.id_placeholder, np.ones(n, dtype=bool))
    rec = _set(rec, m, cert_no=pl.Series(PLACEHOLDERS[rng.integers(0, 3, size=n)]))
    rec = _label(rec, "d_cert", m, "id_placeholder")
    m = take(p.id_empty, np.ones(n, dtype=bool))
    rec = _set(rec, m, cert_no=None)
    rec = _label(rec, "d_cert", m, "id_empty")

    # names
    nm = rec["name"]
    free_n = np.ones(n, dtype=bool)

    def take_n(rate: float, base: np.ndarray, variant: pl.Series | None = None) -> np.ndarray:
        nonlocal free_n
        m = base & free_n & (rng.random(n) < rate)
        if variant is not None:
            m &= variant.is_not_null().to_numpy()
        free_n = free_n & ~m
        return m

    trad = names.traditional_variant(nm, rng)
    m = take_n(p.name_traditional, is_p, trad)
    rec = _label(_set(rec, m, name=trad), "d_name", m, "name_traditional")
    homo = names.homophone_variant(nm, rng)
    m = take_n(p.name_homophone, is_p, homo)
    rec = _label(_set(rec, m, name=homo), "d_name", m, "name_homophone")
    has_br = nm.str.contains("（").to_numpy()
    m = take_n(p.ent_name_brackets, is_e & has_br)
    rec = _label(
        _set(rec, m, name=nm.str.replace("（", "(").str.replace("）", ")")),
        "d_name",
        m,
        "ent_name_brackets",
    )
    has_suffix = (
        nm.str.ends_with("有限公司").to_numpy() & ~nm.str.ends_with("股份有限公司").to_numpy()
    )
    swapped = pl.select(
        pl.when(nm.str.ends_with("有限责任公司"))
        .then(nm.str.replace("有限责任公司$", "有限公司"))
        .otherwise(nm.str.replace("有限公司$", "有限责任公司"))
    ).to_series()
    m = take_n(p.ent_name_suffix, is_e & has_suffix)
    rec = _label(_set(rec, m, name=swapped), "d_name", m, "ent_name_suffix")
    spaced = names.spaces_variant(rec["name"], rng)
    m = take_n(p.name_spaces, np.ones(n, dtype=bool))
    rec = _label(_set(rec, m, name=spaced), "d_name", m, "name_spaces")

    # enterprise identifiers
    org = rec["org_code"] if "org_code" in rec.columns else None
    if org is not None:
        if system == "loan":
            base = is_e & (rng.random(n) < p.ent_id_as_org_code)
        elif system == "core":
            pre16 = (rec["open_date"].dt.year() < 2016).to_numpy()
            base = is_e & pre16 & (rng.random(n) < p.ent_id_as_org_code_core_pre2016)
        else:
            base = np.zeros(n, dtype=bool)
        hy = base & (rng.random(n) < p.ent_id_org_code_hyphen)
        rec = _set(rec, base, cert_type="202", cert_no=org)
        rec = _set(rec, hy, cert_no=org.str.slice(0, 8) + "-" + org.str.slice(8))
        free_e = rec["d_cert"].is_null().to_numpy()
        rec = _label(rec, "d_cert", base & ~hy & free_e, "ent_id_as_org_code")
        rec = _label(rec, "d_cert", hy & free_e, "ent_id_org_code_hyphen")

    # attributes that disagree between systems, and with the record's own number
    secondary = is_p & ((system != "core") | (rank > 0))
    free_a = rec["d_attr"].is_null().to_numpy()

    def take_a(rate: float, base: np.ndarray) -> np.ndarray:
        nonlocal free_a
        m = base & free_a & (rng.random(n) < rate)
        free_a = free_a & ~m
        return m

    m = take_a(p.conflict_mobile, secondary)
    rec = _label(_set(rec, m, mobile=mobiles(rng, n)), "d_attr", m, "conflict_mobile")
    m = take_a(p.conflict_address, secondary & rec["region"].is_not_null().to_numpy())
    region = rec["region"].fill_null("110101").cast(pl.Int64).to_numpy()
    rec = _label(_set(rec, m, address=addresses(rng, region)), "d_attr", m, "conflict_address")
    dc = rec["d_cert"].to_numpy()
    usable = (
        is_p
        & rec["cert_no"].is_not_null().to_numpy()
        & ~np.isin(dc, ["prerealname_no_cert", "id_placeholder", "id_empty"])
    )
    without = is_p & ~usable
    shifted = (
        rec["birth"]
        .str.strptime(pl.Date, "%Y%m%d", strict=False)
        .dt.offset_by(pl.Series(rng.integers(1, 400, size=n)).cast(pl.String) + "d")
        .dt.strftime("%Y%m%d")
    )
    flipped = rec["gender"].replace_strict({"1": "2", "2": "1"}, default=None)
    for rate, base, col, value, kind in (
        (p.birth_contradicts_id, usable, "birth", shifted, "birth_contradicts_id"),
        (p.gender_contradicts_id, usable, "gender", flipped, "gender_contradicts_id"),
        (p.conflict_birth_date, without, "birth", shifted, "conflict_birth_date"),
        (p.conflict_gender, without, "gender", flipped, "conflict_gender"),
    ):
        m = take_a(rate, base & value.is_not_null().to_numpy())
        rec = _label(_set(rec, m, **{col: value}), "d_attr", m, kind)
    return rec
