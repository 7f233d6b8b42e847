"""The benchmark's small mode runs end to end, so ``make bench`` cannot rot unnoticed.

Asserts the shape of the printed table (every stage row, numeric figures, the target rows),
never the figures against targets: speed is the benchmark's business, not a test's.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGES = ["simulate", "extract", "staging", "identity", "conformed", "marts", "gates", "publish"]
NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?$")


def _table(stdout: str) -> list[list[str]]:
    """The rows of the markdown table the benchmark prints (header and separator dropped)."""
    lines = [ln for ln in stdout.splitlines() if ln.startswith("| ")]
    assert lines, f"no table printed:\n{stdout[-3000:]}"
    assert "stage / comparison" in lines[0]
    return [[c.strip() for c in ln.strip("|").split("|")] for ln in lines[1:]]


@pytest.mark.slow
@pytest.mark.bench
def test_small_benchmark_prints_every_stage_with_figures(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CRM_DATA_DIR": str(tmp_path / "unused"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "false",
        "DAGSTER_DISABLE_TELEMETRY": "true",
    }
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "pipeline.py"), "--small"]
        + ["--data-root", str(tmp_path / "bench")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    rows = _table(proc.stdout)
    sizes = sorted({r[0] for r in rows if r[0] not in ("all",)})
    assert len(sizes) >= 2, sizes  # scaling needs two sizes
    for size in sizes:
        by_stage = {r[1]: r for r in rows if r[0] == size}
        for stage in STAGES:
            assert stage in by_stage, f"no {stage} row for {size}: {sorted(by_stage)}"
            wall, cpu, nrows, rate, peak = by_stage[stage][2:7]
            for value in (wall, cpu, nrows, rate, peak):
                assert NUMBER.match(value), f"{stage} @ {size}: {by_stage[stage]}"
            assert float(wall.replace(",", "")) > 0
            assert int(nrows.replace(",", "")) > 0, f"{stage} @ {size} processed no rows"
        # the extractor is set beside DuckDB's bare read of the same bytes
        assert "DuckDB read_csv" in by_stage["extract"][8]
        verdicts = {r[1].split(" (")[0]: r[10] for r in rows if r[0] == size}
        assert verdicts["daily run day 2"] in ("PASS", "FAIL")
        assert verdicts["peak memory"] in ("PASS", "FAIL")
    scaling = [r for r in rows if r[1].startswith("scaling exponent")]
    assert scaling and all(r[10] in ("PASS", "FAIL") for r in scaling), scaling
    assert all(re.search(r"persons\^-?\d+\.\d\d", r[8]) for r in scaling)
    # Splink and Spark are off in small mode unless asked for, and say so rather than vanish
    assert any(r[1] == "identity vs Splink" and "skipped" in r[8] for r in rows)
    assert any(r[1].startswith("dbt build") and "skipped" in r[8] for r in rows)
