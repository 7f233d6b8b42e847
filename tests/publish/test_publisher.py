"""Write-audit-publish: layout, isolation per branch, refusals, failure safety, rollback, keep-N."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import duckdb
import pytest

from orchestration.publish import PublishError, layout, publish, rollback
from orchestration.publish import publisher as publisher_mod
from tests.publish import fake_warehouse as fw
from tests.publish.conftest import tree_digest

DAY = fw.DATES[-1]


def fw_cols() -> list[str]:
    return [f"branch_l{k}_code" for k in range(1, 6)]


def q(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_publish_layout_and_manifest(published: Path) -> None:
    serving = published
    result_version = layout.current_version(serving)
    assert os.readlink(serving / "crm.duckdb") == "current/crm.duckdb"
    assert os.readlink(serving / "branches") == "current/branches"
    assert os.readlink(serving / "current") == f"versions/{result_version}"
    manifest = json.loads((serving / "current" / "manifest.json").read_text())
    assert manifest["biz_date"] == DAY.isoformat()
    assert manifest["version"] == result_version
    assert manifest["tables"] == {
        "dim_branch": 18,
        "mart_branch_kpi_daily": 4 * 17,
        "mart_customer_daily": 4 * 20 * 7,
        "dim_date": 4,
    }
    active = {c for c, (_, lvl, _) in fw.TREE.items() if lvl >= 2 and c not in fw.MERGED}
    assert set(manifest["branches"]) == active
    assert manifest["branch_count"] == len(active)
    assert len(manifest["warehouse_fingerprint"]) == 32
    assert manifest["mode"] == "full"
    # published files are immutable: read-only on disk
    assert {
        (p.stat().st_mode & 0o777) for p in (serving / "current").rglob("*") if p.is_file()
    } == {0o444}
    assert sorted(p.stem for p in (serving / "branches").glob("*.duckdb")) == sorted(active)
    # the published names drop the pub_ prefix; the warehouse's serving schema is not exposed
    assert {r[0] for r in q(serving / "crm.duckdb", "show tables")} == set(manifest["tables"])


def test_every_branch_file_holds_only_its_subtree(published: Path) -> None:
    serving = published
    ho = duckdb.connect(str(serving / "crm.duckdb"), read_only=True)
    checked = 0
    for path in sorted((serving / "branches").glob("*.duckdb")):
        code = path.stem
        level = fw.TREE[code][1]
        allowed = fw.subtree(code)
        con = duckdb.connect(str(path), read_only=True)
        for table in ("mart_customer_daily", "mart_branch_kpi_daily", "dim_branch"):
            rows = con.execute(f"select {', '.join(fw_cols())} from {table}").fetchall()
            assert rows, f"{code}: {table} is empty"
            assert {r[level - 1] for r in rows} == {code}
            assert {c for r in rows for c in r[level - 1 :] if c} <= allowed
            assert [r[: level - 1] for r in rows] == [tuple(fw.path_of(code)[:-1])] * len(rows)
            # every row of the subtree is there, none missing
            want = ho.execute(
                f"select count(*) from {table} where branch_l{level}_code = ?", [code]
            )
            assert con.execute(f"select count(*) from {table}").fetchone() == want.fetchone()
        # KPI rows of the branch itself and of all its descendants, never of its parent
        kpi = {
            r[0]
            for r in con.execute(
                "select distinct branch_code from mart_branch_kpi_daily"
            ).fetchall()
        }
        assert kpi == allowed
        assert fw.TREE[code][2] not in kpi
        # reference data is copied whole
        assert con.execute("select count(*) from dim_date").fetchone()[0] == 4
        con.close()
        checked += 1
    ho.close()
    assert checked == 15


def test_merged_outlet_customers_move_to_surviving_branch(published: Path) -> None:
    serving = published
    survivor = serving / "branches" / "O12.duckdb"
    per_date = dict(
        q(
            survivor,
            "select biz_date, count(*) from mart_customer_daily where test_customer_ref like 'O13-%' group by 1",
        )
    )
    assert per_date == {d: 20 for d in fw.DATES if d >= fw.MERGE_DATE}
    assert not (serving / "branches" / "O13.duckdb").exists()  # merged: no file of its own
    # the parent sub-branch sees the O13 customers on every date (before: under O13, after: O12)
    parent = dict(
        q(
            serving / "branches" / "TH.duckdb",
            "select biz_date, count(*) from mart_customer_daily "
            "where test_customer_ref like 'O13-%' group by 1",
        )
    )
    assert parent == {d: 20 for d in fw.DATES}
    # the other outlets of the same sub-branch never see them
    assert (
        q(
            serving / "branches" / "O11.duckdb",
            "select count(*) from mart_customer_daily where test_customer_ref like 'O13-%'",
        )[0][0]
        == 0
    )


def test_table_without_branch_codes_is_refused(warehouse: Path, serving: Path) -> None:
    con = duckdb.connect(str(warehouse))
    con.execute("create table serving.pub_mart_rm_list as select 'x' as staff_name")
    con.execute("create table serving.half as select 'A' as branch_l1_code, 'B' as branch_l2_code")
    con.close()
    with pytest.raises(PublishError) as err:
        publish(DAY, warehouse=warehouse, serving_dir=serving)
    msg = str(err.value)
    assert "serving.pub_mart_rm_list has no branch columns" in msg
    assert "serving.half has only some branch columns" in msg
    assert not (serving / "current").exists()
    # a partial set of branch codes is refused even when listed as reference data
    with pytest.raises(PublishError, match="serving.half has only some"):
        publish(
            DAY, warehouse=warehouse, serving_dir=serving, reference=frozenset({"dim_date", "half"})
        )
    con = duckdb.connect(str(warehouse))
    con.execute("drop table serving.half")
    con.close()
    # once declared reference data it is published, whole, into every branch file
    result = publish(
        DAY,
        warehouse=warehouse,
        serving_dir=serving,
        reference=frozenset({"dim_date", "mart_rm_list"}),
    )
    assert result.tables["mart_rm_list"] == 1
    assert q(serving / "branches" / "O41.duckdb", "select staff_name from mart_rm_list") == [("x",)]


def test_missing_key_fails_clearly(
    warehouse: Path, serving: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CRM_PSEUDONYM_KEY")
    with pytest.raises(PublishError, match="CRM_PSEUDONYM_KEY is not set"):
        publish(DAY, warehouse=warehouse, serving_dir=serving)
    assert not (serving / "versions").exists() or not any((serving / "versions").iterdir())


def test_key_change_is_refused_unless_asked(
    warehouse: Path, serving: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(DAY, warehouse=warehouse, serving_dir=serving)
    monkeypatch.setenv("CRM_PSEUDONYM_KEY", "another-secret-of-enough-length")
    with pytest.raises(PublishError, match="differs from the key"):
        publish(DAY, warehouse=warehouse, serving_dir=serving)
    publish(DAY, warehouse=warehouse, serving_dir=serving, allow_key_change=True)


@pytest.mark.parametrize("where", ["build", "audit", "switch"])
def test_failed_publish_leaves_published_files_byte_identical(
    warehouse: Path, serving: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    first = publish(DAY, warehouse=warehouse, serving_dir=serving)
    before = tree_digest(serving)

    def boom(*args, **kwargs):
        raise RuntimeError(f"injected failure in {where}")

    if where == "build":
        monkeypatch.setattr(publisher_mod, "_subtree_ranges", boom)
    elif where == "audit":
        fw.build(warehouse.parent / "planted.duckdb", plant="id18")
        warehouse = warehouse.parent / "planted.duckdb"
    else:
        monkeypatch.setattr(publisher_mod.layout, "switch_current", boom)
    with pytest.raises((RuntimeError, PublishError)):
        publish(DAY, warehouse=warehouse, serving_dir=serving)
    assert tree_digest(serving) == before
    assert layout.list_versions(serving) == [first.version]


def test_planted_raw_id_blocks_publish(tmp_path: Path, serving: Path) -> None:
    wh = fw.build(tmp_path / "planted" / "crm.duckdb", plant="mobile")
    with pytest.raises(PublishError, match="(?s)raw personal data.*customer_name: mobile"):
        publish(DAY, warehouse=wh, serving_dir=serving)
    assert not (serving / "current").exists()


def test_rollback_to_previous_and_given_version(warehouse: Path, serving: Path) -> None:
    v = [publish(d, warehouse=warehouse, serving_dir=serving).version for d in fw.DATES[:3]]
    assert rollback(serving) == v[1]
    assert layout.current_version(serving) == v[1]
    assert q(serving / "crm.duckdb", "select 1")  # the link chain resolves
    assert rollback(serving, to=v[0]) == v[0]
    with pytest.raises(PublishError, match="oldest"):
        rollback(serving)
    assert rollback(serving, to=v[2]) == v[2]
    with pytest.raises(PublishError, match="not a version id"):
        rollback(serving, to="../../etc")
    with pytest.raises(PublishError, match="not on disk"):
        rollback(serving, to="20200101T000000000000Z_20200101_abcd")


def test_keep_n_prunes_old_versions_never_current(
    warehouse: Path, serving: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_SERVING_KEEP", "2")
    v = [publish(DAY, warehouse=warehouse, serving_dir=serving).version for _ in range(4)]
    assert layout.list_versions(serving) == v[-2:]
    rollback(serving)  # current is now v[2]
    v5 = publish(DAY, warehouse=warehouse, serving_dir=serving, keep=1).version
    # keep=1: the new current, plus the version it replaced until the next publish (a reader
    # may be opening it at the very instant of the switch)
    assert layout.list_versions(serving) == [v[2], v5]
    v6 = publish(DAY, warehouse=warehouse, serving_dir=serving, keep=1).version
    assert layout.list_versions(serving) == [v5, v6]
    assert layout.current_version(serving) == v6


def test_keep_one_after_rollback_keeps_current(warehouse: Path, serving: Path) -> None:
    v = [publish(DAY, warehouse=warehouse, serving_dir=serving, keep=3).version for _ in range(3)]
    rollback(serving, to=v[0])
    removed = layout.prune(serving, keep=1)
    assert removed == [v[1]]
    assert layout.list_versions(serving) == [v[0], v[2]]  # the newest and the current one


def test_stale_tmp_dir_is_cleaned_and_warehouse_unchanged(warehouse: Path, serving: Path) -> None:
    stale = serving / "versions" / ".tmp-20200101T000000000000Z_20200101_abcd"
    stale.mkdir(parents=True)
    (stale / "crm.duckdb").write_bytes(b"half")
    before = warehouse.read_bytes()
    publish(DAY, warehouse=warehouse, serving_dir=serving)
    assert not stale.exists()
    assert warehouse.read_bytes() == before  # opened read-only


def test_regular_file_in_place_of_link_is_refused(warehouse: Path, serving: Path) -> None:
    serving.mkdir(parents=True)
    (serving / "crm.duckdb").write_bytes(b"old layout")
    with pytest.raises(PublishError, match="not a symlink"):
        publish(DAY, warehouse=warehouse, serving_dir=serving)
    assert (serving / "crm.duckdb").read_bytes() == b"old layout"
    assert not (serving / "current").exists()  # refused before anything was built or switched
    assert layout.list_versions(serving) == []


def test_version_ids_sort_by_creation() -> None:
    a = layout.new_version_id(dt.date(2026, 12, 31), dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    b = layout.new_version_id(dt.date(2026, 1, 1), dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
    assert a < b
    assert layout.check_version_id(a) == a


def test_publish_memory_limit_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    """A malformed CRM_PUBLISH_MEMORY_LIMIT is refused by name, not passed to DuckDB."""
    from orchestration.publish.settings import memory_limit

    monkeypatch.delenv("CRM_PUBLISH_MEMORY_LIMIT", raising=False)
    assert memory_limit() == "4GB"
    monkeypatch.setenv("CRM_PUBLISH_MEMORY_LIMIT", "512MB")
    assert memory_limit() == "512MB"
    monkeypatch.setenv("CRM_PUBLISH_MEMORY_LIMIT", "4GB; drop table x")
    with pytest.raises(PublishError, match="CRM_PUBLISH_MEMORY_LIMIT"):
        memory_limit()


def test_publish_workers_default_to_one_per_usable_core_plus_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CRM_PUBLISH_WORKERS", raising=False)
    assert publisher_mod.publish_workers() == publisher_mod._usable_cores() + 1 >= 2
    monkeypatch.setenv("CRM_PUBLISH_WORKERS", "2")
    assert publisher_mod.publish_workers() == 2
    for bad in ("0", "-1", "two"):
        monkeypatch.setenv("CRM_PUBLISH_WORKERS", bad)
        with pytest.raises(PublishError, match=f"CRM_PUBLISH_WORKERS must be .* got '{bad}'"):
            publisher_mod.publish_workers()
