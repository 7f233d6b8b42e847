"""The daily pipeline job: every asset of one business date, extraction first."""

from __future__ import annotations

from dagster import AssetSelection, PartitionsDefinition, define_asset_job

DAILY_JOB = "daily_pipeline"


def build_daily_job(partitions_def: PartitionsDefinition):
    return define_asset_job(
        DAILY_JOB,
        selection=AssetSelection.all(),
        partitions_def=partitions_def,
        description="Extract every system's batch for the business date, then build downstream.",
    )
