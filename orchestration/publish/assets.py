"""The Dagster asset of the publish step: ``serving/published``, one partition per business date.

It only reads the warehouse (read-only attach), so it takes no ``warehouse_writer`` pool slot.
It must run after every gate: the lead passes the gated assets as ``deps``; their blocking
asset checks (ERROR severity) then keep this asset from running in the same run, and a publish
that does not run leaves ``serving/`` exactly as it was.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    PartitionsDefinition,
    asset,
)

PUBLISH_KEY = AssetKey(["serving", "published"])


def build_publish_asset(
    partitions_def: PartitionsDefinition, deps: Sequence[Any]
) -> AssetsDefinition:
    """The publish asset, downstream of ``deps`` (asset keys, specs or assets definitions)."""

    @asset(
        key=PUBLISH_KEY,
        deps=list(deps),
        partitions_def=partitions_def,
        backfill_policy=BackfillPolicy.multi_run(1),
        group_name="serving",
        kinds={"duckdb"},
        description=(
            "Write-audit-publish of the warehouse's serving schema: a new version under "
            "serving/versions/, the head-office file and one file per branch (levels 2-5), "
            "audited for raw personal data, swapped in atomically (serving/crm.duckdb, "
            "serving/branches/<code>.duckdb). Readers of the previous version are never blocked."
        ),
    )
    def publish_serving(context: AssetExecutionContext) -> MaterializeResult:
        from orchestration.publish import PublishError, publish

        day = dt.date.fromisoformat(context.partition_key)
        try:
            result = publish(day, dbt_run_id=context.run_id)
        except PublishError as exc:
            raise Failure(description=f"publish of {day} refused: {exc}") from exc
        context.log.info(
            f"published {result.version} ({result.mode}): {len(result.tables)} tables, "
            f"{result.branches} branches "
            f"in {result.seconds:.1f}s"
        )
        return MaterializeResult(
            metadata={
                "version": result.version,
                "mode": result.mode,
                "table_actions": MetadataValue.json(result.table_actions),
                "tables": MetadataValue.json(result.tables),
                "rows": sum(result.tables.values()),
                "branches": result.branches,
                "branch_rows": result.branch_rows,
                "seconds": round(result.seconds, 2),
                "serving_path": MetadataValue.path(str(result.ho_file)),
                "manifest": MetadataValue.path(
                    str(result.serving_dir / "versions" / result.version / "manifest.json")
                ),
                "removed_versions": MetadataValue.json(result.removed_versions),
            }
        )

    return publish_serving
