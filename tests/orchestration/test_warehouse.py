"""The engine-neutral reading of a Spark warehouse (orchestration/warehouse.py), without Spark.

The table directories are written here with pyarrow the way Spark writes them: part files plus
``_SUCCESS`` and ``.crc`` side files, ``biz_date=...`` partition directories (the partition
column only in the path), timestamps as INT96 UTC instants of the session's local times.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import logging
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration import warehouse

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _write_part(
    directory: Path, table: pa.Table, name: str = "part-00000.snappy.parquet", int96: bool = True
) -> None:
    """A Spark-like part file: an instant as INT96, or (int96=False) timestamp_ntz as micros."""
    directory.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, directory / name, use_deprecated_int96_timestamps=int96)
    (directory / f".{name}.crc").write_bytes(b"\x00crc")


def _spark_warehouse(root: Path) -> Path:
    """staging.base_x partitioned by biz_date, serving.pub_codes unpartitioned, an empty dir."""
    spark = root / "warehouse" / "spark"
    for day, amounts in (
        (dt.date(2026, 11, 1), ["1.10", "2.20"]),
        (dt.date(2026, 11, 2), ["3.30"]),
    ):
        local = [dt.datetime(day.year, day.month, day.day, 10, 30, tzinfo=SHANGHAI)] * len(amounts)
        part = pa.table(
            {
                "acct_no": pa.array([f"A{i}" for i in range(len(amounts))]),
                "amount": pa.array([decimal.Decimal(a) for a in amounts], pa.decimal128(18, 2)),
                # Spark writes its timestamp (an instant) as INT96
                "loaded_at": pa.array(
                    [t.astimezone(dt.UTC) for t in local], pa.timestamp("us", "UTC")
                ),
            }
        )
        _write_part(spark / "staging.db" / "base_x" / f"biz_date={day}", part)
    (spark / "staging.db" / "base_x" / "_SUCCESS").write_bytes(b"")
    wall = pa.array([dt.datetime(2026, 11, 1, 10, 30)] * 3, pa.timestamp("us"))  # timestamp_ntz
    codes = pa.table({"code": ["a", "b", "c"], "upd_ts": wall})
    _write_part(spark / "serving.db" / "pub_codes", codes, int96=False)
    (spark / "serving.db" / "never_built").mkdir(parents=True)  # a directory without files
    return spark


@pytest.fixture()
def spark_dir(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CRM_ENGINE", "spark")
    return _spark_warehouse(data_dir)


def test_engine_is_chosen_by_crm_engine(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRM_ENGINE", raising=False)
    assert warehouse.current() == warehouse.Warehouse(
        "duckdb", (data_dir / "warehouse" / "crm.duckdb").resolve()
    )
    monkeypatch.setenv("CRM_ENGINE", "Spark")
    assert warehouse.current().engine == "spark"
    assert warehouse.current().location == (data_dir / "warehouse" / "spark").resolve()
    monkeypatch.setenv("CRM_ENGINE", "oracle")
    with pytest.raises(warehouse.WarehouseError, match="oracle"):
        warehouse.current()


def test_an_explicit_location_names_its_engine(tmp_path: Path) -> None:
    (tmp_path / "crm.duckdb").write_bytes(b"")
    (tmp_path / "spark").mkdir()
    assert warehouse.current(tmp_path / "crm.duckdb").engine == "duckdb"
    assert warehouse.current(tmp_path / "spark").engine == "spark"


def test_spark_tables_are_the_directories_with_parquet(spark_dir: Path) -> None:
    tables = warehouse.spark_tables(spark_dir)
    assert set(tables) == {("staging", "base_x"), ("serving", "pub_codes")}
    assert set(warehouse.spark_tables(spark_dir, "serving")) == {("serving", "pub_codes")}
    assert warehouse.table_names() == {"staging.base_x", "serving.pub_codes"}


def test_spark_files_read_as_the_duckdb_build_stores_them(spark_dir: Path) -> None:
    with warehouse.connect() as con:
        types = dict(
            con.sql("select column_name, column_type from (describe staging.base_x)").fetchall()
        )
        rows = con.sql(
            "select biz_date, acct_no, amount, loaded_at from staging.base_x "
            "order by biz_date, acct_no"
        ).fetchall()
        codes = con.sql("select column_name, column_type from (describe serving.pub_codes)")
        code_types = dict(codes.fetchall())
        wall = con.sql("select distinct upd_ts from serving.pub_codes").fetchall()
    assert types["amount"] == "DECIMAL(18,2)" and types["biz_date"] == "DATE"
    assert types["loaded_at"] == "TIMESTAMP WITH TIME ZONE"  # an instant, as on DuckDB
    assert len(rows) == 3
    assert rows[0][:3] == (dt.date(2026, 11, 1), "A0", decimal.Decimal("1.10"))
    assert rows[0][3] == dt.datetime(2026, 11, 1, 2, 30, tzinfo=dt.UTC)  # 10:30 in Shanghai
    assert code_types["upd_ts"] == "TIMESTAMP" and wall == [(dt.datetime(2026, 11, 1, 10, 30),)]
    arrow = warehouse.read_arrow("serving", "pub_codes", ["code"])
    assert sorted(arrow.column("code").to_pylist()) == ["a", "b", "c"]


def _manifest(path: Path, views: dict[str, tuple[str | None, list[str]]]) -> Path:
    nodes = {
        "model.p.base_x": {
            "resource_type": "model", "schema": "staging", "name": "base_x",
            "config": {"materialized": "incremental"}, "depends_on": {"nodes": []},
        }
    }  # fmt: skip
    for key, (sql, deps) in views.items():
        schema, name = key.split(".")
        node = {
            "resource_type": "model", "schema": schema, "name": name,
            "config": {"materialized": "view"},
            "depends_on": {"nodes": [f"model.p.{d.split('.')[1]}" for d in deps]},
        }  # fmt: skip
        if sql is not None:
            node["compiled_code"] = sql
        nodes[f"model.p.{name}"] = node
    path.write_text(json.dumps({"nodes": nodes}))
    return path


def test_recorded_views_read_through_duckdb(
    spark_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lake = tmp_path / "lake"
    _write_part(lake / "raw" / "org" / "codes" / "biz_date=2026-11-01", pa.table({"c": [1, 2]}))
    views = {
        # declared before what it reads: the record keeps the dependency order
        "staging.stg_y": ("select * except (amount) from staging.stg_x where acct_no = 'A0'",
                          ["staging.stg_x"]),
        "staging.stg_x": ("select * from staging.base_x", ["staging.base_x"]),
        "staging.stg_lake": (f"select sum(c) as s from parquet.`{lake}/raw/org/codes/*/*.parquet`",
                             []),
        "staging.stg_spark_only": ("select transform(array(1), x -> x + 1) as a", []),
    }  # fmt: skip
    n = warehouse.record_spark_views(_manifest(tmp_path / "manifest.json", views), spark_dir)
    assert n == 4
    assert [v.key for v in warehouse.spark_views(spark_dir)].index("staging.stg_x") < [
        v.key for v in warehouse.spark_views(spark_dir)
    ].index("staging.stg_y")
    with caplog.at_level(logging.WARNING), warehouse.connect() as con:
        assert con.execute("select count(*) from staging.stg_y").fetchall() == [(2,)]
        assert "amount" not in [d[0] for d in con.sql("select * from staging.stg_y").description]
        assert con.execute("select s from staging.stg_lake").fetchall() == [(3,)]
        names = {
            r[0] for r in con.sql("select table_name from information_schema.tables").fetchall()
        }
    assert "stg_spark_only" not in names  # DuckDB cannot run it: left out, loudly
    assert "staging.stg_spark_only" in warehouse.table_names()  # but it is in the warehouse
    assert "staging.stg_spark_only" in caplog.text


def test_a_later_selective_build_keeps_views_it_did_not_compile(
    spark_dir: Path, tmp_path: Path
) -> None:
    full = {"staging.stg_x": ("select * from staging.base_x", [])}
    warehouse.record_spark_views(_manifest(tmp_path / "m1.json", full), spark_dir)
    partial = {"staging.stg_x": (None, [])}  # in the manifest, not compiled this time
    assert warehouse.record_spark_views(_manifest(tmp_path / "m2.json", partial), spark_dir) == 1
    gone: dict[str, tuple[str | None, list[str]]] = {}  # the model was deleted from the project
    assert warehouse.record_spark_views(_manifest(tmp_path / "m3.json", gone), spark_dir) == 0


def test_attach_as_a_catalog_beside_another_database(spark_dir: Path, tmp_path: Path) -> None:
    import duckdb

    con = duckdb.connect(str(tmp_path / "out.duckdb"))
    warehouse.attach(con, "wh")
    assert con.execute("select current_database()").fetchall() == [("out",)]  # unchanged
    assert con.execute("select count(*) from wh.serving.pub_codes").fetchall() == [(3,)]
    con.close()


def test_fingerprint_follows_the_files(spark_dir: Path) -> None:
    before = warehouse.fingerprint(schema="serving")
    assert before == warehouse.fingerprint(schema="serving")
    _write_part(spark_dir / "serving.db" / "pub_codes", pa.table({"code": ["a", "b", "x"]}))
    assert warehouse.fingerprint(schema="serving") != before


def test_missing_warehouse_is_an_error(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_ENGINE", "spark")
    with pytest.raises(warehouse.WarehouseError, match="does not exist"), warehouse.connect():
        pass
    assert warehouse.table_names() == set()


def test_the_dbt_asset_records_spark_views_only_on_spark(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.dbt.assets import record_views_for_readers

    target = tmp_path / "target"
    target.mkdir()
    _manifest(target / "manifest.json", {"staging.stg_x": ("select * from staging.base_x", [])})
    spark = data_dir / "warehouse" / "spark"
    monkeypatch.delenv("CRM_ENGINE", raising=False)
    record_views_for_readers(target, logging.getLogger("test"))
    assert not (spark / warehouse.VIEWS_FILE).exists()  # DuckDB keeps its own views
    monkeypatch.setenv("CRM_ENGINE", "spark")
    record_views_for_readers(target, logging.getLogger("test"))
    assert [v.key for v in warehouse.spark_views(spark)] == ["staging.stg_x"]


def test_partition_columns_go_back_to_the_declared_order(spark_dir: Path, tmp_path: Path) -> None:
    """Spark moves biz_date to the end of a partitioned table; the yml's order puts it back."""
    manifest = _manifest(tmp_path / "manifest.json", {})
    body = json.loads(manifest.read_text())
    body["nodes"]["model.p.base_x"]["columns"] = {"biz_date": {}, "acct_no": {}}  # partial list
    manifest.write_text(json.dumps(body))
    with warehouse.connect() as con:
        before = [d[0] for d in con.sql("select * from staging.base_x").description]
    assert before[-1] == "biz_date"
    warehouse.record_spark_views(manifest, spark_dir)
    with warehouse.connect() as con:
        after = [d[0] for d in con.sql("select * from staging.base_x").description]
    assert after == ["biz_date", "acct_no", "amount", "loaded_at"]
