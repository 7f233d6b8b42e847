"""Write-audit-publish of the warehouse's ``serving`` schema.

1. Write: open the warehouse read-only, copy every ``serving`` table into a new DuckDB file in
   a hidden directory ``versions/.tmp-<id>/`` (head office), sorted by the branch codes so that
   every branch's subtree is one contiguous run of rows; then write one file per active branch
   at levels 2 to 5 with only that run (``rowid`` range plus the equality filter), all in one
   DuckDB session: set-based, one CREATE TABLE ... AS SELECT per branch and table.
2. Audit: refuse tables that are neither branch-scoped nor declared reference data, and scan
   the head-office file (every branch file is a subset of it) for raw personal data.
3. Publish: rename the directory to ``versions/<id>``, write the manifest, switch ``current``
   with an atomic symlink rename, prune old versions.

If anything fails before the switch, the half-built directory is removed and ``current`` is
untouched: the published files stay byte-identical. Readers hold their own version's inode, so
they are never blocked or broken.
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
from orchestration.publish import layout
from orchestration.publish.errors import PublishError
from orchestration.publish.pseudonym import key_fingerprint, pseudonym_key
from orchestration.publish.settings import keep_versions, reference_tables

log = logging.getLogger(__name__)

SERVING_SCHEMA = "serving"
BRANCH_TABLE = "dim_branch"
BRANCH_LEVELS = (1, 2, 3, 4, 5)
PUBLISHED_LEVELS = (2, 3, 4, 5)
BRANCH_COLUMNS = tuple(f"branch_l{k}_code" for k in BRANCH_LEVELS)
BRANCH_CODE = re.compile(r"^[0-9A-Z]{1,10}$")
SMALL_BLOCK_SIZE = 16384
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

    @property
    def ho_file(self) -> Path:
        return self.serving_dir / layout.HO_FILE


@dataclass
class _Table:
    source: str  # name in the warehouse's serving schema
    name: str  # published name
    scoped: bool  # filtered per branch (has the five branch codes) or reference data


def publish(
    biz_date: dt.date,
    warehouse: Path | None = None,
    serving_dir: Path | None = None,
    keep: int | None = None,
    *,
    reference: frozenset[str] | None = None,
    dbt_run_id: str | None = None,
    audit: bool = True,
    warehouse_md5: bool = True,
    allow_key_change: bool = False,
) -> PublishResult:
    """Publish the warehouse's ``serving`` schema for ``biz_date``. Call only after the gates.

    ``warehouse``: a DuckDB warehouse file or a Spark warehouse directory (the tables dbt-spark
    wrote, ``<schema>.db/<table>/``); default: the ``CRM_ENGINE`` engine's warehouse. Either way
    the serving tables are copied by DuckDB into the published files, the same write-audit-
    publish: on Spark they are read with ``read_parquet`` (:mod:`orchestration.warehouse`).

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
    fingerprint = key_fingerprint(pseudonym_key())
    if not source.exists():
        raise PublishError(f"{source.describe()} does not exist: nothing to publish")

    with layout.publish_lock(serving):
        layout.ensure_reader_links(serving)  # before anything is built: refuse a foreign layout
        layout.remove_stale_tmp(serving)
        previous = layout.current_version(serving)
        _check_key_unchanged(serving, fingerprint, allow_key_change)
        version = layout.new_version_id(biz_date)
        vdir = layout.versions_dir(serving)
        vdir.mkdir(parents=True, exist_ok=True)
        tmp = vdir / f"{layout.TMP_PREFIX}{version}"
        final = vdir / version
        try:
            tmp.mkdir()
            phases: dict[str, float] = {}
            tables, branches, branch_rows = _build(source, tmp, biz_date, reference, phases)
            if audit:
                t_audit = time.perf_counter()
                _audit(tmp / layout.HO_FILE)
                phases["audit"] = time.perf_counter() - t_audit
            md5: str | None = None
            if warehouse_md5:
                t_md5 = time.perf_counter()
                md5 = wh_engine.fingerprint(source, schema=SERVING_SCHEMA)
                phases["warehouse_md5"] = time.perf_counter() - t_md5
            seconds = time.perf_counter() - t0
            manifest = {
                "version": version,
                "biz_date": biz_date.isoformat(),
                "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "warehouse": str(source.location),
                "engine": source.engine,
                "warehouse_md5": md5,
                "dbt_run_id": dbt_run_id,
                "pseudonym_key_fingerprint": fingerprint,
                "tables": tables,
                "branch_count": len(branches),
                "branches": branches,
                "branch_rows": branch_rows,
                "build_seconds": round(seconds, 3),
                "phase_seconds": {k: round(v, 3) for k, v in phases.items()},
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
        "published %s (%d tables, %d branches) in %.1fs",
        version,
        len(tables),
        len(branches),
        seconds,
    )
    return PublishResult(
        version=version,
        biz_date=biz_date,
        serving_dir=serving,
        tables=tables,
        branches=len(branches),
        branch_rows=branch_rows,
        seconds=seconds,
        removed_versions=removed,
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


def _build(
    source: wh_engine.Warehouse,
    out: Path,
    biz_date: dt.date,
    reference: frozenset[str],
    phases: dict[str, float],
) -> tuple[dict[str, int], dict[str, dict], int]:
    t0 = time.perf_counter()
    con = duckdb.connect(str(out / layout.HO_FILE))
    con.execute("set enable_progress_bar = false")
    try:
        try:
            wh_engine.attach(con, "wh", source)
        except (duckdb.Error, wh_engine.WarehouseError) as exc:
            raise PublishError(
                f"cannot open the {source.describe()} read-only (is dbt still writing it?): {exc}"
            ) from exc
        tables = _plan(con, reference, _spark_tables(source))
        counts: dict[str, int] = {}
        for t in tables:
            order = f" order by {_ORDER_BY}" if t.scoped else ""
            sql = f"create table main.{_ident(t.name)} as select * from wh.{SERVING_SCHEMA}.{_ident(t.source)}{order}"
            counts[t.name] = con.execute(sql).fetchone()[0]
        con.execute("detach wh")
        phases["head_office_copy"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        branches = _active_branches(con, biz_date)
        ranges = _subtree_ranges(con, [t for t in tables if t.scoped])
        branch_dir = out / layout.BRANCH_DIR
        branch_dir.mkdir()
        # Writing a small DuckDB file is dominated by its fsyncs, not by CPU: several sessions
        # (cursors of the same database, each attaching its own branch file) overlap them.
        with ThreadPoolExecutor(max_workers=publish_workers(), thread_name_prefix="branch") as pool:
            futures = [
                pool.submit(_write_branch, con, branch_dir, code, level, tables, ranges)
                for code, level in branches
            ]
            rows_per_branch = [f.result() for f in futures]
        summary = {
            code: {"level": level, "rows": rows}
            for (code, level), rows in zip(branches, rows_per_branch, strict=True)
        }
        total = sum(rows_per_branch)
        phases["branch_files"] = time.perf_counter() - t1
        return counts, summary, total
    finally:
        con.close()


def _write_branch(
    con: duckdb.DuckDBPyConnection,
    branch_dir: Path,
    code: str,
    level: int,
    tables: list[_Table],
    ranges: dict[str, dict[tuple[int, str], tuple[int, int]]],
) -> int:
    """One branch file: its subtree's rows of every scoped table, reference tables whole."""
    alias = f"branch_{code}"  # code was checked against ^[0-9A-Z]{1,10}$
    # Outlets and sub-branches are many and small: 16 KiB blocks instead of 256 KiB keep each
    # file near its data size (a 4-table file is ~0.1 MB instead of ~1.3 MB).
    options = f" (block_size {SMALL_BLOCK_SIZE})" if level >= 4 else ""
    cur = con.cursor()
    try:
        cur.execute(f"attach {_lit(branch_dir / f'{code}.duckdb')} as {alias}{options}")
        cur.execute("begin transaction")  # one commit (one WAL fsync) per file, not per table
        rows = 0
        for t in tables:
            target = f"{alias}.{_ident(t.name)}"
            source = f"main.{_ident(t.name)}"
            if not t.scoped:
                cur.execute(f"create table {target} as select * from {source}")
                continue
            span = ranges[t.name].get((level, code))
            where = (
                f"rowid between {span[0]} and {span[1]} and branch_l{level}_code = {_lit(code)}"
                if span
                else "false"
            )
            rows += cur.execute(
                f"create table {target} as select * from {source} where {where}"
            ).fetchone()[0]
        cur.execute("commit")
        cur.execute(f"detach {alias}")
        return rows
    finally:
        cur.close()


def publish_workers() -> int:
    """``CRM_PUBLISH_WORKERS`` (default 4): branch files written at the same time."""
    raw = os.environ.get("CRM_PUBLISH_WORKERS", "4")
    if not raw.isdigit() or int(raw) < 1:
        raise PublishError(f"CRM_PUBLISH_WORKERS must be a positive whole number, got {raw!r}")
    return int(raw)


def _spark_tables(source: wh_engine.Warehouse) -> frozenset[str]:
    """Serving tables stored by Spark (each a view over its files in the attached catalog)."""
    if source.engine != "spark":
        return frozenset()
    return frozenset(t for _, t in wh_engine.spark_tables(source.location, SERVING_SCHEMA))


def _plan(
    con: duckdb.DuckDBPyConnection,
    reference: frozenset[str],
    spark_tables: frozenset[str] = frozenset(),
) -> list[_Table]:
    """Classify every serving table; refuse (all at once) what may not be published.

    ``spark_tables``: names that are views in the attached catalog only because Spark's table
    files are read through views; a dbt view model is still refused on either engine.
    """
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
    cols: dict[str, set[str]] = defaultdict(set)
    for table, column in con.execute(
        "select table_name, column_name from duckdb_columns() where database_name = 'wh' and schema_name = ?",
        [SERVING_SCHEMA],
    ).fetchall():
        cols[table].add(column.lower())
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
        have = [c for c in BRANCH_COLUMNS if c in cols[source]]
        if len(have) == len(BRANCH_COLUMNS):
            tables.append(_Table(source, name, scoped=True))
        elif have:
            missing = sorted(set(BRANCH_COLUMNS) - set(have))
            problems.append(
                f"serving.{source} has only some branch columns (missing {', '.join(missing)})"
            )
        elif name in reference:
            tables.append(_Table(source, name, scoped=False))
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
            f"select column_name from duckdb_columns() where table_name = '{BRANCH_TABLE}' and database_name = current_database()"
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
        f"from main.{BRANCH_TABLE} {'where ' + ' and '.join(where) if where else ''} {qualify}",
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
    con: duckdb.DuckDBPyConnection, tables: list[_Table]
) -> dict[str, dict[tuple[int, str], tuple[int, int]]]:
    """Per table, per (level, code): the first and last rowid of that branch's rows.

    Tables were written ordered by the branch codes, so a subtree is one run of rowids (or a
    few, after a branch moved to another parent: the equality filter keeps the result exact and
    the range only lets DuckDB skip row groups).
    """
    out: dict[str, dict[tuple[int, str], tuple[int, int]]] = {}
    for t in tables:
        parts = " union all ".join(
            f"select {k} as level, branch_l{k}_code as code, min(rowid) as lo, max(rowid) as hi "
            f"from main.{_ident(t.name)} where branch_l{k}_code is not null group by all"
            for k in PUBLISHED_LEVELS
        )
        out[t.name] = {(lvl, code): (lo, hi) for lvl, code, lo, hi in con.execute(parts).fetchall()}
    return out


# --------------------------------------------------------------------------- auditing


def _audit(ho_file: Path) -> None:
    from orchestration.publish.pii_scan import scan_files

    findings = scan_files([ho_file])
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
