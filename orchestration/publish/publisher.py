"""Write-audit-publish of the warehouse's ``serving`` schema.

1. Write: in one DuckDB session (the warehouse attached read-only), write the new version into
   a hidden directory ``versions/.tmp-<id>/``: the head-office file with every ``serving``
   table, sorted by the branch codes so that every branch's subtree is one contiguous run of
   rows, then one file per active branch at levels 2 to 5 with only that run (``rowid`` range
   plus the equality filter): set-based, one statement per branch and table.
   - Full: every file built from nothing.
   - Incremental (the default when the current version allows it, see
     :mod:`orchestration.publish.incremental`): the current version's files are copied (kernel
     copies) and changed in place: history tables (``history_tables`` in publish_config.yml)
     get only the dates whose per-date digests differ from the warehouse's
     (:mod:`orchestration.publish.history`), every other table is replaced; branches without a
     previous file are built whole, files of branches no longer active are not carried over.
     So the nightly cost follows the business date's volume instead of all published history.
2. Audit: refuse tables that are neither branch-scoped nor declared reference data, and scan
   the head-office file (every branch file is a subset of it) for raw personal data: all of it
   after a full build, what this version wrote after an incremental one.
3. Publish: rename the directory to ``versions/<id>``, write the manifest (mode, what was done
   to each table, per-date digests for the next publish, the warehouse content fingerprint),
   switch ``current`` with an atomic symlink rename, prune old versions.

If anything fails before the switch, the half-built directory is removed and ``current`` is
untouched: the published files stay byte-identical (an incremental publish only reads them).
Readers hold their own version's inode, so they are never blocked or broken.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from crmwh import config
from orchestration import warehouse as wh_engine
from orchestration.publish import history, incremental, layout
from orchestration.publish.errors import PublishError
from orchestration.publish.history import TableAction
from orchestration.publish.pseudonym import key_fingerprint, pseudonym_key
from orchestration.publish.settings import (
    full_requested,
    history_tables,
    keep_versions,
    memory_limit,
    reference_tables,
)

log = logging.getLogger(__name__)

SERVING_SCHEMA = "serving"
BRANCH_TABLE = "dim_branch"
BRANCH_LEVELS = (1, 2, 3, 4, 5)
PUBLISHED_LEVELS = (2, 3, 4, 5)
BRANCH_COLUMNS = tuple(f"branch_l{k}_code" for k in BRANCH_LEVELS)
BRANCH_CODE = re.compile(r"^[0-9A-Z]{1,10}$")
SMALL_BLOCK_SIZE = 16384
SPILL_DIR = ".spill"  # DuckDB's temp_directory while building, removed before the audit
_ORDER_BY = ", ".join(f"{c} nulls first" for c in BRANCH_COLUMNS[1:])


@dataclass
class PublishResult:
    version: str
    biz_date: dt.date
    serving_dir: Path
    tables: dict[str, int]
    branches: int
    branch_rows: int
    seconds: float
    removed_versions: list[str] = field(default_factory=list)
    mode: str = "full"  # or "incremental": built on top of the previous version
    table_actions: dict[str, str] = field(default_factory=dict)

    @property
    def ho_file(self) -> Path:
        return self.serving_dir / layout.HO_FILE


@dataclass
class _Table:
    source: str  # name in the warehouse's serving schema
    name: str  # published name
    scoped: bool  # filtered per branch (has the five branch codes) or reference data
    columns: list[tuple[str, str]] = field(default_factory=list)  # (name, DuckDB type) in order
    date_column: str | None = None  # history table (publish_config.yml history_tables)


def publish(
    biz_date: dt.date,
    warehouse: Path | None = None,
    serving_dir: Path | None = None,
    keep: int | None = None,
    *,
    reference: frozenset[str] | None = None,
    history: dict[str, str] | None = None,
    dbt_run_id: str | None = None,
    audit: bool = True,
    allow_key_change: bool = False,
    full: bool | None = None,
) -> PublishResult:
    """Publish the warehouse's ``serving`` schema for ``biz_date``. Call only after the gates.

    ``warehouse``: a DuckDB warehouse file or a Spark warehouse directory (the tables dbt-spark
    wrote, ``<schema>.db/<table>/``); default: the ``CRM_ENGINE`` engine's warehouse. Either way
    the serving tables are copied by DuckDB into the published files, the same write-audit-
    publish: on Spark they are read with ``read_parquet`` (:mod:`orchestration.warehouse`).

    Incremental when it can (see :mod:`orchestration.publish.incremental`): the new version
    starts as a copy of the current one, history tables get only their changed dates, other
    tables are replaced. ``full=True`` (or ``CRM_PUBLISH_FULL=1``) builds from nothing.

    Raises :class:`PublishError` (and publishes nothing) on any refusal or failure.
    """
    t0 = time.perf_counter()
    try:
        source = wh_engine.current(warehouse)
    except wh_engine.WarehouseError as exc:
        raise PublishError(str(exc)) from exc
    serving = Path(serving_dir or config.serving_dir()).resolve()
    keep = keep if keep is not None else keep_versions()
    reference = reference if reference is not None else reference_tables()
    history = history if history is not None else history_tables()
    full = full if full is not None else full_requested()
    fingerprint = key_fingerprint(pseudonym_key())
    if not source.exists():
        raise PublishError(f"{source.describe()} does not exist: nothing to publish")

    with layout.publish_lock(serving):
        layout.ensure_reader_links(serving)  # before anything is built: refuse a foreign layout
        layout.remove_stale_tmp(serving)
        previous = layout.current_version(serving)
        _check_key_unchanged(serving, fingerprint, allow_key_change)
        base, full_reason = incremental.find_base(serving, previous, fingerprint, full)
        version = layout.new_version_id(biz_date)
        vdir = layout.versions_dir(serving)
        vdir.mkdir(parents=True, exist_ok=True)
        tmp = vdir / f"{layout.TMP_PREFIX}{version}"
        final = vdir / version
        try:
            tmp.mkdir()
            phases: dict[str, float] = {}
            built = _build(source, tmp, biz_date, reference, history, phases, base, full_reason)
            if audit:
                t_audit = time.perf_counter()
                _audit(tmp / layout.HO_FILE, built.audit_scope)
                phases["audit"] = time.perf_counter() - t_audit
            seconds = time.perf_counter() - t0
            manifest = {
                "version": version,
                "biz_date": biz_date.isoformat(),
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "warehouse": str(source.location),
                "engine": source.engine,
                "warehouse_fingerprint": wh_engine.content_fingerprint(built.digests),
                "dbt_run_id": dbt_run_id,
                "pseudonym_key_fingerprint": fingerprint,
                "mode": built.mode,
                "base_version": built.base_version,
                "full_reason": built.full_reason or None,
                "tables": built.counts,
                "table_actions": {k: a.as_manifest() for k, a in built.actions.items()},
                "audit_scope": built.audit_scope,
                "branch_count": len(built.branches),
                "branches": built.branches,
                "branch_rows": built.branch_rows,
                "ho_free_block_share": built.free_block_share,
                "build_seconds": round(seconds, 3),
                "phase_seconds": {k: round(v, 3) for k, v in phases.items()},
                "duckdb_version": duckdb.__version__,
                "columns": built.columns,
                "table_digests": {k: list(v) for k, v in sorted(built.digests.items())},
                "history": built.history,
            }
            _write_json(tmp / layout.MANIFEST, manifest)
            _make_read_only(tmp)
            os.rename(tmp, final)
            layout.switch_current(serving, version)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            if layout.current_version(serving) != version:
                shutil.rmtree(final, ignore_errors=True)
            raise
        try:
            removed = layout.prune(serving, keep, protect=frozenset({previous} if previous else ()))
        except OSError as exc:  # the new version is live; old ones stay until the next publish
            log.warning("published %s but could not prune old versions: %s", version, exc)
            removed = []
    seconds = time.perf_counter() - t0
    log.info(
        "published %s (%s, %d tables, %d branches) in %.1fs",
        version,
        built.mode,
        len(built.counts),
        len(built.branches),
        seconds,
    )
    return PublishResult(
        version=version,
        biz_date=biz_date,
        serving_dir=serving,
        tables=built.counts,
        branches=len(built.branches),
        branch_rows=built.branch_rows,
        seconds=seconds,
        removed_versions=removed,
        mode=built.mode,
        table_actions={k: a.action for k, a in built.actions.items()},
    )


def rollback(serving_dir: Path | None = None, to: str | None = None) -> str:
    """Point ``current`` at the version before it (or at ``to``); returns the version now current."""
    serving = Path(serving_dir or config.serving_dir()).resolve()
    with layout.publish_lock(serving):
        versions = layout.list_versions(serving)
        current = layout.current_version(serving)
        if to is not None:
            target = layout.check_version_id(to)
            if target not in versions:
                raise PublishError(
                    f"version {to} is not on disk; versions: {', '.join(versions) or 'none'}"
                )
        else:
            if current not in versions:
                raise PublishError(f"nothing to roll back in {serving}: no current version")
            i = versions.index(current)
            if i == 0:
                raise PublishError(
                    f"{current} is the oldest version kept; nothing older to roll back to"
                )
            target = versions[i - 1]
        layout.ensure_reader_links(serving)
        layout.switch_current(serving, target)
    return target


# --------------------------------------------------------------------------- building


@dataclass
class _Built:
    """What :func:`_build` wrote, for the manifest and the audit."""

    mode: str
    base_version: str | None
    full_reason: str
    counts: dict[str, int]
    actions: dict[str, TableAction]
    columns: dict[str, list[list[str]]]
    digests: dict[str, wh_engine.Digest]  # by warehouse table name: the content fingerprint
    history: dict[str, dict]
    branches: dict[str, dict]
    branch_rows: int
    audit_scope: dict[str, str | None] | None  # None: the whole head-office file
    free_block_share: float  # of the head-office file: space left by replaced blocks


def _build(
    source: wh_engine.Warehouse,
    out: Path,
    biz_date: dt.date,
    reference: frozenset[str],
    history_cfg: dict[str, str],
    phases: dict[str, float],
    base: incremental.Base | None,
    full_reason: str,
) -> _Built:
    """Write the head-office file and the branch files into ``out`` in one DuckDB session.

    The session's own database is in memory; the warehouse (read-only), the head-office file
    (``ho``) and, when incremental, an in-memory database of the new rows (``stage``) are
    attached to it, so every cursor (one per branch thread) sees all three.
    """
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    # An in-memory database spills to ./.tmp of the working directory by default: keep any
    # spill inside the version being built (removed before it is published).
    spill = out / SPILL_DIR
    con.execute(f"set temp_directory = {_lit(spill)}")
    con.execute(f"set memory_limit = {_lit(memory_limit())}")
    try:
        try:
            wh_engine.attach(con, "wh", source)
        except (duckdb.Error, wh_engine.WarehouseError) as exc:
            raise PublishError(
                f"cannot open the {source.describe()} read-only (is dbt still writing it?): {exc}"
            ) from exc
        tables = _plan(con, reference, _spark_tables(source), history_cfg)
        columns = {t.name: [[c, ty] for c, ty in t.columns] for t in tables}
        if base is not None:
            why = incremental.incompatibility(base, columns)
            if why:
                base, full_reason = None, why
        ho_file = out / layout.HO_FILE
        if base is not None:
            t_copy = time.perf_counter()
            incremental.copy_writable(base.ho_file, ho_file)
            phases["copy_previous"] = time.perf_counter() - t_copy
            # The night's new rows, written once and read by every branch file: in memory they
            # are neither compressed nor written to disk (the memory limit above bounds them;
            # past it they spill to the spill directory). Day 30 of 1,000,000 persons, four
            # alternating pairs: the head-office step 17.4-22.4 s -> 11.7-17.6 s, the branch
            # files unchanged, peak RSS 1.8-1.9 -> 2.4 GiB (bench/README.md).
            con.execute("attach ':memory:' as stage")
        con.execute(f"attach {_lit(ho_file)} as ho")

        actions: dict[str, TableAction] = {}
        counts: dict[str, int] = {}
        digests: dict[str, wh_engine.Digest] = {}
        hist: dict[str, dict] = {}
        t_check = 0.0
        for t in tables:
            action = TableAction(history.REPLACED)
            if t.date_column:
                t1 = time.perf_counter()
                per_date = history.per_date_digests(
                    con, _wh(t), [c for c, _ in t.columns], t.date_column
                )
                t_check += time.perf_counter() - t1
                hist[t.name] = {
                    "date_column": t.date_column,
                    "dates": history.to_manifest(per_date),
                }
                digests[t.source] = wh_engine.combine_digests(list(per_date.values()))
                counts[t.name] = digests[t.source][0]
                action = (
                    history.decide(history.from_manifest(base.history(t.name)), per_date)
                    if base is not None
                    else TableAction(history.REWRITTEN, reason="full build")
                )
            else:
                row = con.execute(
                    wh_engine.digest_sql(_wh(t), [c for c, _ in t.columns])
                ).fetchone()
                digests[t.source] = (int(row[0]), int(row[1]), int(row[2]))
                counts[t.name] = digests[t.source][0]
                if base is not None and base.table_digest(t.source) == digests[t.source]:
                    action = TableAction(history.UNCHANGED)  # same rows: keep the copy
            actions[t.name] = action
            _write_head_office_table(con, t, action, replace=base is not None)
        phases["history_check"] = t_check
        phases["head_office_copy"] = (
            time.perf_counter() - t0 - t_check - phases.get("copy_previous", 0.0)
        )

        t1 = time.perf_counter()
        # A branch file's one commit checkpoints at once instead of writing its rows to the WAL
        # first and checkpointing them again at detach (a small file's WAL stays under the
        # default 16 MiB threshold). Day 30 of 1,000,000 persons, four alternating pairs:
        # 114.1 -> 108.1 s, 213.5 -> 202.5 CPU-s (bench/README.md).
        con.execute("set checkpoint_threshold = '0b'")
        # One thread per statement: a branch file's statements are small, and DuckDB's parallel
        # tasks for them (and for its checkpoint) cost more than they save when the files are
        # written side by side anyway (publish_workers). Day 30 of 1,000,000 persons, three
        # alternating pairs against 2 threads and 4 workers: the branch files 79.7-90.3 s ->
        # 69.9-77.9 s, the publish 187-212 -> 165-180 CPU-s (bench/README.md). The head-office
        # file's closing checkpoint below runs on one thread too (it was in those figures).
        con.execute("set threads = 1")
        branches = _active_branches(con, biz_date)
        scoped = [t for t in tables if t.scoped]
        ranges = _subtree_ranges(con, "ho", [t for t in scoped if actions[t.name].fresh])
        ranges.update(
            _subtree_ranges(
                con, "stage", [t for t in scoped if actions[t.name].action == history.APPENDED]
            )
        )
        branch_dir = out / layout.BRANCH_DIR
        branch_dir.mkdir()
        previous_files = {
            code: base.branch_file(code)
            for code, _ in branches
            if base is not None
            and code in base.manifest["branches"]
            and base.branch_file(code).is_file()
        }
        # Several sessions (cursors of the same database, each attaching its own branch file)
        # write files side by side: one per core, and one more to overlap the fsyncs.
        with ThreadPoolExecutor(max_workers=publish_workers(), thread_name_prefix="branch") as pool:
            futures = [
                pool.submit(
                    _write_branch,
                    con,
                    branch_dir,
                    code,
                    level,
                    tables,
                    actions,
                    ranges,
                    previous_files.get(code),
                )
                for code, level in branches
            ]
            rows_per_branch = [f.result() for f in futures]
        summary = {
            code: {"level": level, "rows": rows}
            for (code, level), rows in zip(branches, rows_per_branch, strict=True)
        }
        phases["branch_files"] = time.perf_counter() - t1
        if base is not None:
            con.execute("detach stage")
        con.execute("checkpoint ho")
        total, free = con.execute(
            "select total_blocks, free_blocks from pragma_database_size() where database_name = 'ho'"
        ).fetchone()
        con.execute("detach ho")
        audit_scope: dict[str, str | None] | None = None
        if base is not None:
            audit_scope = {}
            for t in tables:
                a = actions[t.name]
                if a.fresh:
                    audit_scope[t.name] = None
                elif a.action == history.APPENDED:
                    audit_scope[t.name] = a.predicate(t.date_column or "")
        return _Built(
            mode="incremental" if base is not None else "full",
            base_version=base.version if base is not None else None,
            full_reason=full_reason if base is None else "",
            counts=counts,
            actions=actions,
            columns=columns,
            digests=digests,
            history=hist,
            branches=summary,
            branch_rows=sum(rows_per_branch),
            audit_scope=audit_scope,
            free_block_share=round(free / total, 3) if total else 0.0,
        )
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def _wh(t: _Table) -> str:
    return f"wh.{SERVING_SCHEMA}.{_ident(t.source)}"


def _order(t: _Table) -> str:
    return f" order by {_ORDER_BY}" if t.scoped else ""


def _write_head_office_table(
    con: duckdb.DuckDBPyConnection, t: _Table, action: TableAction, replace: bool
) -> None:
    """One table of the head-office file: created whole, or its newest dates replaced.

    Appended rows go through ``stage.<table>`` (sorted by branch codes): the branch files take
    their rows from there by rowid range. The head-office table's own rowids are not used after
    a DELETE (a checkpoint may compact them).
    """
    target = f"ho.{_ident(t.name)}"
    if action.fresh:
        if replace:
            con.execute(f"drop table {target}")
        con.execute(f"create table {target} as select * from {_wh(t)}{_order(t)}")
    elif action.action == history.APPENDED:
        where = action.predicate(t.date_column or "")
        stage = f"stage.{_ident(t.name)}"
        con.execute(f"delete from {target} where {where}")
        con.execute(f"create table {stage} as select * from {_wh(t)} where {where}{_order(t)}")
        con.execute(f"insert into {target} select * from {stage}")


def _write_branch(
    con: duckdb.DuckDBPyConnection,
    branch_dir: Path,
    code: str,
    level: int,
    tables: list[_Table],
    actions: dict[str, TableAction],
    ranges: dict[str, dict[tuple[int, str], tuple[int, int]]],
    previous: Path | None,
) -> int:
    """One branch file: its subtree's rows of every scoped table, reference tables whole.

    With ``previous`` (the branch's file in the version the publish starts from), the file is a
    copy of it where only what the head office changed is changed; otherwise it is built whole.
    Returns the rows of its scoped tables.
    """
    alias = f"branch_{code}"  # code was checked against ^[0-9A-Z]{1,10}$
    path = branch_dir / f"{code}.duckdb"
    # Outlets and sub-branches are many and small: 16 KiB blocks instead of 256 KiB keep each
    # file near its data size (a 4-table file is ~0.1 MB instead of ~1.3 MB).
    options = f" (block_size {SMALL_BLOCK_SIZE})" if level >= 4 else ""
    if previous is not None:
        incremental.copy_writable(previous, path)
        options = ""  # an existing file keeps its block size
    cur = con.cursor()
    try:
        cur.execute(f"attach {_lit(path)} as {alias}{options}")
        cur.execute("begin transaction")  # one commit (one WAL fsync) per file, not per table
        rows = 0
        for t in tables:
            target = f"{alias}.{_ident(t.name)}"
            action = actions[t.name]
            subtree = f"branch_l{level}_code = {_lit(code)}"
            if previous is None or action.fresh:
                if previous is not None:
                    cur.execute(f"drop table {target}")
                where = ""
                if t.scoped:
                    where = f" where {_in_range(ranges, t.name, level, code) if action.fresh else subtree}"
                cur.execute(f"create table {target} as select * from ho.{_ident(t.name)}{where}")
            elif action.action == history.APPENDED:
                cur.execute(f"delete from {target} where {action.predicate(t.date_column or '')}")
                where = f" where {_in_range(ranges, t.name, level, code)}" if t.scoped else ""
                cur.execute(f"insert into {target} select * from stage.{_ident(t.name)}{where}")
            if t.scoped:
                rows += cur.execute(f"select count(*) from {target}").fetchone()[0]
        cur.execute("commit")
        cur.execute(f"detach {alias}")
        return rows
    finally:
        cur.close()


def _in_range(
    ranges: dict[str, dict[tuple[int, str], tuple[int, int]]], table: str, level: int, code: str
) -> str:
    """The rows of ``code``'s subtree in a table written sorted by branch codes: its rowid run
    (lets DuckDB skip row groups) and the equality filter (keeps the result exact)."""
    span = ranges[table].get((level, code))
    if not span:
        return "false"
    return f"rowid between {span[0]} and {span[1]} and branch_l{level}_code = {_lit(code)}"


def publish_workers() -> int:
    """``CRM_PUBLISH_WORKERS`` (default: the cores this process may use, plus one): branch
    files written at the same time, each by one thread."""
    raw = os.environ.get("CRM_PUBLISH_WORKERS") or str(_usable_cores() + 1)
    if not raw.isdigit() or int(raw) < 1:
        raise PublishError(f"CRM_PUBLISH_WORKERS must be a positive whole number, got {raw!r}")
    return int(raw)


def _usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _spark_tables(source: wh_engine.Warehouse) -> frozenset[str]:
    """Serving tables stored by Spark (each a view over its files in the attached catalog)."""
    if source.engine != "spark":
        return frozenset()
    return frozenset(t for _, t in wh_engine.spark_tables(source.location, SERVING_SCHEMA))


def _plan(
    con: duckdb.DuckDBPyConnection,
    reference: frozenset[str],
    spark_tables: frozenset[str] = frozenset(),
    history_cfg: dict[str, str] | None = None,
) -> list[_Table]:
    """Classify every serving table; refuse (all at once) what may not be published.

    ``spark_tables``: names that are views in the attached catalog only because Spark's table
    files are read through views; a dbt view model is still refused on either engine.
    ``history_cfg``: published name -> date column of the history tables (a configured table
    that is not in the warehouse is ignored; one without that DATE column is refused).
    """
    history_cfg = history_cfg or {}
    objects = con.execute(
        "select table_name, 'table' from duckdb_tables() where database_name = 'wh' and schema_name = ? "
        "union all select view_name, 'view' from duckdb_views() "
        "where database_name = 'wh' and schema_name = ? and not internal order by 1",
        [SERVING_SCHEMA, SERVING_SCHEMA],
    ).fetchall()
    if not objects:
        raise PublishError(
            f"the warehouse has no tables in schema {SERVING_SCHEMA!r}: nothing to publish"
        )
    cols: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for table, column, data_type in con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where database_name = 'wh' and schema_name = ? order by table_name, column_index",
        [SERVING_SCHEMA],
    ).fetchall():
        cols[table].append((column, data_type))
    problems: list[str] = []
    tables: list[_Table] = []
    seen: dict[str, str] = {}
    for source, kind in objects:
        name = source.removeprefix("pub_")
        if kind == "view" and source not in spark_tables:
            problems.append(
                f"serving.{source} is a view; serving models must be materialized tables"
            )
            continue
        if name in seen:
            problems.append(
                f"serving.{source} and serving.{seen[name]} would both publish as {name}"
            )
            continue
        seen[name] = source
        lower = {c.lower() for c, _ in cols[source]}
        have = [c for c in BRANCH_COLUMNS if c in lower]
        date_column = history_cfg.get(name)
        if date_column is not None:
            types = {c.lower(): ty for c, ty in cols[source]}
            if types.get(date_column.lower()) != "DATE":
                problems.append(
                    f"serving.{source} is a history table by {date_column} in publish_config.yml "
                    f"but has no DATE column {date_column} (found {types.get(date_column.lower())})"
                )
                continue
            date_column = next(c for c, _ in cols[source] if c.lower() == date_column.lower())
        if len(have) == len(BRANCH_COLUMNS):
            tables.append(_Table(source, name, True, cols[source], date_column))
        elif have:
            missing = sorted(set(BRANCH_COLUMNS) - set(have))
            problems.append(
                f"serving.{source} has only some branch columns (missing {', '.join(missing)})"
            )
        elif name in reference:
            tables.append(_Table(source, name, False, cols[source], date_column))
        else:
            problems.append(
                f"serving.{source} has no branch columns (branch_l1_code..branch_l5_code) and is not "
                f"listed as reference data in publish_config.yml: refusing to copy it to every branch"
            )
    branch_table = next((t for t in tables if t.name == BRANCH_TABLE), None)
    if BRANCH_TABLE not in seen:
        problems.append(
            f"serving.{BRANCH_TABLE} is missing: branch files cannot be built without it"
        )
    elif branch_table is not None and not branch_table.scoped:
        problems.append(f"serving.{BRANCH_TABLE} must carry branch_l1_code..branch_l5_code")
    if problems:
        raise PublishError("refusing to publish:\n  " + "\n  ".join(problems))
    return tables


def _active_branches(con: duckdb.DuckDBPyConnection, biz_date: dt.date) -> list[tuple[str, int]]:
    """Branches at levels 2 to 5 that are active on ``biz_date`` (their row as of that date).

    ``dim_branch`` may be a current-state table or have history (``valid_from``); merged and
    closed branches (``status`` M/C) get no file: their customers are in the surviving branch's.
    """
    cols = {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns() where table_name = ? "
            "and database_name = 'ho' and schema_name = 'main'",
            [BRANCH_TABLE],
        ).fetchall()
    }
    for needed in ("branch_code", "branch_level"):
        if needed not in cols:
            raise PublishError(f"serving.{BRANCH_TABLE} has no column {needed}")
    where, qualify, params = [], "", []
    if "valid_from" in cols:
        where.append("cast(valid_from as date) <= ?")
        params.append(biz_date)
        qualify = (
            "qualify row_number() over (partition by branch_code order by valid_from desc) = 1"
        )
    status = "status" if "status" in cols else "'A'"
    rows = con.execute(
        f"select branch_code, cast(branch_level as integer) as level, {status} as status "
        f"from ho.{BRANCH_TABLE} {'where ' + ' and '.join(where) if where else ''} {qualify}",
        params,
    ).fetchall()
    bad = sorted(
        {str(code) for code, _, _ in rows if code is None or not BRANCH_CODE.fullmatch(str(code))}
    )
    if bad:
        raise PublishError(
            f"serving.{BRANCH_TABLE} has invalid branch codes (must match {BRANCH_CODE.pattern}): {bad[:10]}"
        )
    return sorted(
        (code, level)
        for code, level, st in rows
        if level in PUBLISHED_LEVELS and (st or "A") == "A"
    )


def _subtree_ranges(
    con: duckdb.DuckDBPyConnection, catalog: str, tables: list[_Table]
) -> dict[str, dict[tuple[int, str], tuple[int, int]]]:
    """Per table, per (level, code): the first and last rowid of that branch's rows.

    Only for tables written in this session ordered by the branch codes and not deleted from
    since, so a subtree is one run of rowids (or a few, after a branch moved to another parent:
    the equality filter keeps the result exact and the range only lets DuckDB skip row groups).
    """
    out: dict[str, dict[tuple[int, str], tuple[int, int]]] = {}
    for t in tables:
        parts = " union all ".join(
            f"select {k} as level, branch_l{k}_code as code, min(rowid) as lo, max(rowid) as hi "
            f"from {catalog}.{_ident(t.name)} where branch_l{k}_code is not null group by all"
            for k in PUBLISHED_LEVELS
        )
        out[t.name] = {(lvl, code): (lo, hi) for lvl, code, lo, hi in con.execute(parts).fetchall()}
    return out


# --------------------------------------------------------------------------- auditing


def _audit(ho_file: Path, scope: dict[str, str | None] | None = None) -> None:
    """Scan the head-office file (every branch file is a subset of it) for raw personal data:
    whole after a full build; after an incremental one only what this version wrote (``scope``:
    table -> None for whole, or the predicate of its new rows), the rest was scanned before."""
    from orchestration.publish.pii_scan import scan_files

    findings = scan_files([ho_file], only=scope)
    if findings:
        lines = [
            f"{f.table}.{f.column}: {f.kind} ({f.count} values, e.g. {f.example_masked})"
            for f in findings[:20]
        ]
        raise PublishError(
            "raw personal data in the serving schema, publish refused:\n  " + "\n  ".join(lines)
        )


def _check_key_unchanged(serving: Path, fingerprint: str, allow_key_change: bool) -> None:
    current = layout.current_version(serving)
    if not current or allow_key_change:
        return
    try:
        previous = layout.read_manifest(serving, current).get("pseudonym_key_fingerprint")
    except (OSError, ValueError):
        return
    if previous and previous != fingerprint:
        raise PublishError(
            "CRM_PSEUDONYM_KEY differs from the key of the current published version "
            f"({current}): every pseudonymous key would change. Rotate on purpose with "
            "allow_key_change=True (crmwh publish --allow-key-change) after rebuilding serving."
        )


# --------------------------------------------------------------------------- helpers


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _make_read_only(version_dir: Path) -> None:
    """A version is immutable: a tool that opens a file without read_only gets an error
    instead of changing what every other reader of that version sees."""
    for path in version_dir.rglob("*"):
        if path.is_file():
            path.chmod(0o444)


def _write_json(path: Path, payload: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def result_dict(result: PublishResult) -> dict:
    d = asdict(result)
    d["serving_dir"] = str(result.serving_dir)
    d["biz_date"] = result.biz_date.isoformat()
    return d
