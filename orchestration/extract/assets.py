"""Extraction assets: one multi-asset per source system, one asset per source table.

A batch is atomic (a system's flag file covers all its tables), so one op extracts the whole
batch and materialises each table's raw asset ``raw/<system>/<table>``. The heavy lifting is in
:mod:`orchestration.extract` (no Dagster there); this module maps its outcomes to Dagster:
a batch still in transfer or refused fails the run with the extractor's message, which names
the system, date, file and mismatch.
"""

import datetime as dt
import json

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    multi_asset,
)

from crmwh import config


def landing_key(system: str) -> AssetKey:
    return AssetKey(["landing", system])


def raw_key(system: str, table: str) -> AssetKey:
    return AssetKey(["raw", system, table])


def raw_keys(system: str) -> list[AssetKey]:
    return [raw_key(system, t) for t in config.TABLES[system]]


def landing_specs() -> list[AssetSpec]:
    """The landing batches, produced by the source systems, not by this warehouse."""
    return [
        AssetSpec(
            landing_key(system),
            group_name="landing",
            description=f"Daily batches the {system} system delivers into landing/{system}/.",
            kinds={"file"},
        )
        for system in config.SYSTEMS
    ]


def record_rebuild_request(system: str, day: dt.date, redelivery: int) -> str:
    """A re-delivery of T invalidates T and every later business date (DELTA builds on DELTA).

    The request is a file in ``lake/control/rebuild_requests/`` that the downstream build reads
    and clears once it has rebuilt from that date.
    """
    req_dir = config.lake_dir() / "control" / "rebuild_requests"
    req_dir.mkdir(parents=True, exist_ok=True)
    path = req_dir / f"{day:%Y%m%d}_{system}_r{redelivery}.json"
    payload = {"system": system, "from_date": day.isoformat(), "redelivery": redelivery}
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


def build_extract_asset(system: str, partitions_def: PartitionsDefinition) -> AssetsDefinition:
    specs = [
        AssetSpec(
            raw_key(system, table),
            deps=[landing_key(system)],
            group_name="raw",
            description=(
                f"{table} as delivered (UTF-8 text) plus lineage, one Parquet partition per "
                f"business date under lake/raw/{system}/{table}/."
            ),
            kinds={"parquet"},
            metadata={"system": system, "table": table},
        )
        for table in config.TABLES[system]
    ]

    @multi_asset(
        name=f"extract_{system}",
        specs=specs,
        partitions_def=partitions_def,
        can_subset=False,
        # one business date per run: DELTA batches build on the previous date
        backfill_policy=BackfillPolicy.multi_run(1),
        description=f"Extract the {system} batch of the business date into the raw lake.",
    )
    def _extract(context: AssetExecutionContext):
        from orchestration.extract import BatchNotReady, BatchRefused, extract_batch

        day = dt.date.fromisoformat(context.partition_key)
        try:
            result = extract_batch(system, day, config.landing_dir(), config.lake_dir())
        except BatchNotReady as exc:
            raise Failure(
                description=f"{system} {day}: batch not complete, waiting for its flag file "
                f"({exc})",
                allow_retries=True,
            ) from exc
        except BatchRefused as exc:
            raise Failure(
                description=f"{system} {day}: batch refused: {exc}",
                metadata={"system": system, "biz_date": day.isoformat(), "reason": str(exc)},
                allow_retries=False,
            ) from exc
        context.log.info(
            f"{system} {day}: {result.status} batch {result.batch_id} in {result.seconds:.1f}s"
        )
        if result.status == "redelivered":
            req = record_rebuild_request(system, day, result.redelivery)
            context.log.warning(
                f"{system} {day} re-delivered (REDELIVERY={result.redelivery}, "
                f"replacing {result.previous_redelivery}); {day} and every later date marked "
                f"for rebuild: {req}"
            )
        for t in result.tables:
            quarantined = sum(t.quarantined.values())
            yield MaterializeResult(
                asset_key=raw_key(system, t.table),
                metadata={
                    "batch_id": result.batch_id,
                    "redelivery": result.redelivery,
                    "status": result.status,
                    "declared_rows": t.declared_rows,
                    "raw_rows": t.raw_rows,
                    "quarantined_rows": quarantined,
                    "quarantined_by_reason": MetadataValue.json(dict(t.quarantined)),
                    "reconciled": t.declared_rows == t.raw_rows + quarantined,
                },
            )

    return _extract


def build_extract_assets(partitions_def: PartitionsDefinition) -> list[AssetsDefinition]:
    return [build_extract_asset(system, partitions_def) for system in config.SYSTEMS]
