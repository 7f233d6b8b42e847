"""``crmwh run`` and ``crmwh status`` over several days of a simulated bank, through Dagster."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from crmwh.cli import main
from orchestration.cli import status_lines


@pytest.fixture()
def bank_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("CRM_DATA_DIR", str(d))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("CRM_FIRST_BIZ_DATE", raising=False)
    return d


def _generate(*extra: str) -> None:
    args = ["generate", "--persons", "800", "--enterprises", "80", "--days", "3"]
    assert main([*args, "--start", "2026-01-01", "--seed", "11", *extra]) == 0


def test_run_extracts_every_day_in_order_and_reconciles(bank_dir: Path, capsys) -> None:
    _generate()
    assert main(["run", "--start", "2026-01-01", "--end", "2026-01-03"]) == 0
    out = capsys.readouterr().out
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("[")] == [
        "[1/3] 2026-01-01",
        "[2/3] 2026-01-02",
        "[3/3] 2026-01-03",
    ]
    recon = f"read_parquet('{bank_dir}/lake/control/reconciliation/*/*/*.parquet')"
    # 16 tables per business date, 3 dates
    assert duckdb.sql(f"select count(*) from {recon}").fetchall() == [(48,)]
    bad = duckdb.sql(
        f"select * from {recon} where declared_rows <> raw_rows + quarantined_rows"
    ).fetchall()
    assert bad == []
    lines = status_lines()
    assert "downstream build ready through 2026-01-03" in lines
    assert (bank_dir / "dagster" / "dagster.yaml").exists()  # Dagster's home is in the data dir


def test_refused_batch_fails_the_run_and_status_says_why(bank_dir: Path, capsys) -> None:
    _generate("--corrupt", "card:2026-01-02:md5")
    assert main(["run", "--start", "2026-01-01", "--end", "2026-01-03"]) == 1
    err = capsys.readouterr().err
    assert "card" in err and "2026-01-02" in err and "MD5" in err.upper()
    text = "\n".join(status_lines())
    assert "REFUSED card 2026-01-02" in text
    assert "downstream build ready through 2026-01-01" in text
    # nothing of the refused batch reached the raw lake
    assert not list((bank_dir / "lake" / "raw" / "card").glob("*/biz_date=2026-01-02"))


def test_late_system_holds_the_run_and_is_named(bank_dir: Path, capsys) -> None:
    _generate("--withhold", "chan:2026-01-02")
    assert main(["run", "--start", "2026-01-01", "--end", "2026-01-03"]) == 2
    err = capsys.readouterr().err
    assert "chan 2026-01-02 waiting" in err
    assert main(["release", "chan:2026-01-02"]) == 0
    assert main(["run", "--start", "2026-01-02", "--end", "2026-01-03"]) == 0
