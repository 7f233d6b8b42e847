"""Expectation suites as reviewed JSON files under ``expectations/``.

A suite is code: it lives in git, one JSON file per gated asset, in the GX 1.x suite shape
(``name``, ``expectations`` of ``{type, kwargs, meta}``, ``meta``). Two project rules sit on top
of the GX shape and are enforced here, before GX ever sees the suite, so a malformed suite fails
loudly instead of validating less than it claims:

- every expectation's ``meta.severity`` is ``ERROR`` (blocks downstream) or ``WARN`` (reported,
  does not block); absent means ``ERROR``, anything else is a parse error;
- the suite's ``meta.batch`` names the loader that fetches the business date's batch
  (``{"loader": "raw_partition", "system": "core", "table": "core_customer"}``), so the runner
  never guesses what data a suite is about.

Nothing here imports Great Expectations: loading and checking a suite is cheap and testable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmwh import config

SEVERITIES: tuple[str, ...] = ("ERROR", "WARN")
DEFAULT_SEVERITY = "ERROR"
# GX 1.x has its own severity field; we keep it in step so Data Docs show the same thing.
GX_SEVERITY = {"ERROR": "critical", "WARN": "warning"}


# Expectations that read the table's column names or row count, never a column's values.
NAME_ONLY_EXPECTATIONS = frozenset(
    {
        "expect_table_columns_to_match_ordered_list",
        "expect_table_columns_to_match_set",
        "expect_table_column_count_to_equal",
        "expect_table_column_count_to_be_between",
        "expect_table_row_count_to_equal",
        "expect_table_row_count_to_be_between",
        "expect_column_to_exist",
    }
)


class SuiteError(Exception):
    """A suite file is missing or cannot be used. The gate fails; it never passes by default."""


@dataclass(frozen=True)
class SuiteFile:
    """A suite as read from disk: the GX dict plus where it came from."""

    name: str
    path: Path
    body: dict[str, Any]

    @property
    def batch(self) -> dict[str, Any]:
        return self.body["meta"]["batch"]

    @property
    def expectations(self) -> list[dict[str, Any]]:
        return self.body["expectations"]

    def value_columns(self) -> frozenset[str] | None:
        """Columns whose values some expectation reads; None when that cannot be told.

        Table-shape expectations (column names, row count) read no values, so a loader may
        hand GX the other columns as cheap placeholders under their real names (see
        ``loaders.with_placeholders``): GX then filters and copies only the data it checks.
        An expectation type not known here makes every column count, so a new kind of
        expectation can never validate a placeholder.
        """
        needed: set[str] = set()
        for exp in self.expectations:
            kind, kwargs = exp["type"], exp.get("kwargs") or {}
            if kind in NAME_ONLY_EXPECTATIONS:
                continue
            if not kind.startswith(
                (
                    "expect_column_",
                    "expect_compound_columns_",
                    "expect_multicolumn_",
                    "expect_select_column_",
                )
            ):
                return None
            for key in ("column", "column_A", "column_B"):
                if isinstance(kwargs.get(key), str):
                    needed.add(kwargs[key])
            cols = kwargs.get("column_list")
            if isinstance(cols, list):
                needed.update(c for c in cols if isinstance(c, str))
            if kwargs.get("row_condition"):
                return None  # a condition may name any column
        return frozenset(needed)


def expectations_dir() -> Path:
    """The suites' home in the repository (not under the data directory: they are code)."""
    return config.project_dir() / "expectations"


def suite_path(name: str, directory: Path | None = None) -> Path:
    return (directory or expectations_dir()) / f"{name}.json"


def list_suites(prefix: str = "", directory: Path | None = None) -> list[str]:
    """Names of the suites on disk, optionally only those starting with ``prefix``."""
    root = directory or expectations_dir()
    return sorted(p.stem for p in root.glob(f"{prefix}*.json"))


def severity_of(expectation: dict[str, Any]) -> str:
    return (expectation.get("meta") or {}).get("severity", DEFAULT_SEVERITY)


def load_suite(name: str, directory: Path | None = None) -> SuiteFile:
    """Read and check one suite; raise :class:`SuiteError` naming the file and the reason."""
    path = suite_path(name, directory)
    if not path.is_file():
        raise SuiteError(f"suite {name!r} not found: {path} does not exist")
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SuiteError(f"suite {name!r} cannot be parsed: {path}: {exc}") from exc
    _check_shape(name, path, body)
    return SuiteFile(name=name, path=path, body=body)


def _check_shape(name: str, path: Path, body: Any) -> None:
    def fail(reason: str) -> SuiteError:
        return SuiteError(f"suite {name!r} is invalid: {path}: {reason}")

    if not isinstance(body, dict):
        raise fail("top level is not a JSON object")
    if body.get("name") != name:
        raise fail(f"'name' is {body.get('name')!r}, expected {name!r} (the file name)")
    expectations = body.get("expectations")
    if not isinstance(expectations, list) or not expectations:
        raise fail("'expectations' must be a non-empty list")
    meta = body.get("meta")
    if not isinstance(meta, dict) or not isinstance(meta.get("batch"), dict):
        raise fail("'meta.batch' must say which loader fetches the batch")
    if not isinstance(meta["batch"].get("loader"), str):
        raise fail("'meta.batch.loader' must be a string")
    for i, exp in enumerate(expectations):
        if not isinstance(exp, dict) or not isinstance(exp.get("type"), str):
            raise fail(f"expectation #{i} has no 'type'")
        if not isinstance(exp.get("kwargs", {}), dict):
            raise fail(f"expectation #{i} ({exp['type']}): 'kwargs' must be an object")
        if not isinstance(exp.get("meta", {}), dict):
            raise fail(f"expectation #{i} ({exp['type']}): 'meta' must be an object")
        sev = severity_of(exp)
        if sev not in SEVERITIES:
            raise fail(
                f"expectation #{i} ({exp['type']}): meta.severity {sev!r} is not one of "
                f"{', '.join(SEVERITIES)}"
            )
