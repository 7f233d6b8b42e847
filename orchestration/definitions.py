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
from orchestration.quality.checks import build_raw_checks_one_step
from orchestration.quality.warehouse_checks import build_warehouse_checks


def build_defs() -> Definitions:
    """Built from the environment at call time (data directory, first business date)."""
    partitions = build_partitions()
    manifest = ensure_manifest()
    warehouse = build_dbt_assets(partitions, manifest)
    # Blocking gates: an ERROR on a raw suite holds back the dbt build; an ERROR on a warehouse
    # suite holds back publishing.
    raw_checks = build_raw_checks_one_step(partitions)
    warehouse_checks = build_warehouse_checks(partitions, manifest)
    gated = {ck.asset_key for check in warehouse_checks for ck in check.check_keys}
    # Publish reads the serving schema; it depends directly on every gated model as well, so a
    # failed gate anywhere in the warehouse stops it in the same run.
    serving = {k for k in warehouse.keys if k.path[-1].startswith("pub_")}
    publish = [build_publish_asset(partitions, deps=sorted(serving | gated))] if serving else []
    return Definitions(
        assets=[*landing_specs(), *build_extract_assets(partitions), warehouse, *publish],
        asset_checks=[*raw_checks, *warehouse_checks],
        jobs=[build_daily_job(partitions)],
        schedules=[build_daily_schedule()],
        sensors=build_batch_sensors(partitions),
        resources={"dbt": dbt_resource()},
    )


ensure_dagster_home()
defs = build_defs()
