"""Batch-level checks: the flag file vouches for every file, and every file matches it.

Run before anything is extracted, streaming each file once (MD5, size, record separators), so
a broken transfer is refused without writing a byte to the lake.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from crmwh.config import TABLES
from orchestration.extract.columns import TABLE_COLUMNS
from orchestration.extract.errors import BatchRefused
from orchestration.extract.flagfile import FlagFile, FlagFileEntry
from orchestration.extract.records import LF, QUOTE, Layout

_BLOCK = 8 << 20


def data_file_name(system: str, table: str, biz_date: dt.date) -> str:
    return f"{system}_{table.removeprefix(system + '_')}_{biz_date:%Y%m%d}.dat"


def flag_file_name(system: str, biz_date: dt.date) -> str:
    return f"{system}_{biz_date:%Y%m%d}.ok"


def layout_for(flag: FlagFile, table: str) -> Layout:
    return Layout(
        format=flag.format,
        encoding=flag.encoding,
        field_sep=flag.field_sep,
        record_sep=flag.record_sep,
        columns=TABLE_COLUMNS[table],
    )


def check_flag_matches(flag: FlagFile, system: str, biz_date: dt.date) -> dict[str, FlagFileEntry]:
    """The flag file is for this batch and lists exactly one file per table of the system."""
    ok_name = flag_file_name(system, biz_date)

    def refuse(file: str | None, msg: str) -> BatchRefused:
        return BatchRefused(
            system, biz_date, file, "flag_file", f"batch {system} {biz_date:%Y%m%d}: {msg}"
        )

    if flag.system != system:
        raise refuse(ok_name, f"flag file {ok_name} says SYSTEM={flag.system}")
    if flag.biz_date != biz_date:
        raise refuse(ok_name, f"flag file {ok_name} says BIZ_DATE={flag.biz_date:%Y%m%d}")
    expected = {data_file_name(system, t, biz_date): t for t in TABLES[system]}
    by_table: dict[str, FlagFileEntry] = {}
    for entry in flag.files:
        table = expected.get(entry.name)
        if table is None:
            raise refuse(
                entry.name,
                f"flag file {ok_name} lists {entry.name}, which is not a table of {system} "
                f"for this date (expected {', '.join(sorted(expected))})",
            )
        by_table[table] = entry
    missing = [n for n, t in expected.items() if t not in by_table]
    if missing:
        raise refuse(missing[0], f"flag file {ok_name} does not list {', '.join(missing)}")
    return by_table


def _count_records(path: Path, layout: Layout, md5: hashlib._Hash) -> tuple[int, int, bool]:
    """Stream the file once: MD5, record separators, and whether it ends with one."""
    count = 0
    size = 0
    last = b""
    in_quotes = False  # CSV: a quoted field is open at the block boundary
    crlf = layout.record_sep == b"\r\n"
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            md5.update(block)
            size += len(block)
            if layout.is_csv:
                buf = np.frombuffer(block, np.uint8)
                lf = np.flatnonzero(buf == LF)
                if crlf and len(lf):
                    before = np.empty(len(lf), np.uint8)
                    inner = lf > 0
                    before[inner] = buf[lf[inner] - 1]
                    before[~inner] = last[-1] if last else 0
                    lf = lf[before == 0x0D]
                quotes = np.flatnonzero(buf == QUOTE)
                parity = (np.searchsorted(quotes, lf) + int(in_quotes)) & 1
                count += int(np.count_nonzero(parity == 0))
                in_quotes = bool((len(quotes) + int(in_quotes)) & 1)
            else:
                count += block.count(layout.record_sep)
                if crlf and last.endswith(b"\r") and block.startswith(b"\n"):
                    count += 1
            last = block[-2:]
    ends_ok = size == 0 or (last.endswith(layout.record_sep) and not in_quotes)
    return count, size, ends_ok


def _csv_header(path: Path, layout: Layout) -> list[str]:
    with open(path, "rb") as fh:
        first = fh.readline(1 << 20)
    text = first.decode(layout.codec, "replace").removesuffix("\n").removesuffix("\r")
    names = text.split(",")
    return [n[1:-1] if len(n) >= 2 and n[0] == n[-1] == '"' else n for n in names]


def _file_problems(
    batch_dir: Path, flag: FlagFile, table: str, entry: FlagFileEntry
) -> list[tuple[str, str]]:
    """Every way one listed file differs from its flag line, as (kind, text), in kind order.

    The kind order is rows, bytes, md5: a truncated transfer breaks all three and is 'rows'.
    """
    path = batch_dir / entry.name
    layout = layout_for(flag, table)
    md5 = hashlib.md5()
    rows, size, ends_ok = _count_records(path, layout, md5)
    digest = md5.hexdigest()
    problems: list[tuple[str, str]] = []
    header: list[str] | None = None
    if layout.is_csv:
        header = _csv_header(path, layout)
        rows -= 1
    if rows != entry.rows:
        what = "data records (header excluded)" if layout.is_csv else "record separators"
        problems.append(("rows", f"has {rows} {what}, flag file says ROWS={entry.rows}"))
    if size != entry.bytes:
        problems.append(("bytes", f"has {size} bytes, flag file says BYTES={entry.bytes}"))
    if digest != entry.md5:
        problems.append(("md5", f"has MD5 {digest}, flag file says MD5={entry.md5}"))
    if header is not None and header != list(layout.columns):
        problems.append(
            (
                "header",
                f"line 1: CSV header {','.join(header)!r} is not the spec's "
                f"{','.join(layout.columns)!r}",
            )
        )
    if not ends_ok:
        problems.append(
            ("trailing_bytes", f"does not end with the record separator {flag.record_sep_name}")
        )
    return problems


def verify_batch(
    system: str, biz_date: dt.date, batch_dir: Path, flag: FlagFile
) -> dict[str, FlagFileEntry]:
    """Refuse the batch (raise :class:`BatchRefused`) unless every file matches the flag file.

    Returns the flag entry of each table. Checks, in order: flag file is for this batch and lists
    every table; no unlisted ``.dat``; each listed file exists and matches BYTES, MD5, ROWS (and
    for CSV its header), and ends with a record separator.
    """
    by_table = check_flag_matches(flag, system, biz_date)
    tag = f"batch {system} {biz_date:%Y%m%d}"
    listed = {e.name for e in flag.files}
    unlisted = sorted(p.name for p in batch_dir.glob("*.dat") if p.name not in listed)
    if unlisted:
        raise BatchRefused(
            system,
            biz_date,
            unlisted[0],
            "unlisted_file",
            f"{tag}: file {unlisted[0]} is present but not listed in the flag file",
        )
    for entry in by_table.values():
        if not (batch_dir / entry.name).is_file():
            raise BatchRefused(
                system,
                biz_date,
                entry.name,
                "missing_file",
                f"{tag}: file {entry.name} is listed in the flag file but missing",
            )
    # Files are hashed two at a time (hashlib releases the GIL); the first refused file in flag
    # order is reported, so the outcome does not depend on thread timing.
    with ThreadPoolExecutor(2, thread_name_prefix="verify") as pool:
        problems = list(pool.map(lambda te: _file_problems(batch_dir, flag, *te), by_table.items()))
    for entry, found in zip(by_table.values(), problems, strict=True):
        if found:
            raise BatchRefused(
                system,
                biz_date,
                entry.name,
                found[0][0],
                f"{tag}: file {entry.name} " + "; ".join(text for _, text in found),
            )
    return by_table
