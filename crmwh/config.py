"""Where everything lives.

All generated data sits under one directory, ``CRM_DATA_DIR`` (default ``./data``), which git
ignores. Every module asks this one place for its paths so that tests can point the whole
project at a temporary directory by setting one environment variable.
"""

from __future__ import annotations

import os
from pathlib import Path

SYSTEMS: tuple[str, ...] = ("core", "card", "loan", "org", "chan")

# Tables per system, in the order the interface spec lists them (section 4).
TABLES: dict[str, tuple[str, ...]] = {
    "core": ("core_customer", "core_account", "core_balance", "core_txn", "core_fx_rate"),
    "card": ("card_holder", "card_account", "card_txn", "card_statement"),
    "loan": ("loan_customer", "loan_contract", "loan_balance"),
    "org": ("org_branch", "org_staff", "org_rm_assignment"),
    "chan": ("chan_consent",),
}


def project_dir() -> Path:
    """The repository root (where dbt_project.yml lives)."""
    return Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    return Path(os.environ.get("CRM_DATA_DIR", "./data")).resolve()


def landing_dir() -> Path:
    return data_dir() / "landing"


def truth_dir() -> Path:
    """Simulator ground truth. Only tests and benchmarks read it, never the warehouse."""
    return data_dir() / "truth"


def lake_dir() -> Path:
    return data_dir() / "lake"


def warehouse_dir() -> Path:
    return data_dir() / "warehouse"


def serving_dir() -> Path:
    return data_dir() / "serving"


def dagster_home() -> Path:
    return data_dir() / "dagster"
