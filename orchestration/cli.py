"""``crmwh run`` and ``crmwh status``: the pipeline from the command line, through Dagster.

``run`` executes the daily job in-process, one business date after another in order, against
the Dagster instance under the data directory, so each run also shows in ``dagster dev``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

from crmwh import config

# Progress lines are this command's output; Dagster's own event log stays in the instance (UI).
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="run the daily pipeline through Dagster for a date range")
    run.add_argument("--start", type=dt.date.fromisoformat, help="first business date")
    run.add_argument("--end", type=dt.date.fromisoformat, help="last business date (inclusive)")
    run.add_argument("--days", type=int, help="number of dates from --start (instead of --end)")
    run.set_defaults(func=cmd_run)

    status = sub.add_parser("status", help="state of every source batch, per system and date")
    status.add_argument("--limit", type=int, default=60, help="show at most this many dates")
    status.set_defaults(func=cmd_status)


def _resolve_range(args: argparse.Namespace) -> list[dt.date]:
    from orchestration.batch_status import date_range, landing_dates

    landed = landing_dates(config.landing_dir())
    start = args.start or (landed[0] if landed else None)
    if start is None:
        raise SystemExit("no batches in landing and no --start given")
    if args.end:
        end = args.end
    elif args.days:
        end = start + dt.timedelta(days=args.days - 1)
    else:
        end = landed[-1] if landed else start
    if end < start:
        raise SystemExit(f"--end {end} is before --start {start}")
    return date_range(start, end)


def cmd_run(args: argparse.Namespace) -> int:
    from orchestration.instance import ensure_dagster_home

    ensure_dagster_home()
    from dagster import DagsterInstance

    from orchestration.batch_status import batch_status, readiness
    from orchestration.definitions import build_defs
    from orchestration.partitions import first_biz_date
    from orchestration.pipeline.jobs import DAILY_JOB

    days = _resolve_range(args)
    job = build_defs().resolve_job_def(DAILY_JOB)
    landing, lake = config.landing_dir(), config.lake_dir()
    first = first_biz_date()
    with DagsterInstance.get() as instance:
        for i, day in enumerate(days, 1):
            ready = readiness(day, first, landing, lake, require_extracted=False)
            if not ready.ready:
                print(f"[{i}/{len(days)}] {day}: not run. {ready.explain()}", file=sys.stderr)
                return 2
            print(f"[{i}/{len(days)}] {day}: running {DAILY_JOB} ...", flush=True)
            t0 = time.perf_counter()
            result = job.execute_in_process(
                partition_key=day.isoformat(),
                instance=instance,
                raise_on_error=False,
                run_config=QUIET_LOGS,
            )
            secs = time.perf_counter() - t0
            if not result.success:
                for event in result.all_events:
                    if event.is_step_failure:
                        err = event.step_failure_data.error
                        user = event.step_failure_data.user_failure_data
                        why = user.description if user and user.description else err.message
                        print(f"    FAILED {event.step_key}: {why.strip()}", file=sys.stderr)
                print(f"    run {result.run_id} failed after {secs:.1f}s", file=sys.stderr)
                return 1
            parts = []
            for system in config.SYSTEMS:
                st = batch_status(system, day, landing, lake)
                q = f", {st.quarantined} quarantined" if st.quarantined else ""
                parts.append(f"{system} {st.raw_rows:,} rows{q}")
            print(f"    done in {secs:.1f}s (run {result.run_id[:8]}): " + "; ".join(parts))
    return 0


def status_lines(limit: int = 60) -> list[str]:
    """The status table as text lines (also used by tests and ``make run``)."""
    from orchestration.batch_status import batch_status, landing_dates
    from orchestration.partitions import first_biz_date

    landing, lake = config.landing_dir(), config.lake_dir()
    dates = landing_dates(landing)
    if not dates:
        return [f"no batches in {landing}"]
    first = first_biz_date()
    grid = {
        (system, day): batch_status(system, day, landing, lake)
        for day in dates
        for system in config.SYSTEMS
    }
    width = 22
    lines = ["biz_date    " + "".join(s.ljust(width) for s in config.SYSTEMS)]
    for day in dates[-limit:]:
        cells = []
        for system in config.SYSTEMS:
            st = grid[system, day]
            cell = st.state
            if st.state == "extracted":
                cell += f" r{st.redelivery}" if st.redelivery else ""
                cell += f" q={st.quarantined}" if st.quarantined else ""
            cells.append(cell.ljust(width))
        lines.append(f"{day}  " + "".join(cells))
    lines.append("")
    # The downstream build for T needs every system extracted for T and every earlier date.
    ready_through = None
    for day in (d for d in dates if d >= first):
        blockers = [grid[s, day] for s in config.SYSTEMS if grid[s, day].state != "extracted"]
        if blockers:
            what = ", ".join(f"{b.system} ({b.state})" for b in blockers)
            lines.append(f"downstream build of {day} waits for: {what}")
            break
        ready_through = day
    if ready_through:
        lines.append(f"downstream build ready through {ready_through}")
    for req in sorted((lake / "control" / "rebuild_requests").glob("*.json")):
        lines.append(f"rebuild requested by re-delivery {req.stem}: that date and every later one")
    for st in grid.values():
        if st.state == "refused":
            lines.append(f"REFUSED {st.system} {st.biz_date}: {st.reason}")
    lines.append(f"lake: {lake}  (raw/, quarantine/, control/)")
    return lines


def cmd_status(args: argparse.Namespace) -> int:
    print("\n".join(status_lines(args.limit)))
    return 0
