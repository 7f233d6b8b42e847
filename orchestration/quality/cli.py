"""``crmwh quality``: run the gates and the reconciliation report for business dates by hand.

The Dagster checks are the normal path; this command is for an engineer re-running a gate
after fixing a suite, and for benchmarks (it prints per-suite rows and seconds).
"""

from __future__ import annotations

import argparse
import datetime as dt


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "quality", help="run quality gates (GX suites) and the reconciliation report"
    )
    sub = p.add_subparsers(dest="quality_command", required=True, metavar="ACTION")

    v = sub.add_parser("validate", help="run suites on one or more business dates")
    v.add_argument("--date", type=dt.date.fromisoformat, required=True, help="YYYY-MM-DD")
    v.add_argument("--days", type=int, default=1, help="number of dates from --date")
    v.add_argument("--prefix", default="raw_", help="suites whose name starts with this")
    v.add_argument("--suite", action="append", default=[], help="a suite name (repeatable)")
    v.add_argument(
        "--warehouse",
        action="store_true",
        help="the staging, conformed and mart suites of the models the warehouse holds",
    )
    v.add_argument("--no-docs", action="store_true", help="skip the Data Docs build")
    v.set_defaults(func=_validate)

    r = sub.add_parser("report", help="write the reconciliation report of business dates")
    r.add_argument("--date", type=dt.date.fromisoformat, required=True, help="YYYY-MM-DD")
    r.add_argument("--days", type=int, default=1)
    r.set_defaults(func=_report)


def _dates(args: argparse.Namespace) -> list[dt.date]:
    return [args.date + dt.timedelta(days=i) for i in range(args.days)]


def _validate(args: argparse.Namespace) -> int:
    import time

    from orchestration.quality.gx_runner import docs_index, run_suites
    from orchestration.quality.suites import list_suites

    if args.warehouse:
        from orchestration.quality.warehouse_checks import existing_warehouse_suites

        names = [suite for suite, _ in existing_warehouse_suites()]
    else:
        names = args.suite or list_suites(args.prefix)
    if not names:
        print(f"no suite matches {args.prefix!r}" if not args.warehouse else "no warehouse suite")
        return 1
    worst = 0
    for day in _dates(args):
        started = time.perf_counter()
        rows = 0
        # one GX context and one Data Docs build for all of the date's suites
        for o in run_suites(names, day, build_docs=not args.no_docs):
            rows += o.rows or 0
            verdict = o.severity or "PASSED"
            print(
                f"{day} {o.suite:28s} {verdict:6s} rows={o.rows if o.rows is not None else '-':>9} "
                f"failed={o.failed}/{o.evaluated} {o.seconds:6.2f}s"
            )
            for f in [*o.errors, *o.warnings]:
                print(f"    {f.severity:5s} {f.summary()[:160]}")
            if o.error:
                print(f"    ERROR {o.error}")
            worst = max(worst, 2 if o.severity == "ERROR" else 0)
        print(f"{day}: {len(names)} suites, {rows:,} rows in {time.perf_counter() - started:.2f} s")
    print(f"results: {docs_index().parent.parent / 'results'}  Data Docs: {docs_index()}")
    return worst


def _report(args: argparse.Namespace) -> int:
    from orchestration.quality.reconciliation_report import write_report

    status = 0
    for day in _dates(args):
        json_path, md_path, report = write_report(day)
        print(f"{day}: {'reconciled' if report['ok'] else 'NOT reconciled'}  {md_path}")
        status = status or (0 if report["ok"] else 2)
    return status
