"""Small spec-following landing batches, written by hand, so extraction tests need no simulator.

``write_batch`` lays out ``<landing>/<system>/<YYYYMMDD>/`` with one ``.dat`` per table of the
system and a correct ``.ok``; a record is a list of field texts (encoded, joined and terminated
as the flag file says) or raw ``bytes`` (written as is, for defects like invalid encodings or a
wrong field count). Tests then break what they want to prove is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from crmwh.config import TABLES
from orchestration.extract.columns import TABLE_COLUMNS

BIZ_DATE = dt.date(2026, 11, 3)

# Per system: ENCODING, FORMAT, FIELD_SEP, RECORD_SEP (spec section 4).
SYSTEM_LAYOUT: dict[str, tuple[str, str, bytes, str]] = {
    "core": ("GB18030", "DELIMITED", b"\x1b", "LF"),
    "card": ("GB18030", "DELIMITED", b"\x1b", "CRLF"),
    "loan": ("GB18030", "DELIMITED", b"\x1b", "LF"),
    "org": ("UTF-8", "CSV", b",", "LF"),
    "chan": ("UTF-8", "CSV", b",", "LF"),
}

Record = Sequence[str] | bytes


def csv_field(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def file_name(system: str, table: str, day: dt.date) -> str:
    return f"{system}_{table.removeprefix(system + '_')}_{day:%Y%m%d}.dat"


@dataclass
class Batch:
    system: str
    biz_date: dt.date
    dir: Path
    encoding: str
    format: str
    field_sep: bytes
    record_sep: str
    redelivery: int

    def path(self, table: str) -> Path:
        return self.dir / file_name(self.system, table, self.biz_date)

    @property
    def ok(self) -> Path:
        return self.dir / f"{self.system}_{self.biz_date:%Y%m%d}.ok"

    def rewrite_flag(self, table: str, **override: int | str) -> None:
        """Rewrite the .ok with ``ROWS``/``BYTES``/``MD5`` of ``table``'s line overridden."""
        name = self.path(table).name
        lines = self.ok.read_text().splitlines()
        for i, line in enumerate(lines):
            if line.startswith(f"FILE={name};"):
                parts = dict(p.split("=", 1) for p in line.split(";"))
                for k, v in override.items():
                    parts[k.upper()] = str(v)
                lines[i] = ";".join(f"{k}={v}" for k, v in parts.items())
        self.ok.write_text("\n".join(lines) + "\n")


def encode_file(
    table: str,
    records: Sequence[Record],
    encoding: str,
    fmt: str,
    field_sep: bytes,
    record_sep: str,
) -> tuple[bytes, int]:
    """The bytes of one data file and its ROWS value."""
    rsep = b"\r\n" if record_sep == "CRLF" else b"\n"
    codec = "gb18030" if encoding == "GB18030" else "utf-8"
    out: list[bytes] = []
    if fmt == "CSV":
        out.append(",".join(TABLE_COLUMNS[table]).encode(codec) + rsep)
    for rec in records:
        if isinstance(rec, bytes):
            out.append(rec + rsep)
        elif fmt == "CSV":
            out.append(",".join(csv_field(f) for f in rec).encode(codec) + rsep)
        else:
            out.append(field_sep.join(f.encode(codec) for f in rec) + rsep)
    return b"".join(out), len(records)


def write_batch(
    landing: Path,
    system: str,
    tables: dict[str, Sequence[Record]] | None = None,
    *,
    biz_date: dt.date = BIZ_DATE,
    redelivery: int = 0,
    encoding: str | None = None,
    fmt: str | None = None,
    field_sep: bytes | None = None,
    record_sep: str | None = None,
    write_ok: bool = True,
) -> Batch:
    """Write a batch of ``system``; tables not given are delivered empty."""
    enc0, fmt0, sep0, rsep0 = SYSTEM_LAYOUT[system]
    encoding, fmt = encoding or enc0, fmt or fmt0
    field_sep, record_sep = field_sep or sep0, record_sep or rsep0
    bdir = landing / system / f"{biz_date:%Y%m%d}"
    bdir.mkdir(parents=True, exist_ok=True)
    batch = Batch(system, biz_date, bdir, encoding, fmt, field_sep, record_sep, redelivery)
    flag = [
        f"SYSTEM={system}",
        f"BIZ_DATE={biz_date:%Y%m%d}",
        f"ENCODING={encoding}",
        f"FORMAT={fmt}",
        f"FIELD_SEP=0x{field_sep[0]:02X}",
        f"RECORD_SEP={record_sep}",
        f"REDELIVERY={redelivery}",
    ]
    for table in TABLES[system]:
        data, rows = encode_file(
            table, (tables or {}).get(table, []), encoding, fmt, field_sep, record_sep
        )
        path = batch.path(table)
        path.write_bytes(data)
        flag.append(
            f"FILE={path.name};ROWS={rows};BYTES={len(data)};MD5={hashlib.md5(data).hexdigest()}"
        )
    if write_ok:
        batch.ok.write_text("\n".join(flag) + "\n")
    return batch


def customer(i: int, name: str = "张三", address: str = "北京市朝阳区建国路1号") -> list[str]:
    """A well-formed core_customer record."""
    return [
        f"C{i:010d}", "1", name, "101", "11010519491231002X", "1", "19491231",
        "13800138000", address, "20100101", "0101", "A", "20261103120000",
    ]  # fmt: skip


def balance(i: int, currency: str, amount: str, interest: str = "0.00") -> list[str]:
    return [f"{i:019d}", currency, amount, interest]


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(landing, lake) under a private data directory."""
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    landing = tmp_path / "data" / "landing"
    lake = tmp_path / "data" / "lake"
    landing.mkdir(parents=True)
    return landing, lake
