"""Dagster asset checks that run the expectation suites, one check per suite.

Each check validates the business date of the run only (the partition key), so its cost follows
the day's volume. Checks are ``blocking``: a failed ERROR expectation (or a suite that could not
run) returns ``AssetCheckResult(passed=False, severity=ERROR)`` and Dagster does not start any
asset downstream of the checked one in that run; a failure of WARN expectations only returns
``passed=False, severity=WARN`` and the run goes on. The metadata shown in the UI lists the
failing expectations with counts and examples, the result file and the Data Docs page.

How a check learns its business date (Dagster 1.13): the check is defined with the same
``partitions_def`` as the asset, and ``context.partition_key`` (or ``partition_keys`` for a
range) on the ``AssetCheckExecutionContext`` holds the partition being materialised; an
unpartitioned run has no business date and the check fails rather than guess one.
"""

import datetime as dt
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MetadataValue,
    PartitionsDefinition,
    PreviewWarning,
    asset_check,
    multi_asset_check,
)

from crmwh import config
from orchestration.quality.gx_runner import SuiteOutcome, run_suite, run_suites

CHECK_PREFIX = "gx_"


def raw_asset_key(system: str, table: str) -> AssetKey:
    return AssetKey(["raw", system, table])


def raw_suite_name(table: str) -> str:
    """``raw_<table>``: table names already carry their system (``core_customer``)."""
    return f"raw_{table}"


def build_suite_check(
    suite: str,
    asset_key: AssetKey,
    partitions_def: PartitionsDefinition | None,
    *,
    suites_dir: Path | None = None,
    description: str | None = None,
    pool: str | None = None,
) -> AssetChecksDefinition:
    """One blocking asset check running ``suite`` on the run's business date(s).

    ``pool``: for suites that read the DuckDB warehouse, pass the warehouse writers' pool so a
    read-only check never overlaps a writer (DuckDB refuses a reader while a writer holds the
    file); raw suites read Parquet and need none.
    """

    with warnings.catch_warnings():
        # partitions_def on a check is "preview" in Dagster 1.13; it is what records each
        # result on its business date, so we use it and keep the warning out of every load.
        warnings.simplefilter("ignore", category=PreviewWarning)
        return _suite_check(suite, asset_key, partitions_def, suites_dir, description, pool)


def _suite_check(
    suite: str,
    asset_key: AssetKey,
    partitions_def: PartitionsDefinition | None,
    suites_dir: Path | None,
    description: str | None,
    pool: str | None,
) -> AssetChecksDefinition:
    @asset_check(
        asset=asset_key,
        name=f"{CHECK_PREFIX}{suite}",
        description=description or f"Great Expectations suite expectations/{suite}.json",
        blocking=True,
        partitions_def=partitions_def,
        metadata={"suite_file": f"expectations/{suite}.json"},
        pool=pool,
    )
    def _check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        dates = business_dates(context)
        if not dates:
            return _no_partition(suite)
        outcomes = [run_suite(suite, day, suites_dir=suites_dir) for day in dates]
        for o in outcomes:
            context.log.info(_log_line(o))
        return check_result(outcomes)

    return _check


def build_raw_asset_checks(
    partitions_def: PartitionsDefinition | None,
    *,
    systems: Iterable[str] | None = None,
    suites_dir: Path | None = None,
) -> list[AssetChecksDefinition]:
    """A check per raw table, on ``raw/<system>/<table>``, whether or not its suite exists yet.

    A table without a suite file still gets its check, which then fails: a gate never passes by
    default because nobody wrote it.
    """
    return [
        build_suite_check(
            raw_suite_name(table),
            raw_asset_key(system, table),
            partitions_def,
            suites_dir=suites_dir,
            description=f"Raw {system}.{table} against the interface spec and the flag file",
        )
        for system in (systems or config.SYSTEMS)
        for table in config.TABLES[system]
    ]


def build_raw_system_checks(
    partitions_def: PartitionsDefinition | None,
    *,
    systems: Iterable[str] | None = None,
    suites_dir: Path | None = None,
) -> list[AssetChecksDefinition]:
    """One step per system running that system's raw suites (one check each), in one process.

    Same checks, names and results as :func:`build_raw_asset_checks`, but a run with the
    multiprocess executor starts 5 check processes instead of 16, each paying the Dagster and
    GX imports (about 5 s of CPU) once. A failed ERROR suite fails the step, so every raw table
    of that system is held back, which matches the batch being atomic: a system's delivery is
    accepted or held as a whole.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=PreviewWarning)
        return [
            _system_check(system, partitions_def, suites_dir)
            for system in (systems or config.SYSTEMS)
        ]


def build_raw_checks_one_step(
    partitions_def: PartitionsDefinition | None,
    *,
    systems: Iterable[str] | None = None,
    suites_dir: Path | None = None,
) -> list[AssetChecksDefinition]:
    """Every raw suite of every system in ONE check step (same checks, names and results).

    Why: a check step is a process that pays the Dagster, pandas and GX imports (about 4 s of
    CPU) before it validates anything; with the suites themselves down to about 0.15 s each,
    five system steps spend most of their time importing. One step pays once. What it changes:
    a failed ERROR suite of any system holds back every raw table's downstream in that run,
    which in this project's graph is nothing more than before, because the only thing
    downstream of the raw tables is the ``warehouse_dbt`` step, which depends on all of them.
    """
    chosen = list(systems or config.SYSTEMS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=PreviewWarning)
        return [_system_check("all", partitions_def, suites_dir, systems=chosen)]


def _system_check(
    system: str,
    partitions_def: PartitionsDefinition | None,
    suites_dir: Path | None,
    systems: list[str] | None = None,
) -> AssetChecksDefinition:
    tables = {
        AssetCheckKey(raw_asset_key(sys_, t), f"{CHECK_PREFIX}{raw_suite_name(t)}"): t
        for sys_ in (systems or [system])
        for t in config.TABLES[sys_]
    }
    system_of = {t: sys_ for sys_ in (systems or [system]) for t in config.TABLES[sys_]}
    specs = [
        AssetCheckSpec(
            key.name,
            asset=key.asset_key,
            blocking=True,
            partitions_def=partitions_def,
            description=f"Raw {system_of[table]}.{table} against the interface spec and the flag "
            "file",
            metadata={"suite_file": f"expectations/{raw_suite_name(table)}.json"},
        )
        for key, table in tables.items()
    ]

    @multi_asset_check(name=f"{CHECK_PREFIX}raw_{system}", specs=specs, can_subset=True)
    def _check(context: AssetCheckExecutionContext) -> Iterator[AssetCheckResult]:
        dates = business_dates(context)
        keys = sorted(context.selected_asset_check_keys, key=lambda k: k.name)
        if not dates:
            for key in keys:
                yield _no_partition(key.name, key)
            return
        # one GX context and one Data Docs build per date for the whole system
        by_date = [
            run_suites([raw_suite_name(tables[k]) for k in keys], day, suites_dir=suites_dir)
            for day in dates
        ]
        for i, key in enumerate(keys):
            outcomes = [day_outcomes[i] for day_outcomes in by_date]
            for o in outcomes:
                context.log.info(_log_line(o))
            yield check_result(outcomes, key)

    return _check


def _no_partition(suite: str, key: AssetCheckKey | None = None) -> AssetCheckResult:
    return AssetCheckResult(
        passed=False,
        severity=AssetCheckSeverity.ERROR,
        description="no partition key in this run: the check validates one business "
        "date and will not guess which",
        metadata={"suite": suite},
        asset_key=key.asset_key if key else None,
        check_name=key.name if key else None,
    )


def build_suite_checks(
    suites: Iterable[tuple[str, AssetKey]],
    partitions_def: PartitionsDefinition | None,
    *,
    suites_dir: Path | None = None,
    pool: str | None = None,
) -> list[AssetChecksDefinition]:
    """Checks for any layer: (suite name, asset key) pairs, e.g. a staging model's suite."""
    return [
        build_suite_check(name, key, partitions_def, suites_dir=suites_dir, pool=pool)
        for name, key in suites
    ]


def business_dates(context: AssetCheckExecutionContext) -> list[dt.date]:
    """The business dates of the run: its partition key, or every key of a partition range."""
    if context.has_partition_key:
        return [dt.date.fromisoformat(context.partition_key)]
    if context.has_partition_key_range:
        return [dt.date.fromisoformat(k) for k in context.partition_keys]
    return []


def check_result(
    outcomes: Sequence[SuiteOutcome], key: AssetCheckKey | None = None
) -> AssetCheckResult:
    """Fold one or more dates' outcomes into one Dagster result: the worst severity wins."""
    severities = {o.severity for o in outcomes}
    passed = severities == {None}
    severity = AssetCheckSeverity.ERROR
    if not passed and "ERROR" not in severities:
        severity = AssetCheckSeverity.WARN
    metadata: dict[str, Any] = {}
    for o in outcomes:
        prefix = "" if len(outcomes) == 1 else f"{o.biz_date.isoformat()} "
        metadata.update({prefix + k: v for k, v in outcome_metadata(o).items()})
    return AssetCheckResult(
        passed=passed,
        severity=severity,
        metadata=metadata,
        description="; ".join(_log_line(o) for o in outcomes)[:2000],
        asset_key=key.asset_key if key else None,
        check_name=key.name if key else None,
    )


def outcome_metadata(o: SuiteOutcome) -> dict[str, Any]:
    md: dict[str, Any] = {
        "biz_date": o.biz_date.isoformat(),
        "verdict": o.severity or "PASSED",
        "evaluated_expectations": o.evaluated,
        "failed_expectations": o.failed,
        "failed_error": len(o.errors),
        "failed_warn": len(o.warnings),
        "rows": o.rows if o.rows is not None else -1,
        "seconds": o.seconds,
    }
    if o.error:
        md["suite_could_not_run"] = MetadataValue.text(o.error)
    if o.errors or o.warnings:
        md["failures"] = MetadataValue.md(failures_markdown(o))
    if o.result_path:
        md["result_file"] = MetadataValue.path(str(o.result_path))
    if o.docs_path:
        md["data_docs"] = MetadataValue.url(o.docs_path.as_uri())
    if o.source:
        md["batch"] = MetadataValue.path(o.source)
    params = {k: v for k, v in o.parameters.items() if k != "traceback"}
    if params:
        md["parameters"] = MetadataValue.json(params)
    return md


def failures_markdown(o: SuiteOutcome) -> str:
    lines = [
        "| severity | expectation | column | unexpected | % | examples / observed |",
        "|---|---|---|---|---|---|",
    ]
    for f in [*o.errors, *o.warnings]:
        detail = f.exception or (f.examples if f.examples else f.observed_value)
        pct = "" if f.unexpected_percent is None else f"{f.unexpected_percent:.3f}"
        cnt = "" if f.unexpected_count is None else str(f.unexpected_count)
        cells = [f.severity, f.expectation_type, f.column or "", cnt, pct, str(detail)[:200]]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def _log_line(o: SuiteOutcome) -> str:
    if o.error:
        return f"{o.suite} {o.biz_date}: could not run: {o.error}"
    return (
        f"{o.suite} {o.biz_date}: {o.severity or 'PASSED'}, {o.failed}/{o.evaluated} failed "
        f"({len(o.errors)} ERROR, {len(o.warnings)} WARN) on {o.rows} rows in {o.seconds}s"
    )
