"""The warehouse on the engine the pipeline runs on: ``CRM_ENGINE`` = ``duckdb`` (default) or
``spark``. Everything after the dbt build (gates, reconciliation report, publish) reads the
warehouse through this module only, so the engine is chosen in one place.

- DuckDB: one file, ``$CRM_DATA_DIR/warehouse/crm.duckdb``, opened read-only.
- Spark: dbt-spark (session mode, profiles.yml target ``spark``) writes managed Parquet tables
  under ``spark.sql.warehouse.dir`` = ``$CRM_DATA_DIR/warehouse/spark``, one directory per table,
  ``<schema>.db/<table>/`` (partitioned ones with ``biz_date=YYYY-MM-DD/`` subdirectories).

Why the Parquet files and not the Spark catalog: in session mode the metastore is an embedded
Derby database that one JVM locks for its whole life, and dbt's own JVM (the next business
date's build) must be able to take it. The files are the tables' data; reading them needs no
catalog, no Spark at all (DuckDB's ``read_parquet``), or a catalog-free Spark session
(:mod:`orchestration.quality.spark_batches`).

Why DuckDB SQL over Spark's files is engine-neutral enough: the SQL the gates and the publisher
run is set-based and small (lookups, control totals, copies of the masked serving tables);
Spark built every row, DuckDB only reads them. :func:`connect` gives one DuckDB connection in
which ``schema.table`` names the engine's tables either way.

Spark writes its ``timestamp`` (an instant) as INT96, which DuckDB would read as a plain UTC
wall-clock; the views read it as TIMESTAMP WITH TIME ZONE, as the DuckDB build stores it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmwh import config

ENGINE_ENV = "CRM_ENGINE"
ENGINES = ("duckdb", "spark")
DUCKDB_FILE = "crm.duckdb"
SPARK_DIR = "spark"
SPARK_TIME_ZONE = "Asia/Shanghai"  # spark.sql.session.timeZone in profiles.yml
VIEWS_FILE = "crmwh_views.json"  # compiled SQL of the Spark views, see record_spark_views
COLUMNS_FILE = "crmwh_columns.json"  # the models' declared column order, ditto
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Spark's path-as-table syntax (parquet.`/lake/raw/core/core_customer/*/*.parquet`)
_PATH_TABLE = re.compile(r"\bparquet\s*\.\s*`([^`']+)`", re.IGNORECASE)
log = logging.getLogger(__name__)


class WarehouseError(Exception):
    """The warehouse cannot be read (missing, locked by a writer, unknown engine)."""


def engine() -> str:
    """The engine named by ``CRM_ENGINE`` (default duckdb); anything else is an error."""
    name = os.environ.get(ENGINE_ENV, "duckdb").strip().lower() or "duckdb"
    if name not in ENGINES:
        raise WarehouseError(f"{ENGINE_ENV}={name!r} is not one of {', '.join(ENGINES)}")
    return name


@dataclass(frozen=True)
class Warehouse:
    """Where one engine's warehouse lives: a DuckDB file or a Spark warehouse directory."""

    engine: str
    location: Path

    def exists(self) -> bool:
        if self.engine == "duckdb":
            return self.location.is_file()
        return self.location.is_dir()

    def describe(self) -> str:
        return f"{self.engine} warehouse {self.location}"


def current(location: Path | None = None) -> Warehouse:
    """The warehouse to read: ``location`` if given (a DuckDB file, or a Spark warehouse
    directory), otherwise the ``CRM_ENGINE`` engine's under the data directory."""
    if location is not None:
        path = Path(location).resolve()
        return Warehouse("spark" if path.is_dir() else "duckdb", path)
    if engine() == "spark":
        return Warehouse("spark", (config.warehouse_dir() / SPARK_DIR).resolve())
    return Warehouse("duckdb", (config.warehouse_dir() / DUCKDB_FILE).resolve())


# --------------------------------------------------------------------------- Spark's files


def spark_table_dir(spark_dir: Path, schema: str, table: str) -> Path:
    """Directory of a managed Spark table (``<warehouse>/spark/<schema>.db/<table>``)."""
    return Path(spark_dir) / f"{schema}.db" / table


def has_parquet(directory: Path) -> bool:
    return any(Path(directory).rglob("*.parquet"))


def spark_tables(spark_dir: Path, schema: str | None = None) -> dict[tuple[str, str], Path]:
    """{(schema, table): directory} of every Spark table with data files, optionally one schema.

    A Spark view has no files and is not listed; nor is a partitioned table with no rows (Spark
    writes no file for it), which then reads as missing: a gate on it fails, never passes.
    """
    root = Path(spark_dir)
    out: dict[tuple[str, str], Path] = {}
    schemas = [root / f"{schema}.db"] if schema else sorted(root.glob("*.db"))
    for sdir in schemas:
        if not sdir.is_dir():
            continue
        for tdir in sorted(p for p in sdir.iterdir() if p.is_dir()):
            if _IDENT.match(tdir.name) and has_parquet(tdir):
                out[(sdir.name.removesuffix(".db"), tdir.name)] = tdir
    return out


def parquet_source(directory: Path) -> str:
    """A DuckDB FROM item over one table directory written by Spark (hive partitions restored)."""
    text = str(Path(directory).resolve())
    if "'" in text:
        raise WarehouseError(f"table directory {text!r} contains a quote; refusing to build SQL")
    return f"read_parquet('{text}/**/*.parquet', hive_partitioning = true, union_by_name = true)"


def _select_list(con: Any, directory: Path, source: str, order: list[str] | None = None) -> str:
    """The table's columns, Spark's INT96 timestamps read as the instants they are, in the
    model's declared order when known.

    Spark's ``timestamp`` (with local time zone) is an instant; Spark writes it as INT96, which
    DuckDB reads as a plain TIMESTAMP of the UTC wall-clock. ``timezone('UTC', ...)`` makes it
    the TIMESTAMP WITH TIME ZONE the DuckDB build stores for the same column. Spark's
    ``timestamp_ntz`` is written as a plain (not UTC-adjusted) timestamp and is read as it is.
    Spark also moves partition columns (``biz_date``) to the end of a table; ``order`` (the
    columns the model's yml declares, see :func:`record_spark_views`) puts them back where the
    DuckDB build has them, so a published table has the same shape from either engine.
    """
    first = next(iter(sorted(Path(directory).rglob("*.parquet"))), None)
    int96: set[str] = set()
    if first is not None:
        path = str(first).replace("'", "''")
        rows = con.execute(
            f"select name from parquet_schema('{path}') where type = 'INT96'"
        ).fetchall()
        int96 = {name for (name,) in rows}
    names = [r[0] for r in con.execute(f"describe select * from {source}").fetchall()]
    if order:
        known = [c for c in order if c in names]
        names = known + [c for c in names if c not in known]
    return ", ".join(
        f'timezone(\'UTC\', "{c}") as "{c}"' if c in int96 else f'"{c}"' for c in names
    )


def create_spark_views(con: Any, spark_dir: Path, catalog: str | None = None) -> list[str]:
    """DuckDB views ``[catalog.]schema.table`` of the Spark warehouse; returns their names.

    One view over every Spark table's files, then every dbt view model recorded by
    :func:`record_spark_views`, from its compiled SQL (Spark's ``parquet.`path``` read as
    ``read_parquet``). A view whose SQL DuckDB cannot run is left out with a warning: whatever
    reads it then fails with "does not exist", so a gate on it fails, never passes.
    """
    prefix = f"{catalog}." if catalog else ""
    home = con.execute("select current_database()").fetchall()[0][0]
    if catalog:  # the views' own schema.table names resolve in the attached catalog
        con.execute(f"use {catalog}")
    names = []
    schemas: set[str] = set()

    def schema_once(schema: str) -> None:
        if schema not in schemas:
            con.execute(f'create schema if not exists {prefix}"{schema}"')
            schemas.add(schema)

    orders = _read_json(Path(spark_dir) / COLUMNS_FILE)
    try:
        for (schema, table), directory in spark_tables(spark_dir).items():
            schema_once(schema)
            source = parquet_source(directory)
            columns = _select_list(con, directory, source, orders.get(f"{schema}.{table}"))
            con.execute(
                f'create or replace view {prefix}"{schema}"."{table}" as '
                f"select {columns} from {source}"
            )
            names.append(f"{schema}.{table}")
        for view in spark_views(spark_dir):
            schema_once(view.schema)
            try:
                con.execute(
                    f'create or replace view {prefix}"{view.schema}"."{view.name}" as '
                    f"{duckdb_view_sql(view.sql)}"
                )
            except Exception as exc:  # duckdb.Error: a Spark-only construct in the SQL
                log.warning("Spark view %s not readable through DuckDB: %s", view.key, exc)
                continue
            names.append(view.key)
    finally:
        if catalog:
            con.execute(f'use "{home}"')
    return names


# --------------------------------------------------------------------------- Spark's views


@dataclass(frozen=True)
class SparkView:
    """A dbt view model on Spark: its data is its SQL, kept in the metastore only."""

    schema: str
    name: str
    sql: str
    depends_on: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.name}"


def record_spark_views(manifest: Path, spark_dir: Path) -> int:
    """After a dbt invocation on Spark, keep the compiled SQL of its view models beside the
    tables (``<spark warehouse>/crmwh_views.json``), and the column order each table model's
    yml declares (``crmwh_columns.json``); returns how many views are recorded.

    Why: a Spark view has no files, and its definition lives in the session-mode metastore that
    dbt's JVM locks. The readers (gates, reports) define the same views over the tables' files.
    Views compiled by this invocation replace their records; others are kept while the model is
    still in the manifest (a selective run compiles only what it selects).
    """
    body = json.loads(Path(manifest).read_text(encoding="utf-8"))
    nodes = {
        uid: n for uid, n in body.get("nodes", {}).items() if n.get("resource_type") == "model"
    }
    key_of = {uid: f"{n['schema']}.{n['name']}" for uid, n in nodes.items()}
    path = Path(spark_dir) / VIEWS_FILE
    known = _read_views_file(path)
    records: dict[str, dict[str, Any]] = {}
    for uid, node in nodes.items():
        if (node.get("config") or {}).get("materialized") != "view":
            continue
        key = key_of[uid]
        deps = sorted(key_of[d] for d in node.get("depends_on", {}).get("nodes", []) if d in key_of)
        if node.get("compiled_code"):
            records[key] = {"sql": node["compiled_code"], "depends_on": deps}
        elif key in known:
            records[key] = known[key]
    orders = {
        key_of[uid]: list(node["columns"])
        for uid, node in nodes.items()
        if node.get("columns") and (node.get("config") or {}).get("materialized") != "view"
    }
    _write_json(path, records)
    _write_json(Path(spark_dir) / COLUMNS_FILE, orders)
    return len(records)


def _write_json(path: Path, body: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(body, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise WarehouseError(f"{path} is not valid JSON: {exc}") from exc


_read_views_file = _read_json


def spark_views(spark_dir: Path) -> list[SparkView]:
    """The recorded views, each after the views it reads (dependency order)."""
    records = _read_views_file(Path(spark_dir) / VIEWS_FILE)
    views = {}
    for key, rec in records.items():
        schema, _, name = key.partition(".")
        if not (_IDENT.match(schema) and _IDENT.match(name)):
            raise WarehouseError(f"{VIEWS_FILE}: {key!r} is not schema.name")
        views[key] = SparkView(schema, name, rec["sql"], tuple(rec.get("depends_on") or ()))
    ordered: list[SparkView] = []
    done: set[str] = set()

    def visit(key: str, path: tuple[str, ...]) -> None:
        if key in done or key not in views:
            return
        if key in path:
            raise WarehouseError(f"{VIEWS_FILE}: views depend on each other in a cycle: {path}")
        for dep in views[key].depends_on:
            visit(dep, (*path, key))
        done.add(key)
        ordered.append(views[key])

    for key in sorted(views):
        visit(key, ())
    return ordered


def duckdb_view_sql(spark_sql: str) -> str:
    """A Spark view's SQL for DuckDB: ``parquet.`glob``` becomes ``read_parquet('glob')``
    (without hive columns: Spark adds none for a glob either)."""

    def repl(m: re.Match[str]) -> str:
        return f"read_parquet('{m.group(1)}', hive_partitioning = false)"

    return _PATH_TABLE.sub(repl, spark_sql)


# --------------------------------------------------------------------------- connections


@contextlib.contextmanager
def connect(wh: Warehouse | None = None, *, attempts: int = 30, wait: float = 2.0) -> Iterator[Any]:
    """A DuckDB connection in which ``schema.table`` reads the warehouse, read-only.

    DuckDB: the file opened read-only, waiting a while if a writer holds its lock (DuckDB lets
    readers in only when no other process writes it); after the last attempt the error is a
    :class:`WarehouseError`. Spark: an in-memory DuckDB whose views read Spark's files.
    """
    import duckdb

    wh = wh or current()
    if not wh.exists():
        raise WarehouseError(f"{wh.describe()} does not exist")
    if wh.engine == "duckdb":
        con = _connect_file_read_only(duckdb, wh.location, attempts, wait)
    else:
        con = duckdb.connect()
        con.execute("set enable_progress_bar = false")
        create_spark_views(con, wh.location)
    try:
        yield con
    finally:
        con.close()


def _connect_file_read_only(duckdb: Any, path: Path, attempts: int, wait: float) -> Any:
    for attempt in range(attempts):
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or attempt == attempts - 1:
                raise WarehouseError(f"cannot open {path} read-only: {exc}") from exc
            time.sleep(wait)
    raise AssertionError("unreachable")


def attach(con: Any, alias: str, wh: Warehouse | None = None) -> None:
    """Attach the warehouse to an existing DuckDB connection as catalog ``alias``, read-only
    (Spark: an in-memory catalog of views over Spark's files)."""
    if not _IDENT.match(alias):
        raise WarehouseError(f"catalog alias {alias!r} is not a plain name")
    wh = wh or current()
    if not wh.exists():
        raise WarehouseError(f"{wh.describe()} does not exist")
    path = str(wh.location).replace("'", "''")
    if wh.engine == "duckdb":
        con.execute(f"attach '{path}' as {alias} (read_only)")
        return
    con.execute(f"attach ':memory:' as {alias}")
    create_spark_views(con, wh.location, catalog=alias)


def table_names(wh: Warehouse | None = None) -> set[str]:
    """``schema.table`` of every table and view (Spark: tables with files, recorded views)."""
    wh = wh or current()
    if not wh.exists():
        return set()
    if wh.engine == "spark":
        views = {v.key for v in spark_views(wh.location)}
        return {f"{s}.{t}" for s, t in spark_tables(wh.location)} | views
    with connect(wh) as con:
        rows = con.sql("select table_schema, table_name from information_schema.tables")
        return {f"{s}.{t}" for s, t in rows.fetchall()}


def read_arrow(
    schema: str,
    table: str,
    columns: list[str] | None = None,
    wh: Warehouse | None = None,
) -> Any:
    """One warehouse table as a pyarrow Table on the current engine (all columns or some)."""
    for ident in (schema, table, *(columns or [])):
        if not _IDENT.match(ident):
            raise WarehouseError(f"{ident!r} is not a plain identifier")
    select = ", ".join(f'"{c}"' for c in columns) if columns else "*"
    with connect(wh) as con:
        return con.sql(f'select {select} from "{schema}"."{table}"').to_arrow_table()


# --------------------------------------------------------------------------- content digests

# A table's content digest: (rows, sum of row hashes, xor of row hashes). Order-independent, so
# the same rows give the same digest whichever engine wrote them and in whatever order; the sum
# keeps duplicate rows from cancelling out as they would in the xor alone. It costs one scan of
# the table's columns in DuckDB, against reading every byte of the warehouse file (staging and
# all, tens of GB) for an md5.
Digest = tuple[int, int, int]


def digest_sql(relation: str, columns: list[str], by: str | None = None) -> str:
    """SQL giving the digest of ``relation`` (``rows, hash_sum, hash_xor``), per ``by`` value if
    given (first column: ``by`` as text, NULL as the text ``NULL``). Column order matters: the
    same columns in the same order give the same hashes."""
    if not columns:
        raise WarehouseError(f"{relation}: no columns to digest")
    cols = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
    row_hash = f"hash({cols})"
    if by is None:
        return (
            f"select count(*), coalesce(sum({row_hash}), 0), coalesce(bit_xor({row_hash}), 0) "
            f"from {relation}"
        )
    key = '"' + by.replace('"', '""') + '"'
    return (
        f"select coalesce(cast({key} as varchar), 'NULL') as k, count(*), "
        f"sum({row_hash}), bit_xor({row_hash}) from {relation} group by all"
    )


def combine_digests(digests: list[Digest]) -> Digest:
    """The digest of the union of disjoint parts (a table's from its per-date digests)."""
    rows, total, xor = 0, 0, 0
    for n, s, x in digests:
        rows, total, xor = rows + int(n), total + int(s), xor ^ int(x)
    return rows, total, xor


def content_fingerprint(table_digests: dict[str, Digest]) -> str:
    """MD5 over the tables' names and digests: names the content of a set of tables."""
    body = json.dumps(
        {k: [int(v) for v in d] for k, d in sorted(table_digests.items())}, sort_keys=True
    )
    return hashlib.md5(body.encode()).hexdigest()


def table_columns(con: Any, catalog: str, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from duckdb_columns() where database_name = ? and schema_name = ? "
        "and table_name = ? order by column_index",
        [catalog, schema, table],
    ).fetchall()
    return [r[0] for r in rows]


def fingerprint(wh: Warehouse | None = None, schema: str | None = None) -> str:
    """Content fingerprint of the tables of ``schema`` (every schema if None): per table its
    row count and row-hash digest (:func:`digest_sql`), combined by :func:`content_fingerprint`.

    Names the exact content read (the publisher records the same value, computed in its own
    session), on either engine: Spark's tables are read through the views of :func:`connect`.
    Views of dbt view models are not tables and are left out.
    """
    wh = wh or current()
    with connect(wh) as con:
        catalog = con.execute("select current_database()").fetchone()[0]
        if wh.engine == "duckdb":
            params: list[Any] = [catalog]
            where = "database_name = ? and not internal"
            if schema:
                where += " and schema_name = ?"
                params.append(schema)
            names = con.execute(
                f"select schema_name, table_name from duckdb_tables() where {where}", params
            ).fetchall()
        else:
            names = sorted(spark_tables(wh.location, schema))
        digests: dict[str, Digest] = {}
        for s, t in names:
            cols = table_columns(con, catalog, s, t)
            rel = f'"{s}"."{t}"'
            row = con.execute(digest_sql(rel, cols)).fetchone()
            digests[t if schema else f"{s}.{t}"] = (int(row[0]), int(row[1]), int(row[2]))
    return content_fingerprint(digests)
