"""A nightly staging run reads T's lake partition only, keeps history, and tests T only.

Issue 5: a daily run's cost must follow T's volume, not history. The staging base models are
incremental by biz_date: on the orchestrator's run of T (date in env CRM_BIZ_DATE) they read
lake/raw/<system>/<table>/biz_date=T/ alone and replace T's rows; a --full-refresh (the rebuild
after a re-delivery) re-reads the whole lake. To tell the two apart, D1's files of one table are
removed from the lake after the first build: the nightly run of D2 must not notice (history is
neither re-read nor erased), the rebuild must.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.dbt_inprocess import Dbt
from tests.staging.tiny_lake import D1, D2, build_tiny_lake


def _counts(data_dir: Path) -> dict[tuple[str, str], int]:
    with duckdb.connect(str(data_dir / "warehouse" / "crm.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select 'balances', cast(biz_date as varchar), count(*) "
            "from staging.stg_core__balances group by all "
            "union all select 'rejects', cast(biz_date as varchar), count(*) "
            "from staging.stg_rejects group by all"
        ).fetchall()
    return {(kind, day): n for kind, day, n in rows}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("daily")
    data_dir = tmp / "data"
    build_tiny_lake(data_dir / "lake")
    (data_dir / "warehouse").mkdir(parents=True)
    # in-process, the project parsed once for the five runs (a subprocess each re-imports dbt
    # and reloads the parse)
    dbt = Dbt(data_dir, tmp)
    dbt(["run", "--select", "staging"], None)  # first build: the whole lake
    first = _counts(data_dir)
    shutil.rmtree(data_dir / "lake" / "raw" / "core" / "core_balance" / f"biz_date={D1}")
    nightly = {"CRM_BIZ_DATE": D2.isoformat()}
    dbt(["run", "--select", "staging"], None, nightly)
    after_nightly = _counts(data_dir)
    dbt(["test", "--select", "stg_rejects"], None, nightly)
    compiled = (
        tmp / "target" / "compiled" / "bank_crm" / "models" / "staging" / "_staging__models.yml"
    )
    (not_null,) = compiled.glob("not_null_columns_stg_rejects_*.sql")  # its required columns
    scoped_sql = not_null.read_text()
    # NULLs in required columns: rows of T (copies of D1's, which T has none of) with two
    # reasons and one line number missing, and one missing reason of D1, which the nightly test
    # does not read. The same test must now fail on T's three.
    with duckdb.connect(str(data_dir / "warehouse" / "crm.duckdb")) as con:
        for column, n in (("reason", 2), ("line_no", 1)):
            con.execute(
                "insert into staging.stg_rejects by name select * replace "
                f"(cast(? as date) as biz_date, null as {column}) from staging.stg_rejects "
                f"where biz_date = ? limit {n}",
                [D2, D1],
            )
        con.execute(
            "update staging.stg_rejects set reason = null where rowid = "
            "(select min(rowid) from staging.stg_rejects where biz_date = ?)",
            [D1],
        )
    try:
        dbt(["test", "--select", "stg_rejects"], None, nightly)
        null_failure = ""
    except AssertionError as exc:
        null_failure = str(exc)
    dbt(["run", "--select", "staging", "--full-refresh"], None, nightly)
    after_rebuild = _counts(data_dir)
    return {
        "first": first,
        "nightly": after_nightly,
        "rebuild": after_rebuild,
        "scoped_sql": scoped_sql,
        "null_failure": null_failure,
    }


def test_nightly_run_keeps_history_it_no_longer_reads(runs) -> None:
    first, nightly = runs["first"], runs["nightly"]
    assert first[("balances", str(D1))] > 0 and first[("balances", str(D2))] > 0
    # D1's balances stay although their files are gone: history is not re-read or erased
    assert nightly[("balances", str(D1))] == first[("balances", str(D1))]


def test_nightly_run_replaces_t_instead_of_adding_to_it(runs) -> None:
    assert runs["nightly"] == runs["first"]


def test_rebuild_rereads_the_whole_lake(runs) -> None:
    rebuilt = runs["rebuild"]
    assert ("balances", str(D1)) not in rebuilt  # the files are gone, so are the rows
    assert rebuilt[("balances", str(D2))] == runs["first"][("balances", str(D2))]


def test_nightly_data_tests_check_t_only(runs) -> None:
    assert f"biz_date = cast('{D2}' as date)" in runs["scoped_sql"]


def test_nulls_in_required_columns_fail_the_test_counting_t_only(runs) -> None:
    failure = runs["null_failure"]
    assert "not_null_columns_stg_rejects" in failure, failure[-3000:]
    # one test for the model's required columns, its failures the NULL cells of T (2 + 1)
    assert "Got 3 results" in failure, failure[-3000:]
