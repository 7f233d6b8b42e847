"""Identity numbers in the files are valid exactly where no defect was injected."""

from __future__ import annotations

import polars as pl

from simulator import ids
from simulator.testing import Bank

CUSTOMER_TABLES = {
    "core_customer": "cust_no",
    "card_holder": "holder_id",
    "loan_customer": "loan_cust_id",
}


def _first_day(frames: dict, table: str, bank: Bank) -> pl.DataFrame:
    return frames[(table, bank.dates[0])]


def _labels(defects: pl.DataFrame, table: str, kinds_like: str) -> pl.DataFrame:
    return (
        defects.filter(
            (pl.col("table_name") == table) & pl.col("defect_kind").str.contains(kinds_like)
        )
        .select(pl.col("source_key"), "defect_kind")
        .unique()
    )


def test_resident_ids_valid_unless_defective(
    frames: dict, bank: Bank, defects: pl.DataFrame
) -> None:
    for table, key in CUSTOMER_TABLES.items():
        df = _first_day(frames, table, bank).filter(pl.col("cert_type") == "101")
        labelled = _labels(defects, table, "^(id_|prerealname)")
        clean = df.join(labelled, left_on=key, right_on="source_key", how="anti")
        assert len(clean) > 100
        assert ids.valid_resident_ids(clean["cert_no"]).all(), table
        broken = df.join(labelled, left_on=key, right_on="source_key", how="semi")
        assert len(broken) > 0
        assert not ids.valid_resident_ids(broken["cert_no"]).any(), table


def test_id_defect_forms(frames: dict, bank: Bank, defects: pl.DataFrame) -> None:
    df = pl.concat(
        [
            _first_day(frames, t, bank).select(pl.col(k).alias("key"), "cert_type", "cert_no")
            for t, k in CUSTOMER_TABLES.items()
        ]
    )
    lab = defects.filter(
        pl.col("line_no").is_not_null() & pl.col("defect_kind").str.starts_with("id_")
    )
    j = df.join(lab.select(pl.col("source_key").alias("key"), "defect_kind").unique(), on="key")
    forms = {
        "id_lower_x": r"^\d{17}x$",
        "id_15digit": r"^\d{15}$",
        "id_letters_in_15": r"^\d{10}[A-Za-z]\d{4}$",
        "id_separator": r"^\d{6}[ -]\d{8}[ -]\d{3}[\dX]$",
        "id_wrong_length": r"^(\d{14}|\d{16})$",
        "id_placeholder": r"^(0{18}|1{18}|123456789012345678)$",
        "id_bad_check": r"^\d{17}[\dX]$",
    }
    for kind, pattern in forms.items():
        sub = j.filter(pl.col("defect_kind") == kind)
        assert len(sub) > 0, kind
        assert sub["cert_no"].str.contains(pattern).all(), (kind, sub.head())
    full = j.filter(pl.col("defect_kind") == "id_fullwidth")["cert_no"]
    assert len(full) > 0 and full.str.contains("[０-９]").all()
    assert j.filter(pl.col("defect_kind") == "id_empty")["cert_no"].is_null().all()
    # a 15-digit number converts to the person's true 18-character number
    truth = bank.truth_table("customer_records").join(
        bank.truth_table("persons").select("entity_id", pl.col("cert_no").alias("true_cert")),
        on="entity_id",
    )
    d15 = j.filter(pl.col("defect_kind") == "id_15digit").join(
        truth.select(pl.col("source_customer_no").alias("key"), "true_cert"), on="key"
    )
    assert (ids.id18_from_id15(d15["cert_no"]) == d15["true_cert"]).all()


def test_enterprise_identifiers(frames: dict, bank: Bank, defects: pl.DataFrame) -> None:
    for table in ("core_customer", "loan_customer"):
        df = _first_day(frames, table, bank)
        uscc = df.filter(pl.col("cert_type") == "201")
        assert len(uscc) > 10 and ids.valid_usccs(uscc["cert_no"]).all()
        org = df.filter(pl.col("cert_type") == "202")
        assert len(org) > 0
        plain = org["cert_no"].str.replace("-", "", literal=True)
        assert ids.valid_org_codes(plain).all()
    loan = _first_day(frames, "loan_customer", bank).filter(pl.col("cust_kind") == "E")
    reps = loan["legal_rep_cert_no"].drop_nulls()
    assert len(reps) > 0 and ids.valid_resident_ids(reps).all()


def test_card_numbers_are_luhn_valid_and_debit_cards_link_to_own_accounts(
    clean_frames: dict, bank: Bank, defects: pl.DataFrame
) -> None:
    day = bank.dates[0]
    cards = clean_frames[("card_account", day)]
    assert ids.valid_luhn(cards["card_no"]).all()
    debit = cards.filter(pl.col("card_kind") == "D")
    credit = cards.filter(pl.col("card_kind") == "C")
    assert len(debit) > 100 and len(credit) > 100
    assert credit["linked_acct_no"].is_null().all() and (credit["credit_limit"] != "0").all()
    assert (debit["credit_limit"] == "0").all()
    accts = clean_frames[("core_account", day)]
    recs = bank.truth_table("customer_records")
    ent = recs.select(pl.col("source_customer_no"), "entity_id")
    linked = (
        debit.join(accts, left_on="linked_acct_no", right_on="acct_no", how="inner")
        .join(ent, left_on="holder_id", right_on="source_customer_no")
        .join(ent, left_on="cust_no", right_on="source_customer_no", suffix="_acct")
    )
    # accounts whose line was broken in the file cannot be matched from the file
    broken = defects.filter(
        (pl.col("file") == f"core_account_{day:%Y%m%d}.dat") & pl.col("line_no").is_not_null()
    )
    assert len(debit) - len(broken) <= len(linked) <= len(debit)
    assert (linked["entity_id"] == linked["entity_id_acct"]).all()
    assert (linked["product_code"] == "D01").all() and (linked["currency"] == "CNY").all()
