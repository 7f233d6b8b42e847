"""Files exactly as the interface spec describes them, plus the line defects of section 6.

A table arrives here as a Polars frame of String columns in spec order (null = empty field).
Lines are built column-wise (``concat_str``), joined per chunk into one Python string and
encoded in a single call, so the cost per record is a few bytes of C, never a Python call.

Line defects are injected while the lines are built and returned as truth rows with their
physical line number:
- field_count: the last field is lost, or an extra trailing field appears (still one line);
- bad_date / bad_amount: one date or amount field holds text that is not one;
- bad_encoding: a text field ends in half a character (a GB18030 lead byte 0xD5, or a
  truncated UTF-8 sequence 0xE5 0x8C), invalid in the declared encoding;
- duplicate_record: the line appears twice in a row (the copy is the defect).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

SENTINEL = "\x00"  # never in generated text; replaced by invalid bytes after encoding
BAD_BYTES = {"GB18030": b"\xd5", "UTF-8": b"\xe5\x8c"}
BAD_DATES = np.array(["20261131", "2026-11-03", "20261300", "2026113", "19000230", "2O261101"])
BAD_AMOUNTS = np.array(["1,234.56", "12.3.4", "N/A", "¥100.00", "12O0.00", "-"])
CHUNK = 400_000


@dataclass(frozen=True)
class FileFormat:
    encoding: str  # 'GB18030' | 'UTF-8'
    fmt: str  # 'DELIMITED' | 'CSV'
    record_sep: str  # 'LF' | 'CRLF'

    @property
    def sep(self) -> str:
        return "\x1b" if self.fmt == "DELIMITED" else ","

    @property
    def eol(self) -> str:
        return "\n" if self.record_sep == "LF" else "\r\n"

    @property
    def codec(self) -> str:
        return "gb18030" if self.encoding == "GB18030" else "utf-8"


FORMATS = {
    "core": FileFormat("GB18030", "DELIMITED", "LF"),
    "card": FileFormat("GB18030", "DELIMITED", "CRLF"),
    "loan": FileFormat("GB18030", "DELIMITED", "LF"),
    "org": FileFormat("UTF-8", "CSV", "LF"),
    "chan": FileFormat("UTF-8", "CSV", "LF"),
}


@dataclass
class TableSpec:
    """What the writer needs to know about a table beyond its columns."""

    key: str
    date_cols: tuple[str, ...] = ()
    amount_cols: tuple[str, ...] = ()
    text_cols: tuple[str, ...] = ()
    line_defects: bool = True


@dataclass
class WrittenFile:
    name: str
    rows: int
    nbytes: int
    md5: str


def _csv_field(col: str) -> pl.Expr:
    c = pl.col(col)
    return (
        pl.when(c.str.contains('[",\r\n]'))
        .then(pl.lit('"') + c.str.replace_all('"', '""', literal=True) + pl.lit('"'))
        .otherwise(c)
    )


def _choose_line_defects(
    rng: np.random.Generator, n: int, spec: TableSpec, rates: dict[str, float]
) -> np.ndarray:
    """One line-defect kind (or '') per row, mutually exclusive."""
    kinds = []
    if not spec.line_defects or n == 0:
        return np.full(n, "", dtype=object)
    kinds.append(("field_count", rates.get("field_count", 0)))
    if spec.date_cols:
        kinds.append(("bad_date", rates.get("bad_date", 0)))
    if spec.amount_cols:
        kinds.append(("bad_amount", rates.get("bad_amount", 0)))
    if spec.text_cols:
        kinds.append(("bad_encoding", rates.get("bad_encoding", 0)))
    u = rng.random(n)
    out = np.full(n, "", dtype=object)
    lo = 0.0
    for kind, rate in kinds:
        out[(u >= lo) & (u < lo + rate)] = kind
        lo += rate
    return out


def write_table(
    path: Path,
    df: pl.DataFrame,
    ff: FileFormat,
    spec: TableSpec,
    rng: np.random.Generator,
    rates: dict[str, float],
    labels: pl.DataFrame | None = None,
) -> tuple[WrittenFile, pl.DataFrame]:
    """Write one data file; return its flag entry and the truth rows of its defects.

    ``labels``: per-row attribute-defect labels (String columns, null = none), same row order.
    Truth rows: line_no, source_key, defect_kind, detail.
    """
    n = len(df)
    cols = df.columns
    kind = _choose_line_defects(rng, n, spec, rates)
    detail = np.full(n, None, dtype=object)
    work = df
    for k, pool, targets in (
        ("bad_date", BAD_DATES, spec.date_cols),
        ("bad_amount", BAD_AMOUNTS, spec.amount_cols),
    ):
        rows = np.flatnonzero(kind == k)
        if len(rows) == 0:
            continue
        which = np.array(targets)[rng.integers(0, len(targets), size=len(rows))]
        vals = pool[rng.integers(0, len(pool), size=len(rows))]
        for col in targets:  # loop over the table's few date/amount columns
            sel = rows[which == col]
            if len(sel) == 0:
                continue
            repl = pl.repeat(None, n, dtype=pl.String, eager=True).scatter(
                sel, vals[which == col].tolist()
            )
            mask = np.zeros(n, dtype=bool)
            mask[sel] = True
            work = work.with_columns(
                pl.when(pl.Series(mask)).then(repl).otherwise(pl.col(col)).alias(col)
            )
            detail[sel] = [f"{k} in {col}: " + v for v in vals[which == col].tolist()]
    rows = np.flatnonzero(kind == "bad_encoding")
    if len(rows):
        col = spec.text_cols[0]
        mask = np.zeros(n, dtype=bool)
        mask[rows] = True
        work = work.with_columns(
            pl.when(pl.Series(mask))
            .then(pl.col(col).fill_null("") + SENTINEL)
            .otherwise(pl.col(col))
            .alias(col)
        )
        detail[rows] = f"invalid {ff.encoding} bytes at the end of {col}"
    fields = [_csv_field(c) if ff.fmt == "CSV" else pl.col(c) for c in cols]
    line = pl.concat_str([f.fill_null("") for f in fields], separator=ff.sep)
    fc = kind == "field_count"
    drop_last = fc & (rng.random(n) < 0.5)
    add_extra = fc & ~drop_last
    detail[drop_last] = f"expected {len(cols)} fields, last field missing"
    detail[add_extra] = f"expected {len(cols)} fields, one extra"
    sep_re = "\x1b" if ff.fmt == "DELIMITED" else ","
    line = (
        pl.when(pl.Series(drop_last))
        .then(line.str.replace(f"{sep_re}[^{sep_re}]*$", ""))
        .when(pl.Series(add_extra))
        .then(line + ff.sep + "X")
        .otherwise(line)
    )
    lines = work.select(line.alias("line"))["line"]
    # exact duplicates follow their original
    dup = rng.random(n) < (rates.get("duplicate_record", 0) if spec.line_defects else 0)
    order = np.sort(np.concatenate([np.arange(n) * 2, np.flatnonzero(dup) * 2 + 1]))
    src = order // 2
    is_copy = (order % 2) == 1
    if dup.any():
        lines = lines.gather(src)
    header = 1 if ff.fmt == "CSV" else 0
    line_no = np.arange(len(src)) + 1 + header

    nbytes, md5 = _write_lines(path, lines, ff, cols if header else None)
    # truth rows
    keys = df[spec.key]
    parts = []
    orig_pos = np.flatnonzero(~is_copy)
    if (kind != "").any():
        m = kind[src[orig_pos]] != ""
        pos = orig_pos[m]
        parts.append(
            pl.DataFrame(
                {
                    "line_no": line_no[pos],
                    "source_key": keys.gather(src[pos]),
                    "defect_kind": kind[src[pos]].astype(str),
                    "detail": detail[src[pos]].astype(str),
                }
            )
        )
    if is_copy.any():
        pos = np.flatnonzero(is_copy)
        parts.append(
            pl.DataFrame(
                {
                    "line_no": line_no[pos],
                    "source_key": keys.gather(src[pos]),
                    "defect_kind": "duplicate_record",
                    "detail": "exact duplicate of line "
                    + pl.Series(line_no[pos] - 1).cast(pl.String),
                }
            )
        )
    if labels is not None and len(labels.columns):
        lab = labels.with_columns(pl.Series("line_no", line_no[orig_pos]), keys.alias("source_key"))
        for c in labels.columns:
            sub = lab.filter(pl.col(c).is_not_null())
            if len(sub):
                parts.append(
                    sub.select(
                        "line_no",
                        "source_key",
                        pl.col(c).alias("defect_kind"),
                        pl.lit("source record").alias("detail"),
                    )
                )
    schema = {
        "line_no": pl.Int64,
        "source_key": pl.String,
        "defect_kind": pl.String,
        "detail": pl.String,
    }
    truth = pl.concat([p.cast(schema) for p in parts]) if parts else pl.DataFrame(schema=schema)
    return WrittenFile(path.name, len(src), nbytes, md5), truth


def _write_lines(
    path: Path, lines: pl.Series, ff: FileFormat, header: list[str] | None
) -> tuple[int, str]:
    h = hashlib.md5()
    nbytes = 0
    bad = BAD_BYTES[ff.encoding]
    with open(path, "wb") as f:
        if header is not None:
            b = (",".join(header) + ff.eol).encode(ff.codec)
            f.write(b)
            h.update(b)
            nbytes += len(b)
        for off in range(0, len(lines), CHUNK):
            chunk = lines.slice(off, CHUNK)
            text = chunk.str.join(ff.eol).item() + ff.eol
            b = text.encode(ff.codec)
            if SENTINEL in text:
                b = b.replace(b"\x00", bad)
            f.write(b)
            h.update(b)
            nbytes += len(b)
    return nbytes, h.hexdigest()


def flag_text(system: str, biz: str, files: list[WrittenFile], redelivery: int = 0) -> str:
    ff = FORMATS[system]
    lines = [
        f"SYSTEM={system}",
        f"BIZ_DATE={biz}",
        f"ENCODING={ff.encoding}",
        f"FORMAT={ff.fmt}",
        f"FIELD_SEP={'0x1B' if ff.fmt == 'DELIMITED' else '0x2C'}",
        f"RECORD_SEP={ff.record_sep}",
        f"REDELIVERY={redelivery}",
    ]
    lines += [f"FILE={w.name};ROWS={w.rows};BYTES={w.nbytes};MD5={w.md5}" for w in files]
    return "\n".join(lines) + "\n"
