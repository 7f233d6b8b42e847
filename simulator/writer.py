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
import queue
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

SENTINEL = "\x00"  # never in generated text; replaced by invalid bytes after encoding
BAD_BYTES = {"GB18030": b"\xd5", "UTF-8": b"\xe5\x8c"}
BAD_DATES = np.array(["20261131", "2026-11-03", "20261300", "2026113", "19000230", "2O261101"])
BAD_AMOUNTS = np.array(["1,234.56", "12.3.4", "N/A", "¥100.00", "12O0.00", "-"])
CHUNK = 200_000


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


LINE_KINDS = ("", "field_count", "bad_date", "bad_amount", "bad_encoding")


def _choose_line_defects(
    rng: np.random.Generator, n: int, spec: TableSpec, rates: dict[str, float]
) -> np.ndarray:
    """One line-defect code per row (index into LINE_KINDS; 0 none), mutually exclusive."""
    out = np.zeros(n, dtype=np.int8)
    if not spec.line_defects or n == 0:
        return out
    eligible = {
        "field_count": True,
        "bad_date": bool(spec.date_cols),
        "bad_amount": bool(spec.amount_cols),
        "bad_encoding": bool(spec.text_cols),
    }
    u = rng.random(n)
    lo = 0.0
    for code, kind in enumerate(LINE_KINDS[1:], start=1):
        rate = rates.get(kind, 0.0) if eligible[kind] else 0.0
        out[(u >= lo) & (u < lo + rate)] = code
        lo += rate
    return out


def _truth_rows(rows: np.ndarray, kind: str, detail: pl.Series | str) -> pl.DataFrame:
    return pl.DataFrame(
        {"row": rows.astype(np.int64), "defect_kind": kind, "detail": detail},
        schema={"row": pl.Int64, "defect_kind": pl.String, "detail": pl.String},
    )


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
    Truth rows: line_no, source_key, defect_kind, detail. Defects touch only the rows they
    hit (scatter), so their cost does not grow with the file.
    """
    n = len(df)
    cols = df.columns
    code = _choose_line_defects(rng, n, spec, rates)
    series = {c: df.get_column(c) for c in cols}
    found: list[pl.DataFrame] = []
    for k, pool, targets in (
        ("bad_date", BAD_DATES, spec.date_cols),
        ("bad_amount", BAD_AMOUNTS, spec.amount_cols),
    ):
        rows = np.flatnonzero(code == LINE_KINDS.index(k))
        if len(rows) == 0:
            continue
        which = rng.integers(0, len(targets), size=len(rows))
        vals = pool[rng.integers(0, len(pool), size=len(rows))]
        for j, col in enumerate(targets):  # loop over the table's few date/amount columns
            sel = rows[which == j]
            if len(sel) == 0:
                continue
            v = pl.Series(vals[which == j].tolist(), dtype=pl.String)
            series[col] = series[col].clone().scatter(sel, v)
            found.append(_truth_rows(sel, k, f"{k} in {col}: '" + v + "'"))
    rows = np.flatnonzero(code == LINE_KINDS.index("bad_encoding"))
    if len(rows):
        col = spec.text_cols[0]
        v = series[col].gather(rows).fill_null("") + SENTINEL
        series[col] = series[col].clone().scatter(rows, v)
        found.append(
            _truth_rows(rows, "bad_encoding", f"invalid {ff.encoding} bytes at the end of {col}")
        )
    work = pl.DataFrame(series)
    del series
    fields = [_csv_field(c) if ff.fmt == "CSV" else pl.col(c) for c in cols]
    line_expr = pl.concat_str([f.fill_null("") for f in fields], separator=ff.sep).alias("line")
    fc_rows = np.flatnonzero(code == LINE_KINDS.index("field_count"))
    fc_drop = rng.random(len(fc_rows)) < 0.5
    if len(fc_rows):
        detail = pl.select(
            pl.when(pl.Series(fc_drop))
            .then(pl.lit(f"expected {len(cols)} fields, last field missing"))
            .otherwise(pl.lit(f"expected {len(cols)} fields, one extra"))
        ).to_series()
        found.append(_truth_rows(fc_rows, "field_count", detail))
    # exact duplicates follow their original line
    dup_rate = rates.get("duplicate_record", 0.0) if spec.line_defects else 0.0
    # (never of a line that is already broken, so each line has exactly one defect kind)
    dup = np.flatnonzero((rng.random(n) < dup_rate) & (code == 0))
    header = 1 if ff.fmt == "CSV" else 0
    # physical line of each row's original: the row, plus the copies inserted before it
    shift = np.zeros(n + 1, dtype=np.int64)
    if len(dup):
        np.add.at(shift, dup + 1, 1)
        shift = np.cumsum(shift)
        found.append(
            _truth_rows(
                dup,
                "duplicate_record",
                "exact duplicate of line "
                + pl.Series(dup + shift[dup] + 1 + header).cast(pl.String),
            )
        )
    src = np.sort(np.concatenate([np.arange(n), dup]), kind="stable")
    sep_re = "\x1b" if ff.fmt == "DELIMITED" else ","

    def chunks():
        """Lines chunk by chunk, so a big file never sits in memory as text all at once."""
        for a in range(0, len(src), CHUNK):
            s_ = src[a : a + CHUNK]
            lo, hi = int(s_[0]), int(s_[-1]) + 1
            lines = work.slice(lo, hi - lo).select(line_expr)["line"]
            m = (fc_rows >= lo) & (fc_rows < hi)
            if m.any():
                at = fc_rows[m] - lo
                sub = lines.gather(at)
                broken = pl.select(
                    pl.when(pl.Series(fc_drop[m]))
                    .then(sub.str.replace(f"{sep_re}[^{sep_re}]*$", ""))
                    .otherwise(sub + ff.sep + "X")
                ).to_series()
                lines = lines.scatter(at, broken)
            yield lines.gather(s_ - lo) if len(s_) != hi - lo else lines

    nbytes, md5 = _write_lines(path, chunks(), ff, cols if header else None)
    rows_total = len(src)
    if labels is not None and len(labels.columns) and n:
        lab = labels.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
        for c in labels.columns:
            sub = lab.filter(pl.col(c).is_not_null())
            if len(sub):
                found.append(
                    sub.select(
                        "row",
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
    if not found:
        return WrittenFile(path.name, rows_total, nbytes, md5), pl.DataFrame(schema=schema)
    t = pl.concat(found)
    r = t["row"].to_numpy()
    is_copy = (t["defect_kind"] == "duplicate_record").to_numpy()
    line_no = r + shift[r] + 1 + header + is_copy
    truth = t.select(
        pl.Series("line_no", line_no),
        df.get_column(spec.key).gather(r).alias("source_key"),
        "defect_kind",
        "detail",
    ).sort("line_no", "defect_kind")
    return WrittenFile(path.name, rows_total, nbytes, md5), truth


def _write_lines(path: Path, chunks, ff: FileFormat, header: list[str] | None) -> tuple[int, str]:
    """Encode each chunk of lines in one call; a second thread writes it and folds it into
    the MD5 (both release the GIL), overlapping with building and encoding the next chunk."""
    h = hashlib.md5()
    bad = BAD_BYTES[ff.encoding]
    pending: queue.Queue[bytes | None] = queue.Queue(maxsize=2)
    written = [0]
    errors: list[BaseException] = []

    def sink(f) -> None:
        try:
            while (b := pending.get()) is not None:
                f.write(b)
                h.update(b)
                written[0] += len(b)
        except BaseException as exc:  # surfaced in the caller below
            errors.append(exc)
            while pending.get() is not None:
                pass

    with open(path, "wb") as f:
        t = threading.Thread(target=sink, args=(f,), daemon=True)
        t.start()
        try:
            if header is not None:
                pending.put((",".join(header) + ff.eol).encode(ff.codec))
            for chunk in chunks:
                if len(chunk) == 0:
                    continue
                text = chunk.str.join(ff.eol).item() + ff.eol
                # ASCII-only text (balances, most transactions) is the same in every encoding
                # declared here: take CPython's memcpy path instead of the CJK codec
                b = text.encode("ascii") if text.isascii() else text.encode(ff.codec)
                del text
                if SENTINEL.encode() in b:
                    b = b.replace(b"\x00", bad)
                pending.put(b)
        finally:
            pending.put(None)
            t.join()
    if errors:
        raise errors[0]
    return written[0], h.hexdigest()


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
