"""``crmwh quality validate|report`` through its own argparse registration."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import tests.quality.qfixtures as qf
from orchestration.quality import cli
from tests.quality.qfixtures import BIZ_DATE


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="crmwh")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_validate_exit_status_follows_the_worst_gate(
    lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    qf.write_raw(lake, "core_fx_rate", BIZ_DATE)
    argv = ["quality", "validate", "--date", "2026-11-03", "--suite", "raw_core_fx_rate"]
    assert run([*argv, "--no-docs"]) == 0
    assert "raw_core_fx_rate" in capsys.readouterr().out
    cols = qf.raw_rows("core_fx_rate", 6)
    cols["currency"][0] = "RMB"  # no CNY row any more
    qf.write_raw(lake, "core_fx_rate", BIZ_DATE, columns=cols)
    assert run([*argv, "--no-docs"]) == 2
    assert "expect_column_distinct_values_to_contain_set" in capsys.readouterr().out


def test_report_writes_markdown(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["quality", "report", "--date", "2026-11-03"]) == 2  # nothing delivered
    assert (data_dir / "quality" / "reconciliation" / "2026-11-03.md").is_file()
    assert "NOT reconciled" in capsys.readouterr().out
