"""The Dagster code location of the bank's customer warehouse: one Definitions, nothing else."""

from dagster import Definitions

from orchestration.extract.assets import build_extract_assets, landing_specs
from orchestration.extract.sensors import build_batch_sensors
from orchestration.instance import ensure_dagster_home
from orchestration.partitions import build_partitions
from orchestration.pipeline.jobs import build_daily_job
from orchestration.pipeline.schedules import build_daily_schedule


def build_defs() -> Definitions:
    """Built from the environment at call time (data directory, first business date)."""
    partitions = build_partitions()
    return Definitions(
        assets=[*landing_specs(), *build_extract_assets(partitions)],
        jobs=[build_daily_job(partitions)],
        schedules=[build_daily_schedule()],
        sensors=build_batch_sensors(partitions),
    )


ensure_dagster_home()
defs = build_defs()
