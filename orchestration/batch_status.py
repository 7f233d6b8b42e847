"""Where every source batch stands: landing, lake, and whether date T may be built.

Pure functions over the landing directory and the lake's control files, so the sensors, the
schedule, ``crmwh status`` and ``crmwh run`` all answer the same question the same way, and
tests can exercise them without Dagster.

States of one (system, business date):

- ``missing``   no batch directory yet;
- ``waiting``   the directory exists but its ``.ok`` flag does not (still in transfer);
- ``pending``   a complete batch (flag present) that the lake does not hold in this version:
                new, or re-delivered since it was extracted;
- ``refused``   the last attempt refused this very flag file (see the reason);
- ``extracted`` the lake holds exactly this delivery.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from crmwh import config

STATES = ("missing", "waiting", "pending", "refused", "extracted")


def ymd(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def batch_dir(landing: Path, system: str, day: dt.date) -> Path:
    return landing / system / ymd(day)


def flag_path(landing: Path, system: str, day: dt.date) -> Path:
    return batch_dir(landing, system, day) / f"{system}_{ymd(day)}.ok"


def state_path(lake: Path, system: str, day: dt.date) -> Path:
    return lake / "control" / "batches" / system / f"{ymd(day)}.json"


def refusal_path(lake: Path, system: str, day: dt.date) -> Path:
    return lake / "control" / "refusals" / system / f"{ymd(day)}.json"


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class BatchStatus:
    system: str
    biz_date: dt.date
    state: str
    redelivery: int | None = None
    reason: str | None = None
    flag_md5: str | None = None
    quarantined: int = 0
    raw_rows: int = 0


def batch_status(system: str, day: dt.date, landing: Path, lake: Path) -> BatchStatus:
    bdir = batch_dir(landing, system, day)
    if not bdir.is_dir():
        return BatchStatus(system, day, "missing")
    flag = flag_path(landing, system, day)
    try:
        flag_bytes = flag.read_bytes()
    except FileNotFoundError:
        return BatchStatus(system, day, "waiting")
    md5 = hashlib.md5(flag_bytes).hexdigest()
    state = _read_json(state_path(lake, system, day))
    if state and state.get("flag_md5") == md5:
        tables = state.get("tables", [])
        return BatchStatus(
            system,
            day,
            "extracted",
            redelivery=state.get("redelivery"),
            flag_md5=md5,
            quarantined=sum(sum(t.get("quarantined", {}).values()) for t in tables),
            raw_rows=sum(t.get("raw_rows", 0) for t in tables),
        )
    refusal = _read_json(refusal_path(lake, system, day))
    if refusal and refusal.get("flag_md5") == md5:
        return BatchStatus(system, day, "refused", reason=refusal.get("reason"), flag_md5=md5)
    return BatchStatus(system, day, "pending", flag_md5=md5)


def landing_dates(landing: Path) -> list[dt.date]:
    """Every business date any system has a batch directory for, ascending."""
    found: set[dt.date] = set()
    for system in config.SYSTEMS:
        sysdir = landing / system
        if not sysdir.is_dir():
            continue
        for p in sysdir.iterdir():
            if p.is_dir() and len(p.name) == 8 and p.name.isdigit():
                found.add(dt.datetime.strptime(p.name, "%Y%m%d").date())
    return sorted(found)


def date_range(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


@dataclass(frozen=True)
class Readiness:
    """Whether the downstream build for ``biz_date`` may run, and if not, what holds it up."""

    biz_date: dt.date
    ready: bool
    blocking: tuple[BatchStatus, ...]

    def explain(self) -> str:
        if self.ready:
            return f"{self.biz_date}: all systems delivered and extracted through this date"
        parts = [f"{b.system} {b.biz_date} {b.state}" for b in self.blocking]
        return f"{self.biz_date} waits for: " + ", ".join(parts)


def readiness(
    day: dt.date, first_day: dt.date, landing: Path, lake: Path, *, require_extracted: bool = True
) -> Readiness:
    """The build for T runs only when all five systems delivered T and every earlier date.

    DELTA batches build on each other, so a late system on an earlier date holds T up too.
    With ``require_extracted=False`` a complete landing batch (flag present) suffices: that is
    the question a schedule asks before it starts a run that will extract first.
    """
    blocking: list[BatchStatus] = []
    ok_states = {"extracted"} if require_extracted else {"extracted", "pending"}
    for d in date_range(first_day, day):
        for system in config.SYSTEMS:
            st = batch_status(system, d, landing, lake)
            if st.state not in ok_states:
                blocking.append(st)
    return Readiness(day, not blocking, tuple(blocking))
