"""Exact duplicate records within one file, found across chunks without keeping the records.

Each record (its bytes as delivered, separator included) is hashed with Polars' vectorised
64-bit hash. The tracker keeps, per file, a sorted array of every hash seen so far in memory
(8 bytes a record), and per chunk the hash, offset, length and line of each distinct record
(24 bytes a record) in ``.npy`` files in a spill directory, memory-mapped, so memory stays at
8 bytes a record however large the file; only a hit reads them. A hash hit is confirmed by
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
    """The first record of each distinct hash of one earlier chunk (about 24 bytes a record)."""

    sorted_hashes: np.ndarray  # uint64, distinct, ascending
    starts: np.ndarray  # int64 file offset of that hash's first record
    lengths: np.ndarray  # int32 its length including the separator
    lines: np.ndarray  # int32 its physical line

    @classmethod
    def spill(cls, directory: Path, number: int, **arrays: np.ndarray) -> _ChunkIndex:
        """Write the arrays to ``directory`` and map them back read-only (pages on demand)."""
        mapped = {}
        for name, arr in arrays.items():
            path = directory / f"{number:06d}-{name}.npy"
            np.save(path, arr)
            mapped[name] = np.load(path, mmap_mode="r")
        return cls(**mapped)


@dataclass
class DuplicateResult:
    is_dup: np.ndarray  # bool per record of the chunk
    first_line: np.ndarray  # int64 per record: line of the first copy (valid where is_dup)


@dataclass
class DuplicateTracker:
    """Remembers every record of one file so far; reports exact repeats of earlier records."""

    path: Path
    spill_dir: Path | None = None  # None: keep the per-chunk index in memory
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
        if n == 0:
            return DuplicateResult(is_dup, first_line)
        first_start = np.zeros(n, np.int64)
        first_len = np.zeros(n, np.int64)
        # Equal hashes sit together after one sort; the head of a run is its earliest record.
        order = np.argsort(hashes)
        sh = hashes[order]
        run_start = np.empty(n, bool)
        run_start[0] = True
        np.not_equal(sh[1:], sh[:-1], out=run_start[1:])
        run_pos = np.flatnonzero(run_start)
        heads = np.minimum.reduceat(order, run_pos)  # earliest record of each distinct hash
        uniq = sh[run_pos]
        if len(run_pos) < n:  # within the chunk: every record of a run but its head
            head_of = heads[np.cumsum(run_start) - 1]
            later_mask = order != head_of
            later, head = order[later_mask], head_of[later_mask]
            is_dup[later] = True
            first_line[later] = lines[head]
            first_start[later] = starts[head]
            first_len[later] = lengths[head]
        # Earlier chunks: if the hash was seen before, the first copy is there. Searching with
        # the sorted hashes keeps the binary search cache-friendly.
        if len(self.seen):
            pos = np.searchsorted(self.seen, sh)
            pos[pos >= len(self.seen)] = 0
            earlier = np.zeros(n, bool)
            earlier[order] = self.seen[pos] == sh
            if earlier.any():
                is_dup |= earlier
                self._locate_earlier(hashes, earlier, first_line, first_start, first_len)
        if is_dup.any():
            is_dup &= self._same_bytes(starts, lengths, first_start, first_len, is_dup)
        self.seen = np.sort(np.concatenate([self.seen, uniq]), kind="stable")  # merges 2 runs
        index = {
            "sorted_hashes": uniq,
            "starts": starts[heads],
            "lengths": lengths[heads].astype(np.int32),
            "lines": lines[heads].astype(np.int32),
        }
        if self.spill_dir is None:
            self.chunks.append(_ChunkIndex(**index))
        else:
            self.chunks.append(_ChunkIndex.spill(self.spill_dir, len(self.chunks), **index))
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
