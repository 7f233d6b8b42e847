"""Record-level defects: quarantined with their bytes and line, never stopping the batch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.extract import extract_batch

from .conftest import BIZ_DATE, balance, customer, write_batch

PART = "biz_date=2026-11-03"


def raw(lake: Path, system: str, table: str) -> pa.Table:
    return pq.read_table(lake / "raw" / system / table / PART)


def quarantine(lake: Path, system: str, table: str) -> pa.Table:
    return pq.read_table(lake / "quarantine" / system / table / PART).sort_by("line_no")


def test_wrong_field_count_goes_to_quarantine(dirs) -> None:
    landing, lake = dirs
    short = "\x1b".join(customer(2)[:12]).encode("gb18030")
    long = "\x1b".join([*customer(3), "extra"]).encode("gb18030")
    write_batch(landing, "core", {"core_customer": [customer(1), short, long, customer(4)]})
    result = extract_batch("core", BIZ_DATE, landing, lake)
    t = result.tables[0]
    assert (t.declared_rows, t.raw_rows, t.quarantined["field_count"]) == (4, 2, 2)
    q = quarantine(lake, "core", "core_customer")
    assert q.column("line_no").to_pylist() == [2, 3]
    assert q.column("reason").to_pylist() == ["field_count", "field_count"]
    assert q.column("detail").to_pylist() == [
        "expected 13 fields, found 12",
        "expected 13 fields, found 14",
    ]
    assert q.column("raw_bytes").to_pylist() == [short, long]
    assert q.column("source_file").to_pylist() == ["core_customer_20261103.dat"] * 2
    assert raw(lake, "core", "core_customer").column("_line_no").to_pylist() == [1, 4]


def test_bad_gb18030_bytes_go_to_quarantine(dirs) -> None:
    landing, lake = dirs
    good = customer(1, name="王小明")
    bad = "\x1b".join(customer(2)).encode("gb18030").replace("张三".encode("gb18030"), b"\xff\xfe")
    write_batch(landing, "core", {"core_customer": [good, bad, customer(3, name="𠀀李")]})
    result = extract_batch("core", BIZ_DATE, landing, lake)
    assert result.tables[0].quarantined["encoding"] == 1
    q = quarantine(lake, "core", "core_customer")
    assert q.column("line_no").to_pylist() == [2]
    assert q.column("reason").to_pylist() == ["encoding"]
    assert q.column("raw_bytes").to_pylist() == [bad]
    offset = bad.index(b"\xff") + 1
    assert q.column("detail").to_pylist() == [
        f"invalid GB18030 bytes at byte {offset} of the record"
    ]
    r = raw(lake, "core", "core_customer")
    # Decoded to UTF-8, including a four-byte GB18030 character outside the BMP.
    assert r.column("cust_name").to_pylist() == ["王小明", "𠀀李"]


def test_bad_utf8_bytes_go_to_quarantine(dirs) -> None:
    landing, lake = dirs
    bad = b"E1,core,C0000000001,MKT_SMS,GRANT,20261103101010,MOB".replace(b"MOB", b"M\xc3(")
    write_batch(
        landing,
        "chan",
        {
            "chan_consent": [
                ["E0", "core", "C0000000000", "MKT_SMS", "GRANT", "20261103101010", "渠道"],
                bad,
                ["E2", "card", "H000000000002", "PROFILING", "WITHDRAW", "20261103101011", "WEB"],
            ]
        },
    )
    result = extract_batch("chan", BIZ_DATE, landing, lake)
    assert result.tables[0].quarantined == {"field_count": 0, "encoding": 1, "duplicate": 0}
    q = quarantine(lake, "chan", "chan_consent")
    assert q.column("line_no").to_pylist() == [3]  # header is line 1
    assert q.column("raw_bytes").to_pylist() == [bad]
    assert "invalid UTF-8 bytes" in q.column("detail")[0].as_py()
    assert raw(lake, "chan", "chan_consent").column("event_id").to_pylist() == ["E0", "E2"]


def test_exact_duplicate_keeps_first_copy(dirs) -> None:
    landing, lake = dirs
    recs = [customer(i) for i in range(5)]
    near = customer(1)
    near[-1] = "20261103120001"  # same key, different record: not an exact duplicate
    write_batch(landing, "core", {"core_customer": [*recs, recs[1], near, recs[1], recs[4]]})
    result = extract_batch("core", BIZ_DATE, landing, lake)
    assert result.tables[0].quarantined["duplicate"] == 3
    q = quarantine(lake, "core", "core_customer")
    assert q.column("line_no").to_pylist() == [6, 8, 9]
    assert q.column("detail").to_pylist() == [
        "exact duplicate of line 2",
        "exact duplicate of line 2",
        "exact duplicate of line 5",
    ]
    r = raw(lake, "core", "core_customer")
    assert r.column("_line_no").to_pylist() == [1, 2, 3, 4, 5, 7]


def test_crlf_records_have_no_stray_cr(dirs) -> None:
    landing, lake = dirs
    holder = [
        "H000000000001", "李四", "101", "110105194912310021", "2", "19491231", "13900000000",
        "某公司", "120000", "20", "2", "上海市", "",  # empty last field
    ]  # fmt: skip
    holder2 = [*holder[:-1], "20261103000000"]
    holder2[0] = "H000000000002"
    write_batch(landing, "card", {"card_holder": [holder, holder2]})
    extract_batch("card", BIZ_DATE, landing, lake)
    r = raw(lake, "card", "card_holder")
    assert r.column("upd_ts").to_pylist() == [None, "20261103000000"]
    for col in r.column_names[:13]:
        assert not any("\r" in (v or "") for v in r.column(col).to_pylist()), col


def test_crlf_file_keeps_a_cr_inside_a_field(dirs) -> None:
    """Only the CR of the record separator is stripped; a CR inside a record is data."""
    landing, lake = dirs
    stmt = [["6222000000000001", "10\r0", "0"], ["6222000000000002", "500", "3"]]
    write_batch(landing, "card", {"card_statement": stmt})
    extract_batch("card", BIZ_DATE, landing, lake)
    r = raw(lake, "card", "card_statement")
    assert r.column("outstanding").to_pylist() == ["10\r0", "500"]


def test_csv_quoted_comma_quote_and_newline(dirs) -> None:
    landing, lake = dirs
    branches = [
        ["001", '总行,"中心"', "1", "", "110000", "20000101", "A", ""],
        ["002", "第一\n分行", "2", "001", "110000", "20000101", "A", ""],
        ["003", "plain", "3", "002", "110100", "20000101", "M", "002"],
    ]
    write_batch(landing, "org", {"org_branch": branches})
    result = extract_batch("org", BIZ_DATE, landing, lake)
    assert result.tables[0].raw_rows == 3
    r = raw(lake, "org", "org_branch")
    assert r.column("branch_name").to_pylist() == ['总行,"中心"', "第一\n分行", "plain"]
    assert r.column("parent_code").to_pylist() == [None, "001", "002"]
    # Physical line where each record starts: header 1, then 2, 3 (spans 3-4), 5.
    assert r.column("_line_no").to_pylist() == [2, 3, 5]


def test_csv_wrong_field_count(dirs) -> None:
    landing, lake = dirs
    staff = [
        ["S1", "王", "001", "RM", "A", "20200101"],
        b'S2,"a,b",001,RM,A',
        ["S3", "李", "001", "TLR", "A", "20200101"],
    ]
    write_batch(landing, "org", {"org_staff": staff})
    result = extract_batch("org", BIZ_DATE, landing, lake)
    assert result.tables[1].quarantined["field_count"] == 1
    q = quarantine(lake, "org", "org_staff")
    assert q.column("line_no").to_pylist() == [3]
    assert q.column("detail").to_pylist() == ["expected 6 fields, found 5"]


def test_empty_table_gets_zero_row_partition_with_schema(dirs) -> None:
    landing, lake = dirs
    write_batch(landing, "loan", {})
    write_batch(landing, "org", {})
    extract_batch("loan", BIZ_DATE, landing, lake)
    extract_batch("org", BIZ_DATE, landing, lake)
    for system, table, first in (
        ("loan", "loan_customer", "loan_cust_id"),
        ("loan", "loan_balance", "contract_no"),
        ("org", "org_rm_assignment", "source_system"),
    ):
        t = raw(lake, system, table)
        assert t.num_rows == 0
        assert t.column_names[0] == first
        assert t.column_names[-6:] == [
            "_batch_id", "_redelivery", "_source_file", "_line_no", "_loaded_at", "_biz_date",
        ]  # fmt: skip
        assert t.schema.field("_loaded_at").type == pa.timestamp("us", tz="UTC")
        assert t.schema.field("_biz_date").type == pa.date32()
    assert not (lake / "quarantine" / "loan" / "loan_customer" / PART).exists()


def test_raw_lineage_and_nulls(dirs) -> None:
    landing, lake = dirs
    rec = customer(1)
    rec[7] = ""  # empty mobile -> NULL
    rec[8] = " 前后有空格 "  # whitespace is kept
    write_batch(landing, "core", {"core_customer": [rec]}, redelivery=0)
    extract_batch("core", BIZ_DATE, landing, lake)
    row = raw(lake, "core", "core_customer").to_pylist()[0]
    assert row["mobile"] is None
    assert row["address"] == " 前后有空格 "
    assert row["_batch_id"] == "core_20261103_r0"
    assert row["_redelivery"] == 0
    assert row["_source_file"] == "core_customer_20261103.dat"
    assert row["_line_no"] == 1
    assert row["_biz_date"] == dt.date(2026, 11, 3)
    assert row["_loaded_at"].tzinfo is not None


@pytest.mark.parametrize("chunk", [17, 64, 301])
def test_chunk_boundaries(dirs, chunk: int) -> None:
    """Tiny chunks put records across chunk edges and duplicates in different chunks."""
    landing, lake = dirs
    recs: list = [customer(i, name="名" * (i % 7 + 1)) for i in range(40)]
    recs += [recs[3], recs[39], "\x1b".join(customer(99)[:5]).encode("gb18030"), recs[0]]
    recs += [b"C0000000777\x1b\xff" + b"\x1b" * 11]
    write_batch(landing, "core", {"core_customer": recs})
    result = extract_batch("core", BIZ_DATE, landing, lake, chunk_bytes=chunk)
    t = result.tables[0]
    assert t.raw_rows == 40
    assert t.quarantined == {"field_count": 1, "encoding": 1, "duplicate": 3}
    r = raw(lake, "core", "core_customer")
    assert r.column("_line_no").to_pylist() == list(range(1, 41))
    assert r.column("cust_name").to_pylist() == ["名" * (i % 7 + 1) for i in range(40)]
    assert r.column("upd_ts").to_pylist() == ["20261103120000"] * 40
    q = quarantine(lake, "core", "core_customer")
    assert q.column("line_no").to_pylist() == [41, 42, 43, 44, 45]
    assert q.column("detail").to_pylist()[:2] == [
        "exact duplicate of line 4",
        "exact duplicate of line 40",
    ]
    assert q.column("detail")[3].as_py() == "exact duplicate of line 1"


def test_csv_chunk_boundaries_with_quoted_newlines(dirs) -> None:
    landing, lake = dirs
    rows = [[f"S{i}", f'名\n{i},"x"', "001", "RM", "A", "20200101"] for i in range(30)]
    rows += [rows[2]]
    write_batch(landing, "org", {"org_staff": rows})
    result = extract_batch("org", BIZ_DATE, landing, lake, chunk_bytes=23)
    assert result.tables[1].raw_rows == 30
    assert result.tables[1].quarantined["duplicate"] == 1
    r = raw(lake, "org", "org_staff")
    assert r.column("name").to_pylist() == [f'名\n{i},"x"' for i in range(30)]
    assert r.column("_line_no").to_pylist() == [2 + 2 * i for i in range(30)]
    q = quarantine(lake, "org", "org_staff")
    assert q.column("detail").to_pylist() == ["exact duplicate of line 6"]


def test_control_totals_to_the_cent_per_currency(dirs) -> None:
    landing, lake = dirs
    balances = [
        balance(1, "CNY", "0.10", "0.01"),
        balance(2, "CNY", "0.20", "0.02"),
        balance(3, "USD", "12345678901234.99", "1.00"),
        balance(4, "USD", "-0.99", "0.00"),
        balance(5, "CNY", "1,000.00", "0.00"),  # not a number: counted, excluded
        balance(6, "HKD", "", "0.50"),
    ]
    txns = [
        ["T1", "1", "20261103000000", "D", "10.01", "ATM", "", "取现"],
        ["T2", "1", "20261103000001", "C", "0.99", "MOB", "", ""],
        ["T3", "1", "20261103000002", "D", "0.02", "POS", "", ""],
    ]
    write_batch(landing, "core", {"core_balance": balances, "core_txn": txns})
    extract_batch("core", BIZ_DATE, landing, lake)
    t = pq.read_table(lake / "control/control_totals/system=core" / PART).to_pylist()
    got = {(r["table_name"], r["measure"], r["currency"]): r for r in t}
    cny = got["core_balance", "balance", "CNY"]
    assert str(cny["total"]) == "0.30"
    assert (cny["row_count"], cny["unparseable_rows"], cny["unit"]) == (2, 1, "yuan")
    assert str(got["core_balance", "balance", "USD"]["total"]) == "12345678901234.00"
    assert got["core_balance", "balance", "HKD"]["unparseable_rows"] == 1
    assert str(got["core_balance", "accrued_interest", "CNY"]["total"]) == "0.03"
    assert str(got["core_txn", "amount_D", "CNY"]["total"]) == "10.03"
    assert str(got["core_txn", "amount_C", "CNY"]["total"]) == "0.99"
    assert got["core_txn", "amount_D", "CNY"]["row_count"] == 2


def test_fen_totals(dirs) -> None:
    landing, lake = dirs
    txns = [
        ["A1", "6222", "20261103000000", "1999", "5411", "PUR"],
        ["A2", "6222", "20261103000000", "-500", "5411", "RFD"],
        ["A3", "6222", "20261103000000", "1", "5411", "PUR"],
        ["A4", "6222", "20261103000000", "1.5", "", "PUR"],
    ]
    write_batch(landing, "card", {"card_txn": txns})
    extract_batch("card", BIZ_DATE, landing, lake)
    t = pq.read_table(lake / "control/control_totals/system=card" / PART).to_pylist()
    got = {(r["measure"], r["currency"]): r for r in t if r["table_name"] == "card_txn"}
    assert str(got["amount_PUR", "CNY"]["total"]) == "2000.00"
    assert got["amount_PUR", "CNY"]["unparseable_rows"] == 1
    assert got["amount_PUR", "CNY"]["unit"] == "fen"
    assert str(got["amount_RFD", "CNY"]["total"]) == "-500.00"
    # Empty money tables still report their measure, at zero.
    stmt = [r for r in t if r["table_name"] == "card_statement"]
    assert [(r["measure"], str(r["total"]), r["row_count"]) for r in stmt] == [
        ("outstanding", "0.00", 0)
    ]


@pytest.mark.parametrize("chunk", [7, 33, 128])
def test_crlf_chunk_edges_split_between_cr_and_lf(dirs, chunk: int) -> None:
    landing, lake = dirs
    stmts = [[f"62220000000{i:05d}", str(i * 100), str(i % 4)] for i in range(25)]
    stmts += [stmts[5], ["6222", "1\n2", "0"]]  # a bare LF inside a CRLF record is data
    write_batch(landing, "card", {"card_statement": stmts})
    result = extract_batch("card", BIZ_DATE, landing, lake, chunk_bytes=chunk)
    t = next(t for t in result.tables if t.table == "card_statement")
    assert (t.declared_rows, t.raw_rows, t.quarantined["duplicate"]) == (27, 26, 1)
    r = raw(lake, "card", "card_statement")
    assert r.column("overdue_days").to_pylist() == [str(i % 4) for i in range(25)] + ["0"]
    assert r.column("outstanding").to_pylist()[-1] == "1\n2"
    assert r.column("_line_no").to_pylist() == [*range(1, 26), 27]
    q = quarantine(lake, "card", "card_statement")
    assert q.column("detail").to_pylist() == ["exact duplicate of line 6"]
    assert q.column("raw_bytes").to_pylist() == [b"6222000000000005\x1b500\x1b1"]


def test_csv_in_gb18030_with_crlf(dirs) -> None:
    """FORMAT, ENCODING and RECORD_SEP are independent in the flag file; all combinations work."""
    landing, lake = dirs
    staff = [
        ["S1", "王\r\n五", "001", "RM", "A", "20200101"],
        ["S2", '李,"四"', "001", "TLR", "A", "20200101"],
        ["S3", "赵六", "002", "MGR", "L", ""],
    ]
    write_batch(landing, "org", {"org_staff": staff}, encoding="GB18030", record_sep="CRLF")
    result = extract_batch("org", BIZ_DATE, landing, lake, chunk_bytes=16)
    assert result.tables[1].raw_rows == 3
    r = raw(lake, "org", "org_staff")
    assert r.column("name").to_pylist() == ["王\r\n五", '李,"四"', "赵六"]
    assert r.column("hire_date").to_pylist() == ["20200101", "20200101", None]
    assert r.column("_line_no").to_pylist() == [2, 4, 5]


def test_delimited_utf8_with_other_separator(dirs) -> None:
    landing, lake = dirs
    recs = [["CNY", "1.000000"], ["USD", "7.123400"], b"EUR|7.8|x"]
    write_batch(landing, "core", {"core_fx_rate": recs}, encoding="UTF-8", field_sep=b"|")
    result = extract_batch("core", BIZ_DATE, landing, lake)
    fx = next(t for t in result.tables if t.table == "core_fx_rate")
    assert (fx.raw_rows, fx.quarantined["field_count"]) == (2, 1)
    assert raw(lake, "core", "core_fx_rate").column("currency").to_pylist() == ["CNY", "USD"]
