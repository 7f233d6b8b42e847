"""A fake landing area and lake control files, enough to drive status, sensors and schedule."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from crmwh import config


def land(system: str, day: dt.date, *, flag: bool = True, redelivery: int = 0) -> str:
    """Create a batch directory (with or without its flag). Returns the flag's MD5."""
    bdir = config.landing_dir() / system / day.strftime("%Y%m%d")
    bdir.mkdir(parents=True, exist_ok=True)
    if not flag:
        return ""
    body = f"SYSTEM={system}\nBIZ_DATE={day:%Y%m%d}\nREDELIVERY={redelivery}\n".encode()
    (bdir / f"{system}_{day:%Y%m%d}.ok").write_bytes(body)
    return hashlib.md5(body).hexdigest()


def mark_extracted(system: str, day: dt.date, flag_md5: str, redelivery: int = 0) -> None:
    path = config.lake_dir() / "control" / "batches" / system / f"{day:%Y%m%d}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "status": "extracted",
        "flag_md5": flag_md5,
        "redelivery": redelivery,
        "tables": [{"table": "t", "raw_rows": 10, "quarantined": {"duplicate": 2}}],
    }
    path.write_text(json.dumps(state))


def mark_refused(system: str, day: dt.date, flag_md5: str, reason: str) -> None:
    path = config.lake_dir() / "control" / "refusals" / system / f"{day:%Y%m%d}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"flag_md5": flag_md5, "reason": reason}))
