"""02:00 Asia/Shanghai every day: run the pipeline for the previous business date.

The run starts only when every system has delivered that date and every earlier one (DELTA
batches build on each other); otherwise the tick is skipped with the reason naming the system
and date that is late.
"""

import datetime as dt

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from crmwh import config
from orchestration.batch_status import readiness
from orchestration.partitions import BANK_TIMEZONE, first_biz_date
from orchestration.pipeline.jobs import DAILY_JOB


def previous_business_date(scheduled: dt.datetime) -> dt.date:
    """Every calendar day is a business date; the 02:00 run covers yesterday (bank time)."""
    return scheduled.date() - dt.timedelta(days=1)


def build_daily_schedule() -> ScheduleDefinition:
    @schedule(
        name="daily_pipeline_schedule",
        cron_schedule="0 2 * * *",
        execution_timezone=BANK_TIMEZONE,
        job_name=DAILY_JOB,
        default_status=DefaultScheduleStatus.STOPPED,
        description="Daily run for the previous business date, once all systems delivered.",
    )
    def _schedule(context: ScheduleEvaluationContext):
        day = previous_business_date(context.scheduled_execution_time)
        first = first_biz_date()
        if day < first:
            return SkipReason(f"{day} is before the first business date {first}")
        ready = readiness(
            day, first, config.landing_dir(), config.lake_dir(), require_extracted=False
        )
        if not ready.ready:
            return SkipReason(ready.explain())
        return RunRequest(
            run_key=f"daily:{day.isoformat()}",
            partition_key=day.isoformat(),
            tags={"crm/biz_date": day.isoformat()},
        )

    return _schedule
