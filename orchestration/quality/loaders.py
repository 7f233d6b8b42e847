"""Fetch the one business date's batch a suite validates, read-only, plus its parameters.

Great Expectations 1.x cannot validate through its SQL datasource on DuckDB (its metrics break),
so every batch reaches GX as a pandas DataFrame built here; with ``CRM_ENGINE=spark`` a warehouse
batch is a Spark DataFrame instead, for GX's Spark datasource (see :func:`_spark_batch`). The loader reads only the business
date's partition or rows, so the gate's cost follows the day's volume, never the history.

A loader also supplies the suite's runtime parameters (GX ``{"$PARAMETER": name}`` values),
computed from the control tables, so suites stay declarative JSON:

- ``reconciled_rows``: rows the flag file declared minus rows quarantined (lake/control/
  reconciliation), which the raw partition must hold exactly;
- ``batch_ids``: the batch id the reconciliation names, so a partition left over from an earlier
  delivery is caught;
- ``previous_rows`` and ``min_rows_vs_previous``: the previous business date's partition size and
  the floor below which the day's volume counts as an unusual drop (``meta.volume``).

Loaders are looked up by the name in the suite's ``meta.batch.loader``; later layers register
theirs with :func:`register_loader`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmwh import config


class LoaderError(Exception):
    """The batch cannot be fetched (missing partition, missing reconciliation, bad spec)."""


@dataclass
class LoadedBatch:
    """What GX validates: the frame, its runtime parameters and where it came from."""

    frame: Any  # pandas.DataFrame; typed loosely so importing this module stays light
    parameters: dict[str, Any] = field(default_factory=dict)
    source: str = ""


# (batch spec, business date, suite meta, columns whose values the suite reads or None = all)
Loader = Callable[[dict[str, Any], dt.date, dict[str, Any], frozenset[str] | None], LoadedBatch]
_LOADERS: dict[str, Loader] = {}


def register_loader(name: str) -> Callable[[Loader], Loader]:
    def deco(fn: Loader) -> Loader:
        _LOADERS[name] = fn
        return fn

    return deco


def load_batch(
    suite_meta: dict[str, Any], biz_date: dt.date, columns: frozenset[str] | None = None
) -> LoadedBatch:
    """Dispatch on ``suite_meta['batch']['loader']``; unknown loaders are an error, not a skip.

    ``columns``: the columns whose values the suite reads (None: all). Loaders read only those
    and keep every other column as a placeholder under its own name and position.
    """
    spec = suite_meta["batch"]
    loader = _LOADERS.get(spec["loader"])
    if loader is None:
        raise LoaderError(
            f"unknown batch loader {spec['loader']!r}; known: {', '.join(sorted(_LOADERS))}"
        )
    return loader(spec, biz_date, suite_meta, columns)


def with_placeholders(arrow: Any, names: list[str], num_rows: int) -> Any:
    """A pandas frame with every column of ``names`` in order; values only where ``arrow`` has
    the column, a one-byte placeholder (all False) elsewhere.

    GX's pandas engine filters the whole frame for each column expectation, so a wide table
    costs columns x expectations copies; the placeholders make the columns no expectation reads
    nearly free while ``expect_table_columns_to_match_ordered_list`` still sees the real names
    in the real order and the row count stays the batch's.
    """
    import numpy as np
    import pandas as pd

    present = set(arrow.column_names)
    data = {
        name: arrow.column(name).to_pandas() if name in present else np.zeros(num_rows, bool)
        for name in names
    }
    return pd.DataFrame(data, columns=names, index=pd.RangeIndex(num_rows), copy=False)


# --------------------------------------------------------------------------- lake paths


def partition_dir(layer_dir: Path, system: str, table: str, biz_date: dt.date) -> Path:
    return layer_dir / system / table / f"biz_date={biz_date.isoformat()}"


def raw_partition_dir(system: str, table: str, biz_date: dt.date) -> Path:
    return partition_dir(config.lake_dir() / "raw", system, table, biz_date)


def parquet_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.parquet")) if directory.is_dir() else []


def partition_rows(directory: Path) -> int | None:
    """Row count of a partition from Parquet footers only (no data read); None if absent."""
    import pyarrow.parquet as pq

    files = parquet_files(directory)
    if not files:
        return None
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def read_control(kind: str, system: str, biz_date: dt.date) -> Any:
    """One system's control table (``reconciliation`` or ``control_totals``) for one date.

    Returns a pyarrow Table, or None when the extractor wrote nothing for that batch. Files are
    listed explicitly so that pyarrow does not add the hive path columns a second time.
    """
    import pyarrow.parquet as pq

    directory = (
        config.lake_dir()
        / "control"
        / kind
        / f"system={system}"
        / f"biz_date={biz_date.isoformat()}"
    )
    files = parquet_files(directory)
    if not files:
        return None
    import pyarrow as pa

    return pa.concat_tables([pq.read_table(f, partitioning=None) for f in files])


def reconciliation_row(system: str, table: str, biz_date: dt.date) -> dict[str, Any]:
    """The reconciliation row of one table of one batch (the latest redelivery)."""
    recon = read_control("reconciliation", system, biz_date)
    where = f"lake/control/reconciliation/system={system}/biz_date={biz_date.isoformat()}"
    if recon is None:
        raise LoaderError(f"no reconciliation for {system} {biz_date}: {where} is missing")
    rows = [r for r in recon.to_pylist() if r["table_name"] == table]
    if not rows:
        raise LoaderError(f"no reconciliation row for {table} {biz_date} in {where}")
    return max(rows, key=lambda r: r["redelivery"])


# --------------------------------------------------------------------------- raw partitions


@register_loader("raw_partition")
def load_raw_partition(
    spec: dict[str, Any],
    biz_date: dt.date,
    suite_meta: dict[str, Any],
    columns: frozenset[str] | None = None,
) -> LoadedBatch:
    """The raw Parquet partition of one table for one business date, via pyarrow.

    Only ``columns`` are decoded (all when None); the others keep their names as placeholders.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    system, table = spec["system"], spec["table"]
    directory = raw_partition_dir(system, table, biz_date)
    files = parquet_files(directory)
    if not files:
        raise LoaderError(f"raw partition {directory} has no Parquet file (not extracted?)")
    names = pq.read_schema(files[0]).names
    wanted = names if columns is None else [n for n in names if n in columns]
    arrow = pa.concat_tables([pq.read_table(f, columns=wanted, partitioning=None) for f in files])
    num_rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    recon = reconciliation_row(system, table, biz_date)
    parameters: dict[str, Any] = {
        "reconciled_rows": int(recon["declared_rows"]) - int(recon["quarantined_rows"]),
        "batch_ids": [recon["batch_id"]],
    }
    parameters.update(volume_parameters(directory.parent, biz_date, suite_meta))
    frame = with_placeholders(arrow, names, num_rows)
    return LoadedBatch(frame=frame, parameters=parameters, source=str(directory))


def volume_parameters(
    table_dir: Path, biz_date: dt.date, suite_meta: dict[str, Any]
) -> dict[str, Any]:
    """Floor for an unusual drop in volume against the previous business date's partition.

    With no previous partition (the first batch) the floor is 0: nothing to compare with.
    """
    previous = partition_rows(table_dir / f"biz_date={(biz_date - dt.timedelta(days=1))}")
    ratio = float((suite_meta.get("volume") or {}).get("min_ratio_of_previous", 0.0))
    floor = math.ceil(previous * ratio) if previous else 0
    return {"previous_rows": previous or 0, "min_rows_vs_previous": floor}


# --------------------------------------------------------------------------- warehouse tables

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quoted_relation(relation: str) -> str:
    parts = relation.split(".")
    if not 1 <= len(parts) <= 3 or not all(_IDENT.match(p) for p in parts):
        raise LoaderError(f"relation {relation!r} is not a plain [db.][schema.]table name")
    return ".".join(f'"{p}"' for p in parts)


@register_loader("warehouse_table")
def load_warehouse_table(
    spec: dict[str, Any],
    biz_date: dt.date,
    suite_meta: dict[str, Any],
    columns: frozenset[str] | None = None,
) -> LoadedBatch:
    """One business date's rows of a warehouse table, read-only, on the ``CRM_ENGINE`` engine.

    DuckDB: a pandas frame from a read-only connection to the warehouse file. Spark: a Spark
    DataFrame over the tables' Parquet files for GX's Spark datasource (:func:`_spark_batch`).

    ``spec``: ``relation`` (schema.table), ``date_column`` (the business-date column; omit for a
    table that holds only the current state), optional ``database`` (file name under the
    warehouse directory, default ``crm.duckdb``) and ``parameters``: name -> SQL returning one
    value, with ``$biz_date`` bound, run on the same read-only connection (e.g. a control total
    read with ``read_parquet`` from the lake to reconcile a mart to the cent).

    ``query`` (optional) replaces the plain select: a set-based SQL statement whose result is
    the batch, for suites about more than one table's rows (a foreign key looked up in its
    parent, records counted per customer key, a mart total beside a control total). The
    aggregation happens in DuckDB; GX validates the result and is the verdict. In ``query`` and
    ``parameters``, ``$biz_date`` is bound and ``{lake}`` stands for the lake directory.

    Without ``query`` only the ``columns`` some expectation reads are fetched; the others are
    placeholders (see :func:`with_placeholders`).
    """
    import duckdb

    from orchestration import warehouse

    if spec.get("database"):  # a named DuckDB file under the warehouse directory
        wh = warehouse.Warehouse("duckdb", config.warehouse_dir() / spec["database"])
    else:
        wh = warehouse.current()
    relation = quoted_relation(spec["relation"])
    date_col = spec.get("date_column")
    if date_col and not _IDENT.match(date_col):
        raise LoaderError(f"date_column {date_col!r} is not a plain column name")
    try:
        with warehouse.connect(wh) as con:
            if wh.engine == "spark":
                return _spark_batch(con, spec, biz_date)
            if spec.get("query"):
                frame = _execute(con, spec["query"], biz_date).df()
            else:
                names = [d[0] for d in con.execute(f"select * from {relation} limit 0").description]
                wanted = names if columns is None else [n for n in names if n in columns]
                derived = _derived_columns(spec)
                select = (
                    ", ".join([*(f't."{n}"' for n in wanted), *derived.values()]) or "1 as _none"
                )
                where = f' where t."{date_col}" = $biz_date' if date_col else ""
                sql = f"select {select} from {relation} as t{where}"
                arrow = _execute(con, sql, biz_date).to_arrow_table()
                if "_none" in arrow.column_names:
                    arrow = arrow.drop_columns(["_none"])
                frame = with_placeholders(
                    _arrow_to_numpy_types(arrow), [*names, *derived], arrow.num_rows
                )
            parameters = _parameters(con, spec, biz_date)
    except warehouse.WarehouseError as exc:
        raise LoaderError(str(exc)) from exc
    except duckdb.Error as exc:
        raise LoaderError(f"reading {spec['relation']} from {wh.describe()} failed: {exc}") from exc
    return LoadedBatch(
        frame=frame, parameters=parameters, source=f"{wh.location}:{spec['relation']}"
    )


def _parameters(con: Any, spec: dict[str, Any], biz_date: dt.date) -> dict[str, Any]:
    """The suite's runtime parameters: each SQL's first value, ``$biz_date`` bound."""
    parameters: dict[str, Any] = {}
    for name, query in (spec.get("parameters") or {}).items():
        rows = _execute(con, query, biz_date).fetchall()
        parameters[name] = _jsonable(rows[0][0] if rows else None)
    return parameters


def _spark_batch(con: Any, spec: dict[str, Any], biz_date: dt.date) -> LoadedBatch:
    """CRM_ENGINE=spark: a Spark DataFrame for GX's Spark datasource. A ``query`` and the
    parameters run in DuckDB over Spark's Parquet files (``con``); a plain batch is read and
    derived by Spark itself (:mod:`orchestration.quality.spark_batches`)."""
    from pyspark.errors import PySparkException

    from orchestration.quality.spark_batches import load_spark_batch

    arrow = None
    if spec.get("query"):
        arrow = _arrow_to_numpy_types(_execute(con, spec["query"], biz_date).to_arrow_table())
    parameters = _parameters(con, spec, biz_date)
    try:
        return load_spark_batch(spec, biz_date, parameters, arrow)
    except PySparkException as exc:
        raise LoaderError(f"Spark could not read {spec['relation']}: {exc}") from exc


def _derived_columns(spec: dict[str, Any]) -> dict[str, str]:
    """Extra columns computed by DuckDB beside the model's own, set-based, for GX to check.

    - ``sql_types``: for each listed column ``c``, ``c__sql_type`` = DuckDB's type of ``c``
      (``DECIMAL(18,2)``, ``DATE``): the warehouse type itself, which pandas would blur.
    - ``lookups``: ``{"column", "parent", "parent_column", "as", "parent_date_column"}``: ``as``
      is whether the row's ``column`` exists in the parent relation (on any business date up
      to the batch's when ``parent_date_column`` is given: a DELTA parent delivered earlier
      still counts). NULL when ``column`` is NULL; referential integrity in one semi-join.
    """
    out: dict[str, str] = {}
    for col in spec.get("sql_types") or []:
        if not _IDENT.match(col):
            raise LoaderError(f"sql_types: {col!r} is not a plain column name")
        out[f"{col}__sql_type"] = f'typeof(t."{col}") as "{col}__sql_type"'
    for lk in spec.get("lookups") or []:
        col, parent_col, alias = lk["column"], lk.get("parent_column", lk["column"]), lk["as"]
        date_col = lk.get("parent_date_column")
        for ident in (col, parent_col, alias, date_col or "x"):
            if not _IDENT.match(ident):
                raise LoaderError(f"lookups: {ident!r} is not a plain column name")
        parent = quoted_relation(lk["parent"])
        # a NULL parent key would turn "not found" into NULL, which GX skips: keep them out
        when = f' where "{parent_col}" is not null'
        when += f' and "{date_col}" <= $biz_date' if date_col else ""
        out[alias] = f'(t."{col}" in (select "{parent_col}" from {parent}{when})) as "{alias}"'
    return out


def _execute(con: Any, sql: str, biz_date: dt.date) -> Any:
    """A DuckDB relation of ``sql`` with ``$biz_date`` bound (when used) and ``{lake}``
    replaced (a relation, not a cursor: its Arrow output needs no extra copy)."""
    lake = str(config.lake_dir())
    if "'" in lake:
        raise LoaderError(f"lake directory {lake!r} contains a quote; refusing to build SQL")
    sql = sql.replace("{lake}", lake)
    binds = {"biz_date": biz_date} if "$biz_date" in sql else None
    return con.sql(sql, params=binds)


def _arrow_to_numpy_types(arrow: Any) -> Any:
    """Decimals as float64, like DuckDB's own ``fetch_df``: GX's numeric expectations (between,
    sums) want numbers, not Python Decimal objects. Sums to the cent are compared in SQL."""
    import pyarrow as pa

    fields = []
    for f in arrow.schema:
        fields.append(pa.field(f.name, pa.float64()) if pa.types.is_decimal(f.type) else f)
    return arrow.cast(pa.schema(fields))


def _jsonable(value: Any) -> Any:
    """Parameters end up in the result JSON: decimals become floats, dates ISO strings."""
    import decimal

    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
