"""The per-system sensors and the 02:00 schedule, evaluated with Dagster's test contexts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from dagster import (
    DailyPartitionsDefinition,
    Definitions,
    RunRequest,
    SkipReason,
    build_schedule_context,
    build_sensor_context,
)

from crmwh import config
from orchestration.extract.assets import build_extract_assets, landing_specs
from orchestration.extract.sensors import build_batch_sensor
from orchestration.pipeline.jobs import build_daily_job
from orchestration.pipeline.schedules import build_daily_schedule
from tests.orchestration.fakes import land, mark_extracted

PARTS = DailyPartitionsDefinition(start_date="2026-01-01", timezone="Asia/Shanghai")
D1, D2 = dt.date(2026, 1, 1), dt.date(2026, 1, 2)


def _defs(**kwargs) -> Definitions:
    return Definitions(
        assets=[*landing_specs(), *build_extract_assets(PARTS)],
        jobs=[build_daily_job(PARTS)],
        **kwargs,
    )


def _evaluate(sensor):
    ctx = build_sensor_context(definitions=_defs(sensors=[sensor]))
    return list(sensor.evaluate_tick(ctx).run_requests or [])


def test_sensor_requests_each_complete_batch_once(data_dir) -> None:
    sensor = build_batch_sensor("core", PARTS)
    land("core", D1, flag=False)
    assert _evaluate(sensor) == []  # in transfer: nothing to do
    md5 = land("core", D1)
    land("card", D2)  # another system's batch is not this sensor's business
    (req,) = _evaluate(sensor)
    assert req.partition_key == "2026-01-01"
    assert req.run_key == f"core:2026-01-01:{md5}"
    assert {tuple(k.path) for k in req.asset_selection} == {
        ("raw", "core", t) for t in config.TABLES["core"]
    }
    mark_extracted("core", D1, md5)
    assert _evaluate(sensor) == []
    md5_r1 = land("core", D1, redelivery=1)  # a re-delivery is requested again, new run key
    (req,) = _evaluate(sensor)
    assert req.run_key == f"core:2026-01-01:{md5_r1}"


def _tick(day_time: dt.datetime):
    schedule = build_daily_schedule()
    repo = _defs(schedules=[schedule]).get_repository_def()
    ctx = build_schedule_context(scheduled_execution_time=day_time, repository_def=repo)
    return schedule.evaluate_tick(ctx)


def test_schedule_runs_previous_business_date_when_all_delivered(data_dir) -> None:
    at_two = dt.datetime(2026, 1, 3, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    for day in (D1, D2):
        for system in config.SYSTEMS:
            land(system, day)
    result = _tick(at_two)
    (req,) = result.run_requests
    assert isinstance(req, RunRequest) and req.partition_key == "2026-01-02"


def test_schedule_skips_and_names_the_late_system(data_dir) -> None:
    at_two = dt.datetime(2026, 1, 3, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    for day in (D1, D2):
        for system in config.SYSTEMS:
            if (system, day) == ("loan", D1):
                land(system, day, flag=False)
            else:
                mark_extracted(system, day, land(system, day))
    result = _tick(at_two)
    assert not result.run_requests
    assert "loan 2026-01-01 waiting" in result.skip_message
    assert isinstance(SkipReason(result.skip_message), SkipReason)
