"""The data directory is the one switch every module obeys."""

import os
import subprocess
import sys
from pathlib import Path

from crmwh import config


def test_data_dir_follows_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "d"))
    assert config.data_dir() == (tmp_path / "d").resolve()
    assert config.landing_dir() == (tmp_path / "d" / "landing").resolve()
    assert config.lake_dir().parent == config.data_dir()


def test_every_system_has_its_tables() -> None:
    assert set(config.TABLES) == set(config.SYSTEMS)
    all_tables = [t for ts in config.TABLES.values() for t in ts]
    assert len(all_tables) == len(set(all_tables)) == 16
    for system, tables in config.TABLES.items():
        assert all(t.startswith(system + "_") for t in tables)


def _arrow_pool_in_child(env: dict[str, str]) -> str:
    """The backend of Arrow's default pool in a fresh process that imports a gates module."""
    code = (
        "import orchestration.quality.loaders, pyarrow as pa; "
        "print(pa.default_memory_pool().backend_name)"
    )
    full = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"} | env
    out = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_arrow_allocates_through_jemalloc_unless_the_operator_chose() -> None:
    # mimalloc's huge-page arenas cost the gates and extraction their kernel time here
    # (crmwh/__init__.py): every process importing the warehouse's modules uses jemalloc.
    assert _arrow_pool_in_child({}) == "jemalloc"
    assert _arrow_pool_in_child({"ARROW_DEFAULT_MEMORY_POOL": "system"}) == "system"
