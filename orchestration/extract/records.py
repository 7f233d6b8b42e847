"""Vectorised splitting of a chunk of landing bytes into records and fields.

A data file is read in large chunks cut at record separators (:func:`iter_chunks`); each chunk is
decoded in one call and split with NumPy on the separator positions (:func:`parse_chunk`), never
record by record, so a 10-million-row file costs a handful of array passes per chunk.

The trick that keeps it cheap: every field of the chunk becomes one value of a single Arrow
string array built over the chunk's bytes with the separator bytes squeezed out, so a column is
one ``take`` from that array. Record boundaries in the original (undecoded) bytes are kept too,
because quarantine stores the record's bytes exactly as delivered.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

QUOTE = 0x22
LF = 0x0A
CR = 0x0D
# A lone surrogate (U+D800..U+DFFF) encoded with 'surrogatepass' is ED A0..BF xx. Valid decoding
# never yields one, so in the UTF-8 buffer it marks exactly the bytes the decoder rejected.
_SURROGATE_LEAD = 0xED


@dataclass(frozen=True)
class Layout:
    """How one file delimits records and fields (from the flag file) and what it should hold."""

    format: str  # 'DELIMITED' or 'CSV'
    encoding: str  # 'GB18030' or 'UTF-8'
    field_sep: bytes
    record_sep: bytes
    columns: tuple[str, ...]

    @property
    def is_csv(self) -> bool:
        return self.format == "CSV"

    @property
    def codec(self) -> str:
        return "gb18030" if self.encoding == "GB18030" else "utf-8"


def _outside_quotes(positions: np.ndarray, quotes: np.ndarray) -> np.ndarray:
    """Keep the positions preceded by an even number of quotes (RFC 4180: not in a quoted field).

    Assumes the buffer starts at a record boundary, where no quote is open.
    """
    if len(quotes) == 0 or len(positions) == 0:
        return positions
    return positions[(np.searchsorted(quotes, positions) & 1) == 0]


def record_sep_positions(buf: np.ndarray, layout: Layout) -> np.ndarray:
    """Start positions of every record separator in ``buf`` (which starts at a record start)."""
    lf = np.flatnonzero(buf == LF)
    if layout.record_sep == b"\r\n":
        lf = lf[lf > 0]
        lf = lf[buf[lf - 1] == CR] - 1
    if layout.is_csv:
        lf = _outside_quotes(lf, np.flatnonzero(buf == QUOTE))
    return lf


def iter_chunks(path: Path, layout: Layout, chunk_bytes: int) -> Iterator[tuple[int, bytes]]:
    """Yield ``(file_offset, bytes)`` pieces of the file, each a whole number of records.

    A piece ends right after a record separator. Bytes after the last separator (which a
    verified file does not have) come out as a final piece of their own.
    """
    sep_len = len(layout.record_sep)
    offset = 0
    pending = b""
    with open(path, "rb") as fh:
        while True:
            block = fh.read(chunk_bytes)
            if not block:
                break
            data = pending + block if pending else block
            if layout.is_csv and b'"' in data:  # a quoted field may hold a line break
                seps = record_sep_positions(np.frombuffer(data, np.uint8), layout)
                cut = int(seps[-1]) + sep_len if len(seps) else 0
            else:
                pos = data.rfind(layout.record_sep)
                cut = pos + sep_len if pos >= 0 else 0
            if cut == 0:
                pending = data  # one record longer than a chunk: read on
                continue
            yield offset, data[:cut]
            offset += cut
            pending = data[cut:]
    if pending:
        yield offset, pending


@dataclass
class ParsedChunk:
    """One chunk split into records (original bytes) and fields (decoded UTF-8)."""

    n_records: int
    rec_starts: np.ndarray  # int64, start of each record in the chunk's original bytes
    rec_ends: np.ndarray  # int64, end (exclusive, separator excluded) in the original bytes
    records: pa.BinaryArray  # original bytes of each record INCLUDING its separator
    field_counts: np.ndarray  # int64 per record
    field_base: np.ndarray  # int64 per record: index of its first field in ``fields``
    fields: pa.StringArray  # every field of the chunk, empty -> null
    bad_encoding: np.ndarray  # bool per record
    has_quotes: bool  # CSV: some field may need unquoting


def _binary_over(data: bytes | memoryview, ends_incl: np.ndarray) -> pa.BinaryArray:
    """Zero-copy binary array whose values are ``data`` cut at ``ends_incl`` (exclusive ends)."""
    offsets = np.empty(len(ends_incl) + 1, np.int32)
    offsets[0] = 0
    offsets[1:] = ends_incl
    return pa.Array.from_buffers(
        pa.binary(), len(ends_incl), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def _valid_utf8(data: bytes) -> bool:
    """Arrow's SIMD UTF-8 check, without building a Python str of the whole chunk."""
    offsets = np.array([0, len(data)], np.int64)
    one = pa.Array.from_buffers(
        pa.large_binary(), 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    try:
        one.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _to_utf8(orig: bytes, layout: Layout) -> tuple[bytes, bool]:
    """Decode the chunk in one call; return UTF-8 bytes and whether any byte was invalid.

    Invalid bytes become lone surrogates (``surrogateescape``) written with ``surrogatepass``,
    so the UTF-8 buffer keeps one record per original record and the bad spots are findable.
    """
    if orig.isascii():
        return orig, False
    if layout.encoding == "UTF-8" and _valid_utf8(orig):
        return orig, False
    if layout.encoding == "GB18030":
        try:
            return orig.decode("gb18030").encode("utf-8"), False
        except UnicodeDecodeError:
            pass
    text = orig.decode(layout.codec, "surrogateescape")
    utf8 = text.encode("utf-8", "surrogatepass")
    del text
    return utf8, True


def _surrogate_positions(buf: np.ndarray) -> np.ndarray:
    lead = np.flatnonzero(buf[:-1] == _SURROGATE_LEAD)
    return lead[(buf[lead + 1] >= 0xA0) & (buf[lead + 1] <= 0xBF)]


def _field_bounds(
    ubuf: np.ndarray, layout: Layout, data: bytes
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Where every field ends (a field or record separator), and which of those end a record.

    One pass over the bytes for both separators gives the bounds already sorted. A record end is
    reported at the first byte of its separator (the CR of a CRLF). A bare LF in a CRLF file,
    and in CSV any separator inside quotes, is data and not a bound. The flag says whether every
    separator byte of the chunk is a bound (so they can all simply be deleted). ``data`` is the
    bytes ``ubuf`` views.
    """
    mask = ubuf == layout.field_sep[0]
    mask |= ubuf == LF
    bounds = np.flatnonzero(mask)
    del mask
    is_rec = ubuf[bounds] == LF
    simple = True
    if layout.record_sep == b"\r\n":
        lf = np.flatnonzero(is_rec)
        bare = lf[(bounds[lf] == 0) | (ubuf[bounds[lf] - 1] != CR)]
        if len(bare):
            simple = False
            keep = np.ones(len(bounds), bool)
            keep[bare] = False
            bounds, is_rec = bounds[keep], is_rec[keep]
        bounds[is_rec] -= 1  # a CRLF record ends at its CR
        simple = simple and data.count(b"\r") == len(lf) - len(bare)
    if layout.is_csv:
        quotes = np.flatnonzero(ubuf == QUOTE)
        if len(quotes):
            simple = False
            outside = (np.searchsorted(quotes, bounds) & 1) == 0
            bounds, is_rec = bounds[outside], is_rec[outside]
    return bounds.astype(np.int64, copy=False), is_rec, simple


def _squeeze(
    utf8: bytes,
    ubuf: np.ndarray,
    bounds: np.ndarray,
    is_rec: np.ndarray,
    simple: bool,
    layout: Layout,
) -> tuple[bytes, np.ndarray]:
    """The chunk without its separator bytes, and where each field ends in it.

    Fast path (every separator byte in the chunk is a separator, the usual case): one
    ``bytes.translate`` deletes them. Otherwise (quoted CSV, a stray CR or LF in a CRLF file)
    a boolean mask keeps exactly the data bytes.
    """
    sep_len = len(layout.record_sep)
    removed_before = np.arange(len(bounds), dtype=np.int64)  # separators before bound k
    if sep_len == 2:
        removed_before += np.cumsum(is_rec) - is_rec  # a CRLF removes two bytes
    field_ends = bounds - removed_before
    if simple:
        return utf8.translate(None, layout.field_sep + layout.record_sep), field_ends
    keep = np.ones(len(ubuf), bool)
    keep[bounds] = False
    if sep_len == 2:
        keep[bounds[is_rec] + 1] = False
    return ubuf[keep].tobytes(), field_ends


def parse_chunk(orig: bytes, layout: Layout) -> ParsedChunk:
    """Split a chunk (a whole number of records) into records and fields, all vectorised."""
    sep_len = len(layout.record_sep)
    obuf = np.frombuffer(orig, np.uint8)
    o_seps = record_sep_positions(obuf, layout).astype(np.int64)
    n = len(o_seps)
    rec_ends = o_seps
    rec_starts = np.empty(n, np.int64)
    if n:
        rec_starts[0] = 0
        rec_starts[1:] = o_seps[:-1] + sep_len
    records = _binary_over(orig, o_seps + sep_len)

    utf8, any_bad = _to_utf8(orig, layout)
    ubuf = obuf if utf8 is orig else np.frombuffer(utf8, np.uint8)
    bounds, is_rec, simple = _field_bounds(ubuf, layout, utf8)
    rec_bound_idx = np.flatnonzero(is_rec)  # index in ``bounds`` of each record's end
    if len(rec_bound_idx) != n:
        raise RuntimeError(
            f"decoding changed the number of records ({n} -> {len(rec_bound_idx)}); "
            "the separator scan and the decoder disagree"
        )
    bad_encoding = np.zeros(n, bool)
    if any_bad:
        bad_encoding[np.searchsorted(bounds[rec_bound_idx], _surrogate_positions(ubuf))] = True
    field_counts = np.diff(rec_bound_idx, prepend=-1)
    field_base = rec_bound_idx - field_counts + 1

    squeezed, field_ends = _squeeze(utf8, ubuf, bounds, is_rec, simple, layout)
    offsets = np.empty(len(bounds) + 1, np.int32)
    offsets[0] = 0
    offsets[1:] = field_ends
    valid = offsets[1:] != offsets[:-1]
    null_count = int(len(valid) - np.count_nonzero(valid))
    validity = pa.py_buffer(np.packbits(valid, bitorder="little")) if null_count else None
    fields = pa.Array.from_buffers(
        pa.string(),
        len(bounds),
        [validity, pa.py_buffer(offsets), pa.py_buffer(squeezed)],
        null_count=null_count,
    )
    return ParsedChunk(
        n_records=n,
        rec_starts=rec_starts,
        rec_ends=rec_ends,
        records=records,
        field_counts=field_counts,
        field_base=field_base,
        fields=fields,
        bad_encoding=bad_encoding,
        has_quotes=layout.is_csv and b'"' in utf8,
    )


def unquote_csv(col: pa.Array) -> pa.Array:
    """RFC 4180 field text: strip the enclosing quotes and turn ``""`` into ``"``."""
    quoted = pc.fill_null(pc.starts_with(col, '"'), False)
    if not pc.any(quoted).as_py():
        return col
    inner = pc.replace_substring(pc.utf8_slice_codeunits(col, 1, -1), '""', '"')
    out = pc.if_else(quoted, inner, col)
    # A quoted empty field ("") is still an empty field, which the spec makes NULL.
    return pc.if_else(pc.equal(out, ""), pa.scalar(None, pa.string()), out)


def column_from_fields(parsed: ParsedChunk, good_idx: np.ndarray, k: int, csv: bool) -> pa.Array:
    """Field ``k`` of the records ``good_idx`` (which all have the right field count)."""
    col = parsed.fields.take(pa.array(parsed.field_base[good_idx] + k))
    if csv and parsed.has_quotes:
        col = unquote_csv(col)
    return col
