"""CRM_ENGINE=spark after the dbt build: the gates through GX's Spark datasource and publishing
from Spark's tables, against the DuckDB build of the same lake.

One small bank is extracted once; dbt builds it on both engines into the same data directory
(``warehouse/crm.duckdb`` and ``warehouse/spark/``), models and seeds only (the dbt data tests
are the DuckDB suite's business). The Spark build is the cost of this module (a few minutes on
one core); everything else reads the two builds.

Run with ``pytest -m spark tests/orchestration`` (needs the [spark] extra and Java 17).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from crmwh.config import SYSTEMS, project_dir

pytestmark = pytest.mark.spark

DAY = dt.date(2026, 11, 1)
KEY = "spark-pipeline-test-key"
# Gated on both engines: tables and views of staging, with lookups, sql_types and parameters.
SUITES = ["stg_org__branches", "stg_core__customers", "stg_core__accounts", "stg_core__balances"]


def _dbt(engine: str, data_dir: Path, work: Path) -> None:
    env = {
        **os.environ,
        "CRM_ENGINE": engine,
        "CRM_DATA_DIR": str(data_dir),
        "CRM_BIZ_DATE": DAY.isoformat(),
        "CRM_PSEUDONYM_KEY": KEY,
        "DBT_PROFILES_DIR": str(project_dir()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_TARGET_PATH": str(work / f"target-{engine}"),
        "DBT_LOG_PATH": str(work / f"logs-{engine}"),
    }
    args = ["build", "--resource-type", "seed", "--resource-type", "model"]
    if engine == "spark":
        args += ["--threads", "1"]
    dbt = Path(sys.executable).parent / "dbt"
    proc = subprocess.run(
        [str(dbt), *args], cwd=project_dir(), env=env, capture_output=True, text=True, check=False
    )
    if not (work / f"target-{engine}" / "run_results.json").exists():
        raise AssertionError(f"dbt on {engine} did not run:\n{proc.stdout[-4000:]}")


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding one lake and its DuckDB and Spark builds (views recorded).

    ``CRM_SPARK_TEST_BANK`` names such a directory built earlier (by this fixture, for the
    same date, key and code): it is reused read-only instead of building again, when iterating
    on the readers. Unset (CI), the bank is built here.
    """
    reuse = os.environ.get("CRM_SPARK_TEST_BANK")
    if reuse:
        return Path(reuse)
    from orchestration.extract import extract_batch
    from orchestration.warehouse import SPARK_DIR, record_spark_views
    from simulator.testing import make_bank

    work = tmp_path_factory.mktemp("spark_pipeline")
    data_dir = work / "data"
    sim = make_bank(data_dir, persons=400, enterprises=40, days=1, start=DAY)
    for system in SYSTEMS:
        extract_batch(system, DAY, sim.landing, data_dir / "lake")
    (data_dir / "warehouse").mkdir(parents=True, exist_ok=True)
    for engine in ("duckdb", "spark"):
        _dbt(engine, data_dir, work)
    spark_dir = data_dir / "warehouse" / SPARK_DIR
    record_spark_views(work / "target-spark" / "manifest.json", spark_dir)
    return data_dir


@pytest.fixture()
def on_engine(bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Point the process at the bank on one engine. The data directory is this test's own (its
    quality results land there) with the bank's lake and warehouse linked in, unless a test
    passes a directory of its own."""
    linked = tmp_path / "linked"
    linked.mkdir()
    for part in ("lake", "warehouse"):
        (linked / part).symlink_to(bank / part)

    def use(engine: str, data_dir: Path | None = None) -> Path:
        monkeypatch.setenv("CRM_DATA_DIR", str(data_dir or linked))
        monkeypatch.setenv("CRM_ENGINE", engine)
        monkeypatch.setenv("CRM_PSEUDONYM_KEY", KEY)
        monkeypatch.setenv("CRM_QUALITY_DATA_DOCS", "0")
        return data_dir or linked

    return use


def _verdicts(outcomes) -> dict[str, tuple]:
    return {
        o.suite: (
            o.severity,
            o.error,
            o.rows,
            sorted((f.expectation_type, f.column, f.unexpected_count) for f in o.errors),
        )
        for o in outcomes
    }


def test_gates_on_spark_give_the_duckdb_verdicts(on_engine) -> None:
    """Good data: the same suites pass on both engines, on the same rows, Spark via Spark."""
    from orchestration.quality.gx_runner import run_suites

    on_engine("duckdb")
    on_duckdb = run_suites(SUITES, DAY)
    on_engine("spark")
    on_spark = run_suites(SUITES, DAY)
    assert all(o.severity != "ERROR" for o in on_duckdb), _verdicts(on_duckdb)
    assert _verdicts(on_spark) == _verdicts(on_duckdb)
    assert all("Spark table" in (o.source or "") for o in on_spark), [o.source for o in on_spark]
    assert all(o.rows and o.rows > 0 for o in on_spark)
    for o in on_spark:  # validated by GX's Spark execution engine, not pandas
        meta = json.loads(Path(o.result_path).read_text())["validation_result"]["meta"]
        assert meta["active_batch_definition"]["datasource_name"] == "crmwh_spark"
        assert meta["batch_spec"]["batch_data"] == "SparkDataFrame"


def _corrupt_copy(bank: Path, target: Path) -> Path:
    """This test's own data directory: the lake linked, the Spark warehouse copied."""
    target.mkdir(parents=True)
    (target / "lake").symlink_to(bank / "lake")
    shutil.copytree(bank / "warehouse" / "spark", target / "warehouse" / "spark", symlinks=True)
    return target


def test_a_corrupted_spark_table_fails_its_suite(on_engine, bank: Path, tmp_path: Path) -> None:
    """A part file delivered twice (every branch row twice, same codes) lands in Spark's
    files: the branch suite's uniqueness expectation must fail with ERROR, through Spark."""
    from orchestration.quality.gx_runner import run_suites

    data_dir = on_engine("spark", _corrupt_copy(bank, tmp_path / "data"))
    table = data_dir / "warehouse" / "spark" / "staging.db" / "base_org__branches"
    part = table / f"biz_date={DAY}"
    files = sorted(part.glob("*.parquet"))
    assert files, f"no Spark files under {part}"
    shutil.copyfile(files[0], part / f"dup-{files[0].name}")
    (outcome,) = run_suites(["stg_org__branches"], DAY)
    assert outcome.severity == "ERROR", outcome
    assert outcome.error is None  # it ran and found the duplicates; not a crash
    assert any("unique" in f.expectation_type for f in outcome.errors), outcome.errors


def test_a_missing_spark_table_fails_never_passes(on_engine, bank: Path, tmp_path: Path) -> None:
    from orchestration.quality.gx_runner import run_suites

    data_dir = on_engine("spark", _corrupt_copy(bank, tmp_path / "data"))
    shutil.rmtree(data_dir / "warehouse" / "spark" / "staging.db" / "base_org__branches")
    (outcome,) = run_suites(["stg_org__branches"], DAY)
    assert outcome.severity == "ERROR" and "stg_org__branches" in (outcome.error or "")


def _rows(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute("show tables").fetchall()]
        out = {}
        for t in tables:
            cols = [r[0] for r in con.execute(f'describe "{t}"').fetchall()]
            text = ", ".join(f'cast("{c}" as varchar)' for c in cols)
            out[t] = sorted(
                con.execute(f'select {text} from "{t}"').fetchall(),
                key=lambda r: tuple(map(str, r)),
            )
        return out
    finally:
        con.close()


def test_publish_from_spark_equals_publish_from_duckdb(
    on_engine, bank: Path, tmp_path: Path
) -> None:
    """Same serving tables and rows, same branch files with the same rows, from either build."""
    from orchestration.publish import publish

    on_engine("spark")
    spark = publish(DAY, serving_dir=tmp_path / "from_spark")
    on_engine("duckdb")
    duck = publish(DAY, serving_dir=tmp_path / "from_duckdb")
    assert spark.tables == duck.tables and sum(spark.tables.values()) > 0
    assert spark.branches == duck.branches > 0 and spark.branch_rows == duck.branch_rows
    assert _rows(spark.ho_file) == _rows(duck.ho_file)
    spark_branches = sorted(p.name for p in (spark.serving_dir / "branches").iterdir())
    duck_branches = sorted(p.name for p in (duck.serving_dir / "branches").iterdir())
    assert spark_branches == duck_branches


def test_spark_type_names_match_duckdb_typeof() -> None:
    """The suites name DuckDB's typeof spelling; a Spark column must be named the same way."""
    from pyspark.sql import types as T

    from orchestration.quality.spark_batches import duckdb_type_name

    con = duckdb.connect()
    cases = {
        T.DecimalType(18, 2): "cast(1 as decimal(18,2))",
        T.DateType(): "date '2026-11-01'",
        T.TimestampNTZType(): "timestamp '2026-11-01 10:00:00'",
        T.TimestampType(): "timestamptz '2026-11-01 10:00:00+08'",
        T.StringType(): "'x'",
        T.IntegerType(): "cast(1 as integer)",
        T.LongType(): "cast(1 as bigint)",
        T.BooleanType(): "true",
        T.DoubleType(): "cast(1 as double)",
    }
    for spark_type, literal in cases.items():
        (duck,) = con.execute(f"select typeof({literal})").fetchall()[0]
        assert duckdb_type_name(spark_type) == duck, spark_type
