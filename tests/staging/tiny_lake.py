"""A hand-made raw Parquet lake, exactly in the extractor's layout (contracts.md, "Raw lake").

Why: staging must be testable without the simulator and the extractor. The rows here are
chosen to exercise the tricky cases (15-digit and broken identity numbers, credit codes with
hyphenated organization codes, bad dates and amounts) so `dbt build --select staging` on this
lake proves the models, the rejects routing and the data tests end to end.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from crmwh.config import TABLES
from orchestration.extract.columns import TABLE_COLUMNS

# Spec column order per table (interface spec section 4): the raw lake is what the extractor
# writes, so the fixture takes the extractor's own column lists.
COLUMNS: dict[str, list[str]] = {table: list(cols) for table, cols in TABLE_COLUMNS.items()}

CSV_SYSTEMS = {"org", "chan"}


def write_raw(
    lake_dir: Path,
    table: str,
    biz_date: dt.date,
    rows: list[tuple[str | None, ...]],
    redelivery: int = 0,
) -> Path:
    """Write one raw partition: spec columns as strings (None = empty field) + lineage."""
    system = table.split("_", 1)[0]
    cols = COLUMNS[table]
    ymd = biz_date.strftime("%Y%m%d")
    first_line = 2 if system in CSV_SYSTEMS else 1
    n = len(rows)
    data: dict[str, pa.Array] = {
        c: pa.array([r[i] for r in rows], type=pa.string()) for i, c in enumerate(cols)
    }
    data["_batch_id"] = pa.array([f"{system}_{ymd}_r{redelivery}"] * n, pa.string())
    data["_redelivery"] = pa.array([redelivery] * n, pa.int32())
    data["_source_file"] = pa.array([f"{table}_{ymd}.dat"] * n, pa.string())
    data["_line_no"] = pa.array(list(range(first_line, first_line + n)), pa.int64())
    loaded = dt.datetime(2026, 11, 29, 1, 0, tzinfo=dt.UTC)
    data["_loaded_at"] = pa.array([loaded] * n, pa.timestamp("us", tz="UTC"))
    data["_biz_date"] = pa.array([biz_date] * n, pa.date32())
    path = lake_dir / "raw" / system / table / f"biz_date={biz_date.isoformat()}" / "part-0.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(data), path)
    return path


D1 = dt.date(2026, 11, 1)
D2 = dt.date(2026, 11, 2)

# A valid resident id (check char computed), its 15-digit form, and broken variants.
ID18 = "11010519491231002X"
ID15 = "110105491231002"  # -> 11010519491231002X
USCC = "91110000600037341L"  # embedded organization code 600037341 (check '1')
ORG_HYPHEN = "60003734-1"

FIXTURE: dict[str, dict[dt.date, list[tuple[str | None, ...]]]] = {
    "core_customer": {
        D1: [
            (
                "C0000000001",
                "1",
                "张 三",
                "101",
                ID18,
                "2",
                "19491231",
                "+86 138-0013-8000",
                "北京市",
                "20100101",
                "B001",
                "A",
                "20261101093000",
            ),
            (
                "C0000000002",
                "1",
                "李四",
                "101",
                ID15,
                "1",
                "19491231",
                "13800138001",
                "北京市",
                "19980101",
                "B001",
                "A",
                "20261101093000",
            ),
            (
                "C0000000003",
                "1",
                "王五",
                "101",
                ID18.lower(),
                None,
                "00000000",
                "12345",
                None,
                "20100101",
                "B001",
                "A",
                "20261101093000",
            ),
            (
                "C0000000004",
                "1",
                "赵六",
                "101",
                "１１０１０５１９４９１２３１００２Ｘ",
                None,
                None,
                None,
                None,
                "20100101",
                "B001",
                "A",
                "20261101093000",
            ),
            (
                "C0000000005",
                "1",
                "钱七",
                "101",
                "000000000000000000",
                None,
                "19800230",
                None,
                None,
                "20100101",
                "B001",
                "A",
                "20261101093000",
            ),
            (
                "C0000000006",
                "1",
                "孙八",
                "101",
                "110105194912310021",
                None,
                None,
                None,
                None,
                "19950101",
                "B001",
                "A",
                "20261101093000",
            ),
            (
                "C0000000007",
                "2",
                "北京某某科技有限责任公司",
                "201",
                USCC,
                None,
                None,
                None,
                None,
                "20100101",
                "B001",
                "A",
                "20261101093000",
            ),
            (
                "C0000000008",
                "2",
                "北京某某科技（集团）有限公司",
                "202",
                ORG_HYPHEN,
                None,
                None,
                None,
                None,
                "20100101",
                "B001",
                "A",
                "20261101093000",
            ),
            (
                None,
                "1",
                "无号",
                None,
                None,
                None,
                None,
                None,
                None,
                "20100101",
                "B001",
                "A",
                "20261101093000",
            ),
            (
                "C0000000009",
                "1",
                "周九",
                None,
                None,
                None,
                None,
                None,
                None,
                "19900101",
                "B001",
                "A",
                "2026110109300X",
            ),
        ],
        D2: [
            (
                "C0000000001",
                "1",
                "张三",
                "101",
                ID18,
                "2",
                "19491231",
                "13800138000",
                "上海市",
                "20100101",
                "B001",
                "A",
                "20261102100000",
            ),
        ],
    },
    "core_account": {
        D1: [
            (
                "6222000000000000001",
                "C0000000001",
                "D01",
                "CNY",
                "20100101",
                "99991231",
                "B001",
                "A",
                "20261101093000",
            ),
            (
                "6222000000000000002",
                "C0000000002",
                "T12",
                "USD",
                "20200101",
                "20251231",
                "B001",
                "C",
                "20261101093000",
            ),
        ],
    },
    "core_balance": {
        D1: [
            ("6222000000000000001", "CNY", "12345.67", "1.20"),
            ("6222000000000000002", "USD", "12,345.67", "0.00"),
        ],
        D2: [("6222000000000000001", "CNY", "12000.00", "1.25")],
    },
    "core_txn": {
        D1: [
            ("T1", "6222000000000000001", "20261101101010", "C", "500.00", "MOB", None, "工资"),
            ("T2", "6222000000000000001", "20261101111010", "D", "20.50", "POS", None, None),
        ],
    },
    "core_fx_rate": {D1: [("CNY", "1.000000"), ("USD", "7.123400")]},
    "card_holder": {
        D1: [
            (
                "H000000000001",
                "張三",
                "101",
                ID18,
                "2",
                "19491231",
                "138 0013 8000",
                "某公司",
                "120000",
                "20",
                "2",
                "北京市",
                "20261101093000",
            ),
        ],
    },
    "card_account": {
        D1: [
            (
                "6225880000000001",
                "H000000000001",
                "C",
                None,
                "5000000",
                "20200101",
                "A",
                "B001",
                "20261101093000",
            ),
        ],
    },
    "card_txn": {D1: [("A1", "6225880000000001", "20261101120000", "-15050", None, "REP")]},
    "card_statement": {D1: [("6225880000000001", "123456", "0")]},
    "loan_customer": {
        D1: [
            (
                "L0000000001",
                "P",
                "张三",
                "101",
                ID18,
                "2",
                "19491231",
                "13800138000",
                "2",
                "150000",
                "20",
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                "北京市",
                "20261101093000",
            ),
            (
                "L0000000002",
                "E",
                "北京某某科技有限公司",
                "201",
                USCC,
                None,
                None,
                None,
                None,
                None,
                None,
                "C36",
                "3",
                "M",
                "AA",
                "张三",
                ID18,
                "1000000.00",
                "北京市",
                "20261101093000",
            ),
        ],
    },
    "loan_contract": {
        D1: [
            (
                "LC001",
                "L0000000001",
                "ML",
                "1000000.00",
                "CNY",
                "20200101",
                "20500101",
                "4.1000",
                "B001",
                "A",
                "20261101093000",
            ),
        ],
    },
    "loan_balance": {D1: [("LC001", "800000.00", "0", "1")]},
    "org_branch": {
        D1: [
            ("HO", "总行", "1", None, "110000", "19900101", "A", None),
            ("B001", "北京分行", "2", "HO", "110000", "19950101", "A", None),
        ],
    },
    "org_staff": {D1: [("S001", "刘经理", "B001", "RM", "A", "20150101")]},
    "org_rm_assignment": {D1: [("core", "C0000000001", "S001", "20200101", "99991231")]},
    "chan_consent": {
        D1: [("E1", "core", "C0000000001", "MKT_SMS", "GRANT", "20200101080000", "MOB")],
    },
}


def build_tiny_lake(lake_dir: Path) -> dict[tuple[str, dt.date], int]:
    """Write the fixture lake (every table of every system); return raw rows per (table, date)."""
    counts: dict[tuple[str, dt.date], int] = {}
    for tables in TABLES.values():
        for table in tables:
            for biz_date, rows in FIXTURE.get(table, {D1: []}).items():
                write_raw(lake_dir, table, biz_date, rows)
                counts[(table, biz_date)] = len(rows)
    return counts
