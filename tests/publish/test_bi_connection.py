"""A BI tool connects as the README says: SQLAlchemy + duckdb_engine, read-only, through the link."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from orchestration.publish import publish
from tests.publish import fake_warehouse as fw


def bi_url(serving: Path) -> str:
    """The URL from models/serving/README.md: absolute path, four slashes, read-only."""
    path = (serving / "crm.duckdb").absolute()
    assert path.is_absolute()
    return f"duckdb:///{path}?access_mode=read_only"


def test_sqlalchemy_duckdb_engine_read_only(warehouse: Path, serving: Path) -> None:
    publish(fw.DATES[-1], warehouse=warehouse, serving_dir=serving)
    url = bi_url(serving)
    assert url.startswith("duckdb:////")
    engine = sa.create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) >= {"dim_branch", "mart_customer_daily"}
        total = conn.execute(sa.text("select sum(aum) from mart_customer_daily")).scalar_one()
        assert total == 4 * 7 * sum(1000 * (n + 1) for n in range(20))
        with pytest.raises(sa.exc.DBAPIError, match="read-only|read only"):
            conn.execute(sa.text("create table scratch as select 1 as x"))
    # a session held by the BI tool keeps its version; a new connection sees the new one
    held = engine.connect()
    before = held.execute(sa.text("select count(*) from dim_date")).scalar_one()
    con = duckdb.connect(str(warehouse))
    con.execute("insert into serving.pub_dim_date values (date '2027-01-01', 5)")
    con.close()
    publish(fw.DATES[-1], warehouse=warehouse, serving_dir=serving)
    assert held.execute(sa.text("select count(*) from dim_date")).scalar_one() == before
    held.close()
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from dim_date")).scalar_one() == before + 1
    engine.dispose()


def test_plain_duckdb_read_only(published: Path) -> None:
    con = duckdb.connect(str(published / "crm.duckdb"), read_only=True)
    assert con.execute("select count(*) from mart_branch_kpi_daily").fetchone()[0] == 68
    with pytest.raises(duckdb.Error, match="read-only"):
        con.execute("create table scratch as select 1 as x")
    con.close()
