"""The replace_biz_dates strategy (macros/materializations/incremental.sql) through real dbt.

A throw-away dbt project (named bank_crm, the project's macros linked in) builds one model
incremental by business date from a table the test edits between runs, as a source system's
restatement would: an incremental run replaces exactly its dates (T, or CRM_BIZ_DATE_FROM..T)
and leaves every other date as it was, a date the query no longer yields is emptied, and a row
outside the run's dates fails the run and leaves the table untouched. No helper view outlives
a run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from crmwh import config
from tests.dbt_inprocess import release_warehouse

DAILY = """
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
    on_schema_change='fail',
    tags=['date_range'],
) }}
select biz_date, acct, amount from src where {{ biz_date_filter('biz_date') }}
"""

# The same model with the date filter forgotten: its incremental run yields every date.
LEAKY = """
{{ config(
    materialized='incremental',
    incremental_strategy=biz_date_replace_strategy(),
    unique_key='biz_date',
) }}
select biz_date, acct, amount from src
"""

D1, D2, D3 = dt.date(2026, 11, 1), dt.date(2026, 11, 2), dt.date(2026, 11, 3)


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.db = root / "wh.duckdb"
        (root / "models").mkdir(parents=True)
        (root / "macros").symlink_to(config.project_dir() / "macros")
        (root / "dbt_project.yml").write_text(
            'name: bank_crm\nversion: "1.0"\nconfig-version: 2\nprofile: bank_crm\n'
        )
        (root / "profiles.yml").write_text(
            "bank_crm:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
            f"      path: {self.db}\n      threads: 1\n"
        )
        (root / "models" / "daily.sql").write_text(DAILY)
        (root / "models" / "leaky.sql").write_text(LEAKY)

    def source(self, rows: list[tuple[dt.date, str, float]]) -> None:
        """Replace the source table's rows."""
        with duckdb.connect(str(self.db)) as con:
            con.execute("create or replace table src (biz_date date, acct varchar, amount double)")
            con.executemany("insert into src values (?, ?, ?)", rows)

    def run(self, model: str, day: dt.date, first: dt.date | None = None) -> tuple[bool, str]:
        """``dbt run`` of one model for business date ``day`` (from ``first`` in a range run)."""
        from dbt.cli.main import dbtRunner

        env = {
            "CRM_BIZ_DATE": day.isoformat(),
            "CRM_BIZ_DATE_FROM": first.isoformat() if first else "",
        }
        args = ["run", "--select", model, "--project-dir", str(self.root)]
        args += ["--profiles-dir", str(self.root), "--target-path", str(self.root / "target")]
        args += ["--log-path", str(self.root / "logs"), "--quiet", "--no-partial-parse"]
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
            for name, value in env.items():
                mp.setenv(name, value)
            res = dbtRunner().invoke(args)
        release_warehouse()
        messages = [str(r.message) for r in (getattr(res.result, "results", None) or [])]
        return res.success, f"{res.exception} {messages}"

    def rows(self, table: str) -> list[tuple]:
        with duckdb.connect(str(self.db), read_only=True) as con:
            return con.execute(f"select * from {table} order by all").fetchall()

    def views(self) -> list[str]:
        with duckdb.connect(str(self.db), read_only=True) as con:
            found = con.execute("select view_name from duckdb_views() where not internal")
            return [r[0] for r in found.fetchall()]


@pytest.mark.slow
def test_incremental_runs_replace_exactly_their_dates(tmp_path: Path) -> None:
    p = Project(tmp_path / "proj")
    p.source([(D1, "A", 1.0), (D1, "B", 2.0), (D2, "A", 3.0)])
    ok, why = p.run("daily", D2)  # first build: every date up to T
    assert ok, why
    assert p.rows("daily") == [(D1, "A", 1.0), (D1, "B", 2.0), (D2, "A", 3.0)]

    # T restated (one row changed, one added) and D1 changed at the source: only T is replaced
    p.source([(D1, "A", 9.0), (D2, "A", 4.0), (D2, "C", 5.0)])
    ok, why = p.run("daily", D2)
    assert ok, why
    assert p.rows("daily") == [(D1, "A", 1.0), (D1, "B", 2.0), (D2, "A", 4.0), (D2, "C", 5.0)]

    # T no longer delivered at all: its date is emptied, as a rebuild of it would leave it
    p.source([(D1, "A", 9.0)])
    ok, why = p.run("daily", D2)
    assert ok, why
    assert p.rows("daily") == [(D1, "A", 1.0), (D1, "B", 2.0)]

    # a range run (CRM_BIZ_DATE_FROM..T) replaces each of its dates and none after T
    p.source([(D1, "A", 7.0), (D2, "B", 8.0), (D3, "C", 6.0)])
    ok, why = p.run("daily", D2, first=D1)
    assert ok, why
    assert p.rows("daily") == [(D1, "A", 7.0), (D2, "B", 8.0)]
    assert p.views() == []


@pytest.mark.slow
def test_a_row_outside_the_run_dates_fails_and_changes_nothing(tmp_path: Path) -> None:
    p = Project(tmp_path / "proj")
    p.source([(D1, "A", 1.0), (D2, "A", 2.0)])
    ok, why = p.run("leaky", D2)  # first build: every date, nothing to replace yet
    assert ok, why
    before = p.rows("leaky")
    p.source([(D1, "A", 5.0), (D2, "A", 6.0)])
    ok, why = p.run("leaky", D2)
    assert not ok
    assert "leaky: a row of biz_date 2026-11-01 is outside the run's dates" in why, why
    assert p.rows("leaky") == before  # the delete of T was rolled back with the insert
    assert p.views() == []


def test_the_materialization_is_the_adapter_s_but_for_its_one_branch() -> None:
    """The project's copy overrides dbt-duckdb's; after an upgrade of dbt-duckdb this fails
    until the copy is taken again from the new version (and the branch put back)."""
    import dbt.include.duckdb as adapter_include

    adapter = Path(adapter_include.__file__).parent / "macros/materializations/incremental.sql"
    ours = (config.project_dir() / "macros/materializations/incremental.sql").read_text()
    body = ours[ours.index("-#}\n") + len("-#}\n") :]
    start = body.index("  {% elif config.get('incremental_strategy') == 'replace_biz_dates' %}")
    end = body.index("  {% else %}", start)
    assert body[:start] + body[end:] == adapter.read_text()
