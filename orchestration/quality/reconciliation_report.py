"""Reconciliation report per business date, in the spirit of BCBS 239.

Principle 3 (accuracy and integrity): rows declared by each flag file against rows loaded to raw
plus quarantine, and raw partitions re-counted from their Parquet footers against the
reconciliation the extractor wrote. Principle 4 (completeness): batches expected (every system,
every day) against delivered (``.ok`` present), extracted and refused. Principle 5
(timeliness): when each flag file landed and when the batch was extracted. Control totals of
the money files come from ``lake/control/control_totals``; the staging and mart layers add their
own totals as extra sections (``extra_sections``), each reconciled against these.

Writes ``$CRM_DATA_DIR/quality/reconciliation/<YYYY-MM-DD>.json`` and ``.md``. Reads only
control files and Parquet footers, plus (when the warehouse holds them) one set-based query per
layer through a read-only connection: staged totals against the control totals, and the mart
reconciliation (``finance.rec_finance_daily``), to the cent.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crmwh import config
from orchestration.quality.loaders import partition_rows, read_control


@dataclass
class Section:
    """A titled table of rows in the report, with a verdict and the reasons it is not clean.

    Later layers pass theirs (staged totals, mart totals against control totals) to
    :func:`build_report`, so one report per date covers the whole chain.
    """

    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    ok: bool = True
    issues: list[str] = field(default_factory=list)  # breaks: the section is not clean
    notes: list[str] = field(default_factory=list)  # known defects reported, not breaks
    columns: list[str] | None = None  # column order in the markdown; default: keys of row 0


def report_dir() -> Path:
    return config.data_dir() / "quality" / "reconciliation"


def _ymd(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _mtime(path: Path) -> str | None:
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).isoformat(timespec="seconds")
    except FileNotFoundError:
        return None


def batches_section(biz_date: dt.date) -> Section:
    """Completeness and timeliness: every system is expected to deliver every business date."""
    landing, lake = config.landing_dir(), config.lake_dir()
    sec = Section(
        "Batches: expected, delivered, extracted, refused",
        columns=[
            "system",
            "expected",
            "delivered",
            "extracted",
            "refused",
            "batch_id",
            "redelivery",
            "flag_landed_at",
            "extracted_at",
            "refusal",
        ],
    )
    for system in config.SYSTEMS:
        flag = landing / system / _ymd(biz_date) / f"{system}_{_ymd(biz_date)}.ok"
        state = _read_json(lake / "control" / "batches" / system / f"{_ymd(biz_date)}.json")
        refusal = _read_json(lake / "control" / "refusals" / system / f"{_ymd(biz_date)}.json")
        extracted = bool(state and state.get("status") in ("extracted", "redelivered"))
        row = {
            "system": system,
            "expected": True,
            "delivered": flag.is_file(),
            "extracted": extracted,
            "refused": refusal is not None,
            "batch_id": state.get("batch_id") if state else None,
            "redelivery": state.get("redelivery") if state else None,
            "flag_landed_at": _mtime(flag),
            "extracted_at": state.get("extracted_at") if state else None,
            "refusal": refusal.get("reason") if refusal else None,
        }
        sec.rows.append(row)
        if refusal is not None:
            sec.issues.append(f"{system}: batch refused: {refusal.get('reason')}")
        elif not row["delivered"]:
            sec.issues.append(f"{system}: batch not delivered (no .ok flag)")
        elif not extracted:
            sec.issues.append(f"{system}: delivered but not extracted")
    sec.ok = not sec.issues
    return sec


def rows_section(biz_date: dt.date) -> Section:
    """Accuracy: declared = raw + quarantined per table, and raw re-counted from the lake."""
    lake = config.lake_dir()
    sec = Section(
        "Rows: declared by the flag file against loaded (raw + quarantine)",
        columns=[
            "system",
            "table",
            "batch_id",
            "declared_rows",
            "raw_rows",
            "quarantined_rows",
            "quarantined_field_count",
            "quarantined_encoding",
            "quarantined_duplicate",
            "raw_rows_in_lake",
            "quarantined_rows_in_lake",
            "reconciled",
        ],
    )
    for system in config.SYSTEMS:
        recon = read_control("reconciliation", system, biz_date)
        if recon is None:
            continue  # not extracted: the batches section already says why
        by_table = {r["table_name"]: r for r in recon.to_pylist()}
        for table in config.TABLES[system]:
            r = by_table.get(table)
            if r is None:
                sec.issues.append(f"{system}.{table}: no reconciliation row")
                continue
            part = f"biz_date={biz_date.isoformat()}"
            in_raw = partition_rows(lake / "raw" / system / table / part)
            in_quarantine = partition_rows(lake / "quarantine" / system / table / part) or 0
            reconciled = (
                r["declared_rows"] == r["raw_rows"] + r["quarantined_rows"]
                and in_raw == r["raw_rows"]
                and in_quarantine == r["quarantined_rows"]
            )
            sec.rows.append(
                {
                    "system": system,
                    "table": table,
                    "batch_id": r["batch_id"],
                    "declared_rows": r["declared_rows"],
                    "raw_rows": r["raw_rows"],
                    "quarantined_rows": r["quarantined_rows"],
                    "quarantined_field_count": r.get("quarantined_field_count"),
                    "quarantined_encoding": r.get("quarantined_encoding"),
                    "quarantined_duplicate": r.get("quarantined_duplicate"),
                    "raw_rows_in_lake": in_raw,
                    "quarantined_rows_in_lake": in_quarantine,
                    "reconciled": reconciled,
                }
            )
            if not reconciled:
                sec.issues.append(
                    f"{system}.{table}: declared {r['declared_rows']}, raw {r['raw_rows']} "
                    f"(lake holds {in_raw}), quarantined {r['quarantined_rows']} "
                    f"(lake holds {in_quarantine})"
                )
    sec.ok = not sec.issues
    return sec


def control_totals_section(biz_date: dt.date) -> Section:
    """The money files' totals at extraction: the anchor staged and mart totals reconcile to."""
    sec = Section(
        "Control totals at extraction",
        columns=[
            "system",
            "table_name",
            "measure",
            "currency",
            "unit",
            "row_count",
            "total",
            "unparseable_rows",
        ],
    )
    for system in config.SYSTEMS:
        totals = read_control("control_totals", system, biz_date)
        if totals is None:
            continue
        for r in totals.to_pylist():
            row = {c: r.get(c) for c in sec.columns or []}
            row["total"] = None if r.get("total") is None else str(r["total"])
            sec.rows.append(row)
            if r.get("unparseable_rows"):
                sec.notes.append(
                    f"{system}.{r['table_name']}.{r['measure']} {r['currency']}: "
                    f"{r['unparseable_rows']} rows with an amount that is not a number "
                    "(excluded from the total, rejected in staging)"
                )
    # Unparseable amounts are known source defects (notes), not a reconciliation break.
    return sec


def gates_section(biz_date: dt.date) -> Section:
    """The quality gates' verdicts for the date, from the result files the checks wrote."""
    results = config.data_dir() / "quality" / "results" / biz_date.isoformat()
    sec = Section(
        "Quality gates",
        columns=["suite", "verdict", "evaluated", "failed_error", "failed_warn", "error"],
    )
    for path in sorted(results.glob("*.json")):
        body = _read_json(path) or {}
        o = body.get("outcome") or {}
        sec.rows.append(
            {
                "suite": o.get("suite", path.stem),
                "verdict": o.get("severity") or "PASSED",
                "evaluated": o.get("evaluated"),
                "failed_error": len(o.get("errors") or []),
                "failed_warn": len(o.get("warnings") or []),
                "error": o.get("error"),
            }
        )
        if o.get("severity") == "ERROR":
            sec.issues.append(f"{o.get('suite', path.stem)}: ERROR gate failed")
    sec.ok = not sec.issues
    return sec


# Staged money per control-total measure, from the base models (every typed raw row, with the
# flag saying whether staging excluded it): the control total must equal staged + excluded.
STAGED_TOTALS_SQL = """
with control as (
    select
        system, table_name, measure, upper(trim(currency)) as currency,
        case when unit = 'fen' then total * 0.01 else total end as control_total
    from read_parquet('{lake}/control/control_totals/*/*/*.parquet', hive_partitioning = false)
    where biz_date = $biz_date
    qualify redelivery = max(redelivery) over (partition by system, table_name)
),
typed as (
    select 'core_balance' as table_name, 'balance' as measure, upper(currency) as currency,
        _is_excluded, balance as amount
    from staging.base_core__balances where biz_date = $biz_date
    union all
    select 'core_balance', 'accrued_interest', upper(currency), _is_excluded, accrued_interest
    from staging.base_core__balances where biz_date = $biz_date
    union all
    select 'core_txn', concat('amount_', dr_cr), 'CNY', _is_excluded, amount
    from staging.base_core__transactions where biz_date = $biz_date
    union all
    select 'card_txn', concat('amount_', txn_type), 'CNY', _is_excluded, amount
    from staging.base_card__transactions where biz_date = $biz_date
    union all
    select 'card_statement', 'outstanding', 'CNY', _is_excluded, outstanding
    from staging.base_card__statements where biz_date = $biz_date
    union all
    select 'card_account', 'credit_limit', 'CNY', _is_excluded, credit_limit
    from staging.base_card__accounts where biz_date = $biz_date
    union all
    select 'loan_contract', 'contract_amount', upper(currency), _is_excluded, contract_amount
    from staging.base_loan__contracts where biz_date = $biz_date
    union all
    select 'loan_balance', 'principal_balance', 'CNY', _is_excluded, principal_balance
    from staging.base_loan__balances where biz_date = $biz_date
),
staged as (
    select
        table_name, measure, currency,
        coalesce(sum(amount) filter (where not _is_excluded), 0) as staged_total,
        coalesce(sum(amount) filter (where _is_excluded), 0) as excluded_total
    from typed
    where amount is not null
    group by table_name, measure, currency
)
select
    coalesce(c.table_name, s.table_name) as table_name,
    coalesce(c.measure, s.measure) as measure,
    coalesce(c.currency, s.currency) as currency,
    c.control_total,
    s.staged_total,
    s.excluded_total,
    coalesce(c.control_total, 0) - coalesce(s.staged_total, 0) - coalesce(s.excluded_total, 0)
        as difference
from control as c
full outer join staged as s
    on c.table_name = s.table_name and c.measure = s.measure and c.currency = s.currency
order by 1, 2, 3
"""

MART_TOTALS_SQL = """
select
    table_name, measure, currency, control_total, staged_total, excluded_total, fact_total,
    fact_minus_staged, control_minus_staged_and_excluded
from finance.rec_finance_daily
where biz_date = $biz_date
order by table_name, measure, currency
"""


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def warehouse_sections(biz_date: dt.date) -> list[Section]:
    """Control totals against staged balances and mart totals, to the cent, when they exist.

    Read through a read-only connection (like the gates); nothing when there is no warehouse
    yet. A warehouse that exists but cannot be read (a writer holds it, a model is broken) is
    reported as an issue, never skipped silently.
    """
    from orchestration import warehouse
    from orchestration.quality.loaders import _execute

    wh = warehouse.current()
    if not wh.exists():
        return []
    sections: list[Section] = []
    try:
        with warehouse.connect(wh, attempts=5) as con:
            tables = {
                f"{r[0]}.{r[1]}"
                for r in con.sql(
                    "select table_schema, table_name from information_schema.tables"
                ).fetchall()
            }
            if "staging.base_core__balances" in tables:
                sections.append(_staged_section(con, _execute, biz_date))
            if "finance.rec_finance_daily" in tables:
                sections.append(_mart_section(con, _execute, biz_date))
    except warehouse.WarehouseError as exc:
        return [Section("Warehouse totals", ok=False, issues=[str(exc)])]
    return sections


def _staged_section(con: Any, execute: Any, biz_date: dt.date) -> Section:
    cols = ["table_name", "measure", "currency", "control_total", "staged_total",
            "excluded_total", "difference"]  # fmt: skip
    sec = Section("Staged totals against control totals (to the cent)", columns=cols)
    try:
        rows = execute(con, STAGED_TOTALS_SQL, biz_date).fetchall()
    except Exception as exc:  # a staging model that cannot be read is a break, not a skip
        sec.ok, sec.issues = False, [f"staged totals could not be computed: {exc}"]
        return sec
    for row in rows:
        r = dict(zip(cols, row, strict=True))
        if r["control_total"] is None:
            sec.issues.append(f"{r['table_name']}.{r['measure']} {r['currency']}: no control total")
        elif r["difference"] != 0:
            sec.issues.append(
                f"{r['table_name']}.{r['measure']} {r['currency']}: control "
                f"{_money(r['control_total'])} != staged {_money(r['staged_total'])} + "
                f"excluded {_money(r['excluded_total'])} (difference {_money(r['difference'])})"
            )
        sec.rows.append({k: _money(v) if k not in cols[:3] else v for k, v in r.items()})
    if not rows:
        sec.issues.append("no control totals and no staged money for the date")
    sec.ok = not sec.issues
    return sec


def _mart_section(con: Any, execute: Any, biz_date: dt.date) -> Section:
    cols = ["table_name", "measure", "currency", "control_total", "staged_total",
            "excluded_total", "fact_total", "fact_minus_staged",
            "control_minus_staged_and_excluded"]  # fmt: skip
    sec = Section("Mart totals against staged and control totals (finance.rec_finance_daily)",
                  columns=cols)  # fmt: skip
    try:
        rows = execute(con, MART_TOTALS_SQL, biz_date).fetchall()
    except Exception as exc:
        sec.ok, sec.issues = False, [f"mart totals could not be read: {exc}"]
        return sec
    for row in rows:
        r = dict(zip(cols, row, strict=True))
        for diff in ("fact_minus_staged", "control_minus_staged_and_excluded"):
            if r[diff] not in (None, 0):
                sec.issues.append(
                    f"{r['table_name']}.{r['measure']} {r['currency']}: {diff} = {_money(r[diff])}"
                )
        sec.rows.append({k: _money(v) if k not in cols[:3] else v for k, v in r.items()})
    if not rows:
        sec.issues.append("the mart reconciliation has no rows for the date (not built?)")
    sec.ok = not sec.issues
    return sec


def build_report(biz_date: dt.date, extra_sections: list[Section] | None = None) -> dict[str, Any]:
    """Assemble the report for ``biz_date``; ``extra_sections`` come from later layers.

    The staged and mart totals sections are added whenever the warehouse holds those models.
    """
    sections = [
        batches_section(biz_date),
        rows_section(biz_date),
        control_totals_section(biz_date),
        gates_section(biz_date),
        *warehouse_sections(biz_date),
        *(extra_sections or []),
    ]
    return {
        "biz_date": biz_date.isoformat(),
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "ok": all(s.ok for s in sections),
        "sections": [asdict(s) for s in sections],
    }


def write_report(
    biz_date: dt.date, extra_sections: list[Section] | None = None
) -> tuple[Path, Path, dict[str, Any]]:
    """Build the report and write its JSON and Markdown; return both paths and the report."""
    report = build_report(biz_date, extra_sections)
    out = report_dir()
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / f"{biz_date.isoformat()}.json"
    md_path = out / f"{biz_date.isoformat()}.md"
    for path, text in (
        (json_path, json.dumps(report, indent=1, ensure_ascii=False, default=str)),
        (md_path, to_markdown(report)),
    ):
        tmp = path.with_suffix(f"{path.suffix}.{os.getpid()}.tmp")
        tmp.write_text(text + "\n", encoding="utf-8")
        tmp.replace(path)
    return json_path, md_path, report


def to_markdown(report: dict[str, Any]) -> str:
    verdict = "reconciled" if report["ok"] else "NOT reconciled"
    lines = [
        f"# Reconciliation report, business date {report['biz_date']}: {verdict}",
        "",
        f"Generated {report['generated_at']}.",
    ]
    for sec in report["sections"]:
        lines += ["", f"## {sec['title']}: {'OK' if sec['ok'] else 'ISSUES'}", ""]
        lines += [f"- {issue}" for issue in sec["issues"]]
        lines += [f"- note: {note}" for note in sec.get("notes") or []]
        if sec["issues"] or sec.get("notes"):
            lines.append("")
        if not sec["rows"]:
            lines.append("(no rows)")
            continue
        cols = sec.get("columns") or list(sec["rows"][0])
        lines.append("| " + " | ".join(cols) + " |")
        lines.append("|" + "---|" * len(cols))
        for row in sec["rows"]:
            cells = ["" if row.get(c) is None else str(row.get(c)) for c in cols]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)
