"""The simulated population is one the warehouse can be scored against fairly."""

from __future__ import annotations

import numpy as np
import polars as pl

from simulator import ids, names
from simulator.testing import Bank


def test_no_two_persons_share_a_true_identity_number(bank: Bank) -> None:
    persons = pl.read_parquet(bank.truth / "persons.parquet")
    assert persons["cert_no"].n_unique() == persons.height


def test_sequence_numbers_are_redrawn_where_region_birth_and_sequence_repeat() -> None:
    rng = np.random.default_rng(0)
    n = 400  # 400 people of one sex, one region, one birth date: 500 sequences to share
    birth = np.full(n, np.datetime64("1990-05-17"))
    seq = ids.id_sequence(rng, np.ones(n, dtype=np.int8), np.full(n, 110101), birth)
    assert len(np.unique(seq)) == n
    assert (seq % 2 == 1).all()  # men keep odd sequence numbers


def test_no_pile_up_of_birth_dates_at_the_youngest_age(bank: Bank) -> None:
    persons = pl.read_parquet(bank.truth / "persons.parquet")
    top_share = persons["birth_date"].value_counts()["count"].max() / persons.height
    assert top_share < 0.005


def test_name_variants_replace_one_character_not_insert_one() -> None:
    rng = np.random.default_rng(1)
    src = pl.Series(["金涛", "张伟", "欧阳娜娜"])
    for variant in (names.traditional_variant(src, rng), names.homophone_variant(src, rng)):
        for original, changed in zip(src.to_list(), variant.to_list(), strict=True):
            if changed is not None:
                assert len(changed) == len(original) and changed != original


def test_no_staff_member_is_hired_after_the_first_business_date(tmp_path) -> None:
    import datetime as dt

    from simulator.testing import make_bank

    start = dt.date(2026, 1, 1)  # before the simulator's own reference dates
    small = make_bank(tmp_path, persons=300, enterprises=30, days=1, start=start)
    staff = small.landing / "org" / "20260101" / "org_staff_20260101.dat"
    hire = pl.read_csv(staff, schema_overrides={"hire_date": pl.String})["hire_date"]
    assert hire.max() < start.strftime("%Y%m%d")
