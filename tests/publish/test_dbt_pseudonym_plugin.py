"""Through real dbt: the plugin supplies the secret, the keys match, and the secret is on no disk.

A throw-away dbt project (named bank_crm so the macros' dispatch namespace resolves) uses the
project's masking macros and a profile with the plugin; after ``dbt run`` no file under the
project (target/compiled, target/run, manifest, run_results, logs/dbt.log) contains the secret.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from crmwh import config

SECRET = "s3cret-for-the-dbt-plugin-test-7731"

MODEL = """
select
    {{ pseudonymize("'P000000001'") }} as customer_key,
    {{ mask_name("'张三丰'") }} as customer_name,
    {{ mask_mobile("'13812341234'") }} as mobile,
    {{ mask_id_no("'110101199003071234'") }} as cert_no,
    {{ mask_card_no("'6225881234561234'") }} as card_no,
    {{ address_to_district("'广东省广州市天河区天河路385号'") }} as address
"""


@pytest.mark.slow
def test_dbt_run_with_plugin_keeps_secret_off_disk(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "models").mkdir(parents=True)
    (project / "macros").symlink_to(config.project_dir() / "macros" / "masking")
    (project / "dbt_project.yml").write_text(
        'name: bank_crm\nversion: "1.0"\nconfig-version: 2\nprofile: bank_crm\n'
        "models:\n  bank_crm:\n    +materialized: table\n"
    )
    (project / "profiles.yml").write_text(
        "bank_crm:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n"
        f"      path: {tmp_path / 'wh.duckdb'}\n      threads: 2\n"
        "      plugins:\n        - module: orchestration.publish.dbt_pseudonym_plugin\n"
    )
    (project / "models" / "pub_masking_check.sql").write_text(MODEL)
    env = {
        **os.environ,
        "CRM_PSEUDONYM_KEY": SECRET,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PYTHONPATH": str(config.project_dir()),
    }
    dbt = Path(sys.executable).with_name("dbt")
    proc = subprocess.run(
        [
            str(dbt),
            "run",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(project),
            "--log-level-file",
            "debug",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    row = con.execute("select * from main.pub_masking_check").fetchone()
    con.close()
    key = hashlib.sha256(f"{SECRET}|P000000001".encode()).hexdigest()[:20]
    assert row == (
        key.translate(str.maketrans("0123456789", "ghijklmnop")),
        "张*丰",
        "138****1234",
        "110101********1234",
        "622588******1234",
        "广东省广州市天河区",
    )
    written = [p for p in project.rglob("*") if p.is_file() and not p.is_symlink()]
    assert any(p.name == "dbt.log" for p in written)
    assert any("compiled" in p.parts for p in written)
    leaks = [str(p) for p in written if SECRET.encode() in p.read_bytes()]
    assert leaks == []
    assert SECRET not in proc.stdout + proc.stderr
