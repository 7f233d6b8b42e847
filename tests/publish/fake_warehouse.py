"""A small fake warehouse with a ``serving`` schema, shaped like the real contract.

Branch tree (codes deliberately do not encode the hierarchy, as in the interface spec)::

    HQ0 (1)
    ├── GD (2)
    │   ├── GZ (3)
    │   │   ├── TH (4): O11, O12, O13 (5; O13 merges into O12 on MERGE_DATE)
    │   │   └── YX (4): O21 (5)
    │   └── SZ (3)
    │       └── FT (4): O31 (5)
    └── ZJ (2)
        └── HZ (3)
            └── XH (4): O41, O42 (5)

Tables: ``dim_branch`` (with history rows), ``mart_customer_daily`` (customer level, masked and
pseudonymised columns, O13's customers booked under O12 from MERGE_DATE), ``mart_branch_kpi_daily``
(one row per branch and date at every level, lower codes NULL), ``pub_dim_date`` (reference).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

MERGE_DATE = dt.date(2026, 11, 3)
DATES = [dt.date(2026, 11, 1) + dt.timedelta(days=i) for i in range(4)]

# code: (name, level, parent)
TREE: dict[str, tuple[str, int, str | None]] = {
    "HQ0": ("总行", 1, None),
    "GD": ("广东省分行", 2, "HQ0"),
    "ZJ": ("浙江省分行", 2, "HQ0"),
    "GZ": ("广州分行", 3, "GD"),
    "SZ": ("深圳分行", 3, "GD"),
    "HZ": ("杭州分行", 3, "ZJ"),
    "TH": ("天河支行", 4, "GZ"),
    "YX": ("越秀支行", 4, "GZ"),
    "FT": ("福田支行", 4, "SZ"),
    "XH": ("西湖支行", 4, "HZ"),
    "O11": ("天河路网点", 5, "TH"),
    "O12": ("体育西网点", 5, "TH"),
    "O13": ("石牌网点", 5, "TH"),
    "O21": ("北京路网点", 5, "YX"),
    "O31": ("华强北网点", 5, "FT"),
    "O41": ("湖滨网点", 5, "XH"),
    "O42": ("文三路网点", 5, "XH"),
}
MERGED = {"O13": "O12"}
OUTLETS = [c for c, (_, lvl, _) in TREE.items() if lvl == 5]


def path_of(code: str) -> list[str]:
    """Codes from level 1 down to ``code``."""
    out = []
    node: str | None = code
    while node:
        out.append(node)
        node = TREE[node][2]
    return out[::-1]


def codes5(code: str) -> list[str | None]:
    p = path_of(code)
    return p + [None] * (5 - len(p))


def subtree(code: str) -> set[str]:
    return {c for c in TREE if code in path_of(c)}


def build(path: Path, customers_per_outlet: int = 20, plant: str | None = None) -> Path:
    """Write the fake warehouse to ``path``. ``plant`` adds raw PII of one kind to a text column:
    'id18', 'id15', 'mobile', 'card', 'name', 'fullwidth_id' (for scanner tests)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists serving")
    branch_rows = []
    for code, (name, level, parent) in TREE.items():
        levels = codes5(code)
        if code in MERGED:
            branch_rows.append(
                (
                    code,
                    name,
                    level,
                    parent,
                    *levels,
                    "A",
                    DATES[0],
                    MERGE_DATE - dt.timedelta(days=1),
                )
            )
            branch_rows.append((code, name, level, parent, *levels, "M", MERGE_DATE, None))
        else:
            branch_rows.append((code, name, level, parent, *levels, "A", DATES[0], None))
    con.execute(
        "create table serving.dim_branch (branch_code varchar, branch_name varchar, branch_level integer,"
        " parent_code varchar, branch_l1_code varchar, branch_l2_code varchar, branch_l3_code varchar,"
        " branch_l4_code varchar, branch_l5_code varchar, status varchar, valid_from date, valid_to date)"
    )
    con.executemany(
        "insert into serving.dim_branch values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", branch_rows
    )

    # customer c of outlet o on date d; O13's customers are booked under O12 from MERGE_DATE.
    con.execute(
        "create temp table outlet_codes (outlet varchar, l1 varchar, l2 varchar, l3 varchar, l4 varchar, l5 varchar)"
    )
    con.executemany(
        "insert into outlet_codes values (?, ?, ?, ?, ?, ?)", [(o, *codes5(o)) for o in OUTLETS]
    )
    con.execute("create temp table dates as select unnest(?::date[]) as biz_date", [DATES])
    con.execute(
        f"""
        create table serving.mart_customer_daily as
        with cust as (
            select o.outlet, i as n, o.outlet || '-' || i as cust_id
            from outlet_codes as o, range({customers_per_outlet}) as r(i)
        ),
        booked as (
            select d.biz_date, c.cust_id, c.n,
                case when c.outlet = 'O13' and d.biz_date >= date '{MERGE_DATE}' then 'O12' else c.outlet end as outlet
            from cust as c cross join dates as d
        )
        select
            b.biz_date,
            translate(left(sha256('test-key|' || b.cust_id), 20), '0123456789', 'ghijklmnop') as customer_key,
            b.cust_id as test_customer_ref,
            '张*' || chr(cast(19977 + (b.n % 20) as integer)) as customer_name,
            '138****' || lpad(cast(b.n % 10000 as varchar), 4, '0') as mobile,
            '110101********' || lpad(cast(b.n % 10000 as varchar), 4, '0') as cert_no,
            '622588******' || lpad(cast(b.n % 10000 as varchar), 4, '0') as card_no,
            '广东省广州市天河区' as address,
            cast(1000 * (b.n + 1) as decimal(18, 2)) as aum,
            o.l1 as branch_l1_code, o.l2 as branch_l2_code, o.l3 as branch_l3_code,
            o.l4 as branch_l4_code, o.l5 as branch_l5_code
        from booked as b join outlet_codes as o on o.outlet = b.outlet
        """
    )
    con.execute(
        "create table serving.mart_branch_kpi_daily as "
        "select d.biz_date, b.branch_code, b.branch_level, 17 * b.branch_level as customers, "
        "b.branch_l1_code, b.branch_l2_code, b.branch_l3_code, b.branch_l4_code, b.branch_l5_code "
        "from serving.dim_branch as b cross join dates as d where b.valid_to is null"
    )
    con.execute(
        "create table serving.pub_dim_date as "
        "select biz_date as date_day, dayofweek(biz_date) as day_of_week from dates"
    )
    if plant:
        _plant(con, plant)
    con.close()
    return path


PLANTS = {
    "id18": "11010519491231002X",  # the GB 11643 standard's example, valid check digit
    "id15": "110105491231002",
    "mobile": "客户电话13812345678请回访",
    "card": "4111111111111111",
    "fullwidth_id": "１１０１０５１９４９１２３１００２Ｘ",
    "name": "张三丰",
}


def _plant(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    value = PLANTS[kind]
    con.execute(
        "update serving.mart_customer_daily set customer_name = ? where rowid = (select max(rowid) "
        "from serving.mart_customer_daily)",
        [value],
    )
