"""Every quality test runs against its own data directory, with telemetry off."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "data"
    monkeypatch.setenv("CRM_DATA_DIR", str(root))
    monkeypatch.setenv("GX_ANALYTICS_ENABLED", "false")
    monkeypatch.setenv("DAGSTER_DISABLE_TELEMETRY", "true")
    return root


@pytest.fixture
def lake(data_dir: Path) -> Path:
    return data_dir / "lake"
