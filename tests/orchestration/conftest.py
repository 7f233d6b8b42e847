"""Point the whole project at a temporary data directory."""

from pathlib import Path

import pytest


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("CRM_DATA_DIR", str(d))
    monkeypatch.setenv("DAGSTER_HOME", str(d / "dagster"))
    monkeypatch.setenv("CRM_FIRST_BIZ_DATE", "2026-01-01")
    return d
