"""dbt models as Dagster assets, built per business date in the warehouse writer pool.

dbt runs as a subprocess through ``DbtCliResource``. Sources map to the raw extraction assets
(``raw/<system>/<table>``), so the asset graph runs from landing to the marts.

The profile's target follows ``CRM_ENGINE`` (profiles.yml), so the same asset builds on DuckDB
or on Spark. With dbt-spark's session mode Spark runs inside the dbt subprocess (its own JVM,
started and ended with each invocation, one thread as the profile says); nothing Spark runs in
the Dagster process for the build. The ``warehouse_writer`` pool (one at a time) matters on
Spark too: session mode keeps its metastore in an embedded Derby database that only one JVM
can open, so two dbt-spark processes must never overlap.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    PartitionsDefinition,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging import version

from crmwh import config
from orchestration.dbt.project import (
    PROJECT_DIR,
    backfill_invocations,
    clear_rebuild_requests,
    dbt_build_args,
    dbt_build_env,
    dbt_executable,
    pending_rebuild_from,
    run_target,
)
from orchestration.instance import WAREHOUSE_POOL
from orchestration.partitions import first_biz_date
from orchestration.warehouse import current as current_warehouse
from orchestration.warehouse import record_spark_views


class BankDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # source('core', 'core_customer') is the raw asset raw/core/core_customer
            return AssetKey(["raw", dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return AssetKey(["warehouse", dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "warehouse"


def record_views_for_readers(target_path: Path, log: Any) -> None:
    """On Spark, keep the compiled SQL of the view models beside the tables, so the gates and
    reports can read views without the metastore dbt's JVM locks (see orchestration.warehouse).
    Also after a failed build: the views built before the failure are gated like the rest."""
    wh = current_warehouse()
    manifest = Path(target_path) / "manifest.json"
    if wh.engine != "spark" or not manifest.is_file():
        return
    count = record_spark_views(manifest, wh.location)
    log.info(f"recorded {count} Spark view definitions for the gates in {wh.location}")


dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)


class BankDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two costs paid on every dbt run and used for nothing here
    (3-6 s a run on this 2-core machine): running ``dbt --version`` in a subprocess, which
    imports all of dbt, to learn the version of the dbt installed beside this Python
    (``dbt_executable``), and building a dbt adapter in the Dagster process, which dagster-dbt
    uses only to fetch column metadata and row counts, which these assets do not ask for. Both
    are private methods of the pinned dagster-dbt (requirements.lock): check them when
    upgrading it."""

    @cached_property
    def _cli_version(self) -> version.Version:
        from dbt.version import __version__

        return version.parse(__version__)

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None


def dbt_resource() -> DbtCliResource:
    return BankDbtCliResource(
        project_dir=dbt_project,
        profiles_dir=str(PROJECT_DIR),
        dbt_executable=dbt_executable(),
    )


def build_dbt_assets(partitions_def: PartitionsDefinition, manifest) -> AssetsDefinition:
    @dbt_assets(
        manifest=manifest,
        project=dbt_project,
        partitions_def=partitions_def,
        dagster_dbt_translator=BankDbtTranslator(),
        pool=WAREHOUSE_POOL,
        name="warehouse_dbt",
        # one business date per run, in order: incremental models build on the previous date
        backfill_policy=BackfillPolicy.multi_run(1),
    )
    def _warehouse(context: AssetExecutionContext, dbt: DbtCliResource):
        day = dt.date.fromisoformat(context.partition_key)
        lake = config.lake_dir()
        rebuild_from = pending_rebuild_from(lake)
        config.warehouse_dir().mkdir(parents=True, exist_ok=True)
        args = dbt_build_args(day, rebuild_from)
        biz_date_from = None
        if "--full-refresh" in args:
            # The facts' history a few dates at a time first (backfill_invocations); this
            # build, the plan's last run, then builds their last range and everything else.
            *history, last = backfill_invocations(first_biz_date(), day)
            for run in history:
                context.log.info(f"{run.env()} dbt " + " ".join(run.args))
                with dbt_build_env(run.biz_date, run.biz_date_from), run_target("range") as tp:
                    dbt.cli(list(run.args), target_path=tp).wait()
            biz_date_from = last.biz_date_from
        context.log.info(
            f"CRM_BIZ_DATE={day} CRM_BIZ_DATE_FROM={biz_date_from} dbt " + " ".join(args)
        )
        with dbt_build_env(day, biz_date_from), run_target(context.run_id[:8]) as tp:
            invocation = dbt.cli(args, context=context, target_path=tp)
            try:
                yield from invocation.stream()
            finally:
                record_views_for_readers(invocation.target_path, context.log)
        if "--full-refresh" in args:
            cleared = clear_rebuild_requests(lake, day)
            context.log.info(f"full rebuild after re-delivery; {cleared} request(s) cleared")

    return _warehouse
