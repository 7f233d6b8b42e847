"""The whole pipeline, stage by stage, against its peers and its targets: one table, one run.

    .venv/bin/python bench/pipeline.py                      # 100,000 / 1,000,000 / 3,000,000 persons
    .venv/bin/python bench/pipeline.py --small              # 1,000 and 2,000 persons, 2 days, side by side
    .venv/bin/python bench/pipeline.py --persons 100000 --days 3 --skip-spark
    .venv/bin/python bench/pipeline.py --small --splink --spark --data-root /tmp/me-bench

For every size (persons; enterprises = persons / 10) into DATA_ROOT/p<persons>:

- simulate: ``crmwh generate`` in a child process;
- extract: every delivered batch of every date (``extract_batch``) in one child process, and in
  the parent DuckDB's bare ``read_csv`` of the first date's bytes already in UTF-8
  (bench/extract.py's yardstick; the conversion is not timed);
- then, per business date in order, what the orchestrator runs for that date, in one worker
  process (``--day-worker``): raw gates, the dbt stages ``staging`` (seeds + models/staging),
  ``identity`` (models/intermediate/identity), ``conformed`` (models/intermediate/{org,finance,
  consent} + models/marts/core) and ``marts`` (models/marts/{finance,branch}, models/serving,
  models/semantic), in one ``dbt build --select ... --indirect-selection cautious
  --exclude-resource-type unit_test`` subprocess, as Dagster's warehouse asset runs dbt, its wall
  and CPU split by stage from its run_results.json (:func:`split_by_stage`), the date in env
  ``CRM_BIZ_DATE`` as the orchestrator passes it (not ``--vars``, which would make dbt re-parse
  every day; it parses partially from the previous date's target and pays for it), then the
  warehouse gates and publish in the worker itself. A backfill's date runs the stages one after
  the other, each a full refresh of its own.

Simulate, extract and the dbt stages are child processes: wall, CPU seconds (user + system)
and peak RSS (``ru_maxrss`` from ``os.wait4``) are read when they end. The gates and publish run
in the worker, as in the Dagster process: wall is ``perf_counter``, CPU ``process_time`` (all
threads, DuckDB's too) and peak RSS the process's VmHWM, reset before the step
(``/proc/self/clear_refs``), so each step's peak is its own. ``rows`` is what the stage
processed: records generated, records extracted, the source records of the dates built (dbt
stages), rows the gates validated, rows published.
``daily run`` = one date's extraction + every step of its worker + the worker's start-up.
After the last size: identity resolution against Splink on the smallest bank (bench/identity.py's
Splink model and pairwise scoring, a child process) and the dbt build of the smallest bank on
DuckDB against Spark (``CRM_ENGINE=spark``, the profiles.yml ``spark`` target, both
``--full-refresh`` at the last date, child processes), each skipped with a note when not asked
for or not possible.

Wall times follow whatever else runs on the machine; the load average is printed beside each
step and CPU seconds are the fairer figure on a shared machine.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import json
import math
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))

from crmwh import config  # noqa: E402
from crmwh.config import SYSTEMS, TABLES  # noqa: E402
from orchestration.batch_status import landing_dates  # noqa: E402
from orchestration.dbt.project import (  # noqa: E402
    FULL_REFRESH_ARGS,
    DbtInvocation,
    backfill_invocations,
    range_days,
)

START = dt.date(2026, 11, 1)
STAGES = ["simulate", "extract", "staging", "identity", "conformed", "marts", "gates", "publish"]
DBT_STAGES: dict[str, list[str]] = {
    "staging": ["resource_type:seed", "path:models/staging"],
    "identity": ["path:models/intermediate/identity"],
    "conformed": [
        "path:models/intermediate/org",
        "path:models/intermediate/finance",
        "path:models/intermediate/consent",
        "path:models/marts/core",
    ],
    "marts": [
        "path:models/marts/finance",
        "path:models/marts/branch",
        "path:models/serving",
        "path:models/semantic",
    ],
}
GIB = 1024.0  # MiB
TARGETS = {
    "pipeline": 15 * 60.0,  # s, 1,000,000 persons + 100,000 enterprises x 30 days, after generation
    "daily": 60.0,  # s, one business date
    "memory": 8 * GIB,  # MiB
    "exponent": 1.1,
}

# Child: extract every ready batch, one JSON line per batch (seconds, rows, bytes).
EXTRACT_CHILD = """
import datetime as dt, json, sys, time
from pathlib import Path
import pyarrow as pa, pyarrow.compute as pc
from orchestration.extract import extract_batch, list_batches
pc.equal(pa.array(["a"]).take(pa.array([0])), "a")  # warm Arrow's kernels once
landing, lake = Path(sys.argv[1]), Path(sys.argv[2])
batches = sorted((d, s) for s in sys.argv[3:] for d, ready in list_batches(landing, s) if ready)
out = []
for day, system in batches:
    t0 = time.perf_counter()
    r = extract_batch(system, day, landing, lake)
    out.append({"system": system, "date": day.isoformat(), "seconds": time.perf_counter() - t0,
                "rows": sum(t.declared_rows for t in r.tables), "bytes": r.bytes_read})
print(json.dumps(out))
"""

# Child: identity resolution against Splink on the warehouse's records (bench/identity.py).
SPLINK_CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
import duckdb
import identity as ib
from simulator.evaluation import pairwise_score
data_dir = Path(sys.argv[1])
con = duckdb.connect()
con.execute(f"attach '{data_dir / 'warehouse' / 'crm.duckdb'}' as wh (read_only)")
con.execute("create temp table records as "
            "select * from wh.intermediate.int_customer_records_anchored")
ours = con.sql("select source_system, source_customer_no, customer_key "
               "from wh.intermediate.customer_xref").to_arrow_table()
ib._truth(con, data_dir)
truth = con.sql("select * from truth").to_arrow_table()
splink, seconds = ib._splink(con)
out = {"records": con.execute("select count(*) from records").fetchall()[0][0],
       "splink_seconds": seconds}
for name, pred in (("ours", ours), ("splink", splink)):
    for kind in "PE":
        s = pairwise_score(pred, truth,
                           where=f"t.entity_kind = '{kind}' and {ib.SCOPES['delivered']}")
        out[f"{name}:{kind}"] = [s.precision, s.recall, s.f1]
print(json.dumps(out))
"""


@dataclass
class Child:
    """What one finished child process cost."""

    wall: float
    cpu: float
    rss_mib: float
    out: str
    ok: bool
    load: float


@dataclass
class Figure:
    """One stage's totals for one bank: sums over its children, the highest peak."""

    wall: float = 0.0
    cpu: float = 0.0
    rows: int = 0
    rss_mib: float = 0.0
    loads: list[float] = field(default_factory=list)
    failed: bool = False  # a step reported errors: its figures are not the stage's cost

    def add(self, child: Child, rows: int) -> None:
        self.failed = self.failed or not child.ok
        self.wall += child.wall
        self.cpu += child.cpu
        self.rows += rows
        self.rss_mib = max(self.rss_mib, child.rss_mib)
        self.loads.append(child.load)

    @property
    def load(self) -> float:
        return sum(self.loads) / len(self.loads) if self.loads else float("nan")


@dataclass
class Row:
    """One row of the printed table."""

    size: str
    item: str
    wall: float | None = None
    cpu: float | None = None
    rows: int | None = None
    rss_mib: float | None = None
    load: float | None = None
    compare: str = ""
    target: str = ""
    verdict: str = ""

    def cells(self) -> list[str]:
        def num(v: float | None, fmt: str) -> str:
            return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else fmt.format(v)

        rate = self.rows / self.wall if self.rows is not None and self.wall else None
        return [
            self.size,
            self.item,
            num(self.wall, "{:,.1f}"),
            num(self.cpu, "{:,.1f}"),
            num(self.rows, "{:,}"),
            num(rate, "{:,.0f}"),
            num(self.rss_mib, "{:,.0f}"),
            num(self.load, "{:.1f}"),
            self.compare,
            self.target,
            self.verdict,
        ]


HEADER = [
    "persons",
    "stage / comparison",
    "wall s",
    "CPU s",
    "rows",
    "rows/s",
    "peak MiB",
    "load",
    "compared with",
    "target",
    "PASS/FAIL",
]


def load_bench(name: str) -> ModuleType:
    """Import a sibling benchmark script (bench/ is not a package) to reuse its functions."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def env_for(
    data_dir: Path, engine: str = "duckdb", biz_date: dt.date | None = None
) -> dict[str, str]:
    """A child's environment; ``biz_date`` goes in CRM_BIZ_DATE, as the orchestrator passes it."""
    extra = {"CRM_BIZ_DATE": biz_date.isoformat()} if biz_date else {}
    return {
        **os.environ,
        **extra,
        "CRM_DATA_DIR": str(data_dir),
        "CRM_ENGINE": engine,
        "PYTHONPATH": str(ROOT),
        "DBT_PROFILES_DIR": str(ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "false",
        "DAGSTER_DISABLE_TELEMETRY": "true",
    }


def run_child(
    cmd: list[str],
    env: dict[str, str],
    label: str,
    timeout: float | None = None,
    jvm: dict | None = None,
) -> Child:
    """:func:`measure_child`, announced and its figures printed."""
    print(f"  {label} ...", end="", flush=True)
    child = measure_child(cmd, env, timeout, jvm)
    print(f" {child.wall:.1f} s wall, {child.cpu:.1f} s CPU, {child.rss_mib:.0f} MiB", flush=True)
    return child


def measure_child(
    cmd: list[str], env: dict[str, str], timeout: float | None = None, jvm: dict | None = None
) -> Child:
    """Run ``cmd``; wall, CPU (user + system) and peak RSS from ``os.wait4``; output kept.
    ``jvm``: see :func:`wait_child`; the JVMs' CPU and RSS are added to the child's."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile() as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        cpu, rss = wait_child(proc, timeout, jvm)
        if jvm is not None:  # the JVM runs beside its parent: their memory adds up
            cpu, rss = cpu + jvm["cpu"], rss + jvm["rss_mib"]
        wall = time.perf_counter() - t0
        log.seek(0)
        out = log.read().decode("utf-8", "replace")
    return Child(wall, cpu, rss, out, proc.returncode == 0, load)


def must(child: Child, label: str) -> Child:
    if not child.ok:
        sys.stdout.write(child.out[-6000:])
        sys.exit(f"{label} failed; output above")
    return child


def dbt_cmd(args: list[str], work: Path, target: str = "duckdb") -> list[str]:
    return [
        str(Path(sys.executable).parent / "dbt"),
        *args,
        "--target",
        target,
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--exclude-resource-type",
        "unit_test",
    ]


def selection(stage: str) -> list[str]:
    """The stage's selectors whose folder exists (a missing one would only warn)."""
    out = []
    for sel in DBT_STAGES[stage]:
        if not sel.startswith("path:") or (ROOT / sel.removeprefix("path:")).exists():
            out.append(sel)
    return out


def landing_rows(landing: Path) -> int:
    """Records the simulator delivered: the ROWS of every flag file."""
    from orchestration.extract import read_flag_file

    return sum(
        entry.rows for flag in landing.glob("*/*/*.ok") for entry in read_flag_file(flag).files
    )


@dataclass
class SizeResult:
    persons: int
    figures: dict[str, Figure]
    daily: dict[dt.date, float]
    daily_cpu: dict[dt.date, float]
    duck_read: float
    extract_day1: float
    data_dir: Path
    backfill: bool = False


GENERATED = "generate.json"  # the simulate figures, kept beside a bank for --reuse-bank


def reusable_bank(data_dir: Path, persons: int, days: int, seed: int) -> Child | None:
    """The simulate figures of a bank already generated with these parameters, else None.

    A 1,000,000-person, 30-day bank takes minutes to generate and the targets are measured
    after generation, so --reuse-bank keeps the landing batches and truth of an earlier run
    (its own figures, written to generate.json when it was generated) and rebuilds the rest."""
    manifest, figures = data_dir / "truth" / "manifest.json", data_dir / GENERATED
    if not (manifest.is_file() and figures.is_file()):
        return None
    params = json.loads(manifest.read_text())
    wanted = {"persons": persons, "enterprises": persons // 10, "days": days, "seed": seed}
    wanted["start"] = START.isoformat()
    if any(params.get(k) != v for k, v in wanted.items()):
        return None
    f = json.loads(figures.read_text())
    return Child(f["wall"], f["cpu"], f["rss_mib"], "", True, f["load"])


def bench_size(
    persons: int,
    days: int,
    seed: int,
    data_root: Path,
    reuse: bool = False,
    backfill: bool = False,
    keep_before_last: bool = False,
) -> SizeResult:
    data_dir = data_root / f"p{persons}"
    env = env_for(data_dir)
    work = data_dir / "bench-dbt"
    figs = {s: Figure() for s in STAGES}
    print(f"\n== {persons:,} persons, {persons // 10:,} enterprises, {days} days in {data_dir}")

    child = reusable_bank(data_dir, persons, days, seed) if reuse else None
    if child is not None:
        print(f"  reusing the bank generated earlier ({GENERATED}: {child.wall:.1f} s wall)")
        for path in data_dir.iterdir():  # everything but what the simulator wrote
            if path.name not in ("landing", "truth", GENERATED):
                shutil.rmtree(path) if path.is_dir() else path.unlink()
    else:
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        gen = [sys.executable, "-m", "crmwh.cli", "generate", "--persons", str(persons)]
        gen += ["--enterprises", str(persons // 10), "--days", str(days), "--seed", str(seed)]
        gen += ["--start", START.isoformat()]
        child = must(run_child(gen, env, "simulate"), "simulate")
        keep = {"wall": child.wall, "cpu": child.cpu, "rss_mib": child.rss_mib, "load": child.load}
        (data_dir / GENERATED).write_text(json.dumps(keep))
    (data_dir / "warehouse").mkdir(parents=True, exist_ok=True)
    figs["simulate"].add(child, landing_rows(data_dir / "landing"))

    cmd = [sys.executable, "-c", EXTRACT_CHILD, str(data_dir / "landing"), str(data_dir / "lake")]
    child = must(run_child(cmd + list(SYSTEMS), env, "extract every batch"), "extract")
    batches = json.loads(child.out.strip().splitlines()[-1])
    figs["extract"].add(child, sum(b["rows"] for b in batches))
    per_date: dict[dt.date, dict[str, float]] = {}
    for b in batches:
        d = per_date.setdefault(dt.date.fromisoformat(b["date"]), {"seconds": 0.0, "rows": 0})
        d["seconds"] += b["seconds"]
        d["rows"] += b["rows"]
    dates = sorted(per_date)

    # DuckDB's bare read of the first date's bytes (bench/extract.py's yardstick).
    extract_bench = load_bench("extract")
    duck = 0.0
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-csv-") as tmp:
        for system in SYSTEMS:
            batch_dir = data_dir / "landing" / system / f"{dates[0]:%Y%m%d}"
            if batch_dir.is_dir():
                duck += extract_bench._duckdb_read(batch_dir, Path(tmp))[0]
    print(f"  DuckDB read_csv of {dates[0]}'s bytes: {duck:.2f} s", flush=True)

    raw_suites = [f"raw_{t}" for s in SYSTEMS for t in TABLES[s]]
    daily: dict[dt.date, float] = {}
    daily_cpu: dict[dt.date, float] = {}
    # Every date in order, as the nightly runs go; or, with backfill, the load of history a
    # bank does once (day 1 and day 2 as nightly runs, for day 2's figure; then every date up
    # to the day before the last at once, dbt --full-refresh), and the last date as the nightly
    # run that follows such a load: it finds the previous night's state tables and published
    # version, as every night does. (Re-running the backfill's own last date instead would
    # find no previous night and re-read the month.) The stage figures are the backfill plus
    # that last night: the 30 days through the whole pipeline.
    # (date, dbt --full-refresh, counts in the stage figures)
    runs = [(d, False, True) for d in dates]
    if backfill and len(dates) > 3:
        runs = [
            (dates[0], False, False),
            (dates[1], False, False),
            (dates[-2], True, True),
            (dates[-1], False, True),
        ]
    for day, full, counted in runs:
        if keep_before_last and day == dates[-1]:
            keep_state(data_dir, day)
        cmd = [sys.executable, str(Path(__file__).resolve()), "--day-worker", day.isoformat()]
        cmd += [str(work), *raw_suites]
        label = f"{'backfill to' if full else 'daily run'} {day}"
        child = must(run_child(cmd, {**env, FULL_REFRESH: "1" if full else "0"}, label), label)
        print(f"  {label}: {child.wall:.1f} s wall, {child.cpu:.1f} s CPU", flush=True)
        steps = worker_result(child.out)
        spent = per_date[day]["seconds"]  # T's extraction: part of a nightly run's time
        for name, step in steps.items():
            stage = "gates" if name.startswith("gates") else name
            rows = step["rows"]
            if stage in DBT_STAGES:
                rows = int(per_date[day]["rows"])
                if full:  # every date up to this one
                    rows = int(sum(d["rows"] for k, d in per_date.items() if k <= day))
            part = Child(step["wall"], step["cpu"], step["rss_mib"], "", step["ok"], child.load)
            if counted:
                figs[stage].add(part, rows)
            spent += step["wall"]
            flag = "" if step["ok"] else "  WARNING: reported errors (timed anyway)"
            print(
                f"    {name:<14} {step['wall']:7.1f} s wall {step['cpu']:7.1f} s CPU "
                f"{step['rss_mib']:6.0f} MiB{flag}",
                flush=True,
            )
            if not step["ok"] and step.get("error"):
                print(tail(step["error"], 1500))
        # the worker's start-up (interpreter, imports) belongs to no stage but to the day
        if not full:
            daily_cpu[day] = child.cpu
            daily[day] = spent + max(child.wall - sum(s["wall"] for s in steps.values()), 0.0)
    day1 = sum(b["seconds"] for b in batches if b["date"] == dates[0].isoformat())
    return SizeResult(persons, figs, daily, daily_cpu, duck, day1, data_dir, backfill)


def keep_state(data_dir: Path, day: dt.date) -> Path:
    """Copy what a night's run reads and writes (everything but the bank's landing, truth and
    the lake, which the run only reads) as it is before ``day``'s run, beside the data directory,
    so that night can be replayed step by step on the same state (not timed)."""
    kept = data_dir.with_name(f"{data_dir.name}.before-{day:%Y%m%d}")
    shutil.rmtree(kept, ignore_errors=True)
    kept.mkdir()
    t0 = time.perf_counter()
    for path in data_dir.iterdir():
        if path.name not in ("landing", "truth", "lake", GENERATED):
            if path.is_dir():
                shutil.copytree(path, kept / path.name, symlinks=True)
            else:
                shutil.copy2(path, kept / path.name, follow_symlinks=False)
    print(f"  kept the state before {day} in {kept} ({time.perf_counter() - t0:.1f} s)", flush=True)
    return kept


def tail(text: str, n: int) -> str:
    return "\n".join("    " + line for line in text[-n:].splitlines())


MARK = "BENCH-STEPS "
FULL_REFRESH = "BENCH_FULL_REFRESH"  # env of a day worker: dbt build --full-refresh


def worker_result(out: str) -> dict[str, dict]:
    lines = [ln for ln in out.splitlines() if ln.startswith(MARK)]
    if not lines:
        sys.exit(f"the daily-run worker printed no figures:\n{tail(out, 4000)}")
    return json.loads(lines[-1].removeprefix(MARK))


def _reset_peak() -> None:
    """Reset the process's peak RSS (VmHWM) so that each step's peak is its own (Linux)."""
    # without it each step reports the peak so far, an upper bound
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def wait_child(
    proc: subprocess.Popen, timeout: float | None = None, jvm: dict | None = None
) -> tuple[float, float]:
    """Wait for ``proc`` (killing it after ``timeout`` s); its CPU seconds (user + system, with
    the descendants it waited for) and peak RSS in MiB, from ``os.wait4``.

    ``jvm``: filled with the CPU seconds of the JVMs among ``proc``'s descendants, sampled from
    /proc while it runs, and their highest total RSS (``rss_mib``). dbt-spark's session mode
    starts Spark's JVM from the dbt process and never waits for it, so ``wait4`` misses it."""
    t0 = time.perf_counter()
    seen: dict[tuple[int, int], float] = {}
    jvm_rss = 0.0
    tick = 0.0
    while True:  # poll so that a timeout can end the child and still read its usage
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if timeout is not None and time.perf_counter() - t0 > timeout:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        if jvm is not None and time.perf_counter() - tick > 0.5:
            tick = time.perf_counter()
            sample = _jvm_usage(proc.pid)
            seen.update({k: cpu for k, (cpu, _) in sample.items()})
            jvm_rss = max(jvm_rss, sum(rss for _, rss in sample.values()))
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if jvm is not None:
        jvm.update(cpu=sum(seen.values()), rss_mib=jvm_rss, processes=len(seen))
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _jvm_usage(root: int) -> dict[tuple[int, int], tuple[float, float]]:
    """CPU seconds so far and RSS (MiB) of each ``java`` process under ``root``, by (pid, start
    time)."""
    parent: dict[int, int] = {}
    stats: dict[int, list[str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = stat.read_text()
            comm = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()  # fields from the 3rd (state) on
            pid = int(stat.parent.name)
            parent[pid] = int(fields[1])
            if comm == "java":
                stats[pid] = fields
    hz, page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
    out = {}
    for pid, fields in stats.items():
        up = pid
        while up > 1 and up != root:
            up = parent.get(up, 0)
        if up == root:  # utime, stime (14, 15), start time (22), rss pages (24) of proc(5)
            cpu = (int(fields[11]) + int(fields[12])) / hz
            out[(pid, int(fields[19]))] = (cpu, int(fields[21]) * page / 2**20)
    return out


def day_worker(day: dt.date, work: Path, raw_suites: list[str]) -> None:
    """One business date's run, as the orchestrator runs it: raw gates, the dbt stages,
    warehouse gates, publish. Each step's wall, CPU and own peak RSS are printed as JSON.

    Each dbt stage is a ``dbt build`` subprocess, as Dagster runs dbt (``DbtCliResource``): its
    CPU and peak RSS are the child's (``os.wait4``), so its peak is its own and not what an
    earlier step left in a long-lived process. The project is parsed partially from the previous
    stage's target (the date travels in ``CRM_BIZ_DATE``, as the orchestrator passes it, so no
    stage re-parses the project). The gates and publish run in this process, as in the Dagster
    process: their CPU is ``process_time`` (all threads, DuckDB's too) and their peak the
    process's VmHWM, reset before the step (``/proc/self/clear_refs``)."""
    steps: dict[str, dict] = {}

    def measure(name: str, fn) -> None:  # noqa: ANN001 - a step's callable
        _reset_peak()
        t0, c0 = time.perf_counter(), time.process_time()
        rows, ok, error, child = 0, True, None, None
        try:
            rows, ok, error, *rest = fn()
            child = rest[0] if rest else None
        except Exception as exc:  # noqa: BLE001 - the figure is still wanted; the error shown
            ok, error = False, f"{type(exc).__name__}: {exc}"
        cpu, rss = time.process_time() - c0, _peak_mib()
        if child is not None:  # a subprocess did the work: its CPU and its own peak
            cpu, rss = cpu + child[0], child[1]
        steps[name] = {
            "wall": time.perf_counter() - t0,
            "cpu": cpu,
            "rss_mib": rss,
            "rows": rows,
            "ok": ok,
            "error": error,
        }

    def gates(names: list[str]):  # noqa: ANN202
        from orchestration.quality.gx_runner import run_suites

        outcomes = run_suites(names, day, build_docs=False)
        bad = [o.suite for o in outcomes if o.error]
        return sum(o.rows or 0 for o in outcomes), not bad, ", ".join(bad) or None

    # The date travels in CRM_BIZ_DATE, as the orchestrator passes it (orchestration/dbt/
    # project.py): a changed --vars would make dbt re-parse the whole project every day.
    os.environ["CRM_BIZ_DATE"] = day.isoformat()
    env = dict(os.environ)

    def dbt_stage(stage: str):  # noqa: ANN202
        """A backfill's stage: the full refresh, the marts' facts a few dates at a time."""
        flags = ["--indirect-selection", "cautious", "--quiet", "--no-write-json"]
        if stage == "marts":  # the facts a few dates at a time, the rest at once
            first = landing_dates(config.landing_dir())[0]
            runs = backfill_invocations(first, day, tuple(selection(stage)))
        else:  # as the orchestrator's rebuild: one model at a time
            runs = [
                DbtInvocation(("build", "--select", *selection(stage), *FULL_REFRESH_ARGS), day)
            ]
        cpu, rss, errors = 0.0, 0.0, []
        for run in runs:
            child = measure_child(dbt_cmd([*run.args, *flags], work), {**env, **run.env()})
            cpu, rss = cpu + child.cpu, max(rss, child.rss_mib)
            if not child.ok:
                errors.append(tail(child.out, 1500))
        return 0, not errors, "\n".join(errors) or None, (cpu, rss)

    def nightly_dbt() -> None:
        """The night's one ``dbt build`` of every stage, as Dagster's warehouse asset runs it
        (orchestration/dbt/assets.py), its figures split by stage (:func:`split_by_stage`)."""
        select = [sel for stage in DBT_STAGES for sel in selection(stage)]
        args = ["build", "--select", *select, "--indirect-selection", "cautious", "--quiet"]
        # a failed build may write no artifacts: never split the previous night's instead
        (work / "target" / "run_results.json").unlink(missing_ok=True)
        started = time.time()
        child = measure_child(dbt_cmd(args, work), env)
        order = list(DBT_STAGES)
        try:
            shares, failed = split_by_stage(work / "target", started, started + child.wall)
        except (OSError, ValueError, KeyError):  # no artifacts: dbt stopped before any node
            shares, failed = {**dict.fromkeys(order, 0.0), order[0]: child.wall}, [order[0]]
        if not child.ok and not failed:  # dbt failed outside any node
            failed = [order[0]]
        for stage, wall in shares.items():
            error = None
            if not child.ok and stage in failed:
                error = tail(child.out, 1500) if stage == failed[0] else "dbt build: see above"
            steps[stage] = {
                "wall": wall,
                "cpu": child.cpu * wall / child.wall,
                "rss_mib": child.rss_mib,
                "rows": 0,
                "ok": error is None,
                "error": error,
            }

    def warehouse_gates():  # noqa: ANN202
        from orchestration.quality.warehouse_checks import existing_warehouse_suites

        names = [n for n, _ in existing_warehouse_suites()]
        return gates(names) if names else (0, True, None)

    def publish_step():  # noqa: ANN202
        from orchestration.publish import publish

        r = publish(day)
        return sum(r.tables.values()) + r.branch_rows, True, None

    measure("gates (raw)", lambda: gates(raw_suites))
    if os.environ.get(FULL_REFRESH) == "1":  # a backfill: every date up to T, stage by stage
        for stage in DBT_STAGES:
            measure(stage, lambda stage=stage: dbt_stage(stage))
    else:
        nightly_dbt()
    measure("gates (warehouse)", warehouse_gates)
    measure("publish", publish_step)
    print(MARK + json.dumps(steps), flush=True)


def stage_of_nodes(manifest: dict) -> dict[str, str]:
    """The bench stage (:data:`DBT_STAGES`) of every model and seed, and of every data test:
    the latest stage among the models it tests."""
    paths = [
        (sel.removeprefix("path:"), stage)
        for stage, sels in DBT_STAGES.items()
        for sel in sels
        if sel.startswith("path:")
    ]
    order = list(DBT_STAGES)
    stages: dict[str, str] = {}
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] == "seed":
            stages[uid] = order[0]
        path = node.get("original_file_path", "")
        for prefix, stage in paths:
            if path == prefix or path.startswith(prefix + "/"):
                stages[uid] = stage
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] == "test":
            parents = [stages[p] for p in node["depends_on"]["nodes"] if p in stages]
            if parents:
                stages[uid] = max(parents, key=order.index)
    return stages


def split_by_stage(
    target: Path, started: float, ended: float
) -> tuple[dict[str, float], list[str]]:
    """Split one ``dbt build``'s wall time (epoch seconds ``started``..``ended``) by stage,
    from its run_results.json and manifest.json in ``target``: each instant goes to the nodes
    running then, in equal parts (two threads); the start-up and parse before the first node to
    the first stage; a gap between nodes, and the artifacts written after the last, to the
    stage of the node that ended last before it. Returns the seconds per stage (summing to
    ``ended - started``) and the stages with a failed node, in stage order."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    stages = stage_of_nodes(json.loads((target / "manifest.json").read_text()))
    order = list(DBT_STAGES)
    spans, failed = [], set()
    for r in results:
        stage = stages.get(r["unique_id"], order[-1])
        if r["status"] in ("error", "fail", "runtime error"):
            failed.add(stage)
        times = [
            dt.datetime.fromisoformat(t[k])
            for t in r["timing"]
            for k in ("started_at", "completed_at")
            if t.get(k)
        ]
        if times:
            spans.append((min(times).timestamp(), max(times).timestamp(), stage))
    shares = dict.fromkeys(order, 0.0)
    edges = sorted({started, ended, *(t for s, e, _ in spans for t in (s, e))})
    for a, b in zip(edges, edges[1:], strict=False):
        if b <= started or a >= ended:
            continue
        a, b = max(a, started), min(b, ended)
        running = [st for s, e, st in spans if s <= a and e >= b]
        if running:
            for st in running:
                shares[st] += (b - a) / len(running)
        else:  # start-up, a gap, the artifacts: the stage of the node that ended last
            done = [(e, st) for s, e, st in spans if e <= a]
            shares[max(done)[1] if done else order[0]] += b - a
    return shares, [st for st in order if st in failed]


def fit_exponent(sizes: list[int], seconds: list[float]) -> float | None:
    """Least-squares slope of log(time) against log(size)."""
    if len(sizes) < 2 or len(set(sizes)) < 2 or min(seconds) <= 0:
        return None
    xs = [math.log(s) for s in sizes]
    ys = [math.log(t) for t in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def splink_rows(result: SizeResult) -> list[Row]:
    size = f"{result.persons:,}"
    cmd = [sys.executable, "-c", SPLINK_CHILD, str(result.data_dir), str(BENCH)]
    child = run_child(cmd, env_for(result.data_dir), "identity: Splink on the same records")
    if not child.ok:
        print(tail(child.out, 2000))
        return [Row(size, "identity vs Splink", compare="skipped: Splink run failed (see log)")]
    r = json.loads(child.out.strip().splitlines()[-1])
    ours = result.figures["identity"]

    def prf(name: str) -> str:
        p = r[f"{name}:P"]
        e = r[f"{name}:E"]
        return f"P p={p[0]:.4f} r={p[1]:.4f} F1={p[2]:.4f}; E F1={e[2]:.4f}"

    return [
        Row(
            size,
            "identity: ours (dbt)",
            ours.wall,
            ours.cpu,
            r["records"],
            ours.rss_mib,
            ours.load,
            prf("ours"),
        ),
        Row(
            size,
            "identity: Splink 5 (DuckDB)",
            r["splink_seconds"],
            child.cpu,
            r["records"],
            child.rss_mib,
            child.load,
            prf("splink") + f" (child {child.wall:.1f} s wall)",
        ),
    ]


def spark_rows(result: SizeResult, timeout: float) -> list[Row]:
    """The same bank's dbt build, every date at once (--full-refresh at the last date)."""
    size = f"{result.persons:,}"
    last = max(result.daily)
    rows = result.figures["extract"].rows
    out = []
    duck_work = result.data_dir / "bench-dbt-duckdb-full"
    cmd = dbt_cmd(["build", *FULL_REFRESH_ARGS], duck_work)
    duck = run_child(
        cmd, env_for(result.data_dir, biz_date=last), "dbt build --full-refresh (DuckDB)"
    )
    out.append(
        Row(
            size,
            "dbt build, DuckDB (full refresh)",
            duck.wall,
            duck.cpu,
            rows,
            duck.rss_mib,
            duck.load,
            "" if duck.ok else "some nodes failed (timed anyway)",
        )
    )
    if (
        importlib.util.find_spec("pyspark") is None
        or importlib.util.find_spec("dbt.adapters.spark") is None
    ):
        out.append(
            Row(size, "dbt build, Spark", compare="skipped: pyspark/dbt-spark not installed")
        )
        return out
    spark_work = result.data_dir / "bench-dbt-spark"
    cmd = dbt_cmd(["build", *FULL_REFRESH_ARGS], spark_work, target="spark")
    jvm: dict = {}
    spark = run_child(
        cmd,
        env_for(result.data_dir, "spark", biz_date=last),
        "dbt build --full-refresh (Spark)",
        timeout=timeout,
        jvm=jvm,
    )
    if not spark.ok:
        print(tail(spark.out, 2500))
        done = [ln for ln in spark.out.splitlines() if "Done. PASS=" in ln]
        errors = [ln.split("Done. ", 1)[1].strip() for ln in done[-1:]]
        note = f"skipped: Spark build failed after {spark.wall:.0f} s"
        out.append(
            Row(size, "dbt build, Spark", compare=note + (f" ({errors[0][:80]})" if errors else ""))
        )
        return out
    out.append(
        Row(
            size,
            "dbt build, Spark (full refresh)",
            spark.wall,
            spark.cpu,
            rows,
            spark.rss_mib,
            spark.load,
            f"Spark / DuckDB wall = {spark.wall / duck.wall:.2f}, CPU = "
            f"{spark.cpu / duck.cpu:.2f} (CPU and peak include the JVM: {jvm['cpu']:.1f} "
            f"CPU-s, {jvm['rss_mib']:,.0f} MiB)",
        )
    )
    return out


def table(rows: list[Row]) -> str:
    cells = [HEADER, *[r.cells() for r in rows]]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    right = {2, 3, 4, 5, 6, 7}

    def line(c: list[str]) -> str:
        parts = [
            v.rjust(w) if i in right else v.ljust(w)
            for i, (v, w) in enumerate(zip(c, widths, strict=True))
        ]
        return "| " + " | ".join(parts) + " |"

    sep = (
        "|"
        + "|".join(
            ("-" * (w + 1) + ":" if i in right else "-" * (w + 2)) for i, w in enumerate(widths)
        )
        + "|"
    )
    return "\n".join([line(HEADER), sep, *[line(c) for c in cells[1:]]])


def build_rows(results: list[SizeResult], days: int) -> list[Row]:
    rows: list[Row] = []
    for res in results:
        size = f"{res.persons:,}"
        f = res.figures
        for stage in STAGES:
            fig = f[stage]
            compare = ""
            if stage == "extract" and res.duck_read:
                compare = (
                    f"day-1 extract {res.extract_day1:.2f} s / DuckDB read_csv "
                    f"{res.duck_read:.2f} s = {res.extract_day1 / res.duck_read:.1f}x"
                )
            if stage in DBT_STAGES:
                compare = f"{len(res.daily)} daily dbt builds"
                if res.backfill:
                    compare = "backfill: one dbt build --full-refresh of every date"
                if res.backfill and stage == "marts":
                    compare = f"backfill: the facts {range_days()} dates a run, then the rest"
            if fig.failed:
                compare = "FAILED: the step reported errors (see the log above)"
            rows.append(
                Row(size, stage, fig.wall, fig.cpu, fig.rows, fig.rss_mib, fig.load, compare)
            )
        after = [f[s] for s in STAGES if s != "simulate"]
        wall = sum(x.wall for x in after)
        cpu = sum(x.cpu for x in after)
        peak = max(x.rss_mib for x in after)  # the pipeline's; the simulator is the test bank's
        full_size = res.persons >= 1_000_000 and days >= 30
        rows.append(
            Row(
                size,
                f"pipeline after generation ({days} days{', backfill' if res.backfill else ''})",
                wall,
                cpu,
                f["extract"].rows,
                peak,
                None,
                "" if full_size else "target is for 1,000,000 persons x 30 days",
                "< 900 s",
                verdict(wall < TARGETS["pipeline"] if full_size else None),
            )
        )
        dates = sorted(res.daily)
        if len(dates) >= 2:
            d2, dn = res.daily[dates[1]], res.daily[dates[-1]]
            day_no = (dates[-1] - dates[0]).days + 1
            rows.append(
                Row(
                    size,
                    f"daily run day {day_no} ({dates[-1]})",
                    dn,
                    res.daily_cpu[dates[-1]],
                    compare=f"day 2 {d2:.1f} s wall, {res.daily_cpu[dates[1]]:.1f} s CPU; "
                    f"day {day_no} / day 2 = {dn / d2:.2f} wall, "
                    f"{res.daily_cpu[dates[-1]] / res.daily_cpu[dates[1]]:.2f} CPU",
                    target="< 60 s",
                    verdict=verdict(dn < TARGETS["daily"]),
                )
            )
        rows.append(
            Row(
                size,
                "peak memory (any step after generation)",
                rss_mib=peak,
                compare=f"the simulator (not part of the pipeline): {f['simulate'].rss_mib:,.0f} MiB",
                target="< 8 GiB",
                verdict=verdict(peak < TARGETS["memory"]),
            )
        )
    sizes = [r.persons for r in results]
    for label, attr in (("wall", "wall"), ("CPU", "cpu")):
        secs = [
            sum(getattr(r.figures[s], attr) for s in STAGES if s != "simulate") for r in results
        ]
        b = fit_exponent(sizes, secs)
        rows.append(
            Row(
                "all",
                f"scaling exponent ({label} after generation)",
                compare=(
                    "n/a: needs two sizes"
                    if b is None
                    else f"time ~ persons^{b:.2f} over {', '.join(f'{s:,}' for s in sizes)}"
                ),
                target="<= 1.1",
                verdict=verdict(None if b is None else b <= TARGETS["exponent"]),
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, nargs="+", default=[100_000, 1_000_000, 3_000_000])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20261101)
    parser.add_argument(
        "--small",
        action="store_true",
        help="1,000 and 2,000 persons, 2 days, the two sizes side by side (a check, not a measure)",
    )
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument("--skip-splink", action="store_true")
    parser.add_argument("--spark", action="store_true", help="with --small: run Spark too")
    parser.add_argument("--splink", action="store_true", help="with --small: run Splink too")
    parser.add_argument("--spark-timeout", type=float, default=3600.0, help="seconds")
    parser.add_argument("--data-root", type=Path, help="default: a temporary directory, removed")
    parser.add_argument(
        "--backfill",
        action="store_true",
        help="build history at once (dbt --full-refresh at the last date) instead of every "
        "date in turn; day 2 and the last date are still run as nightly runs",
    )
    parser.add_argument(
        "--reuse-bank",
        action="store_true",
        help="keep a bank generated earlier in DATA_ROOT/p<persons> with the same parameters",
    )
    parser.add_argument(
        "--keep-before-last",
        action="store_true",
        help="copy the warehouse, serving and other state as it is before the last date to "
        "DATA_ROOT/p<persons>.before-<date> (not timed), to replay that night's steps on it",
    )
    parser.add_argument("--day-worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.day_worker:
        day, work, *suites = args.day_worker
        day_worker(dt.date.fromisoformat(day), Path(work), suites)
        return 0
    if args.small:
        args.persons, args.days = [1_000, 2_000], 2
    do_spark = not args.skip_spark and (not args.small or args.spark)
    do_splink = not args.skip_splink and (not args.small or args.splink)
    os.environ.setdefault("CRM_PSEUDONYM_KEY", secrets.token_hex(32))
    data_root = args.data_root or Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    data_root = data_root.resolve()
    data_root.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    load0 = os.getloadavg()
    sizes = sorted(args.persons)

    def one_size(persons: int) -> SizeResult:
        return bench_size(
            persons,
            args.days,
            args.seed,
            data_root,
            args.reuse_bank,
            args.backfill,
            args.keep_before_last,
        )

    if args.small:
        # The small mode checks that every stage runs and prints its figures (make test runs
        # it); its banks are too small to measure anything, so its two sizes run side by side
        # (their progress lines interleave). Real sizes run one after the other, in the main
        # thread (Ctrl-C stops them).
        with ThreadPoolExecutor(max_workers=len(sizes), thread_name_prefix="size") as pool:
            results = list(pool.map(one_size, sizes))
    else:
        results = [one_size(p) for p in sizes]
    rows = build_rows(results, args.days)
    smallest = results[0]
    size = f"{smallest.persons:,}"
    if do_splink:
        rows += splink_rows(smallest)
    else:
        rows.append(
            Row(
                size,
                "identity vs Splink",
                compare="skipped (--skip-splink, or --small without --splink)",
            )
        )
    if do_spark:
        rows += spark_rows(smallest, args.spark_timeout)
    else:
        rows.append(
            Row(
                size,
                "dbt build, DuckDB vs Spark",
                compare="skipped (--skip-spark, or --small without --spark)",
            )
        )

    print()
    print(
        f"bench/pipeline.py on {os.uname().machine}, {os.cpu_count()} CPUs, Python "
        f"{sys.version.split()[0]}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; "
        f"{args.days} business days from {START}; enterprises = persons / 10"
    )
    print(table(rows))
    load1 = os.getloadavg()
    print(
        f"load average (1 min) at start {load0[0]:.1f}, at end {load1[0]:.1f} on "
        f"{os.cpu_count()} CPUs: wall times stretch with the load, CPU seconds much less. "
        f"rows/s = rows / wall s. Total {time.perf_counter() - started:.0f} s."
    )
    if args.data_root is None:
        shutil.rmtree(data_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
