"""The business-date partitions every daily asset shares.

Every calendar day is a business date (the core system closes every day). Partitions start at
the first business date found in the landing area, so a simulated bank or a bank's real landing
share one definition; ``CRM_FIRST_BIZ_DATE`` overrides it (a bank's go-live date).
"""

from __future__ import annotations

import datetime as dt
import os
import re

from dagster import DailyPartitionsDefinition

from crmwh import config

BANK_TIMEZONE = "Asia/Shanghai"
DEFAULT_FIRST_BIZ_DATE = "2026-11-01"
_DATE_DIR = re.compile(r"^\d{8}$")


def first_landing_date() -> dt.date | None:
    """Earliest business date any system has a batch directory for, or None."""
    landing = config.landing_dir()
    dates: list[str] = []
    for system in config.SYSTEMS:
        sysdir = landing / system
        if sysdir.is_dir():
            dates.extend(p.name for p in sysdir.iterdir() if _DATE_DIR.match(p.name))
    if not dates:
        return None
    return dt.datetime.strptime(min(dates), "%Y%m%d").date()


def first_biz_date() -> dt.date:
    override = os.environ.get("CRM_FIRST_BIZ_DATE")
    if override:
        return dt.date.fromisoformat(override)
    return first_landing_date() or dt.date.fromisoformat(DEFAULT_FIRST_BIZ_DATE)


def build_partitions() -> DailyPartitionsDefinition:
    # end_offset=1 makes today's date a partition too: a batch for T can land on T itself in
    # a test or a catch-up run; the schedule still targets the previous business date.
    return DailyPartitionsDefinition(
        start_date=first_biz_date().isoformat(),
        timezone=BANK_TIMEZONE,
        end_offset=1,
    )
