"""Small, valid raw-lake partitions written exactly as contracts.md describes them.

Each table gets ``n`` rows whose every field is valid per the interface spec, the lineage columns,
and the matching reconciliation row in ``lake/control/reconciliation``. Tests then corrupt one
thing and expect the table's suite to fail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from crmwh import config

BIZ_DATE = dt.date(2026, 11, 3)
LINEAGE = ["_batch_id", "_redelivery", "_source_file", "_line_no", "_loaded_at", "_biz_date"]

Col = Callable[[int], str | None]


def _cycle(*values: str | None) -> Col:
    return lambda i: values[i % len(values)]


D = _cycle("20200115", "19851231", "20261101")
TS = _cycle("20261103101530", "20261103235959")
BRANCH = _cycle("B001", "110000", "SZ01")
FX = ("CNY", "USD", "HKD", "EUR", "JPY", "GBP", "AUD", "CAD", "CHF", "SGD", "NZD", "KRW", "THB")

# column -> value of row i, for every table, in spec order.
COLUMNS: dict[str, dict[str, Col]] = {
    "core_customer": {
        "cust_no": lambda i: f"C{i:010d}",
        "cust_type": _cycle("1", "2"),
        "cust_name": _cycle("张三", "某某有限公司"),
        "cert_type": _cycle("101", "201", None),
        "cert_no": _cycle("11010519491231002X", "91350100M000100Y43", None),
        "gender": _cycle("1", "2", None),
        "birth_date": D,
        "mobile": _cycle("13800138000"),
        "address": _cycle("北京市朝阳区"),
        "open_date": D,
        "open_branch": BRANCH,
        "status": _cycle("A", "C"),
        "upd_ts": TS,
    },
    "core_account": {
        "acct_no": lambda i: f"{6222000000000000000 + i}",
        "cust_no": lambda i: f"C{i:010d}",
        "product_code": _cycle("D01", "T12", "C01"),
        "currency": _cycle("CNY", "USD"),
        "open_date": D,
        "close_date": _cycle("99991231"),
        "branch_code": BRANCH,
        "status": _cycle("A", "D", "F", "C"),
        "upd_ts": TS,
    },
    "core_balance": {
        "acct_no": lambda i: f"{6222000000000000000 + i}",
        "currency": _cycle("CNY", "USD"),
        "balance": _cycle("12345.67", "-3.00", "0.00"),
        "accrued_interest": _cycle("1.23", "0.00"),
    },
    "core_txn": {
        "txn_id": lambda i: f"T{i:012d}",
        "acct_no": lambda i: f"{6222000000000000000 + i}",
        "txn_ts": TS,
        "dr_cr": _cycle("D", "C"),
        "amount": _cycle("100.00", "0.01"),
        "channel": _cycle("CNT", "ATM", "MOB", "WEB", "POS", "SYS"),
        "counterparty_acct": _cycle(None, "6222000000000000001"),
        "memo": _cycle("工资", None),
    },
    "core_fx_rate": {
        "currency": lambda i: FX[i % len(FX)],
        "rate_to_cny": _cycle("1.000000", "7.123400"),
    },
    "card_holder": {
        "holder_id": lambda i: f"H{i:012d}",
        "name": _cycle("李四"),
        "cert_type": _cycle("101", None),
        "cert_no": _cycle("11010519491231002X", None),
        "gender": _cycle("1", "2", "0", "9"),
        "birth_date": D,
        "mobile": _cycle("13900139000"),
        "employer": _cycle("某公司", None),
        "annual_income": _cycle("120000", None),
        "education": _cycle("10", "20", "90"),
        "occupation": _cycle("1", "8"),
        "address": _cycle("上海市"),
        "upd_ts": TS,
    },
    "card_account": {
        "card_no": lambda i: f"{6225880000000000 + i}" if i % 2 else f"{6217000000000000000 + i}",
        "holder_id": lambda i: f"H{i:012d}",
        "card_kind": _cycle("D", "C"),
        "linked_acct_no": _cycle("6222000000000000001", None),
        "credit_limit": _cycle("0", "5000000"),
        "open_date": D,
        "status": _cycle("A", "L", "C"),
        "issue_branch": BRANCH,
        "upd_ts": TS,
    },
    "card_txn": {
        "auth_id": lambda i: f"A{i:012d}",
        "card_no": lambda i: f"{6225880000000000 + i}",
        "txn_ts": TS,
        "amount": _cycle("12345", "-500"),
        "mcc": _cycle("5411", None),
        "txn_type": _cycle("PUR", "RFD", "CSH", "REP", "FEE"),
    },
    "card_statement": {
        "card_no": lambda i: f"{6225880000000000 + i}",
        "outstanding": _cycle("0", "123456"),
        "overdue_days": _cycle("0", "31"),
    },
    "loan_customer": {
        "loan_cust_id": lambda i: f"L{i:010d}",
        "cust_kind": _cycle("P", "E"),
        "name": _cycle("王五", "某某（集团）有限公司"),
        "cert_type": _cycle("101", "201"),
        "cert_no": _cycle("11010519491231002X", "91350100M000100Y43"),
        "gender": _cycle("1", None),
        "birth_date": _cycle("19800101", None),
        "mobile": _cycle("13700137000"),
        "occupation": _cycle("2", None),
        "annual_income": _cycle("300000", None),
        "education": _cycle("20", None),
        "industry_code": _cycle(None, "C36"),
        "ent_nature": _cycle(None, "3"),
        "ent_scale": _cycle(None, "S"),
        "credit_rating": _cycle(None, "AA"),
        "legal_rep_name": _cycle(None, "赵六"),
        "legal_rep_cert_no": _cycle(None, "11010519491231002X"),
        "reg_capital": _cycle(None, "10000000.00"),
        "address": _cycle("广州市"),
        "upd_ts": TS,
    },
    "loan_contract": {
        "contract_no": lambda i: f"LC{i:010d}",
        "loan_cust_id": lambda i: f"L{i:010d}",
        "product_code": _cycle("PL", "ML", "BW"),
        "contract_amount": _cycle("500000.00"),
        "currency": _cycle("CNY"),
        "start_date": D,
        "maturity_date": _cycle("20361231"),
        "interest_rate": _cycle("4.3500"),
        "branch_code": BRANCH,
        "status": _cycle("A", "S", "W"),
        "upd_ts": TS,
    },
    "loan_balance": {
        "contract_no": lambda i: f"LC{i:010d}",
        "principal_balance": _cycle("400000.00", "0.00"),
        "overdue_days": _cycle("0", "95"),
        "five_class": _cycle("1", "2", "3", "4", "5"),
    },
    "org_branch": {
        "branch_code": lambda i: f"B{i:03d}",
        "branch_name": _cycle("总行", "北京分行"),
        "branch_level": lambda i: str(min(i + 1, 5)),
        "parent_code": lambda i: None if i == 0 else "B000",
        "region_code": _cycle("110000"),
        "open_date": D,
        "status": lambda i: "M" if i == 3 else "A",
        "merged_into": lambda i: "B002" if i == 3 else None,
    },
    "org_staff": {
        "staff_id": lambda i: f"S{i:06d}",
        "name": _cycle("钱七"),
        "branch_code": BRANCH,
        "role": _cycle("RM", "TLR", "MGR", "OPS"),
        "status": _cycle("A", "L"),
        "hire_date": D,
    },
    "org_rm_assignment": {
        "source_system": _cycle("core", "card", "loan"),
        "source_cust_no": lambda i: [f"C{i:010d}", f"H{i:012d}", f"L{i:010d}"][i % 3],
        "staff_id": _cycle("S000001"),
        "start_date": _cycle("20260101"),
        "end_date": _cycle("99991231"),
    },
    "chan_consent": {
        "event_id": lambda i: f"E{i:010d}",
        "source_system": _cycle("core", "card", "loan"),
        "source_cust_no": lambda i: [f"C{i:010d}", f"H{i:012d}", f"L{i:010d}"][i % 3],
        "purpose": _cycle("MKT_SMS", "MKT_CALL", "MKT_APP", "PROFILING"),
        "action": _cycle("GRANT", "WITHDRAW"),
        "event_ts": TS,
        "channel": _cycle("MOB", "WEB", "CNT"),
    },
}

SYSTEM_OF = {t: s for s, ts in config.TABLES.items() for t in ts}


def batch_id(system: str, biz_date: dt.date, redelivery: int = 0) -> str:
    return f"{system}_{biz_date:%Y%m%d}_r{redelivery}"


def raw_rows(table: str, n: int) -> dict[str, list[str | None]]:
    """Valid rows of ``table`` as column lists (test data: small, built by comprehension)."""
    return {col: [f(i) for i in range(n)] for col, f in COLUMNS[table].items()}


def raw_table(table: str, biz_date: dt.date, columns: dict[str, list]) -> pa.Table:
    system = SYSTEM_OF[table]
    n = len(next(iter(columns.values())))
    day = f"{biz_date:%Y%m%d}"
    arrays = {c: pa.array(v, pa.string()) for c, v in columns.items()}
    arrays |= {
        "_batch_id": pa.array([batch_id(system, biz_date)] * n, pa.string()),
        "_redelivery": pa.array([0] * n, pa.int32()),
        "_source_file": pa.array([f"{table}_{day}.dat"] * n, pa.string()),
        "_line_no": pa.array(range(1, n + 1), pa.int64()),
        "_loaded_at": pa.array(
            [dt.datetime(2026, 11, 4, 2, 0, tzinfo=dt.UTC)] * n, pa.timestamp("us", tz="UTC")
        ),
        "_biz_date": pa.array([biz_date] * n, pa.date32()),
    }
    return pa.table(arrays)


def write_raw(
    lake: Path,
    table: str,
    biz_date: dt.date,
    n: int = 12,
    *,
    columns: dict[str, list] | None = None,
    declared_rows: int | None = None,
    quarantined_rows: int = 0,
) -> Path:
    """Write the raw partition and its reconciliation row; return the partition directory."""
    system = SYSTEM_OF[table]
    cols = columns if columns is not None else raw_rows(table, n)
    arrow = raw_table(table, biz_date, cols)
    part = lake / "raw" / system / table / f"biz_date={biz_date.isoformat()}"
    part.mkdir(parents=True, exist_ok=True)
    pq.write_table(arrow, part / "part-0.parquet")
    declared = arrow.num_rows + quarantined_rows if declared_rows is None else declared_rows
    write_reconciliation(lake, system, table, biz_date, declared, arrow.num_rows, quarantined_rows)
    return part


def write_reconciliation(
    lake: Path,
    system: str,
    table: str,
    biz_date: dt.date,
    declared: int,
    raw: int,
    quarantined: int,
) -> None:
    """Upsert one table's row in the system's reconciliation partition for ``biz_date``."""
    part = lake / "control" / "reconciliation" / f"system={system}" / f"biz_date={biz_date}"
    part.mkdir(parents=True, exist_ok=True)
    path = part / "part-0.parquet"
    rows = pq.read_table(path).to_pylist() if path.exists() else []
    rows = [r for r in rows if r["table_name"] != table]
    rows.append(
        {
            "system": system,
            "table_name": table,
            "biz_date": biz_date,
            "batch_id": batch_id(system, biz_date),
            "redelivery": 0,
            "declared_rows": declared,
            "raw_rows": raw,
            "quarantined_rows": quarantined,
            "quarantined_field_count": quarantined,
            "quarantined_encoding": 0,
            "quarantined_duplicate": 0,
            "declared_bytes": 1000,
            "declared_md5": "0" * 32,
            "loaded_at": dt.datetime(2026, 11, 4, 2, 0, tzinfo=dt.UTC),
        }
    )
    schema = pa.schema(
        [
            ("system", pa.string()),
            ("table_name", pa.string()),
            ("biz_date", pa.date32()),
            ("batch_id", pa.string()),
            ("redelivery", pa.int32()),
            ("declared_rows", pa.int64()),
            ("raw_rows", pa.int64()),
            ("quarantined_rows", pa.int64()),
            ("quarantined_field_count", pa.int64()),
            ("quarantined_encoding", pa.int64()),
            ("quarantined_duplicate", pa.int64()),
            ("declared_bytes", pa.int64()),
            ("declared_md5", pa.string()),
            ("loaded_at", pa.timestamp("us", tz="UTC")),
        ]
    )
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
