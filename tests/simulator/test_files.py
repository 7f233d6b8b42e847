"""Every file of every batch follows the interface spec (sections 1-5)."""

from __future__ import annotations

import hashlib

import polars as pl

from crmwh.config import SYSTEMS, TABLES
from simulator.testing import Bank, read_flag, read_table, split_records
from tests.simulator.spec import CODES, COLUMNS, DATES, FLAG, INTEGERS, TIMESTAMPS, YUAN

FLAG_KEYS = ["SYSTEM", "BIZ_DATE", "ENCODING", "FORMAT", "FIELD_SEP", "RECORD_SEP", "REDELIVERY"]


def _defect_lines(defects: pl.DataFrame, kinds: list[str]) -> set[tuple[str, int]]:
    d = defects.filter(pl.col("defect_kind").is_in(kinds) & pl.col("line_no").is_not_null())
    return set(zip(d["file"].to_list(), d["line_no"].to_list(), strict=True))


def test_layout_and_flag_files(bank: Bank) -> None:
    for system in SYSTEMS:
        for day in bank.dates:
            ymd = f"{day:%Y%m%d}"
            d = bank.batch_dir(system, day)
            flag = d / f"{system}_{ymd}.ok"
            assert flag.exists(), flag
            raw = flag.read_bytes()
            assert raw.endswith(b"\n") and b"\r" not in raw
            pairs, files = read_flag(flag)
            enc, fmt, sep, rs = FLAG[system]
            assert pairs[: len(FLAG_KEYS)] == list(
                zip(FLAG_KEYS, [system, ymd, enc, fmt, sep, rs, "0"], strict=True)
            )
            assert [k for k, _ in pairs[len(FLAG_KEYS) :]] == ["FILE"] * len(TABLES[system])
            expected = [f"{t}_{ymd}.dat" for t in TABLES[system]]
            assert list(files) == expected
            assert sorted(p.name for p in d.glob("*.dat")) == sorted(expected)
            for name, attrs in files.items():
                assert list(attrs) == ["ROWS", "BYTES", "MD5"]
                data = (d / name).read_bytes()
                assert int(attrs["BYTES"]) == len(data)
                assert attrs["MD5"] == hashlib.md5(data).hexdigest()
                records = split_records(system, data)
                header = 1 if fmt == "CSV" else 0
                assert int(attrs["ROWS"]) == len(records) - header


def test_record_separators(bank: Bank) -> None:
    for system in SYSTEMS:
        crlf = FLAG[system][3] == "CRLF"
        for path in (bank.landing / system).rglob("*.dat"):
            data = path.read_bytes()
            if not data:
                continue
            if crlf:
                assert data.endswith(b"\r\n")
                assert data.count(b"\n") == data.count(b"\r\n"), path
            else:
                assert data.endswith(b"\n") and b"\r" not in data, path


def test_csv_files_have_header_even_when_empty(bank: Bank) -> None:
    for system in ("org", "chan"):
        for table in TABLES[system]:
            for day in bank.dates:
                path = bank.batch_dir(system, day) / f"{table}_{day:%Y%m%d}.dat"
                header, _ = read_table(path, system)
                assert header == COLUMNS[table]


def test_encoding_and_field_counts(bank: Bank, defects: pl.DataFrame) -> None:
    bad_enc = _defect_lines(defects, ["bad_encoding"])
    bad_fc = _defect_lines(defects, ["field_count"])
    seen_enc = seen_fc = 0
    for system in SYSTEMS:
        for table in TABLES[system]:
            for day in bank.dates:
                name = f"{table}_{day:%Y%m%d}.dat"
                header, rows = read_table(bank.batch_dir(system, day) / name, system)
                first = 2 if header else 1
                for i, row in enumerate(rows):
                    line = i + first
                    if row is None:
                        assert (name, line) in bad_enc, (name, line)
                        seen_enc += 1
                    elif len(row) != len(COLUMNS[table]):
                        assert (name, line) in bad_fc, (name, line, row)
                        seen_fc += 1
    assert seen_enc == len(bad_enc) > 0
    assert seen_fc == len(bad_fc) > 0


def test_no_field_contains_separator_or_line_break(frames: dict) -> None:
    for (table, _), df in frames.items():
        for col in COLUMNS[table]:
            bad = df.filter(pl.col(col).str.contains("[\x1b\r\n]"))
            assert bad.is_empty(), (table, col)


def test_code_lists(frames: dict, defects: pl.DataFrame) -> None:
    for (table, col), allowed in CODES.items():
        values = set()
        for (t, _), df in frames.items():
            if t == table:
                values |= set(df[col].drop_nulls().unique().to_list())
        assert values, (table, col)
        assert values <= allowed, (table, col, values - allowed)


def _bad_value_lines(defects: pl.DataFrame, kind: str) -> pl.DataFrame:
    return defects.filter(pl.col("defect_kind") == kind).select(
        "file", pl.col("line_no").alias("_line_no")
    )


def test_dates_timestamps_and_amounts(bank: Bank, frames: dict, defects: pl.DataFrame) -> None:
    checks = [
        (DATES, r"^\d{8}$", "bad_date"),
        (TIMESTAMPS, r"^\d{14}$", None),
        (YUAN, r"^-?\d+\.\d{2}$", "bad_amount"),
        (INTEGERS, r"^-?\d+$", "bad_amount"),
    ]
    injected = {"bad_date": 0, "bad_amount": 0}
    for cols_by_table, pattern, kind in checks:
        for (table, day), df in frames.items():
            cols = cols_by_table.get(table, [])
            if not cols:
                continue
            name = f"{table}_{day:%Y%m%d}.dat"
            df = df.with_columns(pl.lit(name).alias("file"))
            for col in cols:
                bad = df.filter(pl.col(col).is_not_null() & ~pl.col(col).str.contains(pattern))
                if kind:
                    allowed = _bad_value_lines(defects, kind)
                    assert bad.join(allowed, on=["file", "_line_no"], how="anti").is_empty(), (
                        table,
                        col,
                        bad.head(),
                    )
                    injected[kind] += len(bad)
                else:
                    assert bad.is_empty(), (table, col, bad.head())
            if cols_by_table is DATES:
                for col in cols:
                    v = df.filter(pl.col(col).str.contains(r"^\d{8}$"))[col]
                    v = v.filter(~v.is_in(["00000000", "99991231"]))
                    parsed = v.str.strptime(pl.Date, "%Y%m%d", strict=False)
                    listed = _bad_value_lines(defects, "bad_date")
                    unparsed = df.filter(
                        pl.col(col).is_in(v.filter(parsed.is_null()).implode())
                    ).join(listed, on=["file", "_line_no"], how="anti")
                    assert unparsed.is_empty(), (table, col, unparsed.head())
    assert injected["bad_date"] > 0 and injected["bad_amount"] > 0


def test_fx_rates_cover_every_currency_held(frames: dict, bank: Bank) -> None:
    for day in bank.dates:
        fx = frames[("core_fx_rate", day)]
        bal = frames[("core_balance", day)]
        assert set(bal["currency"].unique()) <= set(fx["currency"])
        assert fx.filter(pl.col("currency") == "CNY")["rate_to_cny"].to_list() == ["1.000000"]
        assert fx["rate_to_cny"].str.contains(r"^\d+\.\d{6}$").all()
        assert fx["currency"].is_unique().all()


def test_keys_unique_in_full_and_delta_files(frames: dict, defects: pl.DataFrame) -> None:
    keys = {
        "core_customer": "cust_no",
        "core_account": "acct_no",
        "core_balance": "acct_no",
        "card_holder": "holder_id",
        "card_account": "card_no",
        "card_statement": "card_no",
        "loan_customer": "loan_cust_id",
        "loan_contract": "contract_no",
        "loan_balance": "contract_no",
        "org_branch": "branch_code",
        "org_staff": "staff_id",
        "core_txn": "txn_id",
        "card_txn": "auth_id",
        "chan_consent": "event_id",
    }
    dup_lines = _bad_value_lines(defects, "duplicate_record")
    for (table, day), df in frames.items():
        if table not in keys:
            continue
        name = f"{table}_{day:%Y%m%d}.dat"
        df = df.with_columns(pl.lit(name).alias("file")).join(
            dup_lines, on=["file", "_line_no"], how="anti"
        )
        assert df[keys[table]].is_unique().all(), (table, day)
