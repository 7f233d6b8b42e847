"""crmwh query / branches / rollback / publish, and strict branch-code validation."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from orchestration.publish import cli, layout
from tests.publish import fake_warehouse as fw

DAY = fw.DATES[-1]


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="crmwh")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.mark.parametrize(
    "code",
    [
        "../crm",
        "O12/../GD",
        "/etc/passwd",
        "O1\x002",
        "o12",
        "O12 ",
        "",
        "ABCDEFGHIJK",
        "O12.duckdb",
        "..",
        "*",
    ],
)
def test_malformed_branch_codes_are_refused(published: Path, code: str, capsys) -> None:
    with pytest.raises(cli.BranchCodeError, match="invalid branch code"):
        cli.branch_file(code, published)
    assert run(["query", "--branch", code, "select 1"]) == 2
    assert "invalid branch code" in capsys.readouterr().err


def test_unknown_and_merged_branches_are_refused(published: Path) -> None:
    with pytest.raises(cli.BranchCodeError, match="not in the published dim_branch"):
        cli.branch_file("ZZ9", published)
    with pytest.raises(cli.BranchCodeError, match="status M"):
        cli.branch_file("O13", published)
    assert cli.branch_file("O12", published) == published / "branches" / "O12.duckdb"
    assert cli.branch_file("HO", published) == published / "crm.duckdb"
    assert cli.branch_file(None, published) == published / "crm.duckdb"
    assert cli.branch_file("HQ0", published) == published / "crm.duckdb"  # level 1


def test_query_prints_an_aligned_table_of_the_branch_only(published: Path, capsys) -> None:
    sql = "select branch_l5_code as outlet, count(*) as n from mart_customer_daily group by 1 order by 1"
    assert run(["query", "--branch", "TH", sql]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split("|")[0].strip() == "outlet"
    assert set(out[1]) <= {"-", "+"}
    rows = {line.split("|")[0].strip(): int(line.split("|")[1]) for line in out[2:-1]}
    assert rows == {"O11": 80, "O12": 80 + 40, "O13": 40}
    assert out[-1] == "(3 rows)"
    # a Chinese name column lines up: every line of the table has the same display width
    assert run(["query", "--branch", "GD", "select branch_name, branch_code from dim_branch"]) == 0
    lines = capsys.readouterr().out.splitlines()[:-1]
    widths = {cli._width(line.split(" | ")[0]) for line in lines[2:]}
    assert len(widths) == 1


def test_query_cannot_escape_the_branch_file(published: Path, capsys) -> None:
    ho = published / "crm.duckdb"
    assert run(["query", "--branch", "O12", f"attach '{ho}' as ho (read_only)"]) == 1
    assert (
        run(["query", "--branch", "O12", f"select * from read_parquet('{published}/x.parquet')"])
        == 1
    )
    assert run(["query", "--branch", "O12", "set enable_external_access = true"]) == 1
    assert run(["query", "--branch", "O12", "create table t as select 1"]) == 1  # read-only
    err = capsys.readouterr().err
    assert "disabled by configuration" in err and "locked" in err


def test_branches_lists_level_parent_and_copy(published: Path, capsys) -> None:
    assert run(["branches"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {c[0]: c for c in ([x.strip() for x in line.split("|")] for line in lines[2:])}
    assert rows["O12"][1:3] == ["5", "TH"]
    assert rows["O13"][4:] == ["M", "no"]
    assert rows["GD"][1:3] == ["2", "HQ0"]
    assert len(rows) == len(fw.TREE)
    assert run(["branches", "--level", "2"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2 + 2


def test_publish_and_rollback_commands(warehouse: Path, serving: Path, capsys) -> None:
    assert run(["publish", "--date", "2026-11-03"]) == 0
    assert run(["publish", "--date", DAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "15 branch files" in out
    first, second = layout.list_versions(serving)
    assert json.loads((serving / "current" / "manifest.json").read_text())["version"] == second
    assert run(["rollback"]) == 0
    assert layout.current_version(serving) == first
    assert run(["rollback", "--to", "../../x"]) == 2
    assert "not a version id" in capsys.readouterr().err
    assert run(["rollback", "--to", second]) == 0
    assert layout.current_version(serving) == second
    assert run(["rollback", "--list"]) == 0
    assert f"* {second}" in capsys.readouterr().out


def test_publish_command_without_key_fails(warehouse: Path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("CRM_PSEUDONYM_KEY")
    assert run(["publish", "--date", DAY.isoformat()]) == 2
    assert "CRM_PSEUDONYM_KEY is not set" in capsys.readouterr().err
