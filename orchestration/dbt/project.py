"""The dbt project as Dagster sees it, and the pure functions that build dbt's arguments."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crmwh import config

PROJECT_DIR = config.project_dir()
TARGET_DIR = PROJECT_DIR / "target"
MANIFEST = TARGET_DIR / "manifest.json"


def dbt_executable() -> str:
    """The dbt installed beside this Python (the venv need not be activated)."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_env() -> dict[str, str]:
    """Environment for every dbt subprocess: no telemetry, the repo's profiles.yml."""
    env = dict(os.environ)
    env.setdefault("DBT_PROFILES_DIR", str(PROJECT_DIR))
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env.setdefault("CRM_DATA_DIR", str(config.data_dir()))
    return env


def _sources_newer_than(path: Path) -> bool:
    mtime = path.stat().st_mtime
    roots = [PROJECT_DIR / d for d in ("models", "macros", "snapshots", "seeds")]
    files = [PROJECT_DIR / "dbt_project.yml"]
    for root in roots:
        if root.is_dir():
            files.extend(p for p in root.rglob("*") if p.suffix in {".sql", ".yml", ".csv"})
    return any(f.stat().st_mtime > mtime for f in files)


def ensure_manifest() -> Path:
    """Parse the project when the manifest is missing or older than any model, macro or yml.

    Definitions are built from the manifest, so a stale one would show Dagster an asset graph
    that is not the project's. Processes that load the definitions at once (Dagster's step
    processes, parallel test workers) take turns under a lock: dbt writes the manifest in place,
    so one process could otherwise read another's half-written file.
    """
    TARGET_DIR.mkdir(parents=True, exist_ok=True)
    with (TARGET_DIR / ".parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not MANIFEST.exists() or _sources_newer_than(MANIFEST):
            config.warehouse_dir().mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [dbt_executable(), "parse", "--quiet", "--project-dir", str(PROJECT_DIR)],
                check=True,
                env=dbt_env(),
                cwd=PROJECT_DIR,
            )
    return MANIFEST


def manifest_has_models(manifest: Path) -> bool:
    nodes = json.loads(manifest.read_text(encoding="utf-8")).get("nodes", {})
    return any(n.get("resource_type") == "model" for n in nodes.values())


BIZ_DATE_ENV = "CRM_BIZ_DATE"


def dbt_build_args(biz_date: dt.date, rebuild_from: dt.date | None = None) -> list[str]:
    """Arguments of the daily ``dbt build`` for one business date.

    The date itself travels in the environment (:func:`dbt_build_env`), not in ``--vars``: dbt
    re-parses the whole project whenever ``--vars`` change, which cost 20-30 s a day here. A
    re-delivery of an earlier date invalidates every incremental model from that date on, so
    the build becomes a full refresh (:data:`FULL_REFRESH_ARGS`), the last run of
    :func:`backfill_invocations` (the caller runs the others first); otherwise incremental
    models process ``biz_date`` only.
    Unit tests prove the SQL, not the day's data: they run in CI (make test), not every night.
    """
    args = ["build", "--exclude-resource-type", "unit_test"]
    if rebuild_from is not None and rebuild_from <= biz_date:
        args.extend(FULL_REFRESH_ARGS)
    return args


# A full refresh builds every model over every date in one statement: one model at a time, so
# each gets the warehouse's whole memory limit. Two at once split it and spill: at 1,000,000
# persons x 29 dates, alone against beside another, fct_transactions took 45 s against 212 s,
# int_customer_month_state 43 s against 182 s, fct_card_daily 28 s against 71 s
# (bench/README.md, 2026-11-29 22:13 UTC). A nightly build keeps the profile's threads.
FULL_REFRESH_ARGS = ("--full-refresh", "--threads", "1")
# A dbt build of models only: no data tests, no unit tests (a backfill's range runs, and the
# test fixtures' first builds).
NO_TESTS_ARGS = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")

BIZ_DATE_FROM_ENV = "CRM_BIZ_DATE_FROM"
# Models whose rows of a date depend only on their inputs of that date (the account and
# customer facts): they alone may build a range of dates in one incremental run.
DATE_RANGE_TAG = "date_range"
RANGE_DAYS_ENV = "CRM_BACKFILL_RANGE_DAYS"
# At 1,000,000 persons fct_customer_daily took 27.2 s for 5 dates, 64.7 s for 9 (both alone),
# 302.5 s for 29 in one --full-refresh; 9 dates ran out of the 6GB limit once inside a whole
# build (bench/README.md, 2026-11-30).
DEFAULT_RANGE_DAYS = 5


@dataclass(frozen=True)
class DbtInvocation:
    """One ``dbt`` run of a plan: its arguments and the dates it builds (its environment)."""

    args: tuple[str, ...]
    biz_date: dt.date
    biz_date_from: dt.date | None = None  # a range run: CRM_BIZ_DATE_FROM..CRM_BIZ_DATE

    def env(self) -> dict[str, str]:
        out = {BIZ_DATE_ENV: self.biz_date.isoformat()}
        if self.biz_date_from is not None:
            out[BIZ_DATE_FROM_ENV] = self.biz_date_from.isoformat()
        return out


def range_days() -> int:
    """Dates per range run of a backfill: ``CRM_BACKFILL_RANGE_DAYS`` (default 5)."""
    raw = os.environ.get(RANGE_DAYS_ENV, "")
    try:
        days = int(raw) if raw else DEFAULT_RANGE_DAYS
    except ValueError:
        raise ValueError(f"{RANGE_DAYS_ENV}={raw!r} is not a whole number of days") from None
    if days < 1:
        raise ValueError(f"{RANGE_DAYS_ENV}={raw!r}: a range needs at least one day")
    return days


def backfill_invocations(
    first: dt.date, last: dt.date, select: tuple[str, ...] = (), days: int | None = None
) -> list[DbtInvocation]:
    """A full rebuild of ``select`` (default: the project) through ``last``, as dbt runs.

    One ``--full-refresh`` over every date builds each model's whole history in one
    statement. The largest facts then outgrow the warehouse's memory limit and spill to disk,
    their time growing faster than the bank: at 1,000,000 persons x 29 dates,
    fct_customer_daily took 337 s alone against 39 s at 300,000. So the models tagged
    ``date_range`` are built ``days`` dates at a time: a ``--full-refresh`` of them through
    ``first + days - 1`` (and whatever lies before ``first``), then incremental runs of the
    next ``days`` dates each (``CRM_BIZ_DATE_FROM``). The last run is the rebuild itself:
    ``--full-refresh`` of everything selected, in which the tagged models build only the last
    range (the ``should_full_refresh`` macro) and every other model its whole history, reading
    the facts' finished history. The range runs build models only (no data or unit tests):
    the last run's data tests cover every date of every fact, and a failure there stops
    everything built on it, the publish included. Every model is materialised once in that
    run, as Dagster records it. All runs build one model at a time. Dates are calendar dates:
    a date without a batch builds no rows. The tables equal one ``--full-refresh`` through
    ``last`` (tests/facts).
    """
    days = range_days() if days is None else days
    if days < 1:
        raise ValueError("a range needs at least one day")
    if last < first:
        raise ValueError(f"backfill from {first} to {last}: the range is empty")
    ranged = [f"{s},tag:{DATE_RANGE_TAG}" for s in select] or [f"tag:{DATE_RANGE_TAG}"]
    # The range runs build the facts only: the last run's data tests read every date of each
    # fact, so testing each range as well read the growing history again (4-6 s a range run
    # at 1,000,000 persons) for no check the last run does not make.
    head = ("build", "--select", *ranged, *NO_TESTS_ARGS)
    rebuild = ("build", *(("--select", *select) if select else ()), *FULL_REFRESH_ARGS)
    end = first + dt.timedelta(days=days - 1)
    if end >= last:  # one range: a plain full refresh
        return [DbtInvocation(rebuild, last)]
    plan = [DbtInvocation((*head, *FULL_REFRESH_ARGS), end)]
    while end + dt.timedelta(days=days) < last:
        start, end = end + dt.timedelta(days=1), end + dt.timedelta(days=days)
        plan.append(DbtInvocation((*head, "--threads", "1"), end, start))
    plan.append(DbtInvocation(rebuild, last, end + dt.timedelta(days=1)))
    return plan


SPARK_SUBMIT_ENV = "PYSPARK_SUBMIT_ARGS"
# No console progress bar from dbt-spark's JVM: Dagster reads dbt's stdout and stderr as one
# stream of JSON event lines, and the bar (written with carriage returns, no newline) glued
# itself to the next event, which Dagster then could not parse: a model built by dbt showed as
# not materialised and every step downstream of it (the gates, publishing) was skipped.
SPARK_SUBMIT_ARGS = "--conf spark.ui.showConsoleProgress=false pyspark-shell"


@contextlib.contextmanager
def dbt_build_env(biz_date: dt.date, biz_date_from: dt.date | None = None) -> Iterator[None]:
    """Set ``CRM_BIZ_DATE`` for the dbt subprocess (read by the ``current_biz_date`` macro),
    ``CRM_BIZ_DATE_FROM`` for a backfill's range run and unset it for any other, and on Spark
    the JVM's submit arguments (:data:`SPARK_SUBMIT_ARGS`) unless already set."""
    from orchestration.warehouse import engine

    changes: dict[str, str | None] = {
        BIZ_DATE_ENV: biz_date.isoformat(),
        BIZ_DATE_FROM_ENV: biz_date_from.isoformat() if biz_date_from else None,
    }
    if engine() == "spark" and SPARK_SUBMIT_ENV not in os.environ:
        changes[SPARK_SUBMIT_ENV] = SPARK_SUBMIT_ARGS
    before = {name: os.environ.get(name) for name in changes}
    for name, value in changes.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


PARTIAL_PARSE_FILE = "partial_parse.msgpack"
# Target directories of the pipeline's dbt runs kept under the data directory (compiled SQL,
# run_results.json, dbt.log: about 25 MB each); older ones are deleted.
RUN_TARGETS_KEPT = 20


def run_target_root() -> Path:
    """Where the pipeline's dbt runs write their targets: under the data directory, beside the
    warehouse they build, not in the repository."""
    return config.warehouse_dir() / "dbt-target"


@contextlib.contextmanager
def run_target(name: str) -> Iterator[Path]:
    """A new target directory for one dbt run, seeded with the data directory's saved
    ``partial_parse.msgpack`` and saving the run's afterwards.

    Why: dbt re-parses the whole project (7-10 s here) when the parse state it finds was made
    with another profile, and the DuckDB path, which is in the profile, differs per data
    directory. dagster-dbt seeds each run from the repository's ``target/``, whatever data
    directory parsed there last; this keeps one state per data directory, so only its first
    run parses in full. The state is dbt's own: it re-parses whatever files changed.
    """
    root = run_target_root()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = root / f"{stamp}-{name}"
    path.mkdir(parents=True)
    saved = root / PARTIAL_PARSE_FILE
    if saved.is_file():
        shutil.copyfile(saved, path / PARTIAL_PARSE_FILE)
    try:
        yield path
    finally:
        state = path / PARTIAL_PARSE_FILE
        if state.is_file():
            tmp = root / f".{PARTIAL_PARSE_FILE}.{stamp}"
            shutil.copyfile(state, tmp)
            os.replace(tmp, saved)  # a reader sees the old state or the new one, never half
        prune_run_targets(root, RUN_TARGETS_KEPT)


def prune_run_targets(root: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` run target directories (names sort by time)."""
    runs = sorted(p for p in root.iterdir() if p.is_dir() and p.name[:1].isdigit())
    old = runs[:-keep] if keep > 0 else runs
    for p in old:
        shutil.rmtree(p, ignore_errors=True)
    return old


def pending_rebuild_from(lake: Path) -> dt.date | None:
    """Earliest date a re-delivery asked to rebuild from, or None."""
    reqs = list((lake / "control" / "rebuild_requests").glob("*.json"))
    dates = [dt.date.fromisoformat(json.loads(p.read_text())["from_date"]) for p in reqs]
    return min(dates) if dates else None


def clear_rebuild_requests(lake: Path, upto: dt.date) -> int:
    """Remove the requests a successful full rebuild through ``upto`` has honoured."""
    n = 0
    for p in (lake / "control" / "rebuild_requests").glob("*.json"):
        if dt.date.fromisoformat(json.loads(p.read_text())["from_date"]) <= upto:
            p.unlink()
            n += 1
    return n
