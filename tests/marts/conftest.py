"""A small simulated bank taken through extraction, the whole dbt project and the branch marts.

Why one module-scoped fixture: dbt dominates the cost, so the bank is built once. One dbt
build covers the five business dates (2026-10-30 .. 11-03, across the October month end), then
the branch marts' and serving models' data tests run. (That a daily incremental run gives the
same rows as this build was measured by hand; see the report; the CI budget does not allow
a second pass here.)
The tests read the warehouse read-only and compare it with the staged data and the
simulator's truth.

Seed 25 of a 2,000-person bank has a customer who starts draining balances on 2026-11-01
(truth persons.drain_start_date) with more than 50,000 CNY before, so the attrition watch
has something to find; the tests fail loudly if a simulator change removes it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from crmwh.config import SYSTEMS
from orchestration.dbt.project import NO_TESTS_ARGS
from tests.dbt_inprocess import Dbt

START = dt.date(2026, 10, 30)
DAYS = 5
PERSONS = 2000
ENTERPRISES = 200
SEED = 25
PSEUDONYM_KEY = "tests-marts-pseudonym-key-0123456789"
MART_MODELS = ["path:models/marts/branch", "path:models/intermediate/consent"]
SERVING = "path:models/serving"


@dataclass
class MartBank:
    data_dir: Path
    truth_dir: Path
    dates: list[dt.date]
    con: duckdb.DuckDBPyConnection  # the warehouse, read-only

    def rows(self, sql: str, *params: object) -> list[tuple]:
        return self.con.execute(sql, list(params)).fetchall()

    def scalar(self, sql: str, *params: object) -> object:
        return self.con.execute(sql, list(params)).fetchone()[0]


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MartBank]:
    from orchestration.extract import extract_batch
    from simulator.testing import make_bank

    root = tmp_path_factory.mktemp("marts")
    data_dir = root / "data"
    sim = make_bank(
        data_dir, persons=PERSONS, enterprises=ENTERPRISES, days=DAYS, start=START, seed=SEED
    )
    for day in sim.dates:
        for system in SYSTEMS:
            extract_batch(system, day, sim.landing, data_dir / "lake")
    (data_dir / "warehouse").mkdir(parents=True, exist_ok=True)

    saved = {k: os.environ.get(k) for k in ("CRM_DATA_DIR", "CRM_PSEUDONYM_KEY")}
    os.environ["CRM_DATA_DIR"] = str(data_dir)
    os.environ["CRM_PSEUDONYM_KEY"] = PSEUDONYM_KEY
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    try:
        dbt = Dbt(None, root)
        # everything the marts and serving need, every date up to the last
        dbt(["build", "--select", f"+{SERVING}", *NO_TESTS_ARGS], sim.dates[-1])
        # the marts' and serving models' data tests
        dbt(
            ["test", "--select", *MART_MODELS, SERVING, "--exclude-resource-type", "unit_test"],
            sim.dates[-1],
        )
        con = duckdb.connect(str(data_dir / "warehouse" / "crm.duckdb"), read_only=True)
        yield MartBank(data_dir, sim.truth, sim.dates, con)
        con.close()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
