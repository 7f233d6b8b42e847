"""The serving directory: immutable versions and the symlinks readers open.

    serving/
      versions/<version_id>/crm.duckdb            head office: every published table
      versions/<version_id>/branches/<code>.duckdb one file per branch (levels 2 to 5)
      versions/<version_id>/manifest.json
      current -> versions/<version_id>              switched atomically (rename of a symlink)
      crm.duckdb -> current/crm.duckdb              created once, never changed
      branches -> current/branches                  created once, never changed

Why symlinks: a reader that opened ``serving/crm.duckdb`` holds the inode of the version it
resolved at open time; renaming a new symlink over ``current`` changes what the *next* open
resolves to, and never touches a file anyone holds. A version directory is written once and
never modified, so there is no reader/writer lock to wait for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from orchestration.publish.errors import PublishError

HO_FILE = "crm.duckdb"
BRANCH_DIR = "branches"
MANIFEST = "manifest.json"
VERSIONS = "versions"
CURRENT = "current"
TMP_PREFIX = ".tmp-"

# 20261129T093012123456Z_20261128_ab12: creation time first, so names sort by creation.
VERSION_ID = re.compile(r"^\d{8}T\d{12}Z_\d{8}_[0-9a-f]{4}$")


def new_version_id(biz_date: dt.date, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%S%f}Z_{biz_date:%Y%m%d}_{secrets.token_hex(2)}"


def check_version_id(version: str) -> str:
    """Refuse anything that is not a version id (the value may come from the command line)."""
    if not VERSION_ID.fullmatch(version):
        raise PublishError(
            f"not a version id: {version!r} (expected e.g. 20261129T093012123456Z_20261128_ab12)"
        )
    return version


def versions_dir(serving: Path) -> Path:
    return serving / VERSIONS


def list_versions(serving: Path) -> list[str]:
    """Complete versions, oldest first (half-built ``.tmp-`` directories are not versions)."""
    vdir = versions_dir(serving)
    if not vdir.is_dir():
        return []
    return sorted(
        p.name for p in vdir.iterdir() if VERSION_ID.fullmatch(p.name) and (p / MANIFEST).is_file()
    )


def current_version(serving: Path) -> str | None:
    link = serving / CURRENT
    if not link.is_symlink():
        return None
    return Path(os.readlink(link)).name


def read_manifest(serving: Path, version: str) -> dict:
    path = versions_dir(serving) / check_version_id(version) / MANIFEST
    return json.loads(path.read_text(encoding="utf-8"))


def ensure_reader_links(serving: Path) -> None:
    """Create ``crm.duckdb`` and ``branches`` (relative symlinks through ``current``) once.

    They may dangle until the first version is switched in: a reader then finds nothing, the
    same as before any publish.
    """
    for name, target in (
        (HO_FILE, f"{CURRENT}/{HO_FILE}"),
        (BRANCH_DIR, f"{CURRENT}/{BRANCH_DIR}"),
    ):
        link = serving / name
        if link.is_symlink():
            if os.readlink(link) != target:
                raise PublishError(f"{link} points to {os.readlink(link)!r}, expected {target!r}")
            continue
        if link.exists():
            raise PublishError(
                f"{link} exists and is not a symlink; move it away (serving files are published "
                f"under {serving / VERSIONS} and linked through {serving / CURRENT})"
            )
        os.symlink(target, link)


def switch_current(serving: Path, version: str) -> None:
    """Point ``current`` at ``versions/<version>`` atomically: make a temp link, rename it over.

    ``os.replace`` of a symlink onto a symlink is one rename(2): a concurrent open resolves
    either the old or the new target, never a missing path.
    """
    check_version_id(version)
    if not (versions_dir(serving) / version / MANIFEST).is_file():
        raise PublishError(
            f"version {version} is not a complete version under {versions_dir(serving)}"
        )
    tmp = serving / f".{CURRENT}.{secrets.token_hex(4)}"
    os.symlink(f"{VERSIONS}/{version}", tmp)
    try:
        os.replace(tmp, serving / CURRENT)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(serving)


def prune(serving: Path, keep: int, protect: frozenset[str] = frozenset()) -> list[str]:
    """Delete all but the ``keep`` newest versions; never the current one nor ``protect``.

    A reader may still hold a file of a deleted version open: on Linux the inode lives on until
    the reader closes it, so deleting is safe for readers that *have opened* it. A reader that
    is opening ``crm.duckdb`` at the instant of the switch may have resolved the link to the
    version just replaced but not opened it yet (DuckDB resolves the path before opening), so
    the publisher protects that previous version until the next publish.
    """
    if keep < 1:
        raise PublishError(f"keep must be at least 1, got {keep}")
    versions = list_versions(serving)
    current = current_version(serving)
    kept = set(versions[-keep:]) | ({current} if current else set()) | set(protect)
    removed = [v for v in versions if v not in kept]
    for version in removed:
        shutil.rmtree(versions_dir(serving) / version)
    return removed


def remove_stale_tmp(serving: Path) -> list[str]:
    """Remove half-built version directories left by a publisher that died (under the lock)."""
    vdir = versions_dir(serving)
    if not vdir.is_dir():
        return []
    stale = [p for p in vdir.iterdir() if p.name.startswith(TMP_PREFIX)]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return [p.name for p in stale]


@contextlib.contextmanager
def publish_lock(serving: Path) -> Iterator[None]:
    """One publisher (or rollback) at a time; a second one fails at once instead of racing."""
    serving.mkdir(parents=True, exist_ok=True)
    with open(serving / ".publish.lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise PublishError(f"another publish or rollback is running on {serving}") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
