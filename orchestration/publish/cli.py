"""``crmwh query``, ``crmwh branches``, ``crmwh rollback`` and ``crmwh publish``.

``query --branch CODE`` opens only that branch's file, read-only, with DuckDB's external access
switched off and the configuration locked, so SQL cannot ATTACH the head-office file or read the
raw lake (``read_parquet``) around the branch isolation. Branch codes are checked against the
code format and the published ``dim_branch`` before any path is built from them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

from crmwh import config

HEAD_OFFICE = "HO"
BRANCH_CODE = re.compile(r"[0-9A-Z]{1,10}")
DEFAULT_MAX_ROWS = 200


class BranchCodeError(ValueError):
    """A branch code from the command line that is malformed or not a published branch."""


def register(sub: argparse._SubParsersAction) -> None:
    query = sub.add_parser("query", help="run SQL on a branch's published copy (read-only)")
    query.add_argument("sql", help='the SQL to run, e.g. "select count(*) from mart_customer_360"')
    query.add_argument(
        "--branch", default=HEAD_OFFICE, help="branch code; HO (default) = head office"
    )
    query.add_argument(
        "--max-rows", type=int, default=DEFAULT_MAX_ROWS, help="rows to print at most"
    )
    query.set_defaults(func=cmd_query)

    branches = sub.add_parser("branches", help="list the published branches with level and parent")
    branches.add_argument("--level", type=int, choices=range(1, 6), help="only this level")
    branches.set_defaults(func=cmd_branches)

    rollback = sub.add_parser("rollback", help="repoint serving/current to an earlier version")
    rollback.add_argument("--to", metavar="VERSION", help="version id (default: the previous one)")
    rollback.add_argument("--list", action="store_true", help="list the versions on disk")
    rollback.set_defaults(func=cmd_rollback)

    publish = sub.add_parser("publish", help="publish the serving schema now (after the gates)")
    publish.add_argument("--date", required=True, type=dt.date.fromisoformat, help="business date")
    publish.add_argument(
        "--keep", type=int, help="versions to keep (default CRM_SERVING_KEEP or 3)"
    )
    publish.add_argument(
        "--allow-key-change", action="store_true", help="accept a new CRM_PSEUDONYM_KEY"
    )
    publish.add_argument(
        "--full",
        action="store_true",
        help="build every file from nothing instead of on top of the current version "
        "(also CRM_PUBLISH_FULL=1)",
    )
    publish.set_defaults(func=cmd_publish)


# --------------------------------------------------------------------------- branch files


def branch_file(code: str | None, serving: Path | None = None) -> Path:
    """The published file for ``code`` (head office for None/HO), after strict validation."""
    serving = serving or config.serving_dir()
    ho = serving / "crm.duckdb"
    if not ho.exists():
        raise BranchCodeError(f"nothing is published yet under {serving} (run crmwh publish)")
    if code is None or code == HEAD_OFFICE:
        return ho
    if not isinstance(code, str) or not BRANCH_CODE.fullmatch(code):
        raise BranchCodeError(
            f"invalid branch code {code!r}: 1 to 10 characters of 0-9 and A-Z (or HO for head office)"
        )
    row = _branch_row(ho, code)
    if row is None:
        raise BranchCodeError(f"branch {code} is not in the published dim_branch")
    level, status = row
    if level == 1:
        return ho
    path = serving / "branches" / f"{code}.duckdb"
    branches_dir = (serving / "branches").resolve()
    if path.resolve().parent != branches_dir or not path.is_file():
        raise BranchCodeError(
            f"branch {code} (level {level}, status {status}) has no published copy: merged and "
            f"closed branches are served by the branch that took over their business"
        )
    return path


def _branch_row(ho: Path, code: str) -> tuple[int, str] | None:
    import duckdb

    con = duckdb.connect(str(ho), read_only=True)
    try:
        cols = {r[0] for r in con.execute("describe dim_branch").fetchall()}
        status = "status" if "status" in cols else "'A'"
        order = "order by valid_from desc" if "valid_from" in cols else ""
        return con.execute(
            f"select cast(branch_level as integer), {status} from dim_branch "
            f"where branch_code = ? {order} limit 1",
            [code],
        ).fetchone()
    finally:
        con.close()


def connect_readonly(path: Path) -> Any:
    """A read-only session confined to ``path``: no ATTACH, no file functions, settings locked."""
    import duckdb

    return duckdb.connect(
        str(path),
        read_only=True,
        config={"enable_external_access": False, "lock_configuration": True},
    )


# --------------------------------------------------------------------------- commands


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    try:
        path = branch_file(args.branch)
    except BranchCodeError as exc:
        print(f"crmwh query: {exc}", file=sys.stderr)
        return 2
    con = connect_readonly(path)
    try:
        cur = con.execute(args.sql)
        if cur.description is None:
            return 0
        header = [d[0] for d in cur.description]
        rows = cur.fetchmany(args.max_rows + 1)
    except duckdb.Error as exc:
        print(f"crmwh query: {exc}", file=sys.stderr)
        return 1
    finally:
        con.close()
    print(format_table(header, rows[: args.max_rows]))
    more = " (more rows not shown; use --max-rows)" if len(rows) > args.max_rows else ""
    print(f"({min(len(rows), args.max_rows)} rows{more})")
    return 0


def cmd_branches(args: argparse.Namespace) -> int:
    serving = config.serving_dir()
    try:
        ho = branch_file(None, serving)
    except BranchCodeError as exc:
        print(f"crmwh branches: {exc}", file=sys.stderr)
        return 2
    header, rows = branch_listing(ho, serving, args.level)
    print(format_table(header, rows))
    return 0


def branch_listing(
    ho: Path, serving: Path, level: int | None = None
) -> tuple[list[str], list[tuple]]:
    con = connect_readonly(ho)
    try:
        cols = {r[0] for r in con.execute("describe dim_branch").fetchall()}
        status = "status" if "status" in cols else "null"
        latest = (
            "qualify row_number() over (partition by branch_code order by valid_from desc) = 1"
            if "valid_from" in cols
            else ""
        )
        where = "where branch_level = ?" if level else ""
        rows = con.execute(
            f"select branch_code, cast(branch_level as integer) as level, parent_code, branch_name, "
            f"{status} as status from dim_branch {where} {latest} order by level, parent_code, branch_code",
            [level] if level else [],
        ).fetchall()
    finally:
        con.close()
    files = {p.stem for p in (serving / "branches").glob("*.duckdb")}
    out = [(*r, "yes" if r[0] in files or r[1] == 1 else "no") for r in rows]
    return ["branch_code", "level", "parent_code", "branch_name", "status", "copy"], out


def cmd_rollback(args: argparse.Namespace) -> int:
    from orchestration.publish import PublishError, layout, rollback

    serving = config.serving_dir()
    if args.list:
        current = layout.current_version(serving)
        for v in layout.list_versions(serving):
            m = layout.read_manifest(serving, v)
            mark = "*" if v == current else " "
            print(f"{mark} {v}  biz_date {m['biz_date']}  branches {m['branch_count']}")
        return 0
    try:
        version = rollback(serving, to=args.to)
    except PublishError as exc:
        print(f"crmwh rollback: {exc}", file=sys.stderr)
        return 2
    print(f"serving/current -> versions/{version}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from orchestration.publish import PublishError, publish

    try:
        result = publish(
            args.date,
            keep=args.keep,
            allow_key_change=args.allow_key_change,
            full=True if args.full else None,
        )
    except PublishError as exc:
        print(f"crmwh publish: {exc}", file=sys.stderr)
        return 2
    rows = sum(result.tables.values())
    print(
        f"published {result.version} ({result.mode}): {len(result.tables)} tables, {rows:,} rows, "
        f"{result.branches} branch files ({result.branch_rows:,} rows) in {result.seconds:.1f}s"
    )
    print(f"head office: {result.ho_file}")
    if result.removed_versions:
        print(f"removed old versions: {', '.join(result.removed_versions)}")
    return 0


# --------------------------------------------------------------------------- output


def _width(text: str) -> int:
    """Display width: CJK characters take two columns in a terminal."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill


def format_table(header: list[str], rows: list[tuple]) -> str:
    """An aligned text table (numbers right-aligned), like a SQL client prints."""
    cells = [["NULL" if v is None else str(v) for v in row] for row in rows]
    numeric = [
        all(isinstance(row[i], int | float | Decimal) or row[i] is None for row in rows)
        and bool(rows)
        for i in range(len(header))
    ]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(header)]
    line = "-+-".join("-" * w for w in widths)
    out = [" | ".join(_pad(h, w, False) for h, w in zip(header, widths, strict=True)), line]
    out += [
        " | ".join(_pad(v, w, n) for v, w, n in zip(r, widths, numeric, strict=True)) for r in cells
    ]
    return "\n".join(s.rstrip() for s in out)
