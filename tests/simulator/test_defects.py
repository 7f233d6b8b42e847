"""Defects appear at the default profile's rates (within binomial tolerance) and every
defect row points at a real line of a real file."""

from __future__ import annotations

import math

import polars as pl

from simulator.defects import DEFAULT
from simulator.testing import Bank, split_records

CUSTOMER_TABLES = {
    "core_customer": "cust_no",
    "card_holder": "holder_id",
    "loan_customer": "loan_cust_id",
}
LINE_KINDS = ["field_count", "bad_date", "bad_amount", "bad_encoding", "duplicate_record"]


def _close(observed: int, expected: float) -> bool:
    return abs(observed - expected) <= 4 * math.sqrt(expected) + 3


def _first_day_records(bank: Bank) -> pl.DataFrame:
    recs = bank.truth_table("customer_records").filter(pl.col("first_biz_date") == bank.dates[0])
    persons = bank.truth_table("persons").select("entity_id", "birth_date", "cert_no")
    return recs.join(persons, on="entity_id", how="left")


def _count(defects: pl.DataFrame, kind: str, bank: Bank) -> int:
    d = defects.filter((pl.col("defect_kind") == kind) & (pl.col("biz_date") == bank.dates[0]))
    return d.select("source_key").n_unique()


def test_identity_defect_rates(bank: Bank, defects: pl.DataFrame) -> None:
    recs = _first_day_records(bank)
    persons = recs.filter(pl.col("entity_kind") == "P")
    n = len(persons)
    assert _close(_count(defects, "id_bad_check", bank), n * DEFAULT.id_bad_check * 0.93)
    early = persons.filter(pl.col("birth_date").dt.year() < 1985)
    got = _count(defects, "id_15digit", bank) + _count(defects, "id_letters_in_15", bank)
    assert _close(got, len(early) * DEFAULT.id_15digit * 0.95), (got, len(early))
    ends_x = persons.filter(pl.col("cert_no").str.ends_with("X"))
    got = _count(defects, "id_lower_x", bank)
    assert _close(got, len(ends_x) * DEFAULT.id_lower_x * 0.9), (got, len(ends_x))


def test_prerealname_customers_mostly_without_certificate(
    bank: Bank, clean_frames: dict, defects: pl.DataFrame
) -> None:
    core = clean_frames[("core_customer", bank.dates[0])].filter(pl.col("cust_type") == "1")
    pre = core.filter(pl.col("open_date") < "19991101")
    assert len(pre) > 50
    labelled = defects.filter(pl.col("defect_kind") == "prerealname_no_cert")["source_key"]
    share = pre["cust_no"].is_in(labelled.implode()).mean()
    assert 0.6 <= share <= 0.8, share
    no_cert = pre.filter(pl.col("cust_no").is_in(labelled.implode()))
    usable = no_cert.filter(
        pl.col("cert_no").str.contains(r"^\d{17}[\dX]$")
        & ~pl.col("cert_no").str.contains("^(0+|1+|123456789012345678)$")
    )
    assert usable.is_empty()
    post = core.filter(pl.col("open_date") >= "19991101")
    assert not post["cust_no"].is_in(labelled.implode()).any()


def test_name_and_attribute_defect_rates(bank: Bank, defects: pl.DataFrame) -> None:
    recs = _first_day_records(bank)
    persons = recs.filter(pl.col("entity_kind") == "P")
    n = len(persons)
    assert _close(_count(defects, "name_spaces", bank), len(recs) * DEFAULT.name_spaces)
    secondary = persons.filter((pl.col("source_system") != "core") | (pl.col("rank_in_system") > 0))
    got = _count(defects, "conflict_mobile", bank)
    assert _close(got, len(secondary) * DEFAULT.conflict_mobile), (got, len(secondary))
    assert _count(defects, "birth_contradicts_id", bank) > 0
    assert _count(defects, "name_homophone", bank) + _count(defects, "name_traditional", bank) > 0
    multi = recs.filter(pl.col("rank_in_system") > 0)
    assert _count(defects, "multi_custno_same_system", bank) == len(multi) > 0
    assert n > 1000


def test_every_defect_kind_of_the_spec_occurs(defects: pl.DataFrame) -> None:
    kinds = set(defects["defect_kind"].unique())
    expected = {
        "id_bad_check",
        "id_lower_x",
        "id_15digit",
        "id_fullwidth",
        "id_separator",
        "id_wrong_length",
        "id_letters_in_15",
        "id_placeholder",
        "id_empty",
        "prerealname_no_cert",
        "name_spaces",
        "name_traditional",
        "name_homophone",
        "ent_name_brackets",
        "ent_name_suffix",
        "ent_id_as_org_code",
        "ent_id_org_code_hyphen",
        "conflict_mobile",
        "conflict_address",
        "conflict_birth_date",
        "conflict_gender",
        "birth_contradicts_id",
        "gender_contradicts_id",
        "multi_custno_same_system",
        *LINE_KINDS,
    }
    assert expected <= kinds, expected - kinds


def test_line_defect_rates_and_positions(bank: Bank, defects: pl.DataFrame) -> None:
    line = defects.filter(pl.col("defect_kind").is_in(LINE_KINDS))
    total = 0
    for row in line.select("system", "biz_date", "file").unique().iter_rows(named=True):
        d = bank.batch_dir(row["system"], row["biz_date"])
        records = split_records(row["system"], (d / row["file"]).read_bytes())
        total += len(records)
        lines = line.filter(pl.col("file") == row["file"])["line_no"]
        assert lines.min() >= 1 and lines.max() <= len(records)
        for dup in line.filter(
            (pl.col("file") == row["file"]) & (pl.col("defect_kind") == "duplicate_record")
        ).iter_rows(named=True):
            # a copy is byte-identical to the line before it
            assert records[dup["line_no"] - 1] == records[dup["line_no"] - 2]
    counts = dict(line.group_by("defect_kind").len().iter_rows())
    # every line-defect kind is present, none wildly above its rate over all lines
    for kind in LINE_KINDS:
        assert 0 < counts.get(kind, 0) <= 2.5 * total * getattr(DEFAULT, kind) + 10, kind


def test_clean_profile_has_no_defects_but_multiple_numbers(tmp_path) -> None:
    from simulator.testing import make_bank

    bank = make_bank(tmp_path, persons=800, enterprises=80, days=2, profile="clean")
    kinds = set(bank.truth_table("defects")["defect_kind"].unique())
    assert kinds == {"multi_custno_same_system"}
