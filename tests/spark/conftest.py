"""One Spark build of one small bank, shared by every Spark test of the session.

Why: a Spark build costs minutes (nearly all of it compiling queries, not processing rows), and
`make test-spark` used to pay for two: the parity build (dbt alone) and the pipeline module's.
Here the bank is built once, the way production runs it:

1. A small bank is simulated and its batches extracted into one lake (extraction is the same
   code whatever the engine).
2. The production daily Dagster job (``daily_pipeline``, from ``build_defs()``) runs for the
   last business date with ``CRM_ENGINE=spark``, every asset of it: extraction (the batch is
   found unchanged), ``dbt build`` on Spark (every seed and model; dbt-spark session mode),
   publishing from Spark's tables. Of its checks it runs the raw gates, the warehouse gates of
   :data:`GATED_SUITES` (through GX's Spark datasource) and the dbt data tests of
   :data:`SPARK_DBT_TESTS`, as selecting them in Dagster's UI would (dagster-dbt then passes
   dbt only those tests). Why not every check: the other 500-odd dbt data tests and 20-odd
   suites check data, which the parity tests compare row by row with DuckDB's (where the
   DuckDB suite tests it), and on Spark together they cost more than the whole model build
   (measured at load 10 on 2 cores: 546 tests 207 s of dbt time and 25 suites 136 s, against
   307 s for the models; the whole session 846 s wall, 632 CPU-s, against 631 s, 385 CPU-s).
3. Meanwhile dbt builds every seed and model of the same lake on DuckDB (its own warehouse file
   in the same data directory), the reference the parity tests compare Spark's tables with.

The parity tests (test_spark_parity.py) compare the two warehouses table by table; the
pipeline tests (test_spark_pipeline.py) assert on the same run (gates, published files,
manifests) and on the gates and publisher against the DuckDB build; the static check
(test_spark_portability.py) parses the SQL the Spark build compiled.

``CRM_SPARK_TEST_BANK=<dir>`` keeps the build in ``<dir>`` and, when ``<dir>`` already holds a
finished one (``run.json``), reuses it instead of building again: for iterating on the tests.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crmwh.config import SYSTEMS, project_dir

START = dt.date(2026, 11, 1)
DAYS = 2
DAY = START + dt.timedelta(days=DAYS - 1)  # the business date the pipeline runs
KEY = "spark-test-pseudonym-key"
REUSE_ENV = "CRM_SPARK_TEST_BANK"
RUN_FILE = "run.json"
# Warehouse suites gated in the run: staging tables and views (lookups, sql_types, parameters),
# the golden customer record and a branch mart.
GATED_SUITES = (
    "stg_org__branches",
    "stg_core__customers",
    "stg_core__accounts",
    "stg_core__balances",
    "dim_customer",
    "mart_branch_kpi_daily",
)
# dbt data tests run on Spark in the run: Spark labels connected components in a fixed number
# of rounds, and this test fails if the rounds did not settle a component.
SPARK_DBT_TESTS = ("component_labels_converged",)
# The identity model's u-probability sample cut from a million record pairs to 50,000 for both
# builds (the same sample on both engines, so the comparison stays exact). Read by dbt only once
# dbt_project.yml maps the var to this variable; until then both use the default.
SAMPLE_ENV = {"CRM_IDENTITY_U_SAMPLE_PAIRS": "50000"}

# Spark settings for a tiny bank, through the environment (the profile stays the production
# one). On a bank this small nearly all of Spark's time is spent compiling each new query, not
# processing rows: generated code is compiled per query and the JVM's optimising JIT spends
# its CPU on code that runs once. So: Spark's interpreted evaluation and the JVM's quick
# (C1) compiler only (and no console progress bar, which would corrupt dbt's event stream
# under Dagster). None changes a result. A caller's own values win.
SPARK_TEST_ENV = {
    "JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1",
    "PYSPARK_SUBMIT_ARGS": (
        "--conf spark.sql.codegen.wholeStage=false"
        " --conf spark.sql.codegen.factoryMode=NO_CODEGEN"
        " --conf spark.ui.showConsoleProgress=false pyspark-shell"
    ),
}


@dataclass(frozen=True)
class SparkBank:
    """A data directory holding one lake, its Spark warehouse (built by the pipeline) and its
    DuckDB warehouse (built by dbt alone), and what the pipeline's run recorded."""

    work: Path
    data_dir: Path
    day: dt.date
    run: dict[str, Any]  # see _run_summary
    seconds: dict[str, float]

    @property
    def spark_target(self) -> Path:
        """dbt's target directory of the Spark build (run_results, manifest, compiled SQL)."""
        return Path(self.run["spark_target"])

    @property
    def duckdb_target(self) -> Path:
        return self.work / "target-duckdb"


def _duckdb_build(data_dir: Path, work: Path) -> subprocess.Popen:
    """dbt on DuckDB, every seed and model (no data test: that is the DuckDB suite's business),
    for the pipeline's business date, started in the background; output in work/dbt-duckdb.out."""
    env = {
        **os.environ,
        "CRM_ENGINE": "duckdb",
        "CRM_DATA_DIR": str(data_dir),
        "CRM_BIZ_DATE": DAY.isoformat(),
        "CRM_PSEUDONYM_KEY": KEY,
        "DBT_PROFILES_DIR": str(project_dir()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_TARGET_PATH": str(work / "target-duckdb"),
        "DBT_LOG_PATH": str(work / "logs-duckdb"),
        **SAMPLE_ENV,
    }
    args = ["build", "--select", "resource_type:seed resource_type:model"]
    args += ["--indirect-selection", "empty"]
    dbt = Path(sys.executable).parent / "dbt"
    out = (work / "dbt-duckdb.out").open("w")
    return subprocess.Popen(
        [str(dbt), *args], cwd=project_dir(), env=env, stdout=out, stderr=subprocess.STDOUT
    )


def _selected(check: Any) -> bool:
    """Whether the run executes this check (see the module docstring)."""
    name = check.name
    return (
        name.startswith("gx_raw_")
        or name in {f"gx_{suite}" for suite in GATED_SUITES}
        or name.startswith(SPARK_DBT_TESTS)
    )


def _run_daily_job(day: dt.date) -> Any:
    """The production daily job for ``day``: every asset, the selected checks, in process."""
    from dagster import DagsterInstance

    from orchestration.cli import QUIET_LOGS
    from orchestration.definitions import build_defs
    from orchestration.instance import ensure_dagster_home
    from orchestration.pipeline.jobs import DAILY_JOB

    ensure_dagster_home()
    job = build_defs().resolve_job_def(DAILY_JOB)
    layer = job.asset_layer
    checks = {k for k in layer.asset_graph.asset_check_keys if _selected(k)}
    subset = job.get_subset(
        asset_selection=set(layer.executable_asset_keys), asset_check_selection=checks
    )
    with DagsterInstance.get() as instance:
        result = subset.execute_in_process(
            partition_key=day.isoformat(),
            instance=instance,
            raise_on_error=False,
            run_config=QUIET_LOGS,
        )
        return _run_summary(instance, result.run_id, len(checks))


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _run_summary(instance: Any, run_id: str, selected_checks: int) -> dict[str, Any]:
    """What the pipeline's Dagster run recorded: its status, failed steps, materialisations
    (with metadata) and asset check evaluations, as plain JSON (kept in work/run.json)."""
    from dagster import DagsterEventType

    run = instance.get_run_by_id(run_id)
    summary: dict[str, Any] = {
        "run_id": run.run_id,
        "status": run.status.value,
        "partition": run.tags.get("dagster/partition"),
        "selected_checks": selected_checks,
        "failures": {},
        "materialized": {},
        "checks": {},
    }
    for record in instance.all_logs(run.run_id):
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.STEP_FAILURE:
            summary["failures"][event.step_key] = event.step_failure_data.error.message[:2000]
        elif event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            mat = event.event_specific_data.materialization
            summary["materialized"][mat.asset_key.to_user_string()] = _jsonable(
                {k: v.value for k, v in mat.metadata.items()}
            )
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            ev = event.event_specific_data
            summary["checks"][f"{ev.asset_key.to_user_string()}:{ev.check_name}"] = {
                "passed": ev.passed,
                "severity": ev.severity.value,
            }
    return summary


def _spark_target(data_dir: Path) -> str:
    """The target directory of the run's one dbt invocation (orchestration.dbt.project.
    run_target: under the data directory's warehouse)."""
    targets = sorted((data_dir / "warehouse" / "dbt-target").glob("*/run_results.json"))
    assert len(targets) == 1, f"expected one dbt invocation on Spark, found {targets}"
    return str(targets[0].parent)


def _dbt_seconds(target: Path) -> float:
    return float(json.loads((target / "run_results.json").read_text())["elapsed_time"])


@contextlib.contextmanager
def _pipeline_env(data_dir: Path, work: Path) -> Iterator[pytest.MonkeyPatch]:
    """The process environment of the pipeline run, restored afterwards."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRM_DATA_DIR", str(data_dir))
        mp.setenv("CRM_ENGINE", "duckdb")  # until the manifest is known to be current
        mp.setenv("CRM_PSEUDONYM_KEY", KEY)
        mp.setenv("CRM_FIRST_BIZ_DATE", START.isoformat())
        mp.setenv("DAGSTER_HOME", str(work / "dagster"))
        mp.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        mp.setenv("DAGSTER_DISABLE_TELEMETRY", "true")
        mp.setenv("CRM_QUALITY_DATA_DOCS", "0")  # HTML only, the same on either engine
        mp.delenv("DBT_TARGET_PATH", raising=False)
        for name, value in {**SPARK_TEST_ENV, **SAMPLE_ENV}.items():
            mp.setenv(name, os.environ.get(name, value))
        yield mp


def _build(work: Path) -> SparkBank:
    from orchestration.dbt.project import ensure_manifest
    from orchestration.extract import extract_batch
    from simulator.testing import make_bank

    seconds: dict[str, float] = {}
    data_dir = work / "data"
    began = time.perf_counter()
    sim = make_bank(data_dir, persons=1000, enterprises=100, days=DAYS, start=START)
    for system in SYSTEMS:
        for day in sim.dates:
            extract_batch(system, day, sim.landing, data_dir / "lake")
    (data_dir / "warehouse").mkdir(parents=True, exist_ok=True)
    seconds["simulate_extract"] = time.perf_counter() - began
    with _pipeline_env(data_dir, work) as mp:
        # Dagster's definitions read the project's manifest (parsed on DuckDB, as everywhere);
        # the run's own dbt invocation then writes under data/warehouse/dbt-target.
        ensure_manifest()
        duckdb_build = _duckdb_build(data_dir, work)
        began = time.perf_counter()
        try:
            mp.setenv("CRM_ENGINE", "spark")
            run = _run_daily_job(DAY)
            seconds["spark_pipeline"] = time.perf_counter() - began
            duckdb_build.wait()
        finally:  # an interrupted build leaves no dbt behind
            if duckdb_build.poll() is None:
                duckdb_build.kill()
    if not (work / "target-duckdb" / "run_results.json").exists():
        output = (work / "dbt-duckdb.out").read_text()
        raise AssertionError(f"dbt on duckdb did not run:\n{output[-4000:]}")
    run["spark_target"] = _spark_target(data_dir)
    seconds["spark_dbt"] = _dbt_seconds(Path(run["spark_target"]))
    seconds["duckdb_dbt"] = _dbt_seconds(work / "target-duckdb")
    run["seconds"] = seconds
    (work / RUN_FILE).write_text(json.dumps(run, indent=1))
    print(
        "\nSpark bank: simulate+extract {simulate_extract:.1f} s, pipeline on Spark "
        "{spark_pipeline:.1f} s (its dbt build {spark_dbt:.1f} s), DuckDB dbt build "
        "{duckdb_dbt:.1f} s (meanwhile)".format(**seconds)
    )
    return SparkBank(work, data_dir, DAY, run, seconds)


@pytest.fixture(scope="session")
def spark_bank(tmp_path_factory: pytest.TempPathFactory) -> SparkBank:
    """The shared build (see the module docstring); built on first use."""
    reuse = os.environ.get(REUSE_ENV)
    if reuse:
        work = Path(reuse)
        if (work / RUN_FILE).is_file():
            run = json.loads((work / RUN_FILE).read_text())
            return SparkBank(work, work / "data", DAY, run, run["seconds"])
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = tmp_path_factory.mktemp("spark_bank")
    return _build(work)
