"""Determinism, broken transfers, re-deliveries and late deliveries, and the command line."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest

from crmwh.config import SYSTEMS
from simulator.generate import release
from simulator.testing import Bank, make_bank, read_flag, split_records

START = dt.date(2026, 11, 1)
D2 = START + dt.timedelta(days=1)


def _flags(bank: Bank) -> dict[str, str]:
    return {
        str(p.relative_to(bank.landing)): p.read_text() for p in sorted(bank.landing.rglob("*.ok"))
    }


def test_same_seed_same_bytes_different_seed_different(tmp_path: Path) -> None:
    a = make_bank(tmp_path / "a", persons=600, enterprises=60, days=2, seed=11)
    b = make_bank(tmp_path / "b", persons=600, enterprises=60, days=2, seed=11)
    c = make_bank(tmp_path / "c", persons=600, enterprises=60, days=2, seed=12)
    assert _flags(a) == _flags(b)
    assert len(_flags(a)) == 2 * len(SYSTEMS)
    for name in ("defects", "customer_records", "persons", "branch_changes"):
        assert a.truth_table(name).equals(b.truth_table(name))
    fa, fc = _flags(a), _flags(c)
    assert fa.keys() == fc.keys()
    assert all(fa[k] != fc[k] for k in fa)


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Bank:
    return make_bank(
        tmp_path_factory.mktemp("broken"),
        persons=600,
        enterprises=60,
        days=3,
        corrupt=[
            ("core", D2, "rows"),
            ("card", D2, "bytes"),
            ("loan", D2, "md5"),
            ("org", D2, "unlisted"),
            ("chan", D2, "missing_ok"),
        ],
        redeliver=[("core", START)],
        withhold=[("loan", START + dt.timedelta(days=2))],
    )


def _mismatches(d: Path, flag: Path) -> dict[str, set[str]]:
    _, files = read_flag(flag)
    system = flag.name.split("_")[0]
    out: dict[str, set[str]] = {}
    for name, attrs in files.items():
        data = (d / name).read_bytes()
        header = 1 if system in ("org", "chan") else 0
        got = {
            "ROWS": str(
                len(split_records(system, data.rstrip(b"\0") if data.endswith(b"\0") else data))
                - header
            ),
            "BYTES": str(len(data)),
            "MD5": hashlib.md5(data).hexdigest(),
        }
        bad = {k for k in got if got[k] != attrs[k]}
        if bad:
            out[name] = bad
    return out


def test_corrupted_batches_mismatch_their_flag(broken: Bank) -> None:
    kinds = {
        "core": {"ROWS", "BYTES", "MD5"},
        "card": {"BYTES", "MD5"},
        "loan": {"MD5"},
    }
    for system, expected in kinds.items():
        d = broken.batch_dir(system, D2)
        bad = _mismatches(d, d / f"{system}_{D2:%Y%m%d}.ok")
        assert len(bad) == 1, bad
        assert next(iter(bad.values())) == expected
    org = broken.batch_dir("org", D2)
    _, listed = read_flag(org / f"org_{D2:%Y%m%d}.ok")
    unlisted = {p.name for p in org.glob("*.dat")} - set(listed)
    assert len(unlisted) == 1
    assert not (broken.batch_dir("chan", D2) / f"chan_{D2:%Y%m%d}.ok").exists()
    # the other batches are intact
    for system in SYSTEMS:
        d = broken.batch_dir(system, START + dt.timedelta(days=2))
        flag = d / f"{system}_{START + dt.timedelta(days=2):%Y%m%d}.ok"
        if flag.exists():
            assert _mismatches(d, flag) == {}
    kinds_truth = set(broken.truth_table("defects")["defect_kind"].unique())
    assert {
        "batch_rows_mismatch",
        "batch_bytes_mismatch",
        "batch_md5_mismatch",
        "batch_unlisted_file",
        "batch_missing_ok",
        "redelivery",
        "late_delivery",
    } <= kinds_truth


def test_redelivery_replaces_the_batch_with_corrections(broken: Bank) -> None:
    d = broken.batch_dir("core", START)
    pairs, _ = read_flag(d / f"core_{START:%Y%m%d}.ok")
    assert ("REDELIVERY", "1") in pairs
    assert _mismatches(d, d / f"core_{START:%Y%m%d}.ok") == {}
    defects = broken.truth_table("defects").filter(
        (pl.col("system") == "core") & (pl.col("biz_date") == START)
    )
    line_kinds = {
        "field_count",
        "bad_date",
        "bad_amount",
        "bad_encoding",
        "duplicate_record",
        "name_spaces",
    }
    assert not set(defects["defect_kind"].unique()) & line_kinds
    superseded = broken.truth_table("defects_superseded")
    assert set(superseded["defect_kind"].unique()) & line_kinds
    assert not (broken.truth / "redeliver_stage").exists()


def test_withheld_flag_arrives_on_release(broken: Bank) -> None:
    day = START + dt.timedelta(days=2)
    d = broken.batch_dir("loan", day)
    flag = d / f"loan_{day:%Y%m%d}.ok"
    assert not flag.exists() and len(list(d.glob("*.dat"))) == 3
    release(broken.data_dir, "loan", day)
    assert flag.exists() and _mismatches(d, flag) == {}
    with pytest.raises(FileNotFoundError):
        release(broken.data_dir, "loan", day)


def test_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from crmwh.cli import main

    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    (tmp_path / "landing" / "core" / "20200101").mkdir(parents=True)
    args = [
        "generate",
        "--persons",
        "300",
        "--enterprises",
        "30",
        "--days",
        "2",
        "--seed",
        "5",
        "--withhold",
        "chan:2026-11-02",
        "--profile",
        "clean",
    ]
    assert main(args) == 0
    assert main(args) == 0  # a second run replaces the first one's landing and truth
    out = capsys.readouterr().out
    assert "files" in out and "rows" in out and "MB" in out
    assert not (tmp_path / "landing" / "core" / "20200101").exists()
    assert not (tmp_path / "landing" / "chan" / "20261102" / "chan_20261102.ok").exists()
    assert main(["release", "chan:2026-11-02"]) == 0
    assert (tmp_path / "landing" / "chan" / "20261102" / "chan_20261102.ok").exists()
    with pytest.raises(SystemExit):
        main(["generate", "--corrupt", "core:2026-11-02:sideways"])
    (tmp_path / "landing" / "notes.txt").write_text("not the simulator's")
    with pytest.raises(RuntimeError, match="refusing to overwrite"):
        main(args)
    assert (tmp_path / "landing" / "notes.txt").exists()
