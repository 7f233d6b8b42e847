"""Publish settings: how many versions to keep and which tables are reference data.

Adding a mart to the published set is configuration, not code: write ``models/serving/pub_<mart>.sql``
(it carries the five branch codes, so it is filtered per branch) or, for a table without branch
codes that is safe for every branch, list it in ``publish_config.yml``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from orchestration.publish.errors import PublishError

CONFIG_FILE = Path(__file__).with_name("publish_config.yml")
DEFAULT_KEEP = 3
DEFAULT_MEMORY_LIMIT = "4GB"
_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def keep_versions() -> int:
    """``CRM_SERVING_KEEP`` (default 3): how many published versions stay on disk."""
    raw = os.environ.get("CRM_SERVING_KEEP", str(DEFAULT_KEEP))
    try:
        keep = int(raw)
    except ValueError:
        raise PublishError(f"CRM_SERVING_KEEP must be a whole number, got {raw!r}") from None
    if keep < 1:
        raise PublishError(f"CRM_SERVING_KEEP must be at least 1, got {keep}")
    return keep


def memory_limit() -> str:
    """``CRM_PUBLISH_MEMORY_LIMIT`` (default 4GB): DuckDB's memory_limit while publishing.

    Past it the copy's sorts spill into the version being built; without it DuckDB takes up to
    80% of the machine (18 GB in the first publish of a 3,000,000-person bank), beside the
    warehouse build and the readers.
    """
    raw = os.environ.get("CRM_PUBLISH_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT).strip()
    if not _MEMORY.fullmatch(raw):
        raise PublishError(f"CRM_PUBLISH_MEMORY_LIMIT must be a size such as 4GB, got {raw!r}")
    return raw


def reference_tables(path: Path = CONFIG_FILE) -> frozenset[str]:
    """Published names of the tables copied whole into every branch file."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PublishError(f"cannot read publish config {path}: {exc}") from exc
    names = doc.get("reference_tables") or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise PublishError(f"{path}: reference_tables must be a list of table names")
    return frozenset(n.removeprefix("pub_") for n in names)


def history_tables(path: Path = CONFIG_FILE) -> dict[str, str]:
    """Published name -> date column of the tables that hold history by business date.

    Their rows of a date never change once published unless the warehouse restates them, so an
    incremental publish adds (or replaces) only the newest dates instead of copying all history.
    """
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PublishError(f"cannot read publish config {path}: {exc}") from exc
    tables = doc.get("history_tables") or {}
    if not isinstance(tables, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tables.items()
    ):
        raise PublishError(f"{path}: history_tables must map table names to date columns")
    return {k.removeprefix("pub_"): v for k, v in tables.items()}


def full_requested() -> bool:
    """``CRM_PUBLISH_FULL=1``: build every published file from nothing (no incremental)."""
    raw = os.environ.get("CRM_PUBLISH_FULL", "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise PublishError(f"CRM_PUBLISH_FULL must be 1 or 0, got {raw!r}")
