"""Partitions are swapped in whole, and a failed extraction leaves nothing behind."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from orchestration.extract import batch as batch_mod
from orchestration.extract import extract_batch, list_batches, publish

from .conftest import BIZ_DATE, customer, write_batch


def _dir_with(path: Path, text: str) -> Path:
    path.mkdir(parents=True)
    (path / "part-0.parquet").write_text(text)
    return path


@pytest.mark.parametrize("exchange", [True, False])
def test_swap_in_replaces_the_whole_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    if not exchange:  # the two-rename fallback where renameat2 is unavailable
        monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    live = _dir_with(tmp_path / "t" / "biz_date=2026-11-03", "old")
    (live / "part-1.parquet").write_text("old second part")
    staged = publish.temp_sibling(live)
    (staged / "part-0.parquet").write_text("new")
    publish.swap_in(staged, live)
    assert [p.name for p in live.iterdir()] == ["part-0.parquet"]
    assert (live / "part-0.parquet").read_text() == "new"
    assert [p.name for p in live.parent.iterdir()] == [live.name]  # old copy deleted


def test_swap_in_without_previous(tmp_path: Path) -> None:
    live = tmp_path / "t" / "biz_date=2026-11-03"
    staged = publish.temp_sibling(live)
    (staged / "part-0.parquet").write_text("new")
    publish.swap_in(staged, live)
    assert (live / "part-0.parquet").read_text() == "new"


def test_temp_names_are_unique(tmp_path: Path) -> None:
    live = tmp_path / "x"
    names = {publish.temp_sibling(live).name for _ in range(20)}
    assert len(names) == 20
    assert all(n.startswith(".tmp-") for n in names)


def test_failure_mid_batch_publishes_nothing(dirs, monkeypatch: pytest.MonkeyPatch) -> None:
    landing, lake = dirs
    write_batch(landing, "core", {"core_customer": [customer(1)], "core_txn": []})
    real_run = batch_mod._TableExtractor.run

    def run(self: batch_mod._TableExtractor, chunk_bytes: int) -> int:
        if self.table == "core_txn":
            raise OSError("disk full")
        return real_run(self, chunk_bytes)

    monkeypatch.setattr(batch_mod._TableExtractor, "run", run)
    with pytest.raises(OSError, match="disk full"):
        extract_batch("core", BIZ_DATE, landing, lake)
    leftovers = [p for p in lake.rglob("*") if p.is_file() and not p.name.endswith(".lock")]
    assert leftovers == []
    assert not list(lake.rglob("biz_date=*"))
    monkeypatch.setattr(batch_mod._TableExtractor, "run", real_run)
    assert extract_batch("core", BIZ_DATE, landing, lake).status == "extracted"


def test_list_batches(dirs) -> None:
    landing, _ = dirs
    write_batch(landing, "loan", {}, biz_date=dt.date(2026, 11, 2))
    write_batch(landing, "loan", {}, biz_date=dt.date(2026, 11, 1), write_ok=False)
    (landing / "loan" / "notadate").mkdir()
    assert list_batches(landing, "loan") == [
        (dt.date(2026, 11, 1), False),
        (dt.date(2026, 11, 2), True),
    ]
    assert list_batches(landing, "core") == []
