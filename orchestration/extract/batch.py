"""Extract one source batch (a system's delivery for one business date) into the lake.

Order of work, so a reader never sees a half-loaded batch:
1. no ``.ok`` -> :class:`BatchNotReady`; same ``.ok`` bytes as last time -> 'unchanged';
2. verify every file against the flag file -> :class:`BatchRefused` (only the refusal json is
   written);
3. stream every table into raw / quarantine Parquet in hidden staging directories, with the
   reconciliation and control totals, asserting declared = raw + quarantined per table;
4. swap every staged partition in, then write the batch state json last.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from crmwh.config import TABLES
from orchestration.extract.dedup import DuplicateTracker, hash_records
from orchestration.extract.errors import BatchNotReady, BatchRefused
from orchestration.extract.flagfile import FlagFile, FlagFileEntry, FlagFileError, parse_flag_file
from orchestration.extract.publish import read_json, swap_in, temp_sibling, write_json_atomic
from orchestration.extract.records import (
    LF,
    Layout,
    ParsedChunk,
    column_from_fields,
    iter_chunks,
    parse_chunk,
)
from orchestration.extract.totals import CONTROL_TOTALS_SCHEMA, ControlTotals
from orchestration.extract.verify import flag_file_name, layout_for, verify_batch

DEFAULT_CHUNK_BYTES = 48 << 20
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 1}
# Raw files: dictionary pages and min/max statistics only for the lineage columns. On the
# free-text data columns they cost about a third of the write time and buy little (readers
# prune by the hive partition, then scan).
RAW_PARQUET_OPTIONS = {
    **PARQUET_OPTIONS,
    "use_dictionary": ["_batch_id", "_source_file"],
    "write_statistics": ["_batch_id", "_redelivery", "_line_no", "_biz_date"],
}
REASONS = ("field_count", "encoding", "duplicate")
TS_UTC = pa.timestamp("us", tz="UTC")

LINEAGE_FIELDS = [
    pa.field("_batch_id", pa.string()),
    pa.field("_redelivery", pa.int32()),
    pa.field("_source_file", pa.string()),
    pa.field("_line_no", pa.int64()),
    pa.field("_loaded_at", TS_UTC),
    pa.field("_biz_date", pa.date32()),
]
QUARANTINE_SCHEMA = pa.schema(
    [
        ("system", pa.string()),
        ("table_name", pa.string()),
        ("biz_date", pa.date32()),
        ("batch_id", pa.string()),
        ("redelivery", pa.int32()),
        ("source_file", pa.string()),
        ("line_no", pa.int64()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("raw_bytes", pa.binary()),
        ("loaded_at", TS_UTC),
    ]
)
RECONCILIATION_SCHEMA = pa.schema(
    [
        ("system", pa.string()),
        ("table_name", pa.string()),
        ("biz_date", pa.date32()),
        ("batch_id", pa.string()),
        ("redelivery", pa.int32()),
        ("declared_rows", pa.int64()),
        ("raw_rows", pa.int64()),
        ("quarantined_rows", pa.int64()),
        ("quarantined_field_count", pa.int64()),
        ("quarantined_encoding", pa.int64()),
        ("quarantined_duplicate", pa.int64()),
        ("declared_bytes", pa.int64()),
        ("declared_md5", pa.string()),
        ("loaded_at", TS_UTC),
    ]
)


def raw_schema(columns: tuple[str, ...]) -> pa.Schema:
    return pa.schema([pa.field(c, pa.string()) for c in columns] + LINEAGE_FIELDS)


@dataclass
class TableResult:
    table: str
    declared_rows: int
    raw_rows: int
    quarantined: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))

    @property
    def quarantined_rows(self) -> int:
        return sum(self.quarantined.values())


@dataclass
class ExtractResult:
    system: str
    biz_date: dt.date
    batch_id: str
    redelivery: int
    status: str  # 'extracted' | 'unchanged' | 'redelivered'
    tables: list[TableResult]
    previous_redelivery: int | None
    seconds: float
    bytes_read: int


@dataclass(frozen=True)
class _Batch:
    """What every row written for this batch carries."""

    system: str
    biz_date: dt.date
    batch_id: str
    redelivery: int
    loaded_at: dt.datetime


# ----------------------------------------------------------------------------------------------
# paths


def raw_partition(lake_dir: Path, system: str, table: str, biz_date: dt.date) -> Path:
    return lake_dir / "raw" / system / table / f"biz_date={biz_date:%Y-%m-%d}"


def quarantine_partition(lake_dir: Path, system: str, table: str, biz_date: dt.date) -> Path:
    return lake_dir / "quarantine" / system / table / f"biz_date={biz_date:%Y-%m-%d}"


def control_partition(lake_dir: Path, kind: str, system: str, biz_date: dt.date) -> Path:
    return lake_dir / "control" / kind / f"system={system}" / f"biz_date={biz_date:%Y-%m-%d}"


def state_path(lake_dir: Path, system: str, biz_date: dt.date) -> Path:
    return lake_dir / "control" / "batches" / system / f"{biz_date:%Y%m%d}.json"


def refusal_path(lake_dir: Path, system: str, biz_date: dt.date) -> Path:
    return lake_dir / "control" / "refusals" / system / f"{biz_date:%Y%m%d}.json"


def batch_dir(landing_dir: Path, system: str, biz_date: dt.date) -> Path:
    return landing_dir / system / f"{biz_date:%Y%m%d}"


def list_batches(landing_dir: Path, system: str) -> list[tuple[dt.date, bool]]:
    """Every batch directory of ``system`` in landing, oldest first, and whether its .ok exists."""
    root = Path(landing_dir) / system
    if not root.is_dir():
        return []
    out = []
    for d in sorted(root.iterdir()):
        if d.is_dir() and re.fullmatch(r"\d{8}", d.name):
            try:
                day = dt.datetime.strptime(d.name, "%Y%m%d").date()
            except ValueError:
                continue
            out.append((day, (d / flag_file_name(system, day)).is_file()))
    return out


@contextlib.contextmanager
def _batch_lock(lake_dir: Path, system: str, biz_date: dt.date) -> Iterator[None]:
    """Serialise extractions of the SAME batch (different batches run concurrently)."""
    lock = lake_dir / "control" / "batches" / system / f".{biz_date:%Y%m%d}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# ----------------------------------------------------------------------------------------------
# one table


def _const(value: object, n: int, type_: pa.DataType) -> pa.Array:
    return pa.repeat(pa.scalar(value, type_), n)


def _encoding_details(raw: pa.BinaryArray, codec: str, encoding: str) -> list[str]:
    """Where each bad record's first invalid byte is. Runs over quarantined records only."""
    details = []
    for rec in raw.to_pylist():
        try:
            rec.decode(codec)
            pos = None
        except UnicodeDecodeError as exc:
            pos = exc.start + 1
        details.append(f"invalid {encoding} bytes at byte {pos} of the record")
    return details


@dataclass
class _ChunkWork:
    """A parsed chunk handed from the parsing thread to the writer thread."""

    parsed: ParsedChunk
    offset: int  # file offset of the chunk
    first: int  # index of the first data record (1 in the chunk holding a CSV header)
    sel: np.ndarray  # indices of the data records of the chunk
    lines: np.ndarray  # physical line of every record of the chunk


class _TableExtractor:
    """Streams one data file into a raw Parquet file (and a quarantine one if needed)."""

    def __init__(
        self,
        batch: _Batch,
        table: str,
        layout: Layout,
        path: Path,
        raw_dir: Path,
        quarantine_dir: Path,
    ) -> None:
        self.b = batch
        self.table = table
        self.layout = layout
        self.path = path
        self.file = path.name
        self.raw_schema = raw_schema(layout.columns)
        self.raw_writer = pq.ParquetWriter(
            raw_dir / "part-0.parquet", self.raw_schema, **RAW_PARQUET_OPTIONS
        )
        self.quarantine_dir = quarantine_dir
        self.q_writer: pq.ParquetWriter | None = None
        self.spill_dir = temp_sibling(raw_dir, "dedup")  # beside the staging dir, same disk
        self.dups = DuplicateTracker(path, self.spill_dir)
        self.totals = ControlTotals(table)
        self.raw_rows = 0
        self.quarantined = dict.fromkeys(REASONS, 0)
        self.records_seen = 0  # records so far (CSV: header included)
        self.lines_seen = 0  # LF bytes so far (CSV physical lines)

    def run(self, chunk_bytes: int) -> int:
        """Stream the file; parse chunk N+1 while a writer thread encodes and writes chunk N.

        Arrow's take, the Parquet encoder and NumPy release the GIL, so on two cores parsing
        and writing overlap. At most three chunks are alive at once (being read, parsed,
        written), a few times ``chunk_bytes`` of memory whatever the file size; the duplicate
        index adds 8 bytes per distinct record (the rest of it is spilled to disk).
        """
        read = 0
        try:
            with ThreadPoolExecutor(1, thread_name_prefix=f"write-{self.table}") as writer:
                pending: Future | None = None
                for offset, chunk in iter_chunks(self.path, self.layout, chunk_bytes):
                    read += len(chunk)
                    work = self._prepare(offset, chunk)
                    if pending is not None:
                        pending.result()
                    pending = writer.submit(self._emit, work) if work is not None else None
                if pending is not None:
                    pending.result()
        finally:
            self.raw_writer.close()
            if self.q_writer is not None:
                self.q_writer.close()
            self.dups.chunks.clear()  # unmap before deleting
            shutil.rmtree(self.spill_dir, ignore_errors=True)
        return read

    def _prepare(self, offset: int, chunk: bytes) -> _ChunkWork | None:
        """Split a chunk into records and fields, and number its lines (parsing thread)."""
        csv = self.layout.is_csv
        p = parse_chunk(chunk, self.layout)
        n = p.n_records
        index = np.arange(n, dtype=np.int64)
        if csv:
            all_lf = np.flatnonzero(np.frombuffer(chunk, np.uint8) == LF)
            lines = self.lines_seen + 1 + np.searchsorted(all_lf, p.rec_starts)
            self.lines_seen += len(all_lf)
        else:
            lines = self.records_seen + 1 + index
        first = 1 if (csv and self.records_seen == 0) else 0  # the CSV header record
        self.records_seen += n
        if n - first == 0:
            return None
        return _ChunkWork(p, offset, first, index[first:], lines)

    def _emit(self, w: _ChunkWork) -> None:
        """Classify one chunk's records, then write raw rows, control totals and quarantine.

        Runs on the writer thread, one chunk at a time in file order, which is what the
        duplicate tracker needs (a first copy is always seen before its repeats).
        """
        p, sel, lines = w.parsed, w.sel, w.lines
        sep_len = len(self.layout.record_sep)
        starts = p.rec_starts[sel] + w.offset
        lengths = p.rec_ends[sel] - p.rec_starts[sel] + sep_len
        hashes = hash_records(p.records.slice(w.first))
        dup = self.dups.check(hashes, starts, lengths, lines[sel])
        enc = p.bad_encoding[sel]
        counts = p.field_counts[sel]
        fc = ~enc & (counts != len(self.layout.columns))
        dupe = ~enc & ~fc & dup.is_dup
        bad = enc | fc | dupe
        good_idx = sel[~bad]
        self._write_raw(p, good_idx, lines[good_idx])
        if bad.any():
            self._write_quarantine(p, sel, lines[sel], enc, fc, dupe, counts, dup.first_line)

    def _write_raw(self, p: ParsedChunk, good_idx: np.ndarray, lines: np.ndarray) -> None:
        n = len(good_idx)
        if n == 0:
            return
        cols = [
            column_from_fields(p, good_idx, k, self.layout.is_csv)
            for k in range(len(self.layout.columns))
        ]
        cols += [
            _const(self.b.batch_id, n, pa.string()),
            _const(self.b.redelivery, n, pa.int32()),
            _const(self.file, n, pa.string()),
            pa.array(lines, pa.int64()),
            _const(self.b.loaded_at, n, TS_UTC),
            _const(self.b.biz_date, n, pa.date32()),
        ]
        table = pa.Table.from_arrays(cols, schema=self.raw_schema)
        self.totals.add(table)
        self.raw_writer.write_table(table)
        self.raw_rows += n

    def _write_quarantine(
        self,
        p: ParsedChunk,
        sel: np.ndarray,
        lines: np.ndarray,
        enc: np.ndarray,
        fc: np.ndarray,
        dupe: np.ndarray,
        counts: np.ndarray,
        first_line: np.ndarray,
    ) -> None:
        sep_len = len(self.layout.record_sep)
        parts = []
        for reason, mask in (("encoding", enc), ("field_count", fc), ("duplicate", dupe)):
            k = int(np.count_nonzero(mask))
            if k == 0:
                continue
            self.quarantined[reason] += k
            raw = pc.binary_slice(p.records.take(pa.array(sel[mask])), 0, -sep_len)
            if reason == "encoding":
                detail = pa.array(
                    _encoding_details(raw, self.layout.codec, self.layout.encoding), pa.string()
                )
            elif reason == "field_count":
                detail = pc.binary_join_element_wise(
                    f"expected {len(self.layout.columns)} fields, found ",
                    pa.array(counts[mask]).cast(pa.string()),
                    "",
                )
            else:
                detail = pc.binary_join_element_wise(
                    "exact duplicate of line ", pa.array(first_line[mask]).cast(pa.string()), ""
                )
            parts.append(
                pa.Table.from_arrays(
                    [
                        _const(self.b.system, k, pa.string()),
                        _const(self.table, k, pa.string()),
                        _const(self.b.biz_date, k, pa.date32()),
                        _const(self.b.batch_id, k, pa.string()),
                        _const(self.b.redelivery, k, pa.int32()),
                        _const(self.file, k, pa.string()),
                        pa.array(lines[mask], pa.int64()),
                        _const(reason, k, pa.string()),
                        detail,
                        raw.cast(pa.binary()),
                        _const(self.b.loaded_at, k, TS_UTC),
                    ],
                    schema=QUARANTINE_SCHEMA,
                )
            )
        table = pa.concat_tables(parts).sort_by("line_no")
        if self.q_writer is None:
            self.quarantine_dir.mkdir(parents=True, exist_ok=True)
            self.q_writer = pq.ParquetWriter(
                self.quarantine_dir / "part-0.parquet", QUARANTINE_SCHEMA, **PARQUET_OPTIONS
            )
        self.q_writer.write_table(table)


# ----------------------------------------------------------------------------------------------
# the batch


def _refuse(lake_dir: Path, exc: BatchRefused, flag_md5: str) -> None:
    write_json_atomic(
        refusal_path(lake_dir, exc.system, exc.biz_date),
        {
            "system": exc.system,
            "biz_date": f"{exc.biz_date:%Y-%m-%d}",
            "reason": exc.message,
            "file": exc.file,
            "kind": exc.kind,
            "mismatch": exc.kind,
            "flag_md5": flag_md5,
            "refused_at": dt.datetime.now(dt.UTC).isoformat(),
        },
    )


def _parse_flag(system: str, biz_date: dt.date, ok_name: str, data: bytes) -> FlagFile:
    try:
        return parse_flag_file(data.decode("utf-8"))
    except (UnicodeDecodeError, FlagFileError) as exc:
        raise BatchRefused(
            system,
            biz_date,
            ok_name,
            "flag_file",
            f"batch {system} {biz_date:%Y%m%d}: flag file {ok_name} is malformed: {exc}",
        ) from None


def _tables_from_state(state: dict) -> list[TableResult]:
    return [
        TableResult(t["table"], t["declared_rows"], t["raw_rows"], dict(t["quarantined"]))
        for t in state.get("tables", [])
    ]


def extract_batch(
    system: str,
    biz_date: dt.date,
    landing_dir: Path,
    lake_dir: Path,
    *,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    table_workers: int = 2,
) -> ExtractResult:
    """Extract one batch into raw, quarantine and control; see the module docstring.

    Raises :class:`BatchNotReady` (no ``.ok`` yet) or :class:`BatchRefused` (batch-level
    mismatch; only the refusal json is written). ``chunk_bytes`` bounds the memory used per
    file (tests make it tiny to put records across chunk edges); ``table_workers`` tables are
    extracted at once (peak memory is about 5 chunks per worker).
    """
    started = time.perf_counter()
    landing_dir, lake_dir = Path(landing_dir), Path(lake_dir)
    bdir = batch_dir(landing_dir, system, biz_date)
    ok_name = flag_file_name(system, biz_date)
    if not (bdir / ok_name).is_file():
        raise BatchNotReady(
            system,
            biz_date,
            f"batch {system} {biz_date:%Y%m%d} is not ready: {bdir / ok_name} does not exist "
            "(still in transfer)",
        )
    ok_bytes = (bdir / ok_name).read_bytes()
    flag_md5 = hashlib.md5(ok_bytes).hexdigest()

    with _batch_lock(lake_dir, system, biz_date):
        state = read_json(state_path(lake_dir, system, biz_date))
        if (
            state
            and state.get("flag_md5") == flag_md5
            and state.get("status") == "extracted"
            and all(raw_partition(lake_dir, system, t, biz_date).is_dir() for t in TABLES[system])
        ):
            return ExtractResult(
                system=system,
                biz_date=biz_date,
                batch_id=state["batch_id"],
                redelivery=state["redelivery"],
                status="unchanged",
                tables=_tables_from_state(state),
                previous_redelivery=state["redelivery"],
                seconds=time.perf_counter() - started,
                bytes_read=0,
            )
        try:
            flag = _parse_flag(system, biz_date, ok_name, ok_bytes)
            entries = verify_batch(system, biz_date, bdir, flag)
        except BatchRefused as exc:
            _refuse(lake_dir, exc, flag_md5)
            raise

        previous = state["redelivery"] if state else None
        status = "redelivered" if state else "extracted"
        batch = _Batch(
            system=system,
            biz_date=biz_date,
            batch_id=f"{system}_{biz_date:%Y%m%d}_r{flag.redelivery}",
            redelivery=flag.redelivery,
            loaded_at=dt.datetime.now(dt.UTC),
        )
        staged: list[tuple[Path, Path]] = []  # (staging dir, live partition)
        try:
            tables, bytes_read = _extract_tables(
                batch, flag, entries, bdir, lake_dir, staged, chunk_bytes, table_workers
            )
            for tmp, live in staged:
                swap_in(tmp, live)
            staged.clear()
        finally:
            for tmp, _ in staged:
                shutil.rmtree(tmp, ignore_errors=True)

        write_json_atomic(
            state_path(lake_dir, system, biz_date),
            {
                "status": "extracted",
                "system": system,
                "biz_date": f"{biz_date:%Y-%m-%d}",
                "batch_id": batch.batch_id,
                "redelivery": batch.redelivery,
                "previous_redelivery": previous,
                "flag_md5": flag_md5,
                "tables": [asdict(t) for t in tables],
                "extracted_at": batch.loaded_at.isoformat(),
            },
        )
        with contextlib.suppress(FileNotFoundError):
            os.remove(refusal_path(lake_dir, system, biz_date))
    return ExtractResult(
        system=system,
        biz_date=biz_date,
        batch_id=batch.batch_id,
        redelivery=batch.redelivery,
        status=status,
        tables=tables,
        previous_redelivery=previous,
        seconds=time.perf_counter() - started,
        bytes_read=bytes_read,
    )


@dataclass
class _TableOutcome:
    result: TableResult
    recon: dict
    totals: pa.Table | None
    bytes_read: int


def _extract_table(
    batch: _Batch,
    flag: FlagFile,
    table: str,
    entry: FlagFileEntry,
    bdir: Path,
    lake_dir: Path,
    staged: list[tuple[Path, Path]],
    chunk_bytes: int,
) -> _TableOutcome:
    """Stream one table into staging directories (registered in ``staged`` before writing)."""
    system, biz_date = batch.system, batch.biz_date
    raw_live = raw_partition(lake_dir, system, table, biz_date)
    q_live = quarantine_partition(lake_dir, system, table, biz_date)
    raw_tmp = temp_sibling(raw_live)
    staged.append((raw_tmp, raw_live))
    q_tmp = temp_sibling(q_live)
    staged.append((q_tmp, q_live))
    ex = _TableExtractor(batch, table, layout_for(flag, table), bdir / entry.name, raw_tmp, q_tmp)
    bytes_read = ex.run(chunk_bytes)
    quarantined = sum(ex.quarantined.values())
    if entry.rows != ex.raw_rows + quarantined:
        raise AssertionError(
            f"BUG: {entry.name}: declared {entry.rows} rows but raw {ex.raw_rows} + "
            f"quarantined {quarantined}; refusing to publish"
        )
    if ex.q_writer is None:
        if q_live.exists():  # replace an earlier delivery's quarantine with an empty one
            pq.write_table(
                QUARANTINE_SCHEMA.empty_table(), q_tmp / "part-0.parquet", **PARQUET_OPTIONS
            )
        else:
            staged.remove((q_tmp, q_live))
            shutil.rmtree(q_tmp)
    recon = {
        "system": system,
        "table_name": table,
        "biz_date": biz_date,
        "batch_id": batch.batch_id,
        "redelivery": batch.redelivery,
        "declared_rows": entry.rows,
        "raw_rows": ex.raw_rows,
        "quarantined_rows": quarantined,
        "quarantined_field_count": ex.quarantined["field_count"],
        "quarantined_encoding": ex.quarantined["encoding"],
        "quarantined_duplicate": ex.quarantined["duplicate"],
        "declared_bytes": entry.bytes,
        "declared_md5": entry.md5,
        "loaded_at": batch.loaded_at,
    }
    totals = None
    if ex.totals.measures:
        ex.totals.ensure_measures()
        totals = ex.totals.to_table(system, biz_date, batch.redelivery)
    return _TableOutcome(
        TableResult(table, entry.rows, ex.raw_rows, dict(ex.quarantined)),
        recon,
        totals,
        bytes_read,
    )


def _extract_tables(
    batch: _Batch,
    flag: FlagFile,
    entries: dict[str, FlagFileEntry],
    bdir: Path,
    lake_dir: Path,
    staged: list[tuple[Path, Path]],
    chunk_bytes: int,
    table_workers: int,
) -> tuple[list[TableResult], int]:
    """Stream every table into staging (appended to ``staged``) and stage the control files.

    Tables run ``table_workers`` at a time, largest file first, each with its own parsing and
    writing thread: the GIL-bound part of a table (decoding) is small, so two tables keep two
    cores busy where one table leaves its writer waiting.
    """
    system, biz_date = batch.system, batch.biz_date
    tables = sorted(TABLES[system], key=lambda t: -entries[t].bytes)
    with ThreadPoolExecutor(max(1, table_workers), thread_name_prefix="table") as pool:
        futures = {
            t: pool.submit(
                _extract_table, batch, flag, t, entries[t], bdir, lake_dir, staged, chunk_bytes
            )
            for t in tables
        }
        outcomes = {t: f.result() for t, f in futures.items()}
    ordered = [outcomes[t] for t in TABLES[system]]
    totals = [o.totals for o in ordered if o.totals is not None]
    for kind, table in (
        (
            "reconciliation",
            pa.Table.from_pylist([o.recon for o in ordered], schema=RECONCILIATION_SCHEMA),
        ),
        (
            "control_totals",
            pa.concat_tables(totals) if totals else CONTROL_TOTALS_SCHEMA.empty_table(),
        ),
    ):
        live = control_partition(lake_dir, kind, system, biz_date)
        tmp = temp_sibling(live)
        staged.append((tmp, live))
        pq.write_table(table, tmp / "part-0.parquet", **PARQUET_OPTIONS)
    return [o.result for o in ordered], sum(o.bytes_read for o in ordered)
