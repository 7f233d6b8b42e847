"""Dagster's home under the data directory, with telemetry off and the warehouse writer pool.

DuckDB allows one writing process per database file, so everything that writes the warehouse
runs in the ``warehouse_writer`` pool, limited to one at a time. Extraction writes separate
Parquet partitions and runs in parallel.
"""

from __future__ import annotations

import os
from pathlib import Path

from crmwh import config

WAREHOUSE_POOL = "warehouse_writer"

DAGSTER_YAML = f"""\
# Written by crmwh (orchestration/instance.py). Dagster's home lives under the data directory.
telemetry:
  enabled: false
concurrency:
  pools:
    # Only the warehouse writers use a pool: one DuckDB writer at a time.
    default_limit: 1
  runs:
    max_concurrent_runs: 4
# Pool used by every asset that writes the DuckDB warehouse file: {WAREHOUSE_POOL}
"""


def ensure_dagster_home() -> Path:
    """Point DAGSTER_HOME at ``$CRM_DATA_DIR/dagster`` unless set, and write its dagster.yaml."""
    home = Path(os.environ.get("DAGSTER_HOME") or config.dagster_home())
    home.mkdir(parents=True, exist_ok=True)
    yaml_path = home / "dagster.yaml"
    if not yaml_path.exists():
        yaml_path.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
    return home
