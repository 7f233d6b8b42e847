"""Sub-commands ``crmwh generate`` and ``crmwh release`` (see simulator.generate)."""

from __future__ import annotations

import argparse
import datetime as dt


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _sys_date(text: str) -> tuple[str, dt.date]:
    from crmwh.config import SYSTEMS

    parts = text.split(":")
    if len(parts) != 2 or parts[0] not in SYSTEMS:
        raise argparse.ArgumentTypeError(
            f"expected SYSTEM:YYYY-MM-DD with SYSTEM in {SYSTEMS}, got {text!r}"
        )
    return parts[0], _parse_day(parts[1])


def _parse_day(text: str) -> dt.date:
    try:
        if len(text) == 8 and text.isdigit():
            return dt.datetime.strptime(text, "%Y%m%d").date()
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date: {text!r}") from exc


def _corrupt(text: str) -> tuple[str, dt.date, str]:
    from simulator.generate import CORRUPT_KINDS

    head, _, kind = text.rpartition(":")
    if kind not in CORRUPT_KINDS:
        raise argparse.ArgumentTypeError(f"KIND must be one of {CORRUPT_KINDS}, got {kind!r}")
    system, day = _sys_date(head)
    return system, day, kind


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("generate", help="simulate the source systems' daily batches")
    p.add_argument("--persons", type=int, default=20000)
    p.add_argument("--enterprises", type=int, default=2000)
    p.add_argument("--days", type=int, default=5)
    p.add_argument("--start", type=_date, default=dt.date(2026, 11, 1))
    p.add_argument("--seed", type=int, default=20261101)
    p.add_argument("--profile", choices=["default", "clean"], default="default")
    p.add_argument(
        "--corrupt",
        type=_corrupt,
        action="append",
        default=[],
        metavar="SYSTEM:YYYY-MM-DD:KIND",
        help="break that batch after writing it (KIND rows|bytes|md5|missing_ok|unlisted)",
    )
    p.add_argument(
        "--redeliver",
        type=_sys_date,
        action="append",
        default=[],
        metavar="SYSTEM:YYYY-MM-DD",
        help="re-deliver that batch with REDELIVERY=1 and corrections, after everything else",
    )
    p.add_argument(
        "--withhold",
        type=_sys_date,
        action="append",
        default=[],
        metavar="SYSTEM:YYYY-MM-DD",
        help="write that batch but hold back its .ok (see `crmwh release`)",
    )
    p.set_defaults(func=_generate)
    r = subparsers.add_parser(
        "release", help="deliver a withheld batch's flag file (a late delivery)"
    )
    r.add_argument("batch", type=_sys_date, metavar="SYSTEM:YYYY-MM-DD")
    r.set_defaults(func=_release)


def _generate(args: argparse.Namespace) -> int:
    from crmwh.config import data_dir
    from simulator.generate import Options, generate

    opts = Options(
        persons=args.persons,
        enterprises=args.enterprises,
        days=args.days,
        start=args.start,
        seed=args.seed,
        profile=args.profile,
        corrupt=args.corrupt,
        redeliver=args.redeliver,
        withhold=args.withhold,
    )
    target = data_dir()
    print(
        f"simulating {opts.persons:,} persons, {opts.enterprises:,} enterprises, {opts.days} days "
        f"from {opts.start} (seed {opts.seed}, profile {opts.profile}) into {target}"
    )
    summary = generate(opts, target)
    print(summary.line())
    print(f"landing: {target / 'landing'}   truth: {target / 'truth'}")
    return 0


def _release(args: argparse.Namespace) -> int:
    from crmwh.config import data_dir
    from simulator.generate import release

    system, day = args.batch
    path = release(data_dir(), system, day)
    print(f"released {path}")
    return 0
