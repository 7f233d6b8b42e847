"""How the bench splits a night's one ``dbt build`` into its stages (bench/pipeline.py)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.bench import load_script

T0 = 1_700_000_000.0  # epoch seconds: the build's start


def _at(seconds: float) -> str:
    return dt.datetime.fromtimestamp(T0 + seconds, dt.UTC).isoformat().replace("+00:00", "Z")


def _write_build(target: Path, nodes: list[tuple[str, str, str, float, float, str]]) -> None:
    """``nodes``: (unique_id, resource_type, path or tested model, start s, end s, status)."""
    manifest, results = {"nodes": {}}, []
    for uid, kind, where, start, end, status in nodes:
        node = {"resource_type": kind, "original_file_path": "", "depends_on": {"nodes": []}}
        if kind == "test":
            node["depends_on"]["nodes"] = [where]
        else:
            node["original_file_path"] = where
        manifest["nodes"][uid] = node
        timing = [{"name": "execute", "started_at": _at(start), "completed_at": _at(end)}]
        results.append({"unique_id": uid, "status": status, "timing": timing})
    target.mkdir(parents=True, exist_ok=True)
    (target / "manifest.json").write_text(json.dumps(manifest))
    (target / "run_results.json").write_text(json.dumps({"results": results}))


def test_each_instant_goes_to_the_nodes_running_then(tmp_path: Path) -> None:
    bench = load_script("pipeline")
    _write_build(
        tmp_path,
        [
            # start-up and parse 0-5 s
            ("model.p.stg_a", "model", "models/staging/stg_a.sql", 5, 9, "success"),
            ("model.p.int_b", "model", "models/intermediate/identity/int_b.sql", 9, 15, "success"),
            # overlapping the identity model 11-13 s: a test of the staging model
            ("test.p.not_null_a", "test", "model.p.stg_a", 11, 13, "pass"),
            # gap 15-16 s, then a mart that fails 16-20 s; artifacts 20-22 s
            ("model.p.mart_c", "model", "models/marts/branch/mart_c.sql", 16, 20, "error"),
        ],
    )
    shares, failed = bench.split_by_stage(tmp_path, T0, T0 + 22)
    assert shares["staging"] == pytest.approx(5 + 4 + 1)  # start-up, its model, half of 11-13
    assert shares["identity"] == pytest.approx(2 + 1 + 2 + 1)  # 9-11, half 11-13, 13-15, gap
    assert shares["conformed"] == pytest.approx(0)
    assert shares["marts"] == pytest.approx(4 + 2)  # its model and the artifacts after it
    assert sum(shares.values()) == pytest.approx(22)
    assert failed == ["marts"]


def test_a_data_test_belongs_to_the_latest_stage_it_tests() -> None:
    bench = load_script("pipeline")
    manifest = {
        "nodes": {
            "seed.p.s": {"resource_type": "seed", "original_file_path": "seeds/s.csv"},
            "model.p.d": {
                "resource_type": "model",
                "original_file_path": "models/marts/core/dim_d.sql",
            },
            "model.p.f": {
                "resource_type": "model",
                "original_file_path": "models/marts/finance/fct_f.sql",
            },
            "test.p.rel": {
                "resource_type": "test",
                "original_file_path": "models/marts/core/_core__models.yml",  # not its stage
                "depends_on": {"nodes": ["model.p.d", "model.p.f"]},
            },
        }
    }
    stages = bench.stage_of_nodes(manifest)
    assert stages == {
        "seed.p.s": "staging",
        "model.p.d": "conformed",
        "model.p.f": "marts",
        "test.p.rel": "marts",
    }
