"""Identity numbers, credit codes and card numbers, generated and checked in bulk.

Everything works on NumPy ``uint8`` matrices of ASCII codes, one row per number, so a million
identity numbers cost a few array operations, not a million Python calls. ``as_strings`` turns
such a matrix into a Polars string Series without copying per record.

Standards implemented (interface spec section 5):
- GB 11643-1999 resident identity number: region(6) birth(8) sequence(3, odd=male) check.
- The 15-digit first-generation form: region(6) YYMMDD sequence(3).
- GB 11714 organization code: 8 characters + check (weights 3 7 9 10 5 8 4 2).
- GB 32100-2015 unified social credit code: '91' + region + organization code + check.
- Luhn (ISO/IEC 7812) card numbers and plain 19-digit account numbers.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
USCC_ALPHABET = b"0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = np.array(
    [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64
)
# Characters an organization code body may use and still sit inside a credit code.
ORG_BODY_ALPHABET = np.frombuffer(b"0123456789ABCDEFGHJKLMNPQRTUWXY", dtype=np.uint8)

_USCC_VALUE = np.full(256, -1, dtype=np.int64)
_USCC_VALUE[np.frombuffer(USCC_ALPHABET, dtype=np.uint8)] = np.arange(31)
_ORG_VALUE = np.full(256, -1, dtype=np.int64)
_ORG_VALUE[48:58] = np.arange(10)
_ORG_VALUE[65:91] = np.arange(10, 36)


# ----------------------------------------------------------------------------- conversions
def as_strings(chars: np.ndarray) -> pl.Series:
    """(n, k) uint8 ASCII matrix -> Polars String Series, built from one Arrow buffer."""
    chars = np.ascontiguousarray(chars, dtype=np.uint8)
    n, k = chars.shape
    offsets = np.arange(0, (n + 1) * k, k, dtype=np.int32)
    arr = pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(chars.tobytes())
    )
    return pl.Series(pl.from_arrow(arr))


def as_chars(values: pl.Series, width: int) -> np.ndarray:
    """String Series of ASCII values of exactly ``width`` characters -> (n, width) uint8."""
    arr = values.cast(pl.String).to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.cast(pa.large_string())
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[
        arr.offset : arr.offset + len(arr) + 1
    ]
    start = offsets[:-1]
    idx = start[:, None] + np.arange(width)[None, :]
    return data[idx]


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """Non-negative integers -> (n, width) ASCII digit matrix, zero padded."""
    values = np.asarray(values, dtype=np.int64)
    out = np.empty((len(values), width), dtype=np.uint8)
    rest = values.copy()
    for i in range(width - 1, -1, -1):  # one column (digit position) at a time: small temporaries
        out[:, i] = rest % 10 + 48
        rest //= 10
    return out


def date_parts(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """datetime64[D] -> (year, month, day) int arrays."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    return years, months, days


def date_digits(dates: np.ndarray) -> np.ndarray:
    """datetime64[D] -> (n, 8) YYYYMMDD digit matrix."""
    y, m, d = date_parts(dates)
    return digits(y * 10000 + m * 100 + d, 8)


# ----------------------------------------------------------------------- resident identity
def id_check_chars(body: np.ndarray) -> np.ndarray:
    """(n, 17) digit matrix -> (n,) check characters of GB 11643."""
    values = body.astype(np.int64) - 48
    return ID_CHECK[(values @ ID_WEIGHTS) % 11]


def resident_ids(region: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """18-character resident identity numbers as an (n, 18) matrix."""
    body = np.concatenate([digits(region, 6), date_digits(birth), digits(seq, 3)], axis=1)
    return np.concatenate([body, id_check_chars(body)[:, None]], axis=1)


def id15_from_id18(ids: np.ndarray) -> np.ndarray:
    """First-generation 15-digit form: drop the century and the check character."""
    return np.concatenate([ids[:, :6], ids[:, 8:17]], axis=1)


def id_sequence(
    rng: np.random.Generator, sex: np.ndarray, region: np.ndarray, birth: np.ndarray
) -> np.ndarray:
    """Three-digit sequence numbers, odd for men (sex 1) and even for women (sex 2).

    The public security bureau never gives two people the same number, so the sequence is
    redrawn for anyone whose region, birth date and sequence repeat an earlier person's.
    """
    male = (np.asarray(sex) == 1).astype(np.int64)
    seq = rng.integers(0, 500, size=len(sex)) * 2 + male  # even 0..998, +1 for men
    day = (np.asarray(birth).astype("datetime64[D]") - np.datetime64("1900-01-01")).astype(np.int64)
    stem = (np.asarray(region, dtype=np.int64) * 100_000 + day) * 1000
    while True:
        first = np.zeros(len(seq), dtype=bool)
        first[np.unique(stem + seq, return_index=True)[1]] = True
        if first.all():
            return seq
        redo = ~first
        seq[redo] = rng.integers(0, 500, size=int(redo.sum())) * 2 + male[redo]


# ------------------------------------------------------------------- organization, USCC
def org_check_chars(body: np.ndarray) -> np.ndarray:
    """(n, 8) organization-code bodies -> (n,) check characters ('0'-'9' or 'X')."""
    values = _ORG_VALUE[body]
    c = 11 - (values @ ORG_WEIGHTS) % 11
    out = np.where(c == 11, ord("0"), np.where(c == 10, ord("X"), c + 48)).astype(np.uint8)
    return out


def org_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 9) organization codes; about 40% in the newer 'MA' form, the rest all digits."""
    body = (rng.integers(0, 10, size=(n, 8)) + 48).astype(np.uint8)
    newer = rng.random(n) < 0.4
    body[newer, 0] = ord("M")
    body[newer, 1] = ord("A")
    tail = ORG_BODY_ALPHABET[rng.integers(0, 31, size=(n, 6))]
    body[newer, 2:] = tail[newer]
    return np.concatenate([body, org_check_chars(body)[:, None]], axis=1)


def uscc_check_chars(body: np.ndarray) -> np.ndarray:
    """(n, 17) credit-code bodies -> (n,) check characters."""
    values = _USCC_VALUE[body]
    c = (31 - (values @ USCC_WEIGHTS) % 31) % 31
    return np.frombuffer(USCC_ALPHABET, dtype=np.uint8)[c]


def usccs(region: np.ndarray, org: np.ndarray) -> np.ndarray:
    """(n, 18) unified social credit codes: '91' (industry and commerce, enterprise)."""
    n = len(region)
    head = np.tile(np.frombuffer(b"91", dtype=np.uint8), (n, 1))
    body = np.concatenate([head, digits(region, 6), org], axis=1)
    return np.concatenate([body, uscc_check_chars(body)[:, None]], axis=1)


# ------------------------------------------------------------------------ cards, accounts
def luhn_check_digits(body: np.ndarray) -> np.ndarray:
    """(n, k) digit bodies -> (n,) Luhn check digits for the full k+1 digit number."""
    values = body.astype(np.int64) - 48
    k = values.shape[1]
    # Double every second digit counting from the right of the body (next to the check).
    doubled = (np.arange(k)[::-1] % 2) == 0
    v = np.where(doubled[None, :], values * 2, values)
    v = np.where(v > 9, v - 9, v)
    return ((10 - v.sum(axis=1) % 10) % 10 + 48).astype(np.uint8)


def card_numbers(rng: np.random.Generator, prefixes: np.ndarray, length: int) -> np.ndarray:
    """Luhn-valid card numbers with the given 6-digit BIN per row, all distinct.

    The account-identifier digits are distinct: drawn independently, 100,000
    16-digit cards would share a number about once (birthday bound over 10^9 identifiers), and
    an issuer never hands one card number to two holders.
    """
    n = len(prefixes)
    width = length - 7
    serial = rng.integers(0, 10**width, size=n)
    while True:  # redraw the (rare) repeats until every serial is distinct
        first = np.zeros(n, dtype=bool)
        first[np.unique(serial, return_index=True)[1]] = True
        if first.all():
            break
        serial[~first] = rng.integers(0, 10**width, size=int((~first).sum()))
    body = np.concatenate([digits(prefixes, 6), digits(serial, width)], axis=1)
    return np.concatenate([body, luhn_check_digits(body)[:, None]], axis=1)


def unique_numbers(rng: np.random.Generator, n: int, low: int, span_per_item: int) -> np.ndarray:
    """n increasing unique integers from ``low``, random gaps of 1..span_per_item.

    Source systems hand out customer and account numbers in sequence; the gaps stand for
    numbers used by records outside the simulated population.
    """
    gaps = rng.integers(1, span_per_item + 1, size=n)
    return low + np.cumsum(gaps)


# ------------------------------------------------------------------------------ validators
def _chars_or_none(values: pl.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose text is exactly ``width`` ASCII characters, as a matrix, plus that mask."""
    s = values.cast(pl.String)
    ok = (s.str.len_bytes() == width).fill_null(False) & (s.str.len_chars() == width).fill_null(
        False
    )
    chars = np.zeros((len(s), width), dtype=np.uint8)
    if ok.any():
        chars[ok.to_numpy()] = as_chars(s.filter(ok), width)
    return chars, ok.to_numpy()


def valid_resident_ids(values: pl.Series) -> np.ndarray:
    """True where the text is a valid 18-character GB 11643 number (upper-case X only)."""
    chars, ok = _chars_or_none(values, 18)
    body = chars[:, :17]
    is_digit = ((body >= 48) & (body <= 57)).all(axis=1)
    good = ok & is_digit
    check = np.zeros(len(values), dtype=bool)
    if good.any():
        check[good] = id_check_chars(body[good]) == chars[good, 17]
        y = (body[good, 6:10].astype(np.int64) - 48) @ np.array([1000, 100, 10, 1])
        m = (body[good, 10:12].astype(np.int64) - 48) @ np.array([10, 1])
        d = (body[good, 12:14].astype(np.int64) - 48) @ np.array([10, 1])
        plausible = (y >= 1900) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31)
        check[good] &= plausible
    return check


def valid_org_codes(values: pl.Series) -> np.ndarray:
    """True where the text is a valid 9-character GB 11714 organization code (no hyphen)."""
    chars, ok = _chars_or_none(values, 9)
    body_ok = (_ORG_VALUE[chars[:, :8]] >= 0).all(axis=1)
    good = ok & body_ok
    out = np.zeros(len(values), dtype=bool)
    if good.any():
        out[good] = org_check_chars(chars[good, :8]) == chars[good, 8]
    return out


def valid_usccs(values: pl.Series) -> np.ndarray:
    """True where the text is a valid GB 32100 code whose embedded organization code is valid."""
    chars, ok = _chars_or_none(values, 18)
    alpha_ok = (_USCC_VALUE[chars] >= 0).all(axis=1)
    good = ok & alpha_ok
    out = np.zeros(len(values), dtype=bool)
    if good.any():
        out[good] = uscc_check_chars(chars[good, :17]) == chars[good, 17]
        org = chars[good, 8:17]
        out[good] &= org_check_chars(org[:, :8]) == org[:, 8]
    return out


def valid_luhn(values: pl.Series) -> np.ndarray:
    """True where the text is 16 or 19 digits with a correct Luhn check digit."""
    out = np.zeros(len(values), dtype=bool)
    for width in (16, 19):
        chars, ok = _chars_or_none(values, width)
        is_digit = ((chars >= 48) & (chars <= 57)).all(axis=1)
        good = ok & is_digit
        if good.any():
            out[good] = luhn_check_digits(chars[good, :-1]) == chars[good, -1]
    return out


def id18_from_id15(values: pl.Series) -> pl.Series:
    """Convert valid 15-digit numbers to 18 (insert '19', compute the check character)."""
    chars, ok = _chars_or_none(values, 15)
    body = np.concatenate(
        [
            chars[:, :6],
            np.tile(np.frombuffer(b"19", dtype=np.uint8), (len(chars), 1)),
            chars[:, 6:],
        ],
        axis=1,
    )
    full = np.concatenate([body, id_check_chars(body)[:, None]], axis=1)
    return as_strings(full).zip_with(pl.Series(ok), pl.Series([None] * len(ok), dtype=pl.String))
