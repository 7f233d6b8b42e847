"""Every model, compiled for Spark, parses with Spark's parser and calls only functions Spark
knows (orchestration.engines). Cheap (no data, one local Spark session) and lists
every DuckDB-only construct at once, where a dbt run on Spark stops at the first per branch.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crmwh.config import project_dir
from orchestration.engines import check_compiled, function_calls

pytestmark = pytest.mark.spark


def test_function_calls_skip_strings_comments_and_syntax() -> None:
    sql = "select coalesce(a, 'f(x)'), cast(b as int) -- g(y)\nfrom t where x in (1)"
    assert function_calls(sql) == {"coalesce"}


def test_grouping_sets_is_syntax_not_a_call() -> None:
    sql = "select a, grouping(a) from t group by grouping sets ((a), (b))"
    assert function_calls(sql) == {"grouping"}


def test_a_cte_with_a_column_list_is_not_a_call() -> None:
    assert function_calls("with reach (a, b) as (select 1, 2) select upper(a) from reach") == {
        "upper"
    }


def test_every_model_passes_the_static_spark_check(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CRM_ENGINE": "spark",
        "CRM_DATA_DIR": str(tmp_path / "data"),
        "DBT_PROFILES_DIR": str(project_dir()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }
    dbt = Path(sys.executable).parent / "dbt"
    proc = subprocess.run(
        [str(dbt), "compile", "--select", "resource_type:model",
         "--vars", '{"biz_date": "2026-11-02"}'],
        cwd=project_dir(), env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-4000:]
    checks = check_compiled(tmp_path / "target" / "compiled" / "bank_crm")
    assert len(checks) > 50
    bad = [c for c in checks if not c.ok]
    assert not bad, "models Spark cannot run:\n" + "\n".join(
        f"{c.path}: {c.parse_error or ''} {', '.join(c.unknown_functions)}" for c in bad
    )
