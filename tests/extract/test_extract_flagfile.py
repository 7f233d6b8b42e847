"""The flag file parser: strict, in spec order, with messages that say which line is wrong."""

from __future__ import annotations

import datetime as dt

import pytest

from orchestration.extract import FlagFileError, parse_flag_file

GOOD = """SYSTEM=core
BIZ_DATE=20261128
ENCODING=GB18030
FORMAT=DELIMITED
FIELD_SEP=0x1B
RECORD_SEP=LF
REDELIVERY=0
FILE=core_customer_20261128.dat;ROWS=10234;BYTES=2345678;MD5=9e107d9d372bb6826bd81d3542a419d6
FILE=core_account_20261128.dat;ROWS=0;BYTES=0;MD5=d41d8cd98f00b204e9800998ecf8427e
"""


def test_parses_every_key() -> None:
    flag = parse_flag_file(GOOD)
    assert flag.system == "core"
    assert flag.biz_date == dt.date(2026, 11, 28)
    assert flag.encoding == "GB18030"
    assert flag.format == "DELIMITED"
    assert flag.field_sep == b"\x1b"
    assert flag.record_sep == b"\n"
    assert flag.redelivery == 0
    assert [f.name for f in flag.files] == [
        "core_customer_20261128.dat",
        "core_account_20261128.dat",
    ]
    first = flag.files[0]
    assert (first.rows, first.bytes, first.md5) == (
        10234,
        2345678,
        "9e107d9d372bb6826bd81d3542a419d6",
    )


def test_csv_crlf_and_redelivery() -> None:
    text = (
        GOOD.replace("GB18030", "UTF-8")
        .replace("DELIMITED", "CSV")
        .replace("0x1B", "0x2C")
        .replace("RECORD_SEP=LF", "RECORD_SEP=CRLF")
        .replace("REDELIVERY=0", "REDELIVERY=2")
    )
    flag = parse_flag_file(text)
    assert (flag.encoding, flag.format, flag.field_sep) == ("UTF-8", "CSV", b",")
    assert flag.record_sep == b"\r\n"
    assert flag.redelivery == 2


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("ENCODING=GB18030\nFORMAT=DELIMITED", "FORMAT=DELIMITED\nENCODING=GB18030", "line 3"),
        ("ENCODING=GB18030", "ENCODING=GBK", "ENCODING 'GBK'"),
        ("FORMAT=DELIMITED", "FORMAT=FIXED", "FORMAT 'FIXED'"),
        ("FIELD_SEP=0x1B", "FIELD_SEP=|", "FIELD_SEP"),
        ("RECORD_SEP=LF", "RECORD_SEP=CR", "RECORD_SEP 'CR'"),
        ("REDELIVERY=0", "REDELIVERY=-1", "REDELIVERY"),
        ("BIZ_DATE=20261128", "BIZ_DATE=20261131", "BIZ_DATE"),
        ("SYSTEM=core", "SYSTEM=crm", "SYSTEM"),
        (";ROWS=10234", ";ROWS=ten", "line 8"),
        ("MD5=9e107d9d372bb6826bd81d3542a419d6", "MD5=9E107D9D", "line 8"),
        ("core_account_20261128.dat", "core_customer_20261128.dat", "listed twice"),
    ],
)
def test_malformed_flag_file_is_rejected_with_the_line(old: str, new: str, message: str) -> None:
    assert old in GOOD
    with pytest.raises(FlagFileError, match=message):
        parse_flag_file(GOOD.replace(old, new))


def test_flag_file_without_files_is_rejected() -> None:
    head = "\n".join(GOOD.splitlines()[:7]) + "\n"
    with pytest.raises(FlagFileError, match="FILE= line"):
        parse_flag_file(head)


def test_csv_must_use_comma() -> None:
    text = GOOD.replace("FORMAT=DELIMITED", "FORMAT=CSV")
    with pytest.raises(FlagFileError, match="CSV uses 0x2C"):
        parse_flag_file(text)
