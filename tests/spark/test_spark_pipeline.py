"""CRM_ENGINE=spark end to end: the daily pipeline's run on Spark (extraction, gates, dbt,
warehouse gates through GX's Spark datasource, publishing from Spark's tables), and the gates
and publisher on Spark's tables against the DuckDB build of the same lake.

The bank and both builds are the session's shared build (tests/spark/conftest.py); these tests
read them (a test that damages a table works on its own copy).

Run with ``make test-spark`` (needs the [spark] extra and Java 17).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.spark.conftest import DAY, GATED_SUITES, KEY, SPARK_DBT_TESTS, SparkBank

pytestmark = pytest.mark.spark

# Gated on both engines: tables and views of staging, with lookups, sql_types and parameters.
SUITES = ["stg_org__branches", "stg_core__customers", "stg_core__accounts", "stg_core__balances"]


@pytest.fixture()
def bank(spark_bank: SparkBank) -> Path:
    """The shared bank's data directory (lake, DuckDB and Spark warehouses, the run's output)."""
    return spark_bank.data_dir


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


# --------------------------------------------------------------------- the pipeline's own run


def test_the_daily_run_on_spark_succeeded(spark_bank: SparkBank) -> None:
    run = spark_bank.run
    assert run["failures"] == {}, run["failures"]
    assert (run["status"], run["partition"]) == ("SUCCESS", DAY.isoformat())


def test_the_run_extracted_and_built_every_asset(spark_bank: SparkBank) -> None:
    """Every raw table reconciled, every dbt model materialised by the Spark build."""
    from crmwh.config import TABLES

    done = spark_bank.run["materialized"]
    raw = {f"raw/{system}/{table}" for system, tables in TABLES.items() for table in tables}
    assert raw <= set(done), sorted(raw - set(done))
    assert all(done[key]["reconciled"] for key in raw), {k: done[k] for k in raw}
    manifest = json.loads((spark_bank.spark_target / "manifest.json").read_text())
    assert manifest["metadata"]["adapter_type"] == "spark"
    models = {
        f"warehouse/{n['name']}"
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model"
    }
    assert len(models) > 50 and models <= set(done), sorted(models - set(done))


def test_every_gate_of_the_run_passed_through_spark(spark_bank: SparkBank) -> None:
    """Every check the run selected ran and held (WARN is reported only): the raw gates, the
    warehouse suites, which validated Spark DataFrames through GX's Spark execution engine,
    and the dbt data tests run on Spark."""
    from crmwh.config import TABLES

    checks = spark_bank.run["checks"]
    assert len(checks) == spark_bank.run["selected_checks"], sorted(checks)
    failed = {k: v for k, v in checks.items() if not v["passed"] and v["severity"] != "WARN"}
    assert not failed, failed
    names = {key.split(":", 1)[1] for key in checks}
    raw = {f"gx_raw_{table}" for tables in TABLES.values() for table in tables}
    assert raw | {f"gx_{suite}" for suite in GATED_SUITES} <= names, sorted(names)
    for test in SPARK_DBT_TESTS:
        assert any(name.startswith(test) for name in names), f"dbt test {test} did not run"
    results = spark_bank.data_dir / "quality" / "results" / DAY.isoformat()
    for suite in GATED_SUITES:
        meta = json.loads((results / f"{suite}.json").read_text())["validation_result"]["meta"]
        assert meta["active_batch_definition"]["datasource_name"] == "crmwh_spark", suite
        assert meta["batch_spec"]["batch_data"] == "SparkDataFrame", suite


def test_the_run_published_from_spark(spark_bank: SparkBank) -> None:
    """The publish step ran last and its manifest names Spark's warehouse and this run."""
    published = spark_bank.run["materialized"]["serving/published"]
    serving = spark_bank.data_dir / "serving"
    manifest = json.loads(
        (serving / "versions" / published["version"] / "manifest.json").read_text()
    )
    assert manifest["engine"] == "spark"
    assert Path(manifest["warehouse"]) == (spark_bank.data_dir / "warehouse" / "spark").resolve()
    assert (manifest["biz_date"], manifest["dbt_run_id"]) == (
        DAY.isoformat(),
        spark_bank.run["run_id"],
    )
    assert manifest["tables"] == published["tables"] and sum(manifest["tables"].values()) > 0
    assert manifest["branch_count"] == published["branches"] > 0
    assert (serving / "crm.duckdb").is_file()
    assert len(list((serving / "branches").glob("*.duckdb"))) == published["branches"]


# ----------------------------------------------------- gates and publish against DuckDB's build


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
    on_engine, spark_bank: SparkBank, tmp_path: Path
) -> None:
    """What the run published from Spark equals a publish of the DuckDB build of the same lake:
    same serving tables and rows, same branch files with the same rows."""
    from orchestration.publish import publish

    published = spark_bank.run["materialized"]["serving/published"]
    spark_serving = spark_bank.data_dir / "serving"
    on_engine("duckdb")
    duck = publish(DAY, serving_dir=tmp_path / "from_duckdb")
    assert published["tables"] == duck.tables and sum(duck.tables.values()) > 0
    assert published["branches"] == duck.branches > 0
    assert published["branch_rows"] == duck.branch_rows
    assert _rows(spark_serving / "crm.duckdb") == _rows(duck.ho_file)
    spark_branches = sorted(p.name for p in (spark_serving / "branches").iterdir())
    duck_branches = sorted(p.name for p in (duck.serving_dir / "branches").iterdir())
    assert spark_branches == duck_branches
    for name in spark_branches[:3]:  # a branch file is a filtered copy: its rows, too
        assert _rows(spark_serving / "branches" / name) == _rows(
            duck.serving_dir / "branches" / name
        )


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
