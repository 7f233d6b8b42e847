"""Whether a publish may start from the current published version, and copying its files.

An incremental publish copies the previous version's files into the new version directory and
changes only what changed, so its cost follows the business date's volume instead of all
published history. It is only correct when the previous version was made the same way as a full
publish would make this one: same pseudonym key (every key would differ otherwise), same tables
with the same columns and types, same DuckDB (row hashes are DuckDB's ``hash``), and its
per-date digests recorded. Anything else falls back to a full build, with the reason recorded.
"""

from __future__ import annotations

import errno
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from orchestration.publish import layout

Columns = dict[str, list[list[str]]]  # published table -> [[column, type], ...]
# Changing a copied DuckDB file leaves the blocks it replaced free (reused by the next change,
# never returned to the file system). Free space stays near what one night replaces, a small
# share of a file holding months of history; when it exceeds this share of the head-office
# file (small banks, short history), the next publish is a full build, which writes the files
# compact again. So the published files are never more than about twice their data.
MAX_FREE_BLOCK_SHARE = 0.5


@dataclass(frozen=True)
class Base:
    """The previous version an incremental publish starts from."""

    version: str
    directory: Path
    manifest: dict[str, Any]

    @property
    def ho_file(self) -> Path:
        return self.directory / layout.HO_FILE

    def branch_file(self, code: str) -> Path:
        return self.directory / layout.BRANCH_DIR / f"{code}.duckdb"

    def table_digest(self, source: str) -> tuple[int, ...] | None:
        """The digest the base recorded for a warehouse table (None if none)."""
        raw = (self.manifest.get("table_digests") or {}).get(source)
        return tuple(int(v) for v in raw) if isinstance(raw, list) and len(raw) == 3 else None

    def history(self, table: str) -> Any:
        return (self.manifest.get("history") or {}).get(table, {}).get("dates")


def find_base(
    serving: Path, previous: str | None, key_fingerprint: str, full: bool
) -> tuple[Base | None, str]:
    """The current version if an incremental publish may start from it, else why not."""
    if full:
        return None, "full build requested"
    if previous is None:
        return None, "no published version yet"
    try:
        manifest = layout.read_manifest(serving, previous)
    except (OSError, ValueError) as exc:
        return None, f"manifest of {previous} unreadable: {exc}"
    if manifest.get("pseudonym_key_fingerprint") != key_fingerprint:
        return None, f"pseudonym key differs from {previous}'s"
    if manifest.get("duckdb_version") != duckdb.__version__:
        return None, (
            f"{previous} was made with DuckDB {manifest.get('duckdb_version')}, "
            f"this is {duckdb.__version__} (row hashes may differ)"
        )
    if not isinstance(manifest.get("columns"), dict) or not isinstance(
        manifest.get("branches"), dict
    ):
        return None, f"{previous} records no table columns (made before incremental publish)"
    free = manifest.get("ho_free_block_share") or 0.0
    if free > MAX_FREE_BLOCK_SHARE:
        return None, (
            f"{previous}'s head-office file is {free:.0%} free blocks: rebuilt whole to compact"
        )
    base = Base(previous, layout.versions_dir(serving) / previous, manifest)
    if not base.ho_file.is_file():
        return None, f"{base.ho_file} is missing"
    return base, ""


def incompatibility(base: Base, columns: Columns) -> str:
    """Why the warehouse's tables cannot be published on top of ``base`` ('' if they can)."""
    before: Columns = base.manifest["columns"]
    added, removed = sorted(columns.keys() - before.keys()), sorted(before.keys() - columns.keys())
    if added or removed:
        parts = [f"+{t}" for t in added] + [f"-{t}" for t in removed]
        return f"the set of tables changed since {base.version} ({', '.join(parts)})"
    changed = sorted(t for t in columns if columns[t] != before[t])
    if changed:
        return f"columns (names or types) changed since {base.version}: {', '.join(changed)}"
    return ""


def copy_writable(src: Path, dst: Path) -> None:
    """Copy ``src`` to a new, writable ``dst`` in the kernel (no data through Python).

    ``copy_file_range`` shares extents on file systems that can (XFS, Btrfs) and copies in the
    kernel elsewhere; ``shutil.copyfile`` (sendfile) where it is not supported. The source, a
    read-only published file, is only read.
    """
    try:
        with open(src, "rb") as fin, open(dst, "xb") as fout:
            remaining = os.fstat(fin.fileno()).st_size
            while remaining > 0:
                n = os.copy_file_range(fin.fileno(), fout.fileno(), remaining)
                if n == 0:
                    break
                remaining -= n
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL):
            raise
        dst.unlink(missing_ok=True)
        shutil.copyfile(src, dst)
    dst.chmod(0o644)
