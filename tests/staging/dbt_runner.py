"""Run dbt against a temporary data directory, isolated from other engineers' runs.

dbt writes target/ and logs/ into the project by default; parallel runs in one checkout would
clobber each other, so every run here gets its own target and log paths under the test's tmp dir.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from crmwh.config import project_dir


def run_dbt(
    args: list[str], data_dir: Path, work_dir: Path, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `dbt <args>` with CRM_DATA_DIR=data_dir (and extra_env, e.g. the orchestrator's
    CRM_BIZ_DATE); raise with dbt's output if it fails."""
    (data_dir / "warehouse").mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CRM_DATA_DIR": str(data_dir),
        "DBT_PROFILES_DIR": str(project_dir()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_TARGET_PATH": str(work_dir / "target"),
        "DBT_LOG_PATH": str(work_dir / "logs"),
        **(extra_env or {}),
    }
    dbt = Path(sys.executable).parent / "dbt"
    proc = subprocess.run(
        [str(dbt), *args],
        cwd=project_dir(),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr}")
    return proc
