"""``crmwh run`` and ``crmwh status`` over several days of a simulated bank, through Dagster."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from crmwh.cli import main
from orchestration.cli import status_lines
from orchestration.dbt.project import RANGE_DAYS_ENV


@pytest.fixture()
def bank_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("CRM_DATA_DIR", str(d))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("CRM_FIRST_BIZ_DATE", raising=False)
    return d


def _generate(*extra: str, days: int = 2) -> None:
    args = ["generate", "--persons", "300", "--enterprises", "30", "--days", str(days)]
    assert main([*args, "--start", "2026-01-01", "--seed", "11", *extra]) == 0


def test_run_builds_every_day_in_order_reconciles_and_rebuilds_after_a_redelivery(
    bank_dir: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    _generate()
    assert main(["run", "--start", "2026-01-01", "--end", "2026-01-01"]) == 0
    # A re-delivery of the first date (as the extractor files it) makes the next build a full
    # rebuild: the facts one date at a time, then one --full-refresh (backfill_invocations).
    requests = bank_dir / "lake" / "control" / "rebuild_requests"
    requests.mkdir(parents=True, exist_ok=True)
    (requests / "2026-01-01_core.json").write_text(json.dumps({"from_date": "2026-01-01"}))
    monkeypatch.setenv(RANGE_DAYS_ENV, "1")
    assert main(["run", "--start", "2026-01-02", "--end", "2026-01-02"]) == 0
    out = capsys.readouterr().out
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("[")] == [
        "[1/1] 2026-01-01",
        "[1/1] 2026-01-02",
    ]
    assert list(requests.glob("*.json")) == []  # honoured by the rebuild
    recon = f"read_parquet('{bank_dir}/lake/control/reconciliation/*/*/*.parquet')"
    # 16 tables per business date, 2 dates
    assert duckdb.sql(f"select count(*) from {recon}").fetchall() == [(32,)]
    bad = duckdb.sql(
        f"select * from {recon} where declared_rows <> raw_rows + quarantined_rows"
    ).fetchall()
    assert bad == []
    lines = status_lines()
    assert "downstream build ready through 2026-01-02" in lines
    # the rebuilt warehouse holds both dates, its facts reconciled to staging to the cent
    with duckdb.connect(str(bank_dir / "warehouse" / "crm.duckdb"), read_only=True) as con:
        dates = con.sql(
            "select distinct biz_date from finance.fct_customer_daily order by 1"
        ).fetchall()
        rec = con.sql(
            "select biz_date, count(*), count(*) filter (where fact_minus_staged <> 0) "
            "from finance.rec_finance_daily group by biz_date order by biz_date"
        ).fetchall()
    assert [str(d) for (d,) in dates] == ["2026-01-01", "2026-01-02"]
    assert [(str(d), n > 0, bad) for d, n, bad in rec] == [
        ("2026-01-01", True, 0),
        ("2026-01-02", True, 0),
    ]
    assert (bank_dir / "dagster" / "dagster.yaml").exists()  # Dagster's home is in the data dir


def test_refused_batch_fails_the_run_and_status_says_why(bank_dir: Path, capsys) -> None:
    _generate("--corrupt", "card:2026-01-01:md5", days=1)
    assert main(["run", "--start", "2026-01-01", "--end", "2026-01-01"]) == 1
    err = capsys.readouterr().err
    assert "card" in err and "2026-01-01" in err and "MD5" in err.upper()
    text = "\n".join(status_lines())
    assert "REFUSED card 2026-01-01" in text
    assert "downstream build of 2026-01-01 waits for: card (refused)" in text
    # nothing of the refused batch reached the raw lake, and nothing was built on it
    assert not list((bank_dir / "lake" / "raw" / "card").glob("*/biz_date=2026-01-01"))
    assert list((bank_dir / "lake" / "raw" / "core").glob("*/biz_date=2026-01-01"))
    assert not (bank_dir / "serving" / "crm.duckdb").exists()


def test_late_system_holds_the_run_and_is_named(bank_dir: Path, capsys) -> None:
    _generate("--withhold", "chan:2026-01-01", days=1)
    assert main(["run", "--start", "2026-01-01", "--end", "2026-01-01"]) == 2
    assert "chan 2026-01-01 waiting" in capsys.readouterr().err
    assert "downstream build of 2026-01-01 waits for:" in "\n".join(status_lines())
    assert main(["release", "chan:2026-01-01"]) == 0
    text = "\n".join(status_lines())
    assert "chan (pending)" in text and "waiting" not in text
