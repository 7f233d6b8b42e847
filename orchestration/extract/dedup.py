"""Exact duplicate records within one file, found across chunks without keeping the records.

Each record (its bytes as delivered, separator included) is hashed with Polars' vectorised
64-bit hash. The tracker keeps, per file, a sorted array of every hash seen so far (8 bytes a
record) plus per-chunk hashes and offsets to locate the first copy. A hash hit is confirmed by
comparing the two records' bytes (read back through a memory map, vectorised), so a hash
collision never quarantines a record that is not an exact duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa


def hash_records(records: pa.BinaryArray) -> np.ndarray:
    """64-bit hash of every record's bytes."""
    if len(records) == 0:
        return np.empty(0, np.uint64)
    return pl.Series(records).hash(seed=0x5EED).to_numpy()


@dataclass
class _ChunkIndex:
    """Where the records of one earlier chunk are, sorted by hash (about 28 bytes a record)."""

    sorted_hashes: np.ndarray  # uint64
    starts: np.ndarray  # int64 file offset of each record, in hash order
    lengths: np.ndarray  # int32 record length including separator, in hash order
    lines: np.ndarray  # int32 physical line of each record, in hash order

    @classmethod
    def build(
        cls, hashes: np.ndarray, starts: np.ndarray, lengths: np.ndarray, lines: np.ndarray
    ) -> _ChunkIndex:
        order = np.argsort(hashes, kind="stable")  # stable: the first copy comes first
        return cls(
            hashes[order],
            starts[order],
            lengths[order].astype(np.int32),
            lines[order].astype(np.int32),
        )


@dataclass
class DuplicateResult:
    is_dup: np.ndarray  # bool per record of the chunk
    first_line: np.ndarray  # int64 per record: line of the first copy (valid where is_dup)


@dataclass
class DuplicateTracker:
    """Remembers every record of one file so far; reports exact repeats of earlier records."""

    path: Path
    seen: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint64))
    chunks: list[_ChunkIndex] = field(default_factory=list)

    def check(
        self,
        hashes: np.ndarray,
        starts: np.ndarray,
        lengths: np.ndarray,
        lines: np.ndarray,
    ) -> DuplicateResult:
        """Duplicates in this chunk (file offsets ``starts``), against itself and earlier chunks."""
        n = len(hashes)
        is_dup = np.zeros(n, bool)
        first_line = np.zeros(n, np.int64)
        first_start = np.zeros(n, np.int64)
        first_len = np.zeros(n, np.int64)
        if n:
            # Within the chunk: every record after the first with its hash.
            uniq, first_idx, inverse = np.unique(hashes, return_index=True, return_inverse=True)
            fi = first_idx[inverse]
            within = fi != np.arange(n)
            # Earlier chunks: the first copy of a hash is there if the hash was seen already.
            pos = np.searchsorted(self.seen, hashes)
            pos[pos >= len(self.seen)] = 0
            earlier = (self.seen[pos] == hashes) if len(self.seen) else np.zeros(n, bool)
            is_dup = within | earlier
            first_line[within] = lines[fi[within]]
            first_start[within] = starts[fi[within]]
            first_len[within] = lengths[fi[within]]
            if earlier.any():
                self._locate_earlier(hashes, earlier, first_line, first_start, first_len)
            if is_dup.any():
                is_dup &= self._same_bytes(starts, lengths, first_start, first_len, is_dup)
            self.seen = np.sort(np.concatenate([self.seen, uniq]), kind="stable")
        self.chunks.append(_ChunkIndex.build(hashes, starts, lengths, lines))
        return DuplicateResult(is_dup, first_line)

    def _locate_earlier(
        self,
        hashes: np.ndarray,
        earlier: np.ndarray,
        first_line: np.ndarray,
        first_start: np.ndarray,
        first_len: np.ndarray,
    ) -> None:
        todo = np.flatnonzero(earlier)
        for ch in self.chunks:  # loop over chunks, oldest first
            if len(todo) == 0:
                break
            h = hashes[todo]
            j = np.searchsorted(ch.sorted_hashes, h)  # the first record with that hash
            j[j >= len(ch.sorted_hashes)] = 0
            in_chunk = ch.sorted_hashes[j] == h
            if not in_chunk.any():
                continue
            found = todo[in_chunk]
            j = j[in_chunk]
            first_line[found] = ch.lines[j]
            first_start[found] = ch.starts[j]
            first_len[found] = ch.lengths[j]
            todo = todo[~in_chunk]

    def _same_bytes(
        self,
        starts: np.ndarray,
        lengths: np.ndarray,
        first_start: np.ndarray,
        first_len: np.ndarray,
        cand: np.ndarray,
    ) -> np.ndarray:
        """True where the candidate's bytes equal its first copy's bytes exactly."""
        same = np.zeros(len(starts), bool)
        idx = np.flatnonzero(cand & (lengths == first_len))
        if len(idx) == 0:
            return same
        lens = lengths[idx]
        mm = np.memmap(self.path, np.uint8, mode="r")
        try:
            rel = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens)
            a = mm[np.repeat(starts[idx], lens) + rel]
            b = mm[np.repeat(first_start[idx], lens) + rel]
            eq = np.logical_and.reduceat(a == b, np.cumsum(lens) - lens)
        finally:
            del mm
        same[idx] = eq
        return same
