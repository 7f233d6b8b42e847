"""Control totals: sums of the money columns of raw rows, exact to the cent, per currency.

Computed at extraction from the text as delivered, so later layers can prove they lost or
invented no money. Amount text is validated with a regular expression, cast to decimal(38,2)
and summed by Arrow per chunk; the few partial sums per group are added up in Python Decimal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.extract.columns import MONEY_MEASURES, MoneyMeasure

DECIMAL = pa.decimal128(38, 2)
_PATTERNS = {
    "yuan": r"^[+-]?[0-9]{1,30}(\.[0-9]{1,2})?$",
    "fen": r"^[+-]?[0-9]{1,30}$",
}

CONTROL_TOTALS_SCHEMA = pa.schema(
    [
        ("system", pa.string()),
        ("table_name", pa.string()),
        ("biz_date", pa.date32()),
        ("redelivery", pa.int32()),
        ("measure", pa.string()),
        ("currency", pa.string()),
        ("unit", pa.string()),
        ("row_count", pa.int64()),
        ("total", DECIMAL),
        ("unparseable_rows", pa.int64()),
    ]
)


@dataclass
class _Acc:
    unit: str
    rows: int = 0
    total: Decimal = Decimal("0.00")
    unparseable: int = 0


@dataclass
class ControlTotals:
    """Accumulates the control totals of one table over its chunks."""

    table: str
    groups: dict[tuple[str, str | None], _Acc] = field(default_factory=dict)

    @property
    def measures(self) -> tuple[MoneyMeasure, ...]:
        return MONEY_MEASURES.get(self.table, ())

    def add(self, raw: pa.Table) -> None:
        """Add the raw rows of one chunk (columns as text)."""
        for m in self.measures:
            amount = raw.column(m.column)
            ok = pc.fill_null(pc.match_substring_regex(amount, _PATTERNS[m.unit]), False)
            if m.split_by is None:
                key = pc.cast(pa.repeat(pa.scalar("CNY"), len(raw)), pa.string())
            else:
                key = raw.column(m.split_by)
            values = pc.if_else(ok, amount, pa.scalar(None, pa.string())).cast(DECIMAL)
            grouped = (
                pa.table({"k": key, "v": values, "bad": pc.invert(ok)})
                .group_by("k")
                .aggregate([("v", "sum"), ("v", "count"), ("bad", "sum")])
            )
            for row in grouped.to_pylist():  # one row per currency or code: a handful
                if m.split_by is None or m.split_is_currency:
                    measure, currency = m.column, row["k"]
                else:
                    measure, currency = f"{m.column}_{row['k'] or ''}", "CNY"
                acc = self.groups.setdefault((measure, currency), _Acc(m.unit))
                acc.rows += row["v_count"]
                acc.total += row["v_sum"] or Decimal("0.00")
                acc.unparseable += int(row["bad_sum"] or 0)

    def ensure_measures(self) -> None:
        """A money table with no rows still reports a zero CNY total for each measure."""
        if self.groups:
            return
        for m in self.measures:
            measure = m.column if (m.split_by is None or m.split_is_currency) else None
            if measure is not None:
                self.groups[(measure, "CNY")] = _Acc(m.unit)

    def to_table(self, system: str, biz_date: dt.date, redelivery: int) -> pa.Table:
        keys = sorted(self.groups, key=lambda k: (k[0], k[1] or ""))
        accs = [self.groups[k] for k in keys]
        n = len(keys)
        return pa.table(
            {
                "system": [system] * n,
                "table_name": [self.table] * n,
                "biz_date": [biz_date] * n,
                "redelivery": pa.array([redelivery] * n, pa.int32()),
                "measure": [k[0] for k in keys],
                "currency": [k[1] for k in keys],
                "unit": [a.unit for a in accs],
                "row_count": pa.array([a.rows for a in accs], pa.int64()),
                "total": pa.array([a.total for a in accs], DECIMAL),
                "unparseable_rows": pa.array([a.unparseable for a in accs], pa.int64()),
            },
            schema=CONTROL_TOTALS_SCHEMA,
        )
