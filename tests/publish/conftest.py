"""A fake warehouse and a serving directory under tmp, with a test pseudonymisation secret."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.publish import fake_warehouse as fw

TEST_KEY = "test-secret-not-for-production-0001"


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CRM_PSEUDONYM_KEY", TEST_KEY)
    monkeypatch.delenv("CRM_SERVING_KEEP", raising=False)


@pytest.fixture(scope="session")
def _published_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One publish of the fake warehouse shared by the tests that only read it."""
    data = tmp_path_factory.mktemp("shared") / "data"
    warehouse = fw.build(data / "warehouse" / "crm.duckdb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRM_PSEUDONYM_KEY", TEST_KEY)
        from orchestration.publish import publish

        publish(fw.DATES[-1], warehouse=warehouse, serving_dir=data / "serving")
    return data


@pytest.fixture()
def published(_published_once: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shared published serving directory (read it, do not change it)."""
    monkeypatch.setenv("CRM_DATA_DIR", str(_published_once))
    return _published_once / "serving"


@pytest.fixture()
def warehouse(tmp_path: Path) -> Path:
    return fw.build(tmp_path / "data" / "warehouse" / "crm.duckdb")


@pytest.fixture()
def serving(tmp_path: Path) -> Path:
    return tmp_path / "data" / "serving"


def tree_digest(root: Path) -> dict[str, str]:
    """Relative path -> md5 (or link target) of everything under ``root``, symlinks not followed."""
    out: dict[str, str] = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = "-> " + str(p.readlink())
        elif p.is_file():
            out[rel] = hashlib.md5(p.read_bytes()).hexdigest()
    return out
