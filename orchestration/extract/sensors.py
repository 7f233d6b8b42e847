"""One sensor per source system: a newly completed batch (flag file written) is extracted.

The run key carries the flag file's MD5, so the same delivery is requested once, and a
re-delivery (a new flag file) is requested again.
"""

from dagster import (
    DefaultSensorStatus,
    PartitionsDefinition,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from crmwh import config
from orchestration.batch_status import batch_status, landing_dates
from orchestration.extract.assets import raw_keys


def pending_batches(system: str, partition_keys: set[str]) -> list[tuple[str, str]]:
    """(partition key, flag MD5) of every complete batch of ``system`` not yet in the lake."""
    landing, lake = config.landing_dir(), config.lake_dir()
    found = []
    for day in landing_dates(landing):
        if day.isoformat() not in partition_keys:
            continue
        st = batch_status(system, day, landing, lake)
        if st.state == "pending":
            found.append((day.isoformat(), st.flag_md5 or ""))
    return found


def build_batch_sensor(system: str, partitions_def: PartitionsDefinition) -> SensorDefinition:
    @sensor(
        name=f"{system}_batch_sensor",
        asset_selection=raw_keys(system),
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.STOPPED,
        description=f"Requests extraction of every newly completed {system} batch.",
    )
    def _sensor(context: SensorEvaluationContext):
        keys = set(partitions_def.get_partition_keys())
        pending = pending_batches(system, keys)
        if not pending:
            yield SkipReason(f"no new complete {system} batch")
            return
        for partition_key, flag_md5 in pending:
            yield RunRequest(
                run_key=f"{system}:{partition_key}:{flag_md5}",
                partition_key=partition_key,
                asset_selection=raw_keys(system),
                tags={"crm/system": system},
            )

    return _sensor


def build_batch_sensors(partitions_def: PartitionsDefinition) -> list[SensorDefinition]:
    return [build_batch_sensor(system, partitions_def) for system in config.SYSTEMS]
