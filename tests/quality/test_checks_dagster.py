"""The suites as blocking Dagster asset checks on a daily-partitioned raw asset.

A failed ERROR check leaves the downstream asset unmaterialised in the same run; a WARN failure
is reported and the downstream asset still builds; the check validates exactly the partition of
the run (context.partition_key).
"""

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from dagster import (
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    DagsterInstance,
    DailyPartitionsDefinition,
    MaterializeResult,
    asset,
    materialize,
    multi_asset,
)

import tests.quality.qfixtures as qf
from crmwh import config
from orchestration.quality.checks import (
    build_raw_asset_checks,
    build_raw_checks_one_step,
    build_raw_system_checks,
    build_suite_check,
)


@pytest.fixture(autouse=True)
def no_docs_unless_asked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocking semantics do not need Data Docs; the one test about docs keeps them."""
    if "docs" not in request.node.name:
        monkeypatch.setenv("CRM_QUALITY_DATA_DOCS", "0")


PARTITIONS = DailyPartitionsDefinition(start_date="2026-11-01", end_offset=1)
RAW_KEY = AssetKey(["raw", "core", "core_customer"])
DOWNSTREAM_KEY = AssetKey(["staging", "stg_core__customers"])
PUBLISH_KEY = AssetKey(["serving", "publish"])


def pipeline(corrupt: Callable[[dict], None] | None, marker: Path) -> list:
    """A toy raw asset writing a (possibly corrupted) partition, its check and a downstream."""

    @asset(key=RAW_KEY, partitions_def=PARTITIONS)
    def raw_core_customer(context: AssetExecutionContext) -> None:
        day = dt.date.fromisoformat(context.partition_key)
        cols = qf.raw_rows("core_customer", 12)
        if corrupt:
            corrupt(cols)
        qf.write_raw(config.lake_dir(), "core_customer", day, columns=cols)

    @asset(key=DOWNSTREAM_KEY, deps=[RAW_KEY], partitions_def=PARTITIONS)
    def stg_core_customers(context: AssetExecutionContext) -> None:
        marker.write_text(context.partition_key)

    @asset(key=PUBLISH_KEY, deps=[DOWNSTREAM_KEY], partitions_def=PARTITIONS)
    def publish(context: AssetExecutionContext) -> None:
        published(marker).write_text(f"published {context.partition_key}")

    check = build_suite_check("raw_core_customer", RAW_KEY, PARTITIONS)
    return [raw_core_customer, stg_core_customers, publish, check]


def published(marker: Path) -> Path:
    """The copy readers see; a blocked run must leave yesterday's version in place."""
    return marker.parent / "serving_copy.txt"


def run(corrupt, marker: Path, partition_key: str = "2026-11-03"):
    return materialize(
        pipeline(corrupt, marker),
        partition_key=partition_key,
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def downstream_materialized(result) -> bool:
    return any(e.asset_key == DOWNSTREAM_KEY for e in result.get_asset_materialization_events())


def null_key(cols: dict) -> None:
    cols["cust_no"][0] = None


def bad_date(cols: dict) -> None:
    cols["birth_date"][0] = "1985-12-31"


def test_error_failure_blocks_downstream(tmp_path: Path) -> None:
    marker = tmp_path / "downstream_ran"
    published(marker).write_text("published 2026-11-02")
    result = run(null_key, marker)
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed
    assert evaluation.severity == AssetCheckSeverity.ERROR
    meta = evaluation.metadata
    assert meta["failed_error"].value == 1
    assert "cust_no" in meta["failures"].value
    assert Path(meta["result_file"].value).is_file()
    assert not result.success
    assert not downstream_materialized(result)
    assert not marker.exists()
    assert published(marker).read_text() == "published 2026-11-02"  # untouched


def test_warn_failure_does_not_block(tmp_path: Path) -> None:
    marker = tmp_path / "downstream_ran"
    result = run(bad_date, marker)
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed
    assert evaluation.severity == AssetCheckSeverity.WARN
    assert evaluation.metadata["failed_warn"].value == 1
    assert result.success
    assert downstream_materialized(result)
    assert marker.read_text() == "2026-11-03"
    assert published(marker).read_text() == "published 2026-11-03"


def test_clean_partition_passes_with_docs_and_downstream_builds(tmp_path: Path) -> None:
    marker = tmp_path / "downstream_ran"
    result = run(None, marker)
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.passed
    assert evaluation.metadata["verdict"].value == "PASSED"
    assert evaluation.metadata["data_docs"].value.startswith("file://")
    assert downstream_materialized(result)


@pytest.mark.parametrize("partition_key", ["2026-11-02", "2026-11-04"])
def test_check_validates_the_partition_of_the_run(tmp_path: Path, partition_key: str) -> None:
    """context.partition_key reaches the check: it reads that date's partition and no other."""
    # A corrupted partition on another date must not matter to this run.
    other = dt.date(2026, 11, 3)
    cols = qf.raw_rows("core_customer", 12)
    null_key(cols)
    qf.write_raw(config.lake_dir(), "core_customer", other, columns=cols)
    result = run(None, tmp_path / "m", partition_key=partition_key)
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.passed
    assert evaluation.metadata["biz_date"].value == partition_key
    assert f"biz_date={partition_key}" in evaluation.metadata["batch"].value
    assert evaluation.partition == partition_key  # the result is recorded on that partition


def test_unpartitioned_run_fails_rather_than_guess(tmp_path: Path) -> None:
    @asset(key=RAW_KEY)
    def raw_core_customer() -> None:
        qf.write_raw(config.lake_dir(), "core_customer", qf.BIZ_DATE)

    check = build_suite_check("raw_core_customer", RAW_KEY, None)
    result = materialize(
        [raw_core_customer, check], instance=DagsterInstance.ephemeral(), raise_on_error=False
    )
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR


def test_factory_builds_a_blocking_check_per_raw_table() -> None:
    checks = build_raw_asset_checks(PARTITIONS)
    specs = [spec for c in checks for spec in c.check_specs]
    assert len(specs) == 16
    assert all(spec.blocking for spec in specs)
    assert {spec.asset_key for spec in specs} == {
        AssetKey(["raw", s, t]) for s, ts in config.TABLES.items() for t in ts
    }
    assert {spec.name for spec in specs} == {
        f"gx_raw_{t}" for ts in config.TABLES.values() for t in ts
    }
    assert all(c.partitions_def == PARTITIONS for c in checks)


def test_missing_suite_fails_the_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A table whose suite was deleted still has its check, and the check fails."""
    empty = tmp_path / "no_suites"
    empty.mkdir()
    marker = tmp_path / "downstream_ran"
    assets = pipeline(None, marker)[:3]
    check = build_suite_check("raw_core_customer", RAW_KEY, PARTITIONS, suites_dir=empty)
    result = materialize(
        [*assets, check],
        partition_key="2026-11-03",
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR
    assert "not found" in evaluation.metadata["suite_could_not_run"].value
    assert not marker.exists()


def test_blocking_per_table_inside_a_system_multi_asset(tmp_path: Path) -> None:
    """Like extract_<system>: one op emits every table; a failed table blocks only its own
    downstream assets, the other table's downstream still builds."""
    account_key = AssetKey(["raw", "core", "core_account"])
    acct_downstream = AssetKey(["staging", "stg_core__accounts"])

    @multi_asset(
        specs=[AssetSpec(RAW_KEY), AssetSpec(account_key)],
        partitions_def=PARTITIONS,
        name="extract_core",
    )
    def extract_core(context: AssetExecutionContext):
        day = dt.date.fromisoformat(context.partition_key)
        cols = qf.raw_rows("core_customer", 12)
        null_key(cols)
        qf.write_raw(config.lake_dir(), "core_customer", day, columns=cols)
        qf.write_raw(config.lake_dir(), "core_account", day)
        yield MaterializeResult(asset_key=RAW_KEY)
        yield MaterializeResult(asset_key=account_key)

    @asset(key=DOWNSTREAM_KEY, deps=[RAW_KEY], partitions_def=PARTITIONS)
    def stg_customers() -> None:
        return None

    @asset(key=acct_downstream, deps=[account_key], partitions_def=PARTITIONS)
    def stg_accounts() -> None:
        return None

    checks = build_raw_asset_checks(PARTITIONS, systems=["core"])[:2]
    result = materialize(
        [extract_core, stg_customers, stg_accounts, *checks],
        partition_key="2026-11-03",
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    verdicts = {
        e.asset_key: e.severity if not e.passed else None
        for e in result.get_asset_check_evaluations()
    }
    assert verdicts == {RAW_KEY: AssetCheckSeverity.ERROR, account_key: None}
    built = {e.asset_key for e in result.get_asset_materialization_events()}
    assert acct_downstream in built
    assert DOWNSTREAM_KEY not in built


def core_system(
    corrupt: Callable[[dict], None] | None, built: list[str], one_step: bool = False
) -> list:
    """extract_core writing all five core tables (customer possibly corrupted) + a downstream."""
    keys = [AssetKey(["raw", "core", t]) for t in config.TABLES["core"]]

    @multi_asset(specs=[AssetSpec(k) for k in keys], partitions_def=PARTITIONS, name="extract_core")
    def extract_core(context: AssetExecutionContext):
        day = dt.date.fromisoformat(context.partition_key)
        for table in config.TABLES["core"]:
            cols = qf.raw_rows(table, 12)
            if corrupt and table == "core_customer":
                corrupt(cols)
            qf.write_raw(config.lake_dir(), table, day, columns=cols)
        for k in keys:
            yield MaterializeResult(asset_key=k)

    @asset(
        key=AssetKey(["staging", "stg_core__accounts"]), deps=[keys[1]], partitions_def=PARTITIONS
    )
    def stg_accounts(context: AssetExecutionContext) -> None:
        built.append(context.partition_key)

    factory = build_raw_checks_one_step if one_step else build_raw_system_checks
    return [extract_core, stg_accounts, *factory(PARTITIONS, systems=["core"])]


def test_system_check_runs_every_table_suite_on_the_partition() -> None:
    built: list[str] = []
    result = materialize(
        core_system(bad_date, built),
        partition_key="2026-11-03",
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    evaluations = {e.asset_key: e for e in result.get_asset_check_evaluations()}
    assert len(evaluations) == 5
    assert all(e.partition == "2026-11-03" for e in evaluations.values())
    assert evaluations[RAW_KEY].severity == AssetCheckSeverity.WARN
    assert sum(e.passed for e in evaluations.values()) == 4
    assert built == ["2026-11-03"]  # WARN does not hold the batch back


def test_system_check_holds_the_whole_batch_on_an_error() -> None:
    built: list[str] = []
    result = materialize(
        core_system(null_key, built),
        partition_key="2026-11-03",
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    evaluations = {e.asset_key: e for e in result.get_asset_check_evaluations()}
    assert not evaluations[RAW_KEY].passed
    assert evaluations[RAW_KEY].severity == AssetCheckSeverity.ERROR
    assert evaluations[AssetKey(["raw", "core", "core_account"])].passed
    assert built == []  # the system's batch is accepted or held as a whole


def test_one_step_for_every_system_blocks_on_an_error_and_passes_clean() -> None:
    built: list[str] = []
    result = materialize(
        core_system(null_key, built, one_step=True),
        partition_key="2026-11-03",
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    evaluations = {e.asset_key: e for e in result.get_asset_check_evaluations()}
    assert len(evaluations) == 5
    assert evaluations[RAW_KEY].severity == AssetCheckSeverity.ERROR
    assert not evaluations[RAW_KEY].passed
    assert built == []
    result = materialize(
        core_system(None, built, one_step=True),
        partition_key="2026-11-03",
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert all(e.passed for e in result.get_asset_check_evaluations())
    assert built == ["2026-11-03"]
