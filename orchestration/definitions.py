"""The Dagster code location of the bank's customer warehouse: one Definitions, nothing else."""

from dagster import Definitions

from orchestration.dbt.assets import build_dbt_assets, dbt_resource
from orchestration.dbt.project import ensure_manifest
from orchestration.extract.assets import build_extract_assets, landing_specs
from orchestration.extract.sensors import build_batch_sensors
from orchestration.instance import ensure_dagster_home
from orchestration.partitions import build_partitions
from orchestration.pipeline.jobs import build_daily_job
from orchestration.pipeline.schedules import build_daily_schedule
from orchestration.publish.assets import build_publish_asset
from orchestration.quality.checks import build_raw_system_checks


def build_defs() -> Definitions:
    """Built from the environment at call time (data directory, first business date)."""
    partitions = build_partitions()
    warehouse = build_dbt_assets(partitions, ensure_manifest())
    # Publish reads the serving schema, after every gate upstream of it has passed.
    serving = [k for k in warehouse.keys if k.path[-1].startswith("pub_")]
    publish = [build_publish_asset(partitions, deps=serving)] if serving else []
    return Definitions(
        assets=[*landing_specs(), *build_extract_assets(partitions), warehouse, *publish],
        # blocking gates: an ERROR on a system's raw suites holds back everything downstream
        asset_checks=build_raw_system_checks(partitions),
        jobs=[build_daily_job(partitions)],
        schedules=[build_daily_schedule()],
        sensors=build_batch_sensors(partitions),
        resources={"dbt": dbt_resource()},
    )


ensure_dagster_home()
defs = build_defs()
