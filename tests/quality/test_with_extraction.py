"""The raw checks on the real extraction multi-asset: a clean simulated batch passes and its
downstream builds; a source that starts sending an unknown status code is stopped at the gate."""

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from dagster import (
    AssetCheckSeverity,
    AssetKey,
    DagsterInstance,
    DailyPartitionsDefinition,
    asset,
    materialize,
)

from crmwh import config
from orchestration.extract.assets import build_extract_asset
from orchestration.quality.checks import (
    build_raw_asset_checks,
    build_raw_checks_one_step,
    build_raw_system_checks,
)

START = dt.date(2026, 11, 1)
PARTITIONS = DailyPartitionsDefinition(start_date=START.isoformat(), end_offset=1)
CUSTOMER = AssetKey(["raw", "core", "core_customer"])
DOWNSTREAM = AssetKey(["staging", "stg_core__customers"])


@pytest.fixture
def bank(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CRM_QUALITY_DATA_DOCS", "0")  # docs are tested elsewhere
    from simulator.generate import Options, generate

    generate(Options(persons=400, enterprises=40, days=1, start=START, seed=5), data_dir)
    return data_dir


def run_core(marker: Path):
    @asset(key=DOWNSTREAM, deps=[CUSTOMER], partitions_def=PARTITIONS)
    def stg_core_customers() -> None:
        marker.write_text("built")

    return materialize(
        [
            build_extract_asset("core", PARTITIONS),
            stg_core_customers,
            *build_raw_asset_checks(PARTITIONS, systems=["core"]),
        ],
        partition_key=START.isoformat(),
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def set_status_of_first_record(landing: Path, code: bytes) -> None:
    """Rewrite field 12 (status) of core_customer's first record and re-sign the flag file,
    as a source system would after a release that introduced a new status."""
    day = f"{START:%Y%m%d}"
    batch = landing / "core" / day
    dat = batch / f"core_customer_{day}.dat"
    data = dat.read_bytes()
    first, rest = data.split(b"\n", 1)
    fields = first.split(b"\x1b")
    fields[11] = code
    dat.write_bytes(b"\x1b".join(fields) + b"\n" + rest)
    new = dat.read_bytes()
    ok = batch / f"core_{day}.ok"
    lines = []
    for line in ok.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"FILE={dat.name};"):
            rows = line.split(";")[1]
            md5 = hashlib.md5(new).hexdigest()
            line = f"FILE={dat.name};{rows};BYTES={len(new)};MD5={md5}"
        lines.append(line)
    ok.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.slow
def test_clean_batch_passes_every_core_gate(bank: Path, tmp_path: Path) -> None:
    marker = tmp_path / "built"
    result = run_core(marker)
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == 5
    assert all(e.passed or e.severity == AssetCheckSeverity.WARN for e in evaluations), [
        (e.asset_key, e.metadata.get("failures")) for e in evaluations if not e.passed
    ]
    assert marker.exists()


@pytest.mark.slow
def test_unknown_status_code_from_the_source_is_stopped(bank: Path, tmp_path: Path) -> None:
    set_status_of_first_record(bank / "landing", b"X")
    marker = tmp_path / "built"
    result = run_core(marker)
    by_key = {e.asset_key: e for e in result.get_asset_check_evaluations()}
    failed = by_key[CUSTOMER]
    assert not failed.passed and failed.severity == AssetCheckSeverity.ERROR
    assert "expect_column_values_to_be_in_set" in failed.metadata["failures"].value
    assert "'X'" in failed.metadata["failures"].value
    assert not marker.exists()


def test_checks_load_beside_the_extraction_assets() -> None:
    """What definitions.py will hold: every raw asset has exactly one blocking GX check."""
    from dagster import Definitions

    from orchestration.extract.assets import build_extract_assets

    for checks in (
        build_raw_asset_checks(PARTITIONS),
        build_raw_system_checks(PARTITIONS),
        build_raw_checks_one_step(PARTITIONS),
    ):
        defs = Definitions(assets=build_extract_assets(PARTITIONS), asset_checks=checks)
        graph = defs.resolve_asset_graph()
        check_keys = graph.asset_check_keys
        assert len(check_keys) == 16
        assert {k.asset_key for k in check_keys} == {
            AssetKey(["raw", s, t]) for s, ts in config.TABLES.items() for t in ts
        }
        assert all(graph.get_check_spec(k).blocking for k in check_keys)
