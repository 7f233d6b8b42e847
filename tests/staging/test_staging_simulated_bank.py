"""dbt staging on a simulated bank, checked against the simulator's truth.

A small bank (2,000 persons, 2 days, default defect profile, core's second day re-delivered
with corrections) is generated, every batch is extracted with extract_batch, and
`dbt build --select staging` (models, data tests including the reconciliation to the
extractor's control tables, unit tests) runs into a temporary data directory. Then:
- every raw row is in its staging model or excluded in stg_rejects (per table and biz_date);
- every injected identity defect gets the quality code it should, 15-digit numbers convert to
  the person's true number and organization codes to the enterprise's;
- every bad date / bad amount defect is in stg_rejects at its file and line;
- no staging model has a NULL key;
- the re-delivered batch, not the first delivery, is what staging reads.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from crmwh.config import SYSTEMS
from orchestration.extract import extract_batch
from simulator.testing import make_bank
from tests.staging.dbt_runner import run_dbt
from tests.staging.test_staging_tiny_lake import STG_MODELS

DAY1, DAY2 = dt.date(2026, 11, 1), dt.date(2026, 11, 2)

KEYS: dict[str, list[str]] = {
    "stg_core__customers": ["cust_no"],
    "stg_core__accounts": ["acct_no"],
    "stg_core__balances": ["acct_no"],
    "stg_core__transactions": ["txn_id"],
    "stg_core__fx_rates": ["currency"],
    "stg_card__holders": ["holder_id"],
    "stg_card__accounts": ["card_no"],
    "stg_card__transactions": ["auth_id"],
    "stg_card__statements": ["card_no"],
    "stg_loan__customers": ["loan_cust_id"],
    "stg_loan__contracts": ["contract_no"],
    "stg_loan__balances": ["contract_no"],
    "stg_org__branches": ["branch_code"],
    "stg_org__staff": ["staff_id"],
    "stg_org__rm_assignments": ["source_system", "source_cust_no", "start_date"],
    "stg_chan__consent_events": ["event_id"],
}

# defect_kind -> the quality codes a record with that defect may get.
EXPECTED_QUALITY: dict[str, set[str]] = {
    "id_bad_check": {"invalid_check"},
    "id_lower_x": {"valid"},
    "id_15digit": {"converted_15"},
    "id_fullwidth": {"valid", "converted_15"},
    "id_separator": {"valid", "converted_15"},
    "id_wrong_length": {"wrong_length"},
    "id_letters_in_15": {"invalid_chars"},
    "id_placeholder": {"placeholder"},
    "id_empty": {"missing"},
    "prerealname_no_cert": {"missing", "placeholder"},
    "ent_id_as_org_code": {"valid_org_code"},
    "ent_id_org_code_hyphen": {"valid_org_code"},
}

# Every customer record of the three systems, with where it came from.
CUSTOMER_RECORDS = """
    select 'core' as system, biz_date, _source_file as file, _line_no as line_no,
        cust_no as source_customer_no, cert_quality, resident_id, org_code
    from staging.base_core__customers
    union all
    select 'card', biz_date, _source_file, _line_no, holder_id, cert_quality, resident_id, null
    from staging.base_card__holders
    union all
    select 'loan', biz_date, _source_file, _line_no, loan_cust_id, cert_quality, resident_id,
        org_code
    from staging.base_loan__customers
"""

DEFECT_JOIN = """
    join customer_records as r
        on r.system = d.system and r.biz_date = d.biz_date
        and r.file = d.file and r.line_no = d.line_no
"""


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> tuple[duckdb.DuckDBPyConnection, Path]:
    tmp = tmp_path_factory.mktemp("bank")
    data_dir = tmp / "data"
    sim = make_bank(data_dir, persons=2000, enterprises=200, days=2, redeliver=[("core", DAY2)])
    for system in SYSTEMS:
        for day in sim.dates:
            extract_batch(system, day, sim.landing, data_dir / "lake")
    run_dbt(["build", "--select", "staging"], data_dir, tmp)
    con = duckdb.connect(str(data_dir / "warehouse" / "crm.duckdb"), read_only=True)
    con.execute(f"create temp view customer_records as {CUSTOMER_RECORDS}")
    yield con, data_dir
    con.close()


def test_every_raw_row_is_staged_or_rejected(bank) -> None:
    con, data_dir = bank
    checked = 0
    for table, model in STG_MODELS.items():
        system = table.split("_", 1)[0]
        glob = data_dir / "lake" / "raw" / system / table / "*" / "*.parquet"
        raw = con.execute(
            f"select _biz_date, count(*) from read_parquet('{glob}') group by 1"
        ).fetchall()
        for biz_date, raw_rows in raw:
            staged = con.execute(
                f"select count(*) from staging.{model} where biz_date = ?", [biz_date]
            ).fetchone()[0]
            excluded = con.execute(
                "select count(distinct line_no) from staging.stg_rejects "
                "where table_name = ? and biz_date = ? and excludes_record",
                [table, biz_date],
            ).fetchone()[0]
            assert staged + excluded == raw_rows, (table, biz_date, staged, excluded, raw_rows)
            checked += 1
    # Tables with no rows on a day may have no file that day; most have both days.
    assert checked >= len(STG_MODELS) + 10


def test_identity_defects_get_their_quality_code(bank) -> None:
    con, data_dir = bank
    kinds = ", ".join(f"'{k}'" for k in EXPECTED_QUALITY)
    rows = con.execute(
        f"""
        select d.defect_kind, r.cert_quality, d.file, d.line_no
        from read_parquet('{data_dir}/truth/defects.parquet') as d
        {DEFECT_JOIN.replace("join", "left join", 1)}
        where d.defect_kind in ({kinds})
        """
    ).fetchall()
    assert {"id_15digit", "id_lower_x", "id_bad_check", "ent_id_org_code_hyphen"} <= {
        kind for kind, *_ in rows
    }
    assert [r for r in rows if r[1] not in EXPECTED_QUALITY[r[0]]] == []


def test_15_digit_ids_convert_to_the_true_number(bank) -> None:
    con, data_dir = bank
    truth = data_dir / "truth"
    rows = con.execute(
        f"""
        select r.resident_id, p.cert_no
        from read_parquet('{truth}/defects.parquet') as d
        {DEFECT_JOIN}
        join read_parquet('{truth}/customer_records.parquet') as c
            on c.source_system = r.system and c.source_customer_no = r.source_customer_no
        join read_parquet('{truth}/persons.parquet') as p on p.entity_id = c.entity_id
        where d.defect_kind = 'id_15digit'
        """
    ).fetchall()
    assert len(rows) > 0
    assert [r for r in rows if r[0] != r[1]] == []


def test_enterprise_codes_meet_on_the_true_org_code(bank) -> None:
    con, data_dir = bank
    truth = data_dir / "truth"
    rows = con.execute(
        f"""
        select r.cert_quality, r.org_code, e.org_code
        from customer_records as r
        join read_parquet('{truth}/customer_records.parquet') as c
            on c.source_system = r.system and c.source_customer_no = r.source_customer_no
        join read_parquet('{truth}/enterprises.parquet') as e on e.entity_id = c.entity_id
        where r.cert_quality in ('valid_uscc', 'valid_org_code')
        """
    ).fetchall()
    assert {q for q, *_ in rows} == {"valid_uscc", "valid_org_code"}
    assert [r for r in rows if r[1] != r[2]] == []


def test_bad_dates_and_amounts_are_rejected_at_their_line(bank) -> None:
    con, data_dir = bank
    defects = f"read_parquet('{data_dir}/truth/defects.parquet')"
    n_defects = con.execute(
        f"select count(*) from {defects} where defect_kind in ('bad_date', 'bad_amount')"
    ).fetchone()[0]
    missing = con.execute(
        f"""
        select d.table_name, d.file, d.line_no, d.defect_kind
        from {defects} as d
        where d.defect_kind in ('bad_date', 'bad_amount')
            and not exists (
                select 1 from staging.stg_rejects as r
                where r.table_name = d.table_name and r.biz_date = d.biz_date
                    and r.source_file = d.file and r.line_no = d.line_no
                    and r.reason in ('not_a_date', 'not_a_number', 'not_an_integer')
            )
        """
    ).fetchall()
    assert n_defects > 0
    assert missing == []


def test_no_staging_model_has_a_null_key(bank) -> None:
    con, _ = bank
    for model, key in KEYS.items():
        cond = " or ".join(f"{k} is null" for k in [*key, "biz_date"])
        assert con.execute(f"select count(*) from staging.{model} where {cond}").fetchone()[0] == 0
        assert con.execute(f"select count(*) from staging.{model}").fetchone()[0] > 0, model


def test_both_business_days_are_staged(bank) -> None:
    con, _ = bank
    days = con.execute("select distinct biz_date from staging.stg_core__customers").fetchall()
    assert sorted(d for (d,) in days) == [DAY1, DAY2]


def test_the_redelivered_batch_is_what_staging_reads(bank) -> None:
    con, _ = bank
    batches = con.execute(
        "select distinct biz_date, _batch_id, _redelivery from staging.stg_core__balances"
    ).fetchall()
    assert sorted(batches) == [(DAY1, "core_20261101_r0", 0), (DAY2, "core_20261102_r1", 1)]
