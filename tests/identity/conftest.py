"""A small simulated bank taken through extraction and identity resolution, day by day.

One module-scoped fixture because dbt dominates the cost: the bank is built once; day 1 builds
staging and the identity models, days 2 and 3 run the identity models incrementally (as the
orchestrator does, the last one with every data and unit test), the customer cross-reference
is captured after each day, then a --full-refresh rebuild at day 3 gives the state the tests
compare against the daily one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest

from orchestration.dbt.project import NO_TESTS_ARGS
from tests.dbt_inprocess import Dbt

START = dt.date(2026, 11, 1)
DAYS = 3
PERSONS = 3000
ENTERPRISES = 300
SYSTEMS = ("core", "card", "loan")  # the systems that deliver customer records

OWN_MODELS = ["path:models/intermediate/identity", "dim_customer", "dim_customer_history"]


def _read(warehouse: Path, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(sql).pl()


RECORDS = (
    "select * from intermediate.int_customer_records order by source_system, source_customer_no"
)
ANCHORED = (
    "select * from intermediate.int_customer_records_anchored "
    "order by source_system, source_customer_no"
)

DIM = "select * from core.dim_customer order by customer_key"

XREF = (
    "select source_system, source_customer_no, customer_key, match_rule "
    "from intermediate.customer_xref order by source_system, source_customer_no"
)


@dataclass
class ResolvedBank:
    data_dir: Path
    truth_dir: Path
    dates: list[dt.date]
    xref_daily: dict[dt.date, pl.DataFrame]  # customer_xref after each daily run
    events: pl.DataFrame  # int_customer_key_events after the daily runs
    history: pl.DataFrame  # dim_customer_history after the daily runs
    dim_second: pl.DataFrame  # dim_customer after the second day's run
    dim_daily: pl.DataFrame  # dim_customer after the daily runs
    dim_rebuilt: pl.DataFrame  # the same after --full-refresh at the last date
    xref_rebuilt: pl.DataFrame  # customer_xref after --full-refresh at the last date
    records_daily: pl.DataFrame  # int_customer_records after the daily runs
    records_rebuilt: pl.DataFrame  # int_customer_records after --full-refresh at the last date
    anchored_daily: pl.DataFrame  # int_customer_records_anchored after the daily runs
    anchored_rebuilt: pl.DataFrame  # the same after --full-refresh at the last date
    warehouse: Path
    dbt: Dbt


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> ResolvedBank:
    from orchestration.extract import extract_batch
    from simulator.testing import make_bank

    root = tmp_path_factory.mktemp("identity")
    data_dir = root / "data"
    sim = make_bank(data_dir, persons=PERSONS, enterprises=ENTERPRISES, days=DAYS, start=START)
    for day in sim.dates:
        for system in SYSTEMS:
            extract_batch(system, day, sim.landing, data_dir / "lake")
    (data_dir / "warehouse").mkdir(parents=True, exist_ok=True)
    warehouse = data_dir / "warehouse" / "crm.duckdb"

    dbt = Dbt(data_dir, root)
    first, second, last = sim.dates
    xref_daily = {}
    first_build = ["+int_customer_records", "han_characters", *OWN_MODELS]
    dbt(["build", "--select", *first_build, *NO_TESTS_ARGS], first)
    xref_daily[first] = _read(warehouse, XREF)
    dbt(["run", "--select", *OWN_MODELS], second)
    xref_daily[second] = _read(warehouse, XREF)
    dim_second = _read(warehouse, DIM)
    dbt(["build", "--select", *OWN_MODELS, "--indirect-selection", "cautious"], last)  # all tests
    xref_daily[last] = _read(warehouse, XREF)
    events = _read(warehouse, "select * from intermediate.int_customer_key_events")
    history = _read(warehouse, "select * from core.dim_customer_history")
    dim_daily = _read(warehouse, DIM)
    records_daily = _read(warehouse, RECORDS)
    anchored_daily = _read(warehouse, ANCHORED)
    dbt(["run", "--full-refresh", "--select", *OWN_MODELS], last)
    xref_rebuilt = _read(warehouse, XREF)
    records_rebuilt = _read(warehouse, RECORDS)
    anchored_rebuilt = _read(warehouse, ANCHORED)
    dim_rebuilt = _read(warehouse, DIM)
    return ResolvedBank(
        data_dir,
        sim.truth,
        sim.dates,
        xref_daily,
        events,
        history,
        dim_second,
        dim_daily,
        dim_rebuilt,
        xref_rebuilt,
        records_daily,
        records_rebuilt,
        anchored_daily,
        anchored_rebuilt,
        warehouse,
        dbt,
    )
