"""Identity numbers, credit codes and card numbers: generators produce valid numbers and the
validators reject the ways they go wrong (spec section 5)."""

from __future__ import annotations

import numpy as np
import polars as pl

from simulator import ids


def test_resident_ids_encode_region_birth_and_sex() -> None:
    rng = np.random.default_rng(1)
    region = np.array([110101, 440305, 650102, 310115])
    birth = np.array(
        ["1949-12-31", "1985-02-28", "2000-01-01", "1970-07-07"], dtype="datetime64[D]"
    )
    sex = np.array([1, 2, 1, 2])
    s = ids.as_strings(ids.resident_ids(region, birth, ids.id_sequence(rng, sex, region, birth)))
    assert ids.valid_resident_ids(s).all()
    assert s.str.slice(0, 6).to_list() == ["110101", "440305", "650102", "310115"]
    assert s.str.slice(6, 8).to_list() == ["19491231", "19850228", "20000101", "19700707"]
    parity = s.str.slice(16, 1).cast(pl.Int64) % 2
    assert parity.to_list() == [1, 0, 1, 0]


def test_known_resident_id_and_its_15_digit_form() -> None:
    good = "11010519491231002X"
    assert ids.valid_resident_ids(pl.Series([good])).tolist() == [True]
    bad = pl.Series(["110105194912310021", "11010519491231002x", "1101051949123100", None, ""])
    assert not ids.valid_resident_ids(bad).any()
    assert ids.id18_from_id15(pl.Series(["110105491231002"])).to_list() == [good]


def test_org_codes_and_credit_codes() -> None:
    assert ids.valid_org_codes(pl.Series(["600037341", "60003734X"])).tolist() == [True, False]
    assert ids.valid_usccs(pl.Series(["91350100M000100Y43", "91350100M000100Y44"])).tolist() == [
        True,
        False,
    ]
    rng = np.random.default_rng(2)
    org = ids.org_codes(rng, 500)
    assert ids.valid_org_codes(ids.as_strings(org)).all()
    uscc = ids.as_strings(ids.usccs(np.full(500, 440305), org))
    assert ids.valid_usccs(uscc).all()
    assert (uscc.str.slice(8, 9) == ids.as_strings(org)).all()


def test_luhn_card_numbers() -> None:
    assert ids.valid_luhn(pl.Series(["4111111111111111", "4111111111111112"])).tolist() == [
        True,
        False,
    ]
    rng = np.random.default_rng(3)
    for length in (16, 19):
        cards = ids.as_strings(ids.card_numbers(rng, np.full(200, 622848), length))
        assert ids.valid_luhn(cards).all()
        assert (cards.str.len_chars() == length).all()
