"""Warehouse batches as Spark DataFrames, validated through GX's Spark datasource
(``CRM_ENGINE=spark``).

The suites are the same JSON files on both engines; only where the batch comes from differs:

- a plain batch (no ``query``) is read by Spark from the table's Parquet files
  (:func:`orchestration.warehouse.spark_table_dir`), filtered to the business date; the derived
  columns are computed by Spark too: ``<c>__sql_type`` from the file's Spark schema, spelled as
  DuckDB's ``typeof`` spells the same type (the suites name DuckDB's spelling), and each lookup
  as a left join on the parent's distinct keys (Spark allows an IN subquery only in a filter);
- a ``query`` batch (several tables at once: a mart total beside a control total) and the
  runtime ``parameters`` are DuckDB SQL in the suite files; they run unchanged in DuckDB over
  the same Parquet files (:func:`orchestration.warehouse.connect`) and the result reaches GX as
  a Spark DataFrame. Those results are small aggregates (one row per currency, per branch, per
  customer key), the heavy reading stays set-based.

The Spark session here is local, one core, and has no catalog of its own (in-memory): the
session-mode metastore belongs to dbt's JVM (an embedded Derby that one JVM locks).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

from orchestration import warehouse
from orchestration.quality.loaders import LoadedBatch, LoaderError

_SESSION: dict[str, Any] = {}
_SESSION_LOCK = threading.Lock()
GATES_SPARK_MEMORY_ENV = "CRM_GATES_SPARK_MEMORY"


def spark_session() -> Any:
    """The process's Spark session for the gates, created on first use (a JVM start)."""
    with _SESSION_LOCK:
        spark = _SESSION.get("spark")
        if spark is not None and spark._jsc is not None:  # noqa: SLF001 (not stopped)
            return spark
        from pyspark.sql import SparkSession

        scratch = Path(tempfile.gettempdir()) / f"crmwh-gates-spark-{os.getuid()}"
        spark = (
            SparkSession.builder.master("local[1]")
            .appName("crmwh-gates")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.catalogImplementation", "in-memory")
            .config("spark.sql.warehouse.dir", str(scratch))
            .config("spark.driver.memory", os.environ.get(GATES_SPARK_MEMORY_ENV, "1g"))
            .config("spark.sql.session.timeZone", warehouse.SPARK_TIME_ZONE)
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        _SESSION["spark"] = spark
        return spark


def duckdb_type_name(spark_type: Any) -> str:
    """DuckDB's ``typeof`` spelling of a Spark SQL type (what the suites' value sets name)."""
    from pyspark.sql import types as T

    simple = {
        T.StringType: "VARCHAR",
        T.VarcharType: "VARCHAR",
        T.CharType: "VARCHAR",
        T.BooleanType: "BOOLEAN",
        T.ByteType: "TINYINT",
        T.ShortType: "SMALLINT",
        T.IntegerType: "INTEGER",
        T.LongType: "BIGINT",
        T.FloatType: "FLOAT",
        T.DoubleType: "DOUBLE",
        T.DateType: "DATE",
        T.TimestampNTZType: "TIMESTAMP",
        T.TimestampType: "TIMESTAMP WITH TIME ZONE",  # an instant, like DuckDB's timestamptz
        T.BinaryType: "BLOB",
    }
    if isinstance(spark_type, T.DecimalType):
        return f"DECIMAL({spark_type.precision},{spark_type.scale})"
    for cls, name in simple.items():
        if isinstance(spark_type, cls):
            return name
    return spark_type.simpleString().upper()


def _split(relation: str) -> tuple[str, str]:
    parts = relation.split(".")
    if len(parts) != 2:
        raise LoaderError(f"relation {relation!r} is not schema.table")
    return parts[0], parts[1]


_CATALOG: dict[str, Any] = {}  # what the session's catalog was last built from


def ensure_catalog(spark: Any, spark_dir: Path) -> None:
    """The warehouse's tables and views in the session's (in-memory) catalog, by dbt's names.

    A table is a view over its directory (``parquet.`dir```: Spark lists the files and
    partitions each time it is read, so new partitions show without rebuilding); a dbt view
    model is its compiled SQL, recorded after the dbt build
    (:func:`orchestration.warehouse.record_spark_views`). Rebuilt only when the set of tables or
    the recorded views change.
    """
    tables = warehouse.spark_tables(spark_dir)
    views_file = spark_dir / warehouse.VIEWS_FILE
    stamp = (
        str(spark_dir),
        tuple(sorted(tables)),
        views_file.stat().st_mtime_ns if views_file.is_file() else 0,
    )
    if _CATALOG.get("stamp") == stamp and _CATALOG.get("spark") is spark:
        # same tables: only their files may have changed (a new partition, a rebuilt table)
        spark.catalog.refreshByPath(str(spark_dir))
        return
    schemas = {schema for schema, _ in tables} | {
        v.schema for v in warehouse.spark_views(spark_dir)
    }
    for schema in sorted(schemas):
        spark.sql(f"create database if not exists `{schema}`")
    for (schema, table), directory in tables.items():
        path = str(directory).replace("`", "")
        spark.sql(f"create or replace view `{schema}`.`{table}` as select * from parquet.`{path}`")
    failed = {}
    for view in warehouse.spark_views(spark_dir):
        try:
            spark.sql(f"create or replace view `{view.schema}`.`{view.name}` as {view.sql}")
        except Exception as exc:  # an upstream table missing: reading it reports that
            failed[view.key] = str(exc).splitlines()[0][:300]
    _CATALOG.update(stamp=stamp, spark=spark, failed=failed)


def read_table(relation: str) -> Any:
    """A Spark DataFrame of one warehouse table or view, by its dbt name (schema.table)."""
    schema, table = _split(relation)
    spark = spark_session()
    wh = warehouse.current()
    ensure_catalog(spark, wh.location)
    if not spark.catalog.tableExists(f"{schema}.{table}"):
        why = (_CATALOG.get("failed") or {}).get(f"{schema}.{table}")
        raise LoaderError(
            f"{relation} is not in the Spark warehouse {wh.location}"
            + (f": its view could not be defined: {why}" if why else " (not built?)")
        )
    return spark.table(f"`{schema}`.`{table}`")


def plain_batch(spec: dict[str, Any], biz_date: dt.date) -> Any:
    """The table's rows of ``biz_date`` (all rows without ``date_column``), derived columns
    added, the table's own columns first in their order."""
    from pyspark.sql import functions as F

    df = read_table(spec["relation"])
    date_col = spec.get("date_column")
    if date_col:
        if date_col not in df.columns:
            raise LoaderError(f"{spec['relation']} has no column {date_col!r}")
        df = df.where(F.col(date_col) == F.lit(biz_date))
    names = list(df.columns)
    types = {f.name: f.dataType for f in df.schema.fields}
    derived = []
    for col in spec.get("sql_types") or []:
        if col not in types:
            raise LoaderError(f"sql_types: {spec['relation']} has no column {col!r}")
        derived.append(F.lit(duckdb_type_name(types[col])).alias(f"{col}__sql_type"))
    df = df.select(*[F.col(f"`{n}`") for n in names], *derived)
    for i, lk in enumerate(spec.get("lookups") or []):
        df = _with_lookup(df, lk, biz_date, i)
    return df


def _with_lookup(df: Any, lk: dict[str, Any], biz_date: dt.date, i: int) -> Any:
    """``lk['as']``: whether the row's key is among the parent's (NULL for a NULL key)."""
    from pyspark.sql import functions as F

    col, parent_col, alias = lk["column"], lk.get("parent_column", lk["column"]), lk["as"]
    key = f"__lookup_key_{i}"
    parent = read_table(lk["parent"]).where(F.col(parent_col).isNotNull())
    if lk.get("parent_date_column"):
        parent = parent.where(F.col(lk["parent_date_column"]) <= F.lit(biz_date))
    keys = parent.select(F.col(parent_col).alias(key)).distinct()
    joined = df.join(keys, df[col] == keys[key], "left")
    known = F.when(F.col(col).isNull(), F.lit(None)).otherwise(F.col(key).isNotNull())
    return joined.withColumn(alias, known.cast("boolean")).drop(key)


def query_batch(arrow: Any) -> Any:
    """An Arrow result computed by DuckDB over Spark's files, as a Spark DataFrame."""
    return spark_session().createDataFrame(arrow)


def load_spark_batch(
    spec: dict[str, Any],
    biz_date: dt.date,
    parameters: dict[str, Any],
    query_arrow: Any | None,
) -> LoadedBatch:
    """The batch GX validates on the Spark engine (see the module docstring)."""
    if query_arrow is not None:
        frame = query_batch(query_arrow)
        source = f"{warehouse.current().location} (query over {spec['relation']})"
    else:
        frame = plain_batch(spec, biz_date)
        source = f"{warehouse.current().location} (Spark table {spec['relation']})"
    # read once for the row count and every expectation; gx_runner unpersists after validating
    frame = frame.persist()
    return LoadedBatch(frame=frame, parameters=parameters, source=source)
