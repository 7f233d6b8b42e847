"""Incremental publish: built on top of the previous version, equal to a full publish.

Each business date gets its own warehouse file (the fake warehouse cut at that date: history
tables hold the dates up to it, ``dim_branch`` the versions valid by then), so publishing day k
on top of day k-1 is compared with a full publish of day k: every table of the head-office file
and of every branch file, EXCEPT ALL both ways and the same row counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration import warehouse as wh_engine
from orchestration.publish import PublishError, cli, history, incremental, layout, publish
from tests.publish import fake_warehouse as fw
from tests.publish.conftest import tree_digest

D = fw.DATES
# dim_date is reference data with history by date_day: the branch files get its new rows whole
HISTORY = {
    "mart_customer_daily": "biz_date",
    "mart_branch_kpi_daily": "biz_date",
    "dim_date": "date_day",
}


@pytest.fixture(autouse=True)
def _no_compaction(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny files are mostly free blocks after a change; compaction has its own test."""
    monkeypatch.setattr(incremental, "MAX_FREE_BLOCK_SHARE", 1.0)


@pytest.fixture()
def full_wh(tmp_path: Path) -> Path:
    return fw.build(tmp_path / "wh" / "all.duckdb")


def cut(full_wh: Path, day: dt.date, sql: list[str] | None = None) -> Path:
    """A copy of the fake warehouse as dbt leaves it after building ``day`` (plus ``sql``)."""
    path = full_wh.parent / f"{day:%Y%m%d}-{len(list(full_wh.parent.iterdir()))}.duckdb"
    shutil.copyfile(full_wh, path)
    con = duckdb.connect(str(path))
    try:
        for table in ("mart_customer_daily", "mart_branch_kpi_daily"):
            con.execute(f"delete from serving.{table} where biz_date > ?", [day])
        con.execute("delete from serving.pub_dim_date where date_day > ?", [day])
        con.execute("delete from serving.dim_branch where valid_from > ?", [day])
        con.execute("update serving.dim_branch set valid_to = null where valid_to >= ?", [day])
        for stmt in sql or []:
            con.execute(stmt)
    finally:
        con.close()
    return path


def pub(day: dt.date, wh: Path, serving: Path, **kw):
    return publish(day, warehouse=wh, serving_dir=serving, history=HISTORY, **kw)


def manifest(serving: Path) -> dict:
    return json.loads((serving / "current" / "manifest.json").read_text())


def differences(a: Path, b: Path) -> list[str]:
    """Tables of two DuckDB files that differ (EXCEPT ALL both ways, row counts, table sets)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{a}' as a (read_only)")
        con.execute(f"attach '{b}' as b (read_only)")
        names = {
            db: {
                r[0]
                for r in con.execute(
                    "select table_name from duckdb_tables() where database_name = ?", [db]
                ).fetchall()
            }
            for db in ("a", "b")
        }
        out = (
            [f"table sets differ: {sorted(names['a'] ^ names['b'])}"]
            if names["a"] != names["b"]
            else []
        )
        for t in sorted(names["a"] & names["b"]):
            na = con.execute(f"select count(*) from a.{t}").fetchone()[0]
            nb = con.execute(f"select count(*) from b.{t}").fetchone()[0]
            ab = con.execute(f"select count(*) from (from a.{t} except all from b.{t})").fetchone()[
                0
            ]
            ba = con.execute(f"select count(*) from (from b.{t} except all from a.{t})").fetchone()[
                0
            ]
            if (na, ab, ba) != (nb, 0, 0):
                out.append(f"{a.name}:{t}: rows {na} vs {nb}, {ab} only in a, {ba} only in b")
        return out
    finally:
        con.close()


def assert_same_as_full(incr: Path, full: Path) -> None:
    """Every published file of the two current versions holds the same rows."""
    a, b = incr / "current", full / "current"
    files_a = sorted(p.name for p in (a / "branches").glob("*.duckdb"))
    files_b = sorted(p.name for p in (b / "branches").glob("*.duckdb"))
    assert files_a == files_b
    problems = differences(a / "crm.duckdb", b / "crm.duckdb")
    for name in files_b:
        problems += differences(a / "branches" / name, b / "branches" / name)
    assert problems == []
    ma, mb = manifest(incr), manifest(full)
    assert ma["tables"] == mb["tables"] and ma["branches"] == mb["branches"]
    assert ma["warehouse_fingerprint"] == mb["warehouse_fingerprint"]


def test_every_day_on_top_of_the_day_before_equals_a_full_publish(
    full_wh: Path, tmp_path: Path
) -> None:
    """Days 1..4 incrementally (O13 merges into O12 on day 3: its file goes) vs full each day."""
    incr = tmp_path / "incr"
    for i, day in enumerate(D):
        wh = cut(full_wh, day)
        result = pub(day, wh, incr)
        full = pub(day, wh, tmp_path / f"full{i}", full=True)
        assert full.mode == "full"
        assert result.mode == ("full" if i == 0 else "incremental")
        assert_same_as_full(incr, tmp_path / f"full{i}")
        m = manifest(incr)
        # the manifest's fingerprint names the warehouse content (the same function, one session)
        assert m["warehouse_fingerprint"] == wh_engine.fingerprint(
            wh_engine.current(wh), schema="serving"
        )
        if i:
            assert m["base_version"] and m["full_reason"] is None
            acts = m["table_actions"]
            assert acts["mart_customer_daily"] == {
                "action": "appended",
                "since": day.isoformat(),
                "dates": [day.isoformat()],
            }
            assert acts["dim_date"]["action"] == "appended"
            # not a history table: replaced when its rows changed (O13's merge), else kept
            changed = day == fw.MERGE_DATE
            assert acts["dim_branch"] == {"action": "replaced" if changed else "unchanged"}
            scope = {"mart_customer_daily", "mart_branch_kpi_daily", "dim_date"}
            assert set(m["audit_scope"]) == scope | ({"dim_branch"} if changed else set())
            assert m["audit_scope"].get("dim_branch", None) is None
            assert m["audit_scope"]["mart_customer_daily"] == f"\"biz_date\" >= date '{day}'"
    assert "O13" not in manifest(incr)["branches"]
    assert not (incr / "branches" / "O13.duckdb").exists()


def test_previous_version_is_left_byte_identical(full_wh: Path, serving: Path) -> None:
    first = pub(D[0], cut(full_wh, D[0]), serving)
    vdir = serving / "versions" / first.version
    before = tree_digest(vdir)
    modes = {(p.stat().st_mode & 0o777) for p in vdir.rglob("*") if p.is_file()}
    second = pub(D[1], cut(full_wh, D[1]), serving)
    assert second.mode == "incremental"
    assert tree_digest(vdir) == before
    assert {(p.stat().st_mode & 0o777) for p in vdir.rglob("*") if p.is_file()} == modes == {0o444}
    # the new version is read-only too, and its files are copies, not the same inodes
    new = serving / "versions" / second.version
    assert {(p.stat().st_mode & 0o777) for p in new.rglob("*") if p.is_file()} == {0o444}
    assert (new / "crm.duckdb").stat().st_ino != (vdir / "crm.duckdb").stat().st_ino
    assert not list(new.glob(".stage*")) and not list(new.glob(".spill*"))


def test_publishing_the_same_date_twice(full_wh: Path, tmp_path: Path) -> None:
    wh = cut(full_wh, D[1])
    serving = tmp_path / "s"
    pub(D[0], cut(full_wh, D[0]), serving)
    pub(D[1], wh, serving)
    again = pub(D[1], wh, serving)
    assert again.mode == "incremental"
    m = manifest(serving)
    assert m["table_actions"]["mart_customer_daily"] == {"action": "unchanged"}
    assert m["table_actions"]["mart_branch_kpi_daily"] == {"action": "unchanged"}
    assert m["table_actions"]["dim_branch"] == {"action": "unchanged"}
    assert m["audit_scope"] == {}  # nothing new to scan
    pub(D[1], wh, tmp_path / "full", full=True)
    assert_same_as_full(serving, tmp_path / "full")


def test_restated_history_rewrites_the_table(full_wh: Path, tmp_path: Path) -> None:
    serving = tmp_path / "s"
    pub(D[0], cut(full_wh, D[0]), serving)
    pub(D[1], cut(full_wh, D[1]), serving)
    # a --full-refresh restated day 1 (same row count, other values) while building day 3
    wh = cut(
        full_wh,
        D[2],
        ["update serving.mart_customer_daily set aum = aum + 1 where biz_date = '2026-11-01'"],
    )
    assert pub(D[2], wh, serving).mode == "incremental"
    m = manifest(serving)
    assert m["table_actions"]["mart_customer_daily"]["action"] == "rewritten"
    assert "restated from 2026-11-01" in m["table_actions"]["mart_customer_daily"]["reason"]
    assert m["table_actions"]["mart_branch_kpi_daily"]["action"] == "appended"
    assert m["audit_scope"]["mart_customer_daily"] is None  # rewritten: scanned whole
    pub(D[2], wh, tmp_path / "full", full=True)
    assert_same_as_full(serving, tmp_path / "full")


def test_new_branch_and_closed_branch(full_wh: Path, tmp_path: Path) -> None:
    """Day 3: outlet O14 opens under XH (no file before: built whole), O13 merges (file gone)."""
    opened = [
        "insert into serving.dim_branch values ('O14', '新网点', 5, 'XH', 'HQ0', 'ZJ', 'HZ', 'XH',"
        " 'O14', 'A', '2026-11-03', null)",
        "insert into serving.mart_customer_daily select biz_date, customer_key || 'x', "
        "test_customer_ref || 'x', customer_name, mobile, cert_no, card_no, address, aum, "
        "branch_l1_code, branch_l2_code, branch_l3_code, branch_l4_code, 'O14' "
        "from serving.mart_customer_daily where branch_l5_code = 'O41' and biz_date >= '2026-11-03'",
    ]
    serving = tmp_path / "s"
    pub(D[1], cut(full_wh, D[1]), serving)
    assert (serving / "branches" / "O13.duckdb").exists()
    wh = cut(full_wh, D[2], opened)
    pub(D[2], wh, serving)
    m = manifest(serving)
    assert m["mode"] == "incremental"
    assert "O14" in m["branches"] and m["branches"]["O14"]["rows"] == 20 + 1  # customers + dim row
    assert "O13" not in m["branches"]
    assert not (serving / "branches" / "O13.duckdb").exists()
    pub(D[2], wh, tmp_path / "full", full=True)
    assert_same_as_full(serving, tmp_path / "full")


def test_added_column_forces_a_full_build(full_wh: Path, tmp_path: Path) -> None:
    serving = tmp_path / "s"
    pub(D[0], cut(full_wh, D[0]), serving)
    wh = cut(full_wh, D[1], ["alter table serving.mart_customer_daily add column segment varchar"])
    result = pub(D[1], wh, serving)
    assert result.mode == "full"
    m = manifest(serving)
    assert "columns (names or types) changed" in m["full_reason"]
    assert "mart_customer_daily" in m["full_reason"]
    assert m["audit_scope"] is None  # a full build scans the whole file
    pub(D[1], wh, tmp_path / "full", full=True)
    assert_same_as_full(serving, tmp_path / "full")


def test_full_on_request_by_argument_env_and_cli(
    full_wh: Path, serving: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pub(D[0], cut(full_wh, D[0]), serving)
    wh = cut(full_wh, D[1])
    assert pub(D[1], wh, serving, full=True).mode == "full"
    assert manifest(serving)["full_reason"] == "full build requested"
    monkeypatch.setenv("CRM_PUBLISH_FULL", "1")
    assert pub(D[1], wh, serving).mode == "full"
    monkeypatch.setenv("CRM_PUBLISH_FULL", "maybe")
    with pytest.raises(PublishError, match="CRM_PUBLISH_FULL"):
        pub(D[1], wh, serving)
    monkeypatch.delenv("CRM_PUBLISH_FULL")
    assert pub(D[1], wh, serving).mode == "incremental"
    # crmwh publish --full (default warehouse and serving dir under CRM_DATA_DIR)
    (serving.parent / "warehouse").mkdir(exist_ok=True)
    shutil.copyfile(wh, serving.parent / "warehouse" / "crm.duckdb")
    parser = argparse.ArgumentParser(prog="crmwh")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["publish", "--date", D[1].isoformat(), "--full"])
    assert args.func(args) == 0
    assert manifest(serving)["mode"] == "full"
    args = parser.parse_args(["publish", "--date", D[1].isoformat()])
    assert args.func(args) == 0
    assert manifest(serving)["mode"] == "incremental"


def test_key_change_allowed_builds_full(
    full_wh: Path, serving: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pub(D[0], cut(full_wh, D[0]), serving)
    monkeypatch.setenv("CRM_PSEUDONYM_KEY", "another-secret-of-enough-length")
    result = pub(D[1], cut(full_wh, D[1]), serving, allow_key_change=True)
    assert result.mode == "full"
    assert "pseudonym key differs" in manifest(serving)["full_reason"]


def test_raw_identity_number_in_an_appended_row_is_refused(full_wh: Path, serving: Path) -> None:
    first = pub(D[0], cut(full_wh, D[0]), serving)
    before = tree_digest(serving)
    planted = cut(
        full_wh,
        D[1],
        [
            "update serving.mart_customer_daily set customer_name = '11010519491231002X' "
            "where rowid = (select min(rowid) from serving.mart_customer_daily "
            "where biz_date = '2026-11-02' and branch_l5_code = 'O31')"
        ],
    )
    with pytest.raises(PublishError, match="(?s)raw personal data.*customer_name: resident_id_18"):
        pub(D[1], planted, serving)
    assert tree_digest(serving) == before
    assert layout.list_versions(serving) == [first.version]


def test_decide_rules() -> None:
    a, b, c = (1, 10, 3), (2, 20, 5), (3, 30, 7)
    prev = {"2026-11-01": a, "2026-11-02": b}
    assert history.decide(prev, dict(prev)).action == "unchanged"
    grown = history.decide(prev, {**prev, "2026-11-03": c})
    assert (grown.action, grown.since, grown.dates) == ("appended", "2026-11-03", ("2026-11-03",))
    # the newest date replaced (a snapshot the mart rebuilds daily) and dropped: still appended
    moved = history.decide(prev, {"2026-11-01": a, "2026-11-03": c})
    assert (moved.action, moved.since, moved.dates) == ("appended", "2026-11-02", ("2026-11-03",))
    assert history.decide(prev, {"2026-11-01": c, "2026-11-02": b}).action == "rewritten"
    assert history.decide(prev, {"2026-11-02": b}).action == "rewritten"  # an old date vanished
    assert history.decide(None, prev).action == "rewritten"
    assert history.decide(prev, {**prev, "NULL": a}).action == "rewritten"


def test_incremental_from_spark_table_directories(full_wh: Path, tmp_path: Path) -> None:
    """The same incremental publish when the warehouse is Spark's Parquet table directories."""
    from tests.publish.test_publish_from_spark_files import _as_spark_dirs

    serving = tmp_path / "s"
    for day in D[:2]:
        spark_dir = _as_spark_dirs(cut(full_wh, day), tmp_path / f"spark-{day:%d}")
        result = pub(day, spark_dir, serving)
    assert result.mode == "incremental"
    m = manifest(serving)
    assert m["engine"] == "spark"
    assert m["table_actions"]["mart_branch_kpi_daily"]["dates"] == [D[1].isoformat()]
    assert m["warehouse_fingerprint"] == wh_engine.fingerprint(
        wh_engine.current(spark_dir), schema="serving"
    )
    pub(D[1], spark_dir, tmp_path / "full", full=True)
    assert_same_as_full(serving, tmp_path / "full")


def test_free_blocks_over_the_limit_make_the_next_publish_full(
    full_wh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serving = tmp_path / "s"
    pub(D[0], cut(full_wh, D[0]), serving)
    assert manifest(serving)["ho_free_block_share"] == 0.0  # written whole: compact
    pub(D[1], cut(full_wh, D[1]), serving)
    share = manifest(serving)["ho_free_block_share"]
    assert share > 0.0  # the replaced blocks of the copied file
    monkeypatch.setattr(incremental, "MAX_FREE_BLOCK_SHARE", share / 2)
    wh = cut(full_wh, D[2])
    assert pub(D[2], wh, serving).mode == "full"
    assert "free blocks: rebuilt whole to compact" in manifest(serving)["full_reason"]
    assert manifest(serving)["ho_free_block_share"] == 0.0
    pub(D[2], wh, tmp_path / "full", full=True)
    assert_same_as_full(serving, tmp_path / "full")
