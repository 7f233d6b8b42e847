"""Publishing from a Spark warehouse (table directories of Parquet files) gives the same files as
publishing from the DuckDB warehouse holding the same serving tables. No Spark needed: the fake
warehouse's serving schema is written out the way dbt-spark lays out managed tables
(``serving.db/<table>/part-*.parquet``, ``biz_date=...`` partition directories).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.publish import PublishError, publish
from tests.publish import fake_warehouse as fw

PARTITIONED = {"mart_branch_kpi_daily"}  # written with biz_date only in the directory names


def _as_spark_dirs(warehouse: Path, spark_dir: Path) -> Path:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'serving'"
            ).fetchall()
        ]
        for table in tables:
            target = spark_dir / "serving.db" / table
            target.mkdir(parents=True)
            if table in PARTITIONED:
                con.execute(
                    f"copy serving.{table} to '{target}' (format parquet, partition_by (biz_date))"
                )
            else:
                con.execute(
                    f"copy serving.{table} to '{target}/part-00000.parquet' (format parquet)"
                )
            (target / "_SUCCESS").write_bytes(b"")
    finally:
        con.close()
    return spark_dir


def _contents(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for (table,) in con.execute("show tables").fetchall():
            cols = [r[0] for r in con.execute(f'describe "{table}"').fetchall()]
            order = ", ".join(f'"{c}"' for c in sorted(cols))
            out[table] = con.execute(f'select {order} from "{table}" order by all').fetchall()
        return out
    finally:
        con.close()


def test_same_published_files_from_spark_table_directories(warehouse: Path, tmp_path: Path) -> None:
    spark_dir = _as_spark_dirs(warehouse, tmp_path / "spark")
    assert any((spark_dir / "serving.db" / "mart_branch_kpi_daily").glob("biz_date=*"))
    day = fw.DATES[-1]
    from_duckdb = publish(day, warehouse=warehouse, serving_dir=tmp_path / "a")
    from_spark = publish(day, warehouse=spark_dir, serving_dir=tmp_path / "b")
    assert from_spark.tables == from_duckdb.tables and sum(from_spark.tables.values()) > 0
    assert _contents(from_spark.ho_file) == _contents(from_duckdb.ho_file)
    branch_files = sorted(p.name for p in (from_duckdb.serving_dir / "branches").iterdir())
    assert sorted(p.name for p in (from_spark.serving_dir / "branches").iterdir()) == branch_files
    for name in ("O12.duckdb", "TH.duckdb", "GD.duckdb"):
        assert _contents(from_spark.serving_dir / "branches" / name) == _contents(
            from_duckdb.serving_dir / "branches" / name
        )
    manifest = (
        from_spark.serving_dir / "versions" / from_spark.version / "manifest.json"
    ).read_text()
    assert '"engine": "spark"' in manifest and str(spark_dir) in manifest


def test_a_spark_warehouse_without_serving_tables_publishes_nothing(tmp_path: Path) -> None:
    spark_dir = tmp_path / "spark"
    (spark_dir / "staging.db" / "x").mkdir(parents=True)
    with pytest.raises(PublishError, match="no tables in schema 'serving'"):
        publish(fw.DATES[-1], warehouse=spark_dir, serving_dir=tmp_path / "s")
    assert not (tmp_path / "s" / "current").exists()
