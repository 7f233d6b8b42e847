"""The Dagster code location of the bank's customer warehouse: one Definitions, nothing else."""

from __future__ import annotations

from dagster import Definitions

from orchestration.extract.assets import build_extract_assets, landing_specs
from orchestration.extract.sensors import build_batch_sensors
from orchestration.instance import ensure_dagster_home
from orchestration.partitions import biz_date_partitions
from orchestration.pipeline.jobs import build_daily_job
from orchestration.pipeline.schedules import build_daily_schedule

ensure_dagster_home()

defs = Definitions(
    assets=[*landing_specs(), *build_extract_assets(biz_date_partitions)],
    jobs=[build_daily_job(biz_date_partitions)],
    schedules=[build_daily_schedule()],
    sensors=build_batch_sensors(biz_date_partitions),
)
