"""The warehouse's quality gates (staging, conformed, marts) as one blocking Dagster check step.

Which suite gates which model: a warehouse suite is ``expectations/<model>.json`` or
``expectations/<model>__<aspect>.json`` and checks the dbt asset ``warehouse/<model>`` (the key
``orchestration.dbt.assets.BankDbtTranslator`` gives every model). The suites this module
expects are listed in :data:`EXPECTED_SUITES`; any other non-raw suite file on disk counts too.
For a model that is not in the dbt manifest the suite is skipped with a log line (the model is
being built by someone else); a model that exists gets its check even when its suite file is
missing or broken, and that check then fails: a gate never passes by default.

Why one step for all of them, in the ``warehouse_writer`` pool: DuckDB refuses a read-only
connection while another process writes the file, and refuses the writer while a reader holds
it (both directions raise ``IOException: Could not set lock on file``). Up to four runs may be
in flight (a backfill), so a check outside the writers' pool could fail another date's dbt
build, or fail itself. In the pool it never overlaps a writer; as one step it pays the process
start, the GX import and the Data Docs build once instead of once per suite.

A failed ERROR suite fails the step, so nothing downstream of any checked model runs in that
run: the publish asset (which depends on the marts) is not materialised and the published copy
stays as it was. WARN failures are reported and do not block.
"""

import json
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckKey,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSpec,
    AssetKey,
    PartitionsDefinition,
    PreviewWarning,
    multi_asset_check,
)

from orchestration.instance import WAREHOUSE_POOL
from orchestration.quality.checks import (
    CHECK_PREFIX,
    _log_line,
    _no_partition,
    business_dates,
    check_result,
)
from orchestration.quality.gx_runner import run_suites
from orchestration.quality.suites import list_suites

log = logging.getLogger(__name__)

# Suites shipped with the warehouse layers. A model in the manifest whose expected suite file
# has gone missing still gets its check, which fails ("suite not found").
EXPECTED_SUITES: tuple[str, ...] = (
    # staging: types, ranges, referential integrity, rows against the extraction
    "stg_core__customers",
    "stg_core__accounts",
    "stg_core__balances",
    "stg_core__transactions",
    "stg_core__fx_rates",
    "stg_card__holders",
    "stg_card__accounts",
    "stg_card__statements",
    "stg_card__transactions",
    "stg_loan__customers",
    "stg_loan__contracts",
    "stg_loan__balances",
    "stg_org__branches",
    "stg_org__staff",
    "stg_org__rm_assignments",
    "stg_chan__consent_events",
    # conformed: every source record mapped once, one golden record per key, one identity
    "customer_xref",
    "dim_customer",
    "dim_customer__identity",
    # marts: totals to the cent, branch subtotals, tiers
    "rec_finance_daily",
    "fct_deposit_balance_daily",
    "fct_loan_balance_daily",
    "mart_branch_kpi_daily",
    "mart_customer_tier",
)


def warehouse_asset_key(model: str) -> AssetKey:
    return AssetKey(["warehouse", model])


def model_of(suite: str, models: set[str]) -> str | None:
    """The model a suite gates: its name, or the longest model name before a ``__<aspect>``."""
    if suite in models:
        return suite
    candidates = [m for m in models if suite.startswith(f"{m}__")]
    return max(candidates, key=len) if candidates else None


def suite_names(suites_dir: Path | None = None) -> list[str]:
    """Every warehouse suite: the expected ones and any other non-raw suite file on disk."""
    on_disk = [s for s in list_suites(directory=suites_dir) if not s.startswith("raw_")]
    return sorted(set(EXPECTED_SUITES) | set(on_disk))


def manifest_models(manifest: Path | dict[str, Any]) -> set[str]:
    """Names of the models in a dbt manifest (a path to manifest.json or the parsed dict)."""
    body = manifest if isinstance(manifest, dict) else json.loads(Path(manifest).read_text())
    return {n["name"] for n in body.get("nodes", {}).values() if n.get("resource_type") == "model"}


def gated_suites(
    models: set[str], suites_dir: Path | None = None, logger: logging.Logger = log
) -> list[tuple[str, str]]:
    """(suite, model) for every suite whose model exists; the others are logged and skipped."""
    pairs = []
    for suite in suite_names(suites_dir):
        model = model_of(suite, models)
        if model is None:
            logger.info("quality: suite %s skipped: its model is not in the dbt manifest", suite)
            continue
        pairs.append((suite, model))
    return pairs


def existing_warehouse_suites(suites_dir: Path | None = None) -> list[tuple[str, str]]:
    """(suite, model) for the models present in the warehouse itself (benchmarks, CLI), on
    the ``CRM_ENGINE`` engine."""
    from orchestration import warehouse

    models = {name.split(".", 1)[1] for name in warehouse.table_names()}
    return gated_suites(models, suites_dir)


def build_warehouse_checks(
    partitions_def: PartitionsDefinition | None,
    manifest: Path | dict[str, Any],
    *,
    suites_dir: Path | None = None,
    pool: str | None = WAREHOUSE_POOL,
) -> list[AssetChecksDefinition]:
    """The blocking checks of every warehouse suite whose model is in the dbt manifest.

    Returns one multi-asset check (an empty list when no suite's model exists yet), in the
    warehouse writers' pool. Wire it beside the raw checks in ``definitions.py``.
    """
    pairs = gated_suites(manifest_models(manifest), suites_dir)
    if not pairs:
        return []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=PreviewWarning)
        return [_warehouse_check(pairs, partitions_def, suites_dir, pool)]


def _warehouse_check(
    pairs: list[tuple[str, str]],
    partitions_def: PartitionsDefinition | None,
    suites_dir: Path | None,
    pool: str | None,
) -> AssetChecksDefinition:
    suites = {
        AssetCheckKey(warehouse_asset_key(model), f"{CHECK_PREFIX}{suite}"): suite
        for suite, model in pairs
    }
    specs = [
        AssetCheckSpec(
            key.name,
            asset=key.asset_key,
            blocking=True,
            partitions_def=partitions_def,
            description=f"Great Expectations suite expectations/{suite}.json",
            metadata={"suite_file": f"expectations/{suite}.json"},
        )
        for key, suite in suites.items()
    ]

    @multi_asset_check(name=f"{CHECK_PREFIX}warehouse", specs=specs, can_subset=True, pool=pool)
    def _check(context: AssetCheckExecutionContext) -> Iterator[AssetCheckResult]:
        dates = business_dates(context)
        keys = sorted(context.selected_asset_check_keys, key=lambda k: k.name)
        if not dates:
            for key in keys:
                yield _no_partition(key.name, key)
            return
        by_date = [
            run_suites([suites[k] for k in keys], day, suites_dir=suites_dir) for day in dates
        ]
        for i, key in enumerate(keys):
            outcomes = [day_outcomes[i] for day_outcomes in by_date]
            for o in outcomes:
                context.log.info(_log_line(o))
            yield check_result(outcomes, key)

    return _check
