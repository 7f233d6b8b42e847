"""Helpers for tests: build a small bank quickly and read its files back.

    from simulator.testing import make_bank
    bank = make_bank(tmp_path, persons=2000, enterprises=200, days=3)
    bank.landing, bank.truth, bank.data_dir

``make_bank`` never touches $CRM_DATA_DIR: it writes under the directory it is given. The
readers are deliberately simple (Python csv / split on the separator) so that they check the
files independently of the writer; use them on small banks only.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from simulator.generate import Options, generate
from simulator.writer import FORMATS


@dataclass(frozen=True)
class Bank:
    data_dir: Path
    options: Options

    @property
    def landing(self) -> Path:
        return self.data_dir / "landing"

    @property
    def truth(self) -> Path:
        return self.data_dir / "truth"

    @property
    def dates(self) -> list[dt.date]:
        return [self.options.start + dt.timedelta(days=i) for i in range(self.options.days)]

    def batch_dir(self, system: str, day: dt.date) -> Path:
        return self.landing / system / day.strftime("%Y%m%d")

    def truth_table(self, name: str) -> pl.DataFrame:
        return pl.read_parquet(self.truth / f"{name}.parquet")


def make_bank(
    directory: Path,
    persons: int = 2000,
    enterprises: int = 200,
    days: int = 3,
    start: dt.date = dt.date(2026, 11, 1),
    seed: int = 20261101,
    profile: str = "default",
    corrupt: list[tuple[str, dt.date, str]] | None = None,
    redeliver: list[tuple[str, dt.date]] | None = None,
    withhold: list[tuple[str, dt.date]] | None = None,
) -> Bank:
    """Simulate a small bank under ``directory`` (landing/ and truth/ inside it)."""
    opts = Options(
        persons=persons,
        enterprises=enterprises,
        days=days,
        start=start,
        seed=seed,
        profile=profile,
        corrupt=list(corrupt or []),
        redeliver=list(redeliver or []),
        withhold=list(withhold or []),
    )
    directory = Path(directory)
    generate(opts, directory)
    return Bank(directory, opts)


def read_flag(path: Path) -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    """(ordered KEY=VALUE pairs, {file name: {ROWS, BYTES, MD5}})."""
    pairs = []
    files: dict[str, dict[str, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        pairs.append((key, value))
        if key == "FILE":
            name, *attrs = value.split(";")
            files[name] = dict(a.split("=", 1) for a in attrs)
    return pairs, files


def split_records(system: str, data: bytes) -> list[bytes]:
    """The records of a data file as raw bytes (without the record separator)."""
    eol = b"\r\n" if FORMATS[system].record_sep == "CRLF" else b"\n"
    if not data:
        return []
    assert data.endswith(eol), "last record must end with the record separator"
    return data[: -len(eol)].split(eol)


def read_table(path: Path, system: str) -> tuple[list[str], list[list[str] | None]]:
    """(header or [], fields per record; None where the record does not decode)."""
    ff = FORMATS[system]
    records = split_records(system, path.read_bytes())
    out: list[list[str] | None] = []
    header: list[str] = []
    for i, raw in enumerate(records):  # test helper on small files
        try:
            text = raw.decode(ff.codec)
        except UnicodeDecodeError:
            out.append(None)
            continue
        if ff.fmt == "CSV":
            row = next(csv.reader(io.StringIO(text)))
            if i == 0:
                header = row
                continue
            out.append(row)
        else:
            out.append(text.split("\x1b"))
    return header, out


def table_frame(path: Path, system: str, columns: list[str]) -> pl.DataFrame:
    """Well-formed records of a file as a String frame with ``_line_no`` (1-based physical)."""
    header, rows = read_table(path, system)
    offset = 2 if header else 1
    good = [(i + offset, r) for i, r in enumerate(rows) if r is not None and len(r) == len(columns)]
    data = {c: [r[j] or None for _, r in good] for j, c in enumerate(columns)}
    data["_line_no"] = [i for i, _ in good]
    return pl.DataFrame(data, schema={**{c: pl.String for c in columns}, "_line_no": pl.Int64})
