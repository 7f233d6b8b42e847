"""Fetch the one business date's batch a suite validates, read-only, plus its parameters.

Great Expectations 1.x cannot validate through its SQL datasource on DuckDB (its metrics break),
so every batch reaches GX as a pandas DataFrame built here. The loader reads only the business
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


Loader = Callable[[dict[str, Any], dt.date, dict[str, Any]], LoadedBatch]
_LOADERS: dict[str, Loader] = {}


def register_loader(name: str) -> Callable[[Loader], Loader]:
    def deco(fn: Loader) -> Loader:
        _LOADERS[name] = fn
        return fn

    return deco


def load_batch(suite_meta: dict[str, Any], biz_date: dt.date) -> LoadedBatch:
    """Dispatch on ``suite_meta['batch']['loader']``; unknown loaders are an error, not a skip."""
    spec = suite_meta["batch"]
    loader = _LOADERS.get(spec["loader"])
    if loader is None:
        raise LoaderError(
            f"unknown batch loader {spec['loader']!r}; known: {', '.join(sorted(_LOADERS))}"
        )
    return loader(spec, biz_date, suite_meta)


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
    spec: dict[str, Any], biz_date: dt.date, suite_meta: dict[str, Any]
) -> LoadedBatch:
    """The raw Parquet partition of one table for one business date, via pyarrow."""
    import pyarrow.parquet as pq

    system, table = spec["system"], spec["table"]
    directory = raw_partition_dir(system, table, biz_date)
    files = parquet_files(directory)
    if not files:
        raise LoaderError(f"raw partition {directory} has no Parquet file (not extracted?)")
    import pyarrow as pa

    arrow = pa.concat_tables([pq.read_table(f, partitioning=None) for f in files])
    recon = reconciliation_row(system, table, biz_date)
    parameters: dict[str, Any] = {
        "reconciled_rows": int(recon["declared_rows"]) - int(recon["quarantined_rows"]),
        "batch_ids": [recon["batch_id"]],
    }
    parameters.update(volume_parameters(directory.parent, biz_date, suite_meta))
    return LoadedBatch(frame=arrow.to_pandas(), parameters=parameters, source=str(directory))


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
    spec: dict[str, Any], biz_date: dt.date, suite_meta: dict[str, Any]
) -> LoadedBatch:
    """One business date's rows of a warehouse table, through a read-only DuckDB connection.

    ``spec``: ``relation`` (schema.table), ``date_column`` (the business-date column; omit for a
    table that holds only the current state), optional ``database`` (file name under the
    warehouse directory, default ``crm.duckdb``) and ``parameters``: name -> SQL returning one
    value, with ``$biz_date`` bound, run on the same read-only connection (e.g. a control total
    read with ``read_parquet`` from the lake to reconcile a mart to the cent).
    """
    import duckdb

    path = config.warehouse_dir() / spec.get("database", "crm.duckdb")
    if not path.is_file():
        raise LoaderError(f"warehouse database {path} does not exist")
    relation = quoted_relation(spec["relation"])
    con = _connect_read_only(duckdb, path)
    try:
        date_col = spec.get("date_column")
        if date_col:
            if not _IDENT.match(date_col):
                raise LoaderError(f"date_column {date_col!r} is not a plain column name")
            sql = f'select * from {relation} where "{date_col}" = $biz_date'
            frame = con.execute(sql, {"biz_date": biz_date}).fetch_df()
        else:
            frame = con.execute(f"select * from {relation}").fetch_df()
        parameters: dict[str, Any] = {}
        for name, query in (spec.get("parameters") or {}).items():
            binds = {"biz_date": biz_date} if "$biz_date" in query else {}
            row = con.execute(query, binds).fetchone()
            parameters[name] = _jsonable(row[0] if row else None)
    except duckdb.Error as exc:
        raise LoaderError(f"reading {spec['relation']} from {path} failed: {exc}") from exc
    finally:
        con.close()
    return LoadedBatch(frame=frame, parameters=parameters, source=f"{path}:{spec['relation']}")


def _connect_read_only(duckdb: Any, path: Path, attempts: int = 30, wait: float = 2.0) -> Any:
    """A read-only connection, waiting a while if a writer holds the file's lock.

    DuckDB lets readers in only when no other process writes the file; checks normally run in
    the writers' pool, and this wait covers the moments outside it. After the last attempt the
    lock error propagates and the gate fails; it never passes for want of data.
    """
    import time

    for attempt in range(attempts):
        try:
            return duckdb.connect(str(path), read_only=True)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or attempt == attempts - 1:
                raise LoaderError(f"cannot open {path} read-only: {exc}") from exc
            time.sleep(wait)
    raise AssertionError("unreachable")


def _jsonable(value: Any) -> Any:
    """Parameters end up in the result JSON: decimals become floats, dates ISO strings."""
    import decimal

    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
