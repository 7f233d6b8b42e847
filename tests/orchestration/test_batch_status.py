"""Batch states and the rule that date T waits for every system on T and every earlier date."""

from __future__ import annotations

import datetime as dt

from crmwh import config
from orchestration.batch_status import batch_status, readiness
from tests.orchestration.fakes import land, mark_extracted, mark_refused

D1, D2 = dt.date(2026, 1, 1), dt.date(2026, 1, 2)


def _status(system: str, day: dt.date):
    return batch_status(system, day, config.landing_dir(), config.lake_dir())


def test_states_follow_landing_and_lake(data_dir) -> None:
    assert _status("core", D1).state == "missing"
    land("core", D1, flag=False)
    assert _status("core", D1).state == "waiting"
    md5 = land("core", D1)
    assert _status("core", D1).state == "pending"
    mark_refused("core", D1, md5, "core 2026-01-01: core_txn_20260101.dat: MD5 mismatch")
    st = _status("core", D1)
    assert st.state == "refused" and "MD5 mismatch" in st.reason
    mark_extracted("core", D1, md5)
    st = _status("core", D1)
    assert (st.state, st.raw_rows, st.quarantined) == ("extracted", 10, 2)


def test_redelivery_makes_an_extracted_batch_pending_again(data_dir) -> None:
    md5 = land("card", D1)
    mark_extracted("card", D1, md5)
    land("card", D1, redelivery=1)
    assert _status("card", D1).state == "pending"


def test_late_system_on_an_earlier_date_blocks_later_dates(data_dir) -> None:
    for day in (D1, D2):
        for system in config.SYSTEMS:
            if (system, day) != ("chan", D1):
                mark_extracted(system, day, land(system, day))
    land("chan", D1, flag=False)  # chan's first batch is still in transfer
    r = readiness(D2, D1, config.landing_dir(), config.lake_dir())
    assert not r.ready
    assert [(b.system, b.biz_date, b.state) for b in r.blocking] == [("chan", D1, "waiting")]
    assert "chan 2026-01-01 waiting" in r.explain()
    mark_extracted("chan", D1, land("chan", D1))
    assert readiness(D2, D1, config.landing_dir(), config.lake_dir()).ready


def test_schedule_readiness_accepts_complete_but_unextracted_batches(data_dir) -> None:
    for system in config.SYSTEMS:
        land(system, D1)
    lake, landing = config.lake_dir(), config.landing_dir()
    assert not readiness(D1, D1, landing, lake).ready
    assert readiness(D1, D1, landing, lake, require_extracted=False).ready
