"""The per-date reconciliation report: completeness, row accuracy, control totals, extensibility."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

import tests.quality.qfixtures as qf
from crmwh import config
from orchestration.quality.reconciliation_report import Section, write_report
from tests.quality.qfixtures import BIZ_DATE

YMD = f"{BIZ_DATE:%Y%m%d}"


def deliver_and_extract(data_dir: Path, system: str) -> None:
    """A landed flag file, the extractor's state json and every table's raw partition."""
    batch = data_dir / "landing" / system / YMD
    batch.mkdir(parents=True, exist_ok=True)
    (batch / f"{system}_{YMD}.ok").write_text(f"SYSTEM={system}\n")
    state = data_dir / "lake" / "control" / "batches" / system / f"{YMD}.json"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(
        json.dumps(
            {
                "status": "extracted",
                "batch_id": qf.batch_id(system, BIZ_DATE),
                "redelivery": 0,
                "extracted_at": "2026-11-04T02:00:00+00:00",
            }
        )
    )
    for table in config.TABLES[system]:
        qf.write_raw(data_dir / "lake", table, BIZ_DATE)


def section(report: dict, title_start: str) -> dict:
    return next(s for s in report["sections"] if s["title"].startswith(title_start))


def test_complete_day_reconciles(data_dir: Path) -> None:
    for system in config.SYSTEMS:
        deliver_and_extract(data_dir, system)
    json_path, md_path, report = write_report(BIZ_DATE)
    assert report["ok"], [s["issues"] for s in report["sections"]]
    assert json_path == data_dir / "quality" / "reconciliation" / "2026-11-03.json"
    assert json.loads(json_path.read_text())["biz_date"] == "2026-11-03"
    rows = section(report, "Rows")["rows"]
    assert len(rows) == 16 and all(r["reconciled"] for r in rows)
    assert "reconciled" in md_path.read_text().splitlines()[0]


def test_missing_refused_and_unreconciled_batches_are_reported(data_dir: Path) -> None:
    for system in ("core", "card", "org"):
        deliver_and_extract(data_dir, system)
    refusal = data_dir / "lake" / "control" / "refusals" / "loan" / f"{YMD}.json"
    refusal.parent.mkdir(parents=True)
    refusal.write_text(json.dumps({"reason": "loan_contract: ROWS 10 declared, 9 found"}))
    # core_txn: the flag file declared 15, raw holds 12 and nothing was quarantined.
    qf.write_raw(data_dir / "lake", "core_txn", BIZ_DATE, declared_rows=15)
    _, md_path, report = write_report(BIZ_DATE)
    assert not report["ok"]
    batches = section(report, "Batches")
    assert {r["system"]: r["delivered"] for r in batches["rows"]}["chan"] is False
    issues = " ".join(batches["issues"])
    assert "loan: batch refused: loan_contract: ROWS" in issues
    assert "chan: batch not delivered" in issues
    rows = section(report, "Rows")
    assert [i for i in rows["issues"] if i.startswith("core.core_txn: declared 15")]
    assert "NOT reconciled" in md_path.read_text()


def test_control_totals_and_extra_sections(data_dir: Path) -> None:
    deliver_and_extract(data_dir, "core")
    totals = data_dir / "lake/control/control_totals/system=core" / f"biz_date={BIZ_DATE}"
    totals.mkdir(parents=True)
    pq.write_table(
        pa.table(
            {
                "system": ["core"],
                "table_name": ["core_balance"],
                "biz_date": pa.array([BIZ_DATE], pa.date32()),
                "redelivery": pa.array([0], pa.int32()),
                "measure": ["balance"],
                "currency": ["CNY"],
                "unit": ["yuan"],
                "row_count": [11],
                "total": pa.array([Decimal("1234567.89")], pa.decimal128(38, 2)),
                "unparseable_rows": [1],
            }
        ),
        totals / "part-0.parquet",
    )
    staged = Section(
        "Staged totals against control totals",
        rows=[{"measure": "core_balance.balance CNY", "control": "1234567.89", "staged": "1.00"}],
        ok=False,
        issues=["core_balance.balance CNY: staged 1.00 != control 1234567.89"],
    )
    _, md_path, report = write_report(BIZ_DATE, extra_sections=[staged])
    ct = section(report, "Control totals")
    assert ct["rows"][0]["total"] == "1234567.89"
    assert ct["ok"] and ct["issues"] == []
    assert "1 rows with an amount that is not a number" in ct["notes"][0]
    assert section(report, "Staged totals")["ok"] is False
    assert not report["ok"]
    assert "## Staged totals against control totals: ISSUES" in md_path.read_text()
