"""The Dagster publish asset: materialises with its metadata, and does not run behind a failed gate."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    DailyPartitionsDefinition,
    asset,
    asset_check,
    materialize,
)

from orchestration.publish import layout
from orchestration.publish.assets import PUBLISH_KEY, build_publish_asset
from tests.publish import fake_warehouse as fw
from tests.publish.conftest import tree_digest

PARTS = DailyPartitionsDefinition(start_date="2026-11-01")
DAY = fw.DATES[-1].isoformat()


def _gated(passes: bool):
    @asset(key=AssetKey(["branch", "mart_customer_daily"]), partitions_def=PARTS)
    def mart() -> None:
        return None

    @asset_check(asset=mart, blocking=True)
    def mart_gate() -> AssetCheckResult:
        return AssetCheckResult(passed=passes, severity=AssetCheckSeverity.ERROR)

    return mart, mart_gate


@pytest.fixture()
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    (tmp_path / "dagster").mkdir()


def test_publish_asset_materialises_with_metadata(
    warehouse: Path, serving: Path, dagster_home
) -> None:
    mart, gate = _gated(passes=True)
    publish_asset = build_publish_asset(PARTS, deps=[mart])
    result = materialize([mart, gate, publish_asset], partition_key=DAY)
    assert result.success
    [mat] = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key == PUBLISH_KEY
    ]
    meta = mat.metadata
    assert meta["version"].value == layout.current_version(serving)
    assert meta["branches"].value == 15
    assert meta["rows"].value == 18 + 68 + 560 + 4
    assert meta["serving_path"].value == str(serving / "crm.duckdb")
    assert meta["tables"].value["mart_customer_daily"] == 560
    assert meta["seconds"].value > 0


def test_failed_blocking_gate_publishes_nothing(
    warehouse: Path, serving: Path, dagster_home
) -> None:
    good, good_gate = _gated(passes=True)
    materialize([good, good_gate, build_publish_asset(PARTS, deps=[good])], partition_key=DAY)
    before = tree_digest(serving)
    bad, bad_gate = _gated(passes=False)
    result = materialize(
        [bad, bad_gate, build_publish_asset(PARTS, deps=[bad])],
        partition_key=DAY,
        raise_on_error=False,
    )
    assert not result.success
    assert PUBLISH_KEY not in {e.asset_key for e in result.get_asset_materialization_events()}
    assert tree_digest(serving) == before


def test_refused_publish_fails_the_step_with_the_reason(
    tmp_path: Path, serving: Path, dagster_home, monkeypatch
) -> None:
    fw.build(tmp_path / "data" / "warehouse" / "crm.duckdb", plant="card")
    mart, gate = _gated(passes=True)
    result = materialize(
        [mart, gate, build_publish_asset(PARTS, deps=[mart])],
        partition_key=DAY,
        raise_on_error=False,
    )
    assert not result.success
    failures = [e for e in result.all_events if e.is_step_failure]
    assert "card_no" in failures[0].step_failure_data.user_failure_data.description
    assert not (serving / "current").exists()
