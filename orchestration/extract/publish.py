"""Writing partitions aside and swapping them in, so a reader sees the old batch or the new one.

Each partition directory is built in a uniquely named hidden sibling (``.tmp-<uuid>-...``,
unique per process and call, so concurrent extractions never share a temporary name) and then
exchanged with the live directory by ``renameat2(RENAME_EXCHANGE)``, which Linux does
atomically; where that call is unavailable, the live directory is renamed aside and the new one
renamed in (two renames, a window of microseconds), and the old copy is deleted afterwards.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_libc: Any = None


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths; False if the kernel or libc cannot."""
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = _libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def temp_sibling(target: Path, tag: str = "tmp") -> Path:
    """A fresh hidden directory next to ``target`` (same file system, so rename works)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    path = target.parent / f".{tag}-{uuid.uuid4().hex}-{os.getpid()}-{target.name}"
    path.mkdir()
    return path


def swap_in(staged: Path, target: Path) -> None:
    """Make ``staged`` the content of ``target``; the previous content is deleted."""
    if not target.exists():
        os.rename(staged, target)
        return
    if _exchange(staged, target):
        shutil.rmtree(staged)  # now holds the old partition
        return
    old = target.parent / f".old-{uuid.uuid4().hex}-{os.getpid()}-{target.name}"
    os.rename(target, old)
    os.rename(staged, target)
    shutil.rmtree(old)


def write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
    os.replace(tmp, path)


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
