"""bench/publish_night.py on the publish tests' fake warehouse: it replays a night, not a no-op."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from orchestration.publish import incremental, layout, publish, publisher
from tests.bench import load_script
from tests.publish import fake_warehouse as fw
from tests.publish.conftest import TEST_KEY

HISTORY = {"mart_customer_daily": "biz_date", "mart_branch_kpi_daily": "biz_date"}


def test_each_run_rewrites_the_newest_date_of_every_history_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("CRM_DATA_DIR", str(data))
    monkeypatch.setenv("CRM_PSEUDONYM_KEY", TEST_KEY)
    monkeypatch.setattr(incremental, "MAX_FREE_BLOCK_SHARE", 1.0)  # tiny files: no compaction
    monkeypatch.setattr(publisher, "history_tables", lambda: HISTORY)
    fw.build(data / "warehouse" / "crm.duckdb")
    day = fw.DATES[-1]
    first = publish(day).version
    # the script replaces these two module functions with timed ones; put them back afterwards
    monkeypatch.setattr(publisher, "_write_branch", publisher._write_branch)
    monkeypatch.setattr(incremental, "copy_writable", incremental.copy_writable)
    monkeypatch.setattr(sys, "argv", ["publish_night.py", day.isoformat(), "--runs", "2"])

    load_script("publish_night").main()

    out = capsys.readouterr().out
    serving = data / "serving"
    versions = layout.list_versions(serving)
    assert len(versions) == 3 and versions[0] == first
    assert f"run 1: on {first}:" in out and f"run 2: on {versions[1]}:" in out
    for version in versions[1:]:
        manifest = layout.read_manifest(serving, version)
        assert manifest["mode"] == "incremental"
        for table in HISTORY:
            action = manifest["table_actions"][table]
            assert (action["action"], action["since"]) == ("appended", day.isoformat())
    assert "branch files per level (thread-s): {2:" in out
    assert 'insert "mart_customer_daily"' in out
