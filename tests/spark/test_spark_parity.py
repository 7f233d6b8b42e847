"""The same small bank built on DuckDB and on Spark gives the same tables.

Why: the warehouse must run unchanged on Spark (issue 8); adapter differences live in
dispatched macros (macros/spark), and this is what proves they agree. The bank is the session's
shared build (tests/spark/conftest.py): the daily pipeline on Spark (through Dagster, dbt-spark
building every seed and model) and dbt alone on DuckDB, both from one lake. Every table model
(intermediate, marts, serving) is then compared: row count, the total of every numeric and
boolean column, and the exact set of key values (the columns of the model's unique /
unique_combination_of_columns tests).

Run with `make test-spark` (every spark-marked test); needs the [spark] extra and Java 17.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from crmwh.config import project_dir
from orchestration.engines import (
    column_types,
    key_difference,
    profile,
    spark_relation,
    totals_mismatch,
)
from tests.spark.conftest import SparkBank

pytestmark = pytest.mark.spark

COMPARED_DIRS = ("models/intermediate", "models/marts", "models/serving")


def _model_names() -> list[str]:
    """Every model file of the compared layers (collection time: file names only)."""
    root = project_dir()
    return sorted(p.stem for d in COMPARED_DIRS for p in (root / d).rglob("*.sql"))


def _results(target: Path, kind: str) -> dict[str, dict]:
    """{node name: run result} of one kind (model, test) in a dbt target's run_results."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {
        r["unique_id"].split(".", 2)[-1]: r
        for r in results
        if r["unique_id"].startswith(f"{kind}.")
    }


def _node_results(target: Path) -> dict[str, dict]:
    """{model name: run result} of a dbt invocation."""
    return {name.split(".")[-1]: r for name, r in _results(target, "model").items()}


def _engine_specific(node: dict) -> set[str]:
    """Columns documented as engine-specific (meta engine_specific), such as dim_customer's
    source_digest: DuckDB's hash of the records, NULL on Spark. Both engines must have them;
    their values are not compared."""
    out = set()
    for name, column in node.get("columns", {}).items():
        meta = {**column.get("meta", {}), **column.get("config", {}).get("meta", {})}
        if meta.get("engine_specific"):
            out.add(name)
    return out


def _keys(manifest: dict) -> dict[str, list[str]]:
    """{model name: key columns} from the unique and unique_combination_of_columns tests."""
    keys: dict[str, list[str]] = {}
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        attached = node.get("attached_node") or ""
        if node["resource_type"] != "test" or not attached.startswith("model."):
            continue
        name = attached.split(".")[-1]
        if meta.get("name") == "unique" and node.get("column_name"):
            keys.setdefault(name, [node["column_name"]])
        elif meta.get("name") == "unique_combination_of_columns":
            keys[name] = list(meta["kwargs"]["combination_of_columns"])
    return keys


@pytest.fixture(scope="module")
def builds(spark_bank: SparkBank) -> dict:
    """The two warehouses of the shared bank, their dbt results and the DuckDB manifest."""
    manifest = json.loads((spark_bank.duckdb_target / "manifest.json").read_text())
    con = duckdb.connect(str(spark_bank.data_dir / "warehouse" / "crm.duckdb"), read_only=True)
    yield {
        "data_dir": spark_bank.data_dir,
        "con": con,
        "manifest": manifest,
        "keys": _keys(manifest),
        "duckdb": _node_results(spark_bank.duckdb_target),
        "spark": _node_results(spark_bank.spark_target),
        "spark_tests": {
            name: r["status"] for name, r in _results(spark_bank.spark_target, "test").items()
        },
        "seconds": spark_bank.seconds,
    }
    con.close()


def test_both_engines_built_every_model(builds) -> None:
    """Both builds ran every model of the project (the timings are printed, not limited)."""
    models = {n["name"] for n in builds["manifest"]["nodes"].values()
              if n["resource_type"] == "model"}  # fmt: skip
    assert len(models) > 50
    assert set(builds["duckdb"]) == models, models ^ set(builds["duckdb"])
    assert set(builds["spark"]) == models, models ^ set(builds["spark"])
    failed = {n: r["message"] for n, r in builds["duckdb"].items() if r["status"] != "success"}
    assert not failed, f"models that do not build on DuckDB: {failed}"


def test_every_model_built_on_duckdb_builds_on_spark(builds) -> None:
    failed = {
        name: f"{r['status']}: {(r['message'] or '')[:300]}"
        for name, r in builds["spark"].items()
        if r["status"] != "success" and builds["duckdb"].get(name, {}).get("status") == "success"
    }
    assert not failed, "models that build on DuckDB but not on Spark:\n" + "\n".join(
        f"{name}: {message}" for name, message in sorted(failed.items())
    )


def test_connected_components_converged_on_spark(builds) -> None:
    """Spark labels components in a fixed number of rounds; its data test must have run and
    passed (a component the rounds did not settle would otherwise split silently)."""
    converged = {
        k: v for k, v in builds["spark_tests"].items() if "component_labels_converged" in k
    }
    assert converged, "the component convergence test did not run on Spark"
    assert set(converged.values()) == {"pass"}, converged


@pytest.mark.parametrize("model", _model_names())
def test_model_is_the_same_on_both_engines(builds, model: str) -> None:
    node = next(
        (n for n in builds["manifest"]["nodes"].values()
         if n["resource_type"] == "model" and n["name"] == model),
        None,
    )  # fmt: skip
    assert node is not None, f"{model} is not in the manifest"
    if node["config"]["materialized"] not in ("table", "incremental"):
        pytest.skip(f"{model} is a {node['config']['materialized']}, not stored")
    duck = builds["duckdb"].get(model)
    assert duck is not None and duck["status"] == "success", f"{model} did not build on DuckDB"
    spark = builds["spark"].get(model)
    assert spark is not None and spark["status"] == "success", (
        f"{model} did not build on Spark: {spark and spark['message']}"
    )
    schema = node["schema"]
    con = builds["con"]
    duck_rel = f'"{schema}"."{model}"'
    spark_rel = spark_relation(builds["data_dir"], schema, model)
    assert spark_rel is not None or profile(con, duck_rel, {}).rows == 0, (
        f"{model}: no Parquet files under Spark's warehouse"
    )
    if spark_rel is None:
        return
    duck_cols = column_types(con, duck_rel)
    spark_cols = column_types(con, spark_rel)
    assert set(duck_cols) == set(spark_cols), (
        f"{model}: columns differ: only DuckDB {set(duck_cols) - set(spark_cols)}, "
        f"only Spark {set(spark_cols) - set(duck_cols)}"
    )
    compared = {c: t for c, t in duck_cols.items() if c not in _engine_specific(node)}
    left, right = profile(con, duck_rel, compared), profile(con, spark_rel, compared)
    assert left.rows == right.rows, f"{model}: {left.rows} rows on DuckDB, {right.rows} on Spark"
    assert not totals_mismatch(left, right), (
        f"{model}: column totals differ (duckdb, spark): {totals_mismatch(left, right)}"
    )
    keys = builds["keys"].get(model)
    if keys:
        only_duck, only_spark = key_difference(con, duck_rel, spark_rel, keys)
        assert (only_duck, only_spark) == (0, 0), (
            f"{model}: keys {keys} only on DuckDB {only_duck}, only on Spark {only_spark}"
        )
