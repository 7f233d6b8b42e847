"""The data directory is the one switch every module obeys."""

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
