"""The daily dbt invocation: one business date, unit tests left to CI, full refresh on re-delivery."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from orchestration.dbt.project import (
    BIZ_DATE_ENV,
    BIZ_DATE_FROM_ENV,
    DATE_RANGE_TAG,
    FULL_REFRESH_ARGS,
    RANGE_DAYS_ENV,
    backfill_invocations,
    clear_rebuild_requests,
    dbt_build_args,
    dbt_build_env,
    pending_rebuild_from,
    prune_run_targets,
    run_target,
    run_target_root,
)

T = dt.date(2026, 11, 3)


def test_daily_build_skips_unit_tests_and_gets_the_date_from_the_environment(
    monkeypatch,
) -> None:
    args = dbt_build_args(T)
    assert args[0] == "build"
    assert "--vars" not in args  # a new --vars each day would make dbt re-parse everything
    assert args[args.index("--exclude-resource-type") + 1] == "unit_test"
    assert "--full-refresh" not in args
    monkeypatch.setenv("CRM_BIZ_DATE", "1999-01-01")
    monkeypatch.setenv(BIZ_DATE_FROM_ENV, "1999-01-01")  # left over: must not reach a nightly run
    with dbt_build_env(T):
        assert os.environ["CRM_BIZ_DATE"] == "2026-11-03"
        assert BIZ_DATE_FROM_ENV not in os.environ
    assert os.environ["CRM_BIZ_DATE"] == "1999-01-01"
    assert os.environ[BIZ_DATE_FROM_ENV] == "1999-01-01"
    with dbt_build_env(T, dt.date(2026, 11, 2)):  # a backfill's range run
        assert os.environ[BIZ_DATE_FROM_ENV] == "2026-11-02"


def test_redelivery_of_an_earlier_date_forces_a_full_refresh() -> None:
    assert "--full-refresh" in dbt_build_args(T, rebuild_from=dt.date(2026, 11, 1))
    assert "--full-refresh" in dbt_build_args(T, rebuild_from=T)
    # one model at a time: each gets the whole memory limit (two at once spill at scale)
    args = dbt_build_args(T, rebuild_from=T)
    assert args[args.index("--threads") + 1] == "1"
    assert "--threads" not in dbt_build_args(T)
    # a request for a later date than the one being built waits for that date
    assert "--full-refresh" not in dbt_build_args(T, rebuild_from=dt.date(2026, 11, 5))


def test_rebuild_requests_are_read_and_cleared_up_to_the_built_date(tmp_path: Path) -> None:
    req = tmp_path / "control" / "rebuild_requests"
    req.mkdir(parents=True)
    for day, system in (("2026-11-02", "core"), ("2026-11-05", "card")):
        (req / f"{day}_{system}.json").write_text(json.dumps({"from_date": day}))
    assert pending_rebuild_from(tmp_path) == dt.date(2026, 11, 2)
    assert clear_rebuild_requests(tmp_path, T) == 1
    assert pending_rebuild_from(tmp_path) == dt.date(2026, 11, 5)


def test_dbt_on_spark_gets_no_console_progress_bar(monkeypatch) -> None:
    """dbt's stderr reaches Dagster mixed into its JSON event stream: the JVM must not draw."""
    from orchestration.dbt.project import SPARK_SUBMIT_ENV

    monkeypatch.delenv(SPARK_SUBMIT_ENV, raising=False)
    monkeypatch.setenv("CRM_ENGINE", "duckdb")
    with dbt_build_env(T):
        assert SPARK_SUBMIT_ENV not in os.environ
    monkeypatch.setenv("CRM_ENGINE", "spark")
    with dbt_build_env(T):
        args = os.environ[SPARK_SUBMIT_ENV]
        assert "spark.ui.showConsoleProgress=false" in args and args.endswith("pyspark-shell")
    assert SPARK_SUBMIT_ENV not in os.environ
    monkeypatch.setenv(SPARK_SUBMIT_ENV, "--master local[2] pyspark-shell")  # an operator's own
    with dbt_build_env(T):
        assert os.environ[SPARK_SUBMIT_ENV] == "--master local[2] pyspark-shell"


def test_a_backfill_builds_the_date_range_facts_a_few_dates_at_a_time() -> None:
    first, last = dt.date(2026, 11, 1), dt.date(2026, 11, 29)
    plan = backfill_invocations(first, last, ("path:models/marts",), days=10)
    # the facts: history through the 10th at once, 11-20 as a range run; then the rebuild of
    # everything, in which the facts build 21-29 and every other model its whole history
    assert [(r.biz_date_from, r.biz_date) for r in plan] == [
        (None, dt.date(2026, 11, 10)),
        (dt.date(2026, 11, 11), dt.date(2026, 11, 20)),
        (dt.date(2026, 11, 21), last),
    ]
    # the range runs build the facts only; the last run tests every date of them
    ranged = ("build", "--select", f"path:models/marts,tag:{DATE_RANGE_TAG}")
    assert plan[0].args[:3] == ranged and plan[1].args[:3] == ranged
    for run in plan[:2]:
        args = run.args
        excluded = {args[i + 1] for i, a in enumerate(args) if a == "--exclude-resource-type"}
        assert excluded == {"test", "unit_test"}
    assert "--full-refresh" in plan[0].args and "--full-refresh" not in plan[1].args
    assert plan[2].args[:3] == ("build", "--select", "path:models/marts")
    assert "--full-refresh" in plan[2].args
    for run in plan:  # one model at a time: each gets the whole memory limit
        assert run.args[run.args.index("--threads") + 1] == "1"
    assert plan[0].env() == {BIZ_DATE_ENV: "2026-11-10"}
    assert plan[1].env() == {BIZ_DATE_ENV: "2026-11-20", BIZ_DATE_FROM_ENV: "2026-11-11"}
    assert plan[2].env() == {BIZ_DATE_ENV: "2026-11-29", BIZ_DATE_FROM_ENV: "2026-11-21"}


def test_a_backfill_within_one_range_is_one_full_refresh(monkeypatch) -> None:
    monkeypatch.setenv(RANGE_DAYS_ENV, "3")
    plan = backfill_invocations(dt.date(2026, 11, 1), dt.date(2026, 11, 3))
    assert len(plan) == 1 and plan[0].biz_date_from is None
    assert plan[0].args == ("build", *FULL_REFRESH_ARGS)
    one_day = backfill_invocations(dt.date(2026, 11, 1), dt.date(2026, 11, 4), days=1)
    assert [(r.biz_date_from, r.biz_date.day) for r in one_day] == [
        (None, 1),
        (dt.date(2026, 11, 2), 2),
        (dt.date(2026, 11, 3), 3),
        (dt.date(2026, 11, 4), 4),
    ]


def test_a_backfill_refuses_an_empty_range_or_a_bad_range_size(monkeypatch) -> None:
    with pytest.raises(ValueError, match="empty"):
        backfill_invocations(dt.date(2026, 11, 2), dt.date(2026, 11, 1))
    for bad in ("0", "ten"):
        monkeypatch.setenv(RANGE_DAYS_ENV, bad)
        with pytest.raises(ValueError, match=RANGE_DAYS_ENV):
            backfill_invocations(dt.date(2026, 11, 1), dt.date(2026, 11, 3))


def test_each_run_target_starts_from_the_data_directorys_last_parse_state(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    root = run_target_root()
    assert root == tmp_path / "data" / "warehouse" / "dbt-target"
    with run_target("first") as first:
        assert not (first / "partial_parse.msgpack").exists()  # no state yet: dbt parses
        (first / "partial_parse.msgpack").write_bytes(b"state 1")
    with run_target("second") as second:
        assert second != first and second.parent == root
        assert (second / "partial_parse.msgpack").read_bytes() == b"state 1"
        (second / "partial_parse.msgpack").write_bytes(b"state 2")
    assert (root / "partial_parse.msgpack").read_bytes() == b"state 2"
    with pytest.raises(RuntimeError), run_target("failed") as failed:  # a failed run's state
        (failed / "partial_parse.msgpack").write_bytes(b"state 3")  # is dbt's too: kept
        raise RuntimeError("dbt failed")
    assert (root / "partial_parse.msgpack").read_bytes() == b"state 3"


def test_only_the_newest_run_targets_are_kept(tmp_path: Path) -> None:
    names = [f"20261130T0{h}0000000000Z-run" for h in range(10)]
    for name in reversed(names):
        (tmp_path / name).mkdir()
    (tmp_path / "partial_parse.msgpack").write_bytes(b"state")
    removed = prune_run_targets(tmp_path, keep=3)
    assert [p.name for p in removed] == names[:7]
    assert sorted(p.name for p in tmp_path.iterdir()) == [*names[7:], "partial_parse.msgpack"]
