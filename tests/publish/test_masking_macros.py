"""The masking macros render to DuckDB SQL that produces the published forms.

The macros are rendered with Jinja directly (as sqlfluff's templater does: no ``adapter``, so
the dispatcher calls ``default__``) and the SQL is run in DuckDB over a column of inputs, so one
query per macro proves every case, NULLs included.
"""

from __future__ import annotations

import hashlib

import duckdb
import jinja2
import pytest

from crmwh import config

MACRO_DIR = config.project_dir() / "macros" / "masking"


@pytest.fixture(scope="module")
def macros():
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted(MACRO_DIR.glob("*.sql")))
    return jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(source).module


def apply(macro, cases: dict, con: duckdb.DuckDBPyConnection | None = None) -> dict:
    con = con or duckdb.connect()
    sql = f"select v, {macro('v')} as masked from (select unnest(?::varchar[]) as v)"
    return dict(con.execute(sql, [list(cases)]).fetchall())


def test_mask_name(macros) -> None:
    cases = {
        "张三": "张*",
        "张三丰": "张*丰",
        "王小二": "王*二",
        "欧阳娜娜": "欧**娜",
        "诸葛亮": "诸*亮",
        "张 三": "张*",
        "　李四　": "李*",
        "阿依古丽·买买提": "阿******提",
        "李": "*",
        "": None,
        None: None,
    }
    got = apply(macros.mask_name, cases)
    assert got == cases


def test_mask_mobile(macros) -> None:
    cases = {
        "13812341234": "138****1234",
        "138 1234 1234": "138****1234",
        "+86 138-1234-1234": "138****1234",
        "008613812341234": "138****1234",
        "１３８１２３４１２３４": "138****1234",
        "02012345678": "020****5678",
        "12345678": "****5678",
        "123": "***",
        "none": None,
        None: None,
    }
    assert apply(macros.mask_mobile, cases) == cases


def test_mask_id_no(macros) -> None:
    cases = {
        "110101199003071234": "110101********1234",
        "11010119900307123x": "110101********123X",
        "１１０１０１１９９００３０７１２３Ｘ": "110101********123X",
        "110101 19900307 1234": "110101********1234",
        "110101900307123": "110101*****7123",
        "E12345678": "*********",
        "": None,
        None: None,
    }
    assert apply(macros.mask_id_no, cases) == cases


def test_mask_card_no(macros) -> None:
    cases = {
        "6225881234561234": "622588******1234",
        "6225 8812 3456 1234": "622588******1234",
        "6222021234567890128": "622588*********0128".replace("622588", "622202"),
        "123456789012": "************",
        None: None,
    }
    assert apply(macros.mask_card_no, cases) == cases


def test_address_to_district(macros) -> None:
    cases = {
        "广东省广州市天河区天河路385号": "广东省广州市天河区",
        "北京市朝阳区建国路88号院3号楼": "北京市朝阳区",
        "上海市浦东新区世纪大道100号": "上海市浦东新区",
        "北京市 东城区 东长安街1号": "北京市东城区",
        "新疆维吾尔自治区乌鲁木齐市天山区解放南路1号": "新疆维吾尔自治区乌鲁木齐市天山区",
        "湖北省恩施土家族苗族自治州恩施市航空大道8号": "湖北省恩施土家族苗族自治州恩施市",
        "浙江省杭州市西湖区文三路90号": "浙江省杭州市西湖区",
        "河北省辛集市兴华路100号": "河北省辛集市",
        "内蒙古自治区鄂尔多斯市伊金霍洛旗阿勒腾席热镇": "内蒙古自治区鄂尔多斯市伊金霍洛旗",
        "广州市天河区体育西路1号": "广州市天河区",
        "天河路385号": None,  # no province or city: not published at all
        "朝阳区建国路88号": None,
        "": None,
        None: None,
    }
    assert apply(macros.address_to_district, cases) == cases


def test_masked_outputs_scan_clean(macros, tmp_path) -> None:
    """What the macros publish never trips the PII scanner (the scanner's false-positive side)."""
    from orchestration.publish.pii_scan import scan_files

    raw = ["11010519491231002X", "13812345678", "4111111111111111", "广东省广州市天河区天河路385号"]
    path = tmp_path / "m.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        f"create table t as select {macros.mask_id_no('v')} as a, {macros.mask_mobile('v')} as b, "
        f"{macros.mask_card_no('v')} as c, {macros.address_to_district('v')} as d "
        "from (select unnest(?::varchar[]) as v)",
        [raw],
    )
    con.close()
    assert scan_files([path]) == []


def test_pseudonymize_is_a_keyed_hash_without_digits(macros) -> None:
    con = duckdb.connect()
    con.execute("set variable crm_pseudonym_key = ?", ["k" * 20])
    got = apply(macros.pseudonymize, {"P000000001": None, None: None}, con)
    digest = hashlib.sha256(("k" * 20 + "|P000000001").encode()).hexdigest()[:20]
    assert got["P000000001"] == digest.translate(str.maketrans("0123456789", "ghijklmnop"))
    assert got[None] is None
    con.execute("set variable crm_pseudonym_key = ?", ["other-secret-value!"])
    assert apply(macros.pseudonymize, {"P000000001": None}, con)["P000000001"] != got["P000000001"]
    # without the variable the query fails loudly instead of hashing with no key
    with pytest.raises(duckdb.Error, match="CRM_PSEUDONYM_KEY is not set"):
        apply(macros.pseudonymize, {"P000000001": None}, duckdb.connect())
