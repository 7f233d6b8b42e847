"""The PII scanner finds each kind of raw personal data when planted, and nothing when masked."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.publish import publish
from orchestration.publish.pii_scan import main as scan_main
from orchestration.publish.pii_scan import scan_files, scan_serving
from tests.publish import fake_warehouse as fw

KIND = {
    "id18": "resident_id_18",
    "fullwidth_id": "resident_id_18",
    "id15": "resident_id_15",
    "mobile": "mobile",
    "card": "card_no",
    "name": "full_name",
}


@pytest.mark.parametrize("plant", sorted(fw.PLANTS))
def test_planted_raw_value_is_found(tmp_path: Path, plant: str) -> None:
    wh = fw.build(tmp_path / "wh.duckdb", plant=plant)
    findings = scan_files([wh], names=["张三丰", "李四"])
    assert [(f.table, f.column, f.kind, f.count) for f in findings] == [
        ("serving.mart_customer_daily", "customer_name", KIND[plant], 1)
    ]
    # the finding can be logged: it never carries the raw value
    assert fw.PLANTS[plant] not in str(findings[0])


def test_clean_publish_scans_clean_in_every_file(published: Path) -> None:
    serving = published
    names = [f"张{c}" for c in "三四五"] + ["张丁", "王五"]  # '张*丁' is published, '张丁' is not
    assert scan_serving(serving, names=names) == []
    assert scan_main([str(serving)]) == 0


def test_scanner_can_fail_on_a_published_file(
    tmp_path: Path, serving: Path, warehouse: Path
) -> None:
    publish(fw.DATES[-1], warehouse=warehouse, serving_dir=serving)
    # tamper with a copy of a branch file after publishing: the scan of the serving dir sees it
    target = serving / "branches" / "O41.duckdb"
    target.resolve().chmod(0o644)  # published files are read-only on disk
    con = duckdb.connect(str(target.resolve()))
    con.execute(
        "update mart_customer_daily set address = '浙江省杭州市西湖区文三路90号 13912345678'"
    )
    con.close()
    findings = scan_serving(serving)
    assert {(Path(f.file).name, f.table, f.column, f.kind) for f in findings} == {
        ("O41.duckdb", "mart_customer_daily", "address", "mobile")
    }
    assert scan_main([str(serving)]) == 1


def test_detectors_and_their_limits(tmp_path: Path) -> None:
    cases = [
        ("11010519491231002X", "resident_id_18"),
        ("证件号 11010519491231002x 已核验", "resident_id_18"),  # lower-case x, embedded
        ("440524198001010013", "resident_id_18"),
        ("6222021234567890128", "card_no"),  # 19 digits, Luhn-valid
        ("110105491231002", "resident_id_15"),
        ("+86 13812345678", "mobile"),
        ("8613812345678", "mobile"),
        ("5500005555555559", "card_no"),
        ("6222021234567890127", None),  # not Luhn-valid
        ("卡号 4111 1111 1111 1111", "card_no"),  # written in groups
        ("4111-1111-1111-1111-111", None),  # 19 digits in groups, not Luhn-valid
        ("电话 138-1234-5678", "mobile"),
        ("110105 19491231 002X", "resident_id_18"),
        ("2026 11 03 1234 5678", None),  # numbers in text are not joined at random
        ("110105********002X", None),
        ("138****5678", None),
        ("622588******1234", None),
        ("11010519491231002Y", None),
        ("11010519491331002X", None),  # month 13
        ("11010519491231003X", None),  # wrong check digit
        ("12345678901", None),  # not a mobile prefix
        ("bfpifamobkfjfnfggnkk", None),  # a pseudonymous key: letters only
        ("ab13812345678cd" + "0" * 49, None),  # a sha256 hex digest: chance digits
        ("mobile13812345678", "mobile"),  # but not any text with hex letters
    ]
    wh = tmp_path / "t.duckdb"
    con = duckdb.connect(str(wh))
    cols = ", ".join(f"? as c{i}" for i in range(len(cases)))
    con.execute(f"create table t as select {cols}", [v for v, _ in cases])
    con.close()
    found = {f.column: f.kind for f in scan_files([wh])}
    assert {c: found.get(f"c{i}") for i, (c, _) in enumerate(cases)} == dict(cases)


def test_names_from_truth_parquet(tmp_path: Path) -> None:
    """The simulator's truth (persons.parquet, column name) as the list of full names."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    truth = tmp_path / "persons.parquet"
    pq.write_table(pa.table({"entity_id": ["P1", "P2"], "name": ["欧阳娜娜", "王 五"]}), truth)
    wh = tmp_path / "n.duckdb"
    con = duckdb.connect(str(wh))
    con.execute(
        "create table t as select * from (values ('欧**娜', '王*'), ('欧阳娜娜', '王五'), "
        "('客户欧阳娜娜', null)) as v(masked, leaked)"
    )
    con.close()
    findings = scan_files([wh], names_parquet=truth)
    # whole values only: '客户欧阳娜娜' is not flagged (names inside free text are not matched)
    assert {(f.column, f.kind, f.count) for f in findings} == {
        ("masked", "full_name", 1),
        ("leaked", "full_name", 1),
    }


def test_scan_limited_to_tables_and_rows(tmp_path: Path) -> None:
    """``only``: the tables (of schema main) and rows an incremental publish wrote."""
    path = tmp_path / "ho.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "create table t as select * from (values (date '2026-11-01', '11010519491231002X'), "
        "(date '2026-11-02', '138****1234')) v(biz_date, v)"
    )
    con.execute("create table u as select '13812345678' as v")
    con.close()
    kinds = {(f.table, f.kind) for f in scan_files([path])}
    assert kinds == {("t", "resident_id_18"), ("u", "mobile")}
    assert scan_files([path], only={"t": "biz_date >= date '2026-11-02'"}) == []
    new_rows = scan_files([path], only={"t": "biz_date >= date '2026-11-01'"})
    assert [(f.table, f.kind) for f in new_rows] == [("t", "resident_id_18")]
    assert [(f.table, f.kind) for f in scan_files([path], only={"u": None})] == [("u", "mobile")]
