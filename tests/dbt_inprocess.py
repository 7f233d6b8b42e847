"""dbt in-process for the test fixtures that build a bank (tests/identity, tests/facts,
tests/marts, tests/staging's daily run): one helper instead of a copy per area.

Why in-process (dbtRunner) with a manifest parsed once: a dbt subprocess re-parses the whole
project for each ``--vars`` change (tens of seconds on a busy machine); a preloaded manifest
parses once and each daily run then costs only its models. Target and log paths are the
test's own.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

import pytest

from crmwh.config import project_dir


class Dbt:
    """``dbt(args, biz_date, env)`` runs one dbt command for that business date (or none);
    any error or test failure raises. ``data_dir``, when given, becomes CRM_DATA_DIR for the process."""

    def __init__(self, data_dir: Path | None, work_dir: Path) -> None:
        from dbt.cli.main import dbtRunner

        if data_dir is not None:
            os.environ["CRM_DATA_DIR"] = str(data_dir)
        os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
        self.common = [
            "--project-dir", str(project_dir()),
            "--profiles-dir", str(project_dir()),
            "--target-path", str(work_dir / "target"),
            "--log-path", str(work_dir / "logs"),
            "--quiet",
        ]  # fmt: skip
        parsed = dbtRunner().invoke(["parse", *self.common])
        if not parsed.success:
            raise AssertionError(f"dbt parse failed: {parsed.exception}")
        self.runner = dbtRunner(manifest=parsed.result)

    def __call__(
        self, args: list[str], biz_date: dt.date | None, env: dict[str, str] | None = None
    ) -> None:
        """``biz_date`` goes in ``--vars`` (None: no date, as a first build of everything);
        ``env`` is set for this run only (e.g. the orchestrator's ``CRM_BIZ_DATE``)."""
        t0 = time.perf_counter()
        vars_ = ["--vars", f'{{"biz_date": "{biz_date.isoformat()}"}}'] if biz_date else []
        with pytest.MonkeyPatch.context() as mp:
            for name, value in (env or {}).items():
                mp.setenv(name, value)
            # no manifest.json or run_results.json per run (about 1.5 s each here): nothing
            # reads them; the parse above wrote the manifest once
            res = self.runner.invoke([*args, *self.common, *vars_, "--no-write-json"])
        failed = [
            f"{r.node.name}: {r.status} {r.message}"
            for r in (getattr(res.result, "results", None) or [])
            if str(r.status) in ("error", "fail", "runtime error")
        ]
        release_warehouse()
        if not res.success or failed:
            raise AssertionError(f"dbt {args} for {biz_date} failed: {res.exception} {failed}")
        print(f"dbt {args[0]} {biz_date}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)


def release_warehouse() -> None:
    """Close dbt-duckdb's in-process database handle so the tests can open the file read-only
    (DuckDB refuses a second connection with another configuration in the same process); dbt
    reopens it lazily on its next run."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    if DuckDBConnectionManager._ENV is not None:
        DuckDBConnectionManager._ENV.close()
