"""The ``.ok`` flag file: parsed strictly, because it is what makes a batch trustworthy.

The flag file is written last by the source system and lists every data file with its row
count, size and MD5. A flag file that does not follow spec section 2 exactly cannot vouch for
anything, so parsing raises :class:`FlagFileError` naming the line and the problem, and the
extractor refuses the batch.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from crmwh.config import SYSTEMS

HEADER_KEYS: tuple[str, ...] = (
    "SYSTEM",
    "BIZ_DATE",
    "ENCODING",
    "FORMAT",
    "FIELD_SEP",
    "RECORD_SEP",
    "REDELIVERY",
)
ENCODINGS = ("GB18030", "UTF-8")
FORMATS = ("DELIMITED", "CSV")
RECORD_SEPS: dict[str, bytes] = {"LF": b"\n", "CRLF": b"\r\n"}

_FILE_RE = re.compile(
    r"^FILE=(?P<name>[^;]+);ROWS=(?P<rows>\d+);BYTES=(?P<bytes>\d+);MD5=(?P<md5>[0-9a-f]{32})$"
)
_HEX_BYTE_RE = re.compile(r"^0x[0-9A-Fa-f]{2}$")


class FlagFileError(ValueError):
    """The flag file does not follow the interface spec; ``str()`` says where and why."""


@dataclass(frozen=True)
class FlagFileEntry:
    """One ``FILE=`` line: what the source system vouches for about one data file."""

    name: str
    rows: int
    bytes: int
    md5: str


@dataclass(frozen=True)
class FlagFile:
    """A parsed flag file (spec section 2)."""

    system: str
    biz_date: dt.date
    encoding: str
    format: str
    field_sep: bytes
    record_sep: bytes
    record_sep_name: str
    redelivery: int
    files: tuple[FlagFileEntry, ...]

    def entry(self, name: str) -> FlagFileEntry | None:
        return next((f for f in self.files if f.name == name), None)


def _fail(line_no: int, message: str) -> FlagFileError:
    return FlagFileError(f"flag file line {line_no}: {message}")


def parse_flag_file(text: str) -> FlagFile:
    """Parse flag-file text; raise :class:`FlagFileError` on anything the spec does not allow.

    Keys must come in spec order, each once, followed by at least one ``FILE=`` line.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) < len(HEADER_KEYS) + 1:
        raise FlagFileError(
            f"flag file has {len(lines)} lines; expected the keys {', '.join(HEADER_KEYS)} "
            "followed by at least one FILE= line"
        )
    values: dict[str, str] = {}
    for i, key in enumerate(HEADER_KEYS):
        line = lines[i]
        got_key, eq, value = line.partition("=")
        if not eq:
            raise _fail(i + 1, f"expected {key}=<value>, found {line!r}")
        if got_key != key:
            raise _fail(i + 1, f"expected key {key} (keys in spec order), found {got_key!r}")
        values[key] = value

    system = values["SYSTEM"]
    if system not in SYSTEMS:
        raise _fail(1, f"unknown SYSTEM {system!r}; expected one of {', '.join(SYSTEMS)}")
    try:
        if not re.fullmatch(r"\d{8}", values["BIZ_DATE"]):
            raise ValueError
        biz_date = dt.datetime.strptime(values["BIZ_DATE"], "%Y%m%d").date()
    except ValueError:
        raise _fail(2, f"BIZ_DATE {values['BIZ_DATE']!r} is not a YYYYMMDD date") from None
    encoding = values["ENCODING"]
    if encoding not in ENCODINGS:
        raise _fail(3, f"ENCODING {encoding!r} is not one of {', '.join(ENCODINGS)}")
    fmt = values["FORMAT"]
    if fmt not in FORMATS:
        raise _fail(4, f"FORMAT {fmt!r} is not one of {', '.join(FORMATS)}")
    sep_text = values["FIELD_SEP"]
    if not _HEX_BYTE_RE.match(sep_text):
        raise _fail(5, f"FIELD_SEP {sep_text!r} is not a hex byte like 0x1B")
    field_sep = bytes([int(sep_text, 16)])
    if field_sep in (b"\n", b"\r", b'"') or field_sep[0] >= 0x80:
        raise _fail(5, f"FIELD_SEP {sep_text} cannot separate fields")
    if fmt == "CSV" and field_sep != b",":
        raise _fail(5, f"FIELD_SEP {sep_text} with FORMAT=CSV; CSV uses 0x2C")
    rec_name = values["RECORD_SEP"]
    if rec_name not in RECORD_SEPS:
        raise _fail(6, f"RECORD_SEP {rec_name!r} is not one of {', '.join(RECORD_SEPS)}")
    if not re.fullmatch(r"\d+", values["REDELIVERY"]):
        raise _fail(7, f"REDELIVERY {values['REDELIVERY']!r} is not a non-negative integer")
    redelivery = int(values["REDELIVERY"])

    files: list[FlagFileEntry] = []
    seen: set[str] = set()
    for i in range(len(HEADER_KEYS), len(lines)):
        m = _FILE_RE.match(lines[i])
        if not m:
            raise _fail(
                i + 1,
                f"expected FILE=<name>;ROWS=<n>;BYTES=<n>;MD5=<32 lower-case hex>, "
                f"found {lines[i]!r}",
            )
        name = m["name"]
        if name in seen:
            raise _fail(i + 1, f"file {name} is listed twice")
        if "/" in name or "\\" in name or not name.endswith(".dat"):
            raise _fail(i + 1, f"file name {name!r} is not a .dat file name")
        seen.add(name)
        files.append(FlagFileEntry(name, int(m["rows"]), int(m["bytes"]), m["md5"]))
    return FlagFile(
        system=system,
        biz_date=biz_date,
        encoding=encoding,
        format=fmt,
        field_sep=field_sep,
        record_sep=RECORD_SEPS[rec_name],
        record_sep_name=rec_name,
        redelivery=redelivery,
        files=tuple(files),
    )


def read_flag_file(path: Path) -> FlagFile:
    """Read and parse a ``.ok`` file (UTF-8); raise :class:`FlagFileError` if it is malformed."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FlagFileError(
            f"flag file {path}: not UTF-8 ({exc.reason} at byte {exc.start})"
        ) from None
    try:
        return parse_flag_file(text)
    except FlagFileError as exc:
        raise FlagFileError(f"{Path(path).name}: {exc}") from None
