"""Why a batch is not extracted: still in transfer, or refused as a whole."""

from __future__ import annotations

import datetime as dt


class BatchNotReady(Exception):
    """The batch directory has no ``.ok`` flag yet: the transfer is not finished."""

    def __init__(self, system: str, biz_date: dt.date, message: str) -> None:
        super().__init__(message)
        self.system = system
        self.biz_date = biz_date


class BatchRefused(Exception):
    """The batch breaks the interface spec at batch level; nothing of it is loaded.

    ``kind`` says what is wrong ('rows', 'bytes', 'md5', 'missing_file', 'unlisted_file',
    'flag_file', 'header', 'trailing_bytes'); ``str(exc)`` names system, date, file and mismatch.
    """

    def __init__(
        self, system: str, biz_date: dt.date | None, file: str | None, kind: str, message: str
    ) -> None:
        super().__init__(message)
        self.system = system
        self.biz_date = biz_date
        self.file = file
        self.kind = kind
        self.message = message
