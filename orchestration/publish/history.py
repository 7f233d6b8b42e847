"""Tables with history by business date: what an incremental publish must (re)write.

A history table (``history_tables`` in publish_config.yml) holds rows per date that do not change
once built, unless the warehouse restates them (a ``dbt --full-refresh``, a late correction).
Every published version records, per history table and date, the digest of its rows (row
count, sum and xor of the row hashes, :func:`orchestration.warehouse.digest_sql`). The next
publish computes the same per-date digests on the warehouse (one set-based DuckDB query per
table) and compares: dates whose digests are equal are already published and stay as copied;
the rest are deleted and inserted again.

Why the newest dates only: if the first differing date is older than the newest date the
previous version holds, history was restated and the table is rewritten whole (simpler than
patching the middle of it, and it re-sorts the table by branch codes); otherwise the differing
dates are the newest ones (T itself, or the snapshot a mart replaces each day, such as the
latest-date rows of ``mart_customer_360`` or the current month of ``mart_customer_tier``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orchestration import warehouse as wh_engine

Digest = wh_engine.Digest
NULL_KEY = "NULL"

REPLACED = "replaced"  # not a history table: dropped and created again
REWRITTEN = "rewritten"  # history table written whole (no usable previous digests, restated)
APPENDED = "appended"  # rows of dates >= since deleted, the warehouse's rows of them inserted
UNCHANGED = (
    "unchanged"  # same digests (per date, or whole) as the previous version's: left as copied
)


@dataclass(frozen=True)
class TableAction:
    """What the publish does to one table; ``since`` and ``dates`` only when appended."""

    action: str
    since: str | None = None  # first date (ISO) deleted and re-inserted
    dates: tuple[str, ...] = ()  # the warehouse's dates >= since (written now)
    reason: str = ""

    @property
    def fresh(self) -> bool:
        """Written whole by this publish (its rows sorted by branch codes in the new table)."""
        return self.action in (REPLACED, REWRITTEN)

    def predicate(self, date_column: str) -> str:
        """SQL selecting the rows this action writes (appended: the dates >= since)."""
        if self.action != APPENDED or self.since is None:
            raise ValueError(f"no date predicate for a {self.action} table")
        col = '"' + date_column.replace('"', '""') + '"'
        return f"{col} >= date '{self.since}'"

    def as_manifest(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action}
        if self.action == APPENDED:
            out["since"] = self.since
            out["dates"] = list(self.dates)
        if self.reason:
            out["reason"] = self.reason
        return out


def per_date_digests(
    con: Any, relation: str, columns: list[str], date_column: str
) -> dict[str, Digest]:
    """ISO date (or ``NULL``) -> digest of the rows of ``relation`` on that date."""
    rows = con.execute(wh_engine.digest_sql(relation, columns, by=date_column)).fetchall()
    return {k: (int(n), int(s), int(x)) for k, n, s, x in rows}


def decide(previous: dict[str, Digest] | None, current: dict[str, Digest]) -> TableAction:
    """Compare the previous version's per-date digests with the warehouse's."""
    if previous is None:
        return TableAction(REWRITTEN, reason="no per-date digests in the previous version")
    differing = {k for k in previous.keys() | current.keys() if previous.get(k) != current.get(k)}
    if not differing:
        return TableAction(UNCHANGED)
    if NULL_KEY in differing:
        return TableAction(REWRITTEN, reason="rows without a date changed")
    first = min(differing)
    dated = [k for k in previous if k != NULL_KEY]
    if dated and first < max(dated):
        return TableAction(REWRITTEN, reason=f"history restated from {first}")
    return TableAction(APPENDED, since=first, dates=tuple(sorted(k for k in current if k >= first)))


def to_manifest(digests: dict[str, Digest]) -> dict[str, list[int]]:
    return {k: [int(v) for v in d] for k, d in sorted(digests.items())}


def from_manifest(raw: Any) -> dict[str, Digest] | None:
    """Per-date digests as recorded in a manifest; None if absent or malformed."""
    if not isinstance(raw, dict):
        return None
    try:
        return {str(k): (int(v[0]), int(v[1]), int(v[2])) for k, v in raw.items()}
    except (TypeError, ValueError, IndexError):
        return None
