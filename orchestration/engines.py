"""The same dbt project on two engines (DuckDB, Spark): compare their builds table by table,
and check statically that every model's SQL compiled for Spark parses and calls only functions
Spark knows.

Why a profile and not a row-by-row diff: the engines write different physical files (one
DuckDB database, Spark's Parquet warehouse), and a portable check of "the same rows" is the row
count, the total of every numeric (and boolean) column and the exact set of key values. Both
sides are read with DuckDB: the DuckDB warehouse directly, the Spark tables as the Parquet files
Spark wrote under its warehouse directory (<warehouse>/spark/<schema>.db/<table>/...).

Why a static check too: a dbt run on Spark stops a model at its first error and skips all its
descendants, so one DuckDB-only function upstream hides every later problem. Compiling the
project for Spark (`dbt compile` with CRM_ENGINE=spark) and checking each model's SQL against
Spark's parser and function registry lists them all at once, in about a minute, without data:

    python -m orchestration.engines <compiled dir>   # e.g. /tmp/x-target/compiled/bank_crm
"""

from __future__ import annotations

import logging
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

NUMERIC_PREFIXES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
    "BOOLEAN",
)


@dataclass
class TableProfile:
    """Row count, per-column totals and the key set's fingerprint of one table on one engine."""

    rows: int
    totals: dict[str, float | None] = field(default_factory=dict)
    key_count: int = 0


def spark_table_dir(data_dir: Path, schema: str, table: str) -> Path:
    """Directory of a managed Spark table under the profile's spark.sql.warehouse.dir."""
    return Path(data_dir) / "warehouse" / "spark" / f"{schema}.db" / table


def spark_relation(data_dir: Path, schema: str, table: str) -> str | None:
    """A DuckDB FROM-clause item reading a Spark table's Parquet files (None if not built).

    hive_partitioning restores a partition_by column (biz_date=...) that Spark keeps in the
    directory names only.
    """
    directory = spark_table_dir(data_dir, schema, table)
    if not any(directory.rglob("*.parquet")):
        return None
    return f"read_parquet('{directory}/**/*.parquet', hive_partitioning = true)"


def column_types(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """{column name: DuckDB type} of a relation."""
    rows = con.execute(f"describe select * from {relation}").fetchall()
    return {name: str(dtype).upper() for name, dtype, *_ in rows}


def profile(con: duckdb.DuckDBPyConnection, relation: str, columns: dict[str, str]) -> TableProfile:
    """Rows and the total of every numeric/boolean column in ``columns`` (one scan)."""
    numeric = [c for c, t in columns.items() if t.startswith(NUMERIC_PREFIXES)]
    exprs = ["count(*)"] + [f'sum(cast("{c}" as double))' for c in numeric]
    values = con.execute(f"select {', '.join(exprs)} from {relation}").fetchone()
    assert values is not None
    return TableProfile(rows=int(values[0]), totals=dict(zip(numeric, values[1:], strict=True)))


def key_difference(
    con: duckdb.DuckDBPyConnection, left: str, right: str, keys: list[str]
) -> tuple[int, int]:
    """(keys only in left, keys only in right), keys compared as text."""
    cols = ", ".join(f'cast("{k}" as varchar)' for k in keys)
    only_left = con.execute(
        f"select count(*) from (select {cols} from {left} except select {cols} from {right})"
    ).fetchone()
    only_right = con.execute(
        f"select count(*) from (select {cols} from {right} except select {cols} from {left})"
    ).fetchone()
    assert only_left is not None and only_right is not None
    return int(only_left[0]), int(only_right[0])


def totals_mismatch(
    left: TableProfile, right: TableProfile, rel_tol: float = 1e-9, abs_tol: float = 1e-6
) -> dict[str, tuple[float | None, float | None]]:
    """Columns whose totals differ beyond floating-point noise (only columns on both sides)."""
    diff: dict[str, tuple[float | None, float | None]] = {}
    for column, a in left.totals.items():
        if column not in right.totals:
            continue
        b = right.totals[column]
        if a is None or b is None:
            if a is not b:
                diff[column] = (a, b)
        elif not math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol):
            diff[column] = (a, b)
    return diff


# Words followed by "(" that are SQL syntax, not functions.
NOT_FUNCTIONS = {
    "as", "in", "and", "or", "not", "on", "over", "from", "select", "where", "values", "exists",
    "cast", "try_cast", "case", "when", "then", "else", "using", "join", "with", "filter",
    "partition", "by", "interval", "decimal", "varchar", "char", "array", "struct", "map",
    "is", "into", "table", "if", "between", "like", "rlike", "except", "intersect", "union",
    "all", "distinct", "group", "order", "rows", "range", "within", "lateral", "view",
    "explode", "tablesample", "returns", "return", "extract", "qualify", "having", "limit",
    "sets", "rollup", "cube",
}  # fmt: skip
CALL = re.compile(r"(?<![\w.`'])([a-z_][a-z0-9_]*)\s*\(", re.IGNORECASE)
STRING = re.compile(r"r?'(?:[^'\\]|\\.)*'")
COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


@dataclass
class ModelCheck:
    """What Spark says about one compiled model."""

    path: Path
    parse_error: str | None = None
    unknown_functions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.parse_error is None and not self.unknown_functions


CTE_WITH_COLUMNS = re.compile(r"\b([a-z_][a-z0-9_]*)\s*\([^()]*\)\s+as\s*\(", re.IGNORECASE)


def function_calls(sql: str) -> set[str]:
    """Lower-case names called as name(...) outside string literals and comments (a CTE
    declared with a column list, `name (a, b) as (...)`, is not a call)."""
    bare = STRING.sub("''", COMMENT.sub(" ", sql))
    ctes = {m.group(1).lower() for m in CTE_WITH_COLUMNS.finditer(bare)}
    return {m.group(1).lower() for m in CALL.finditer(bare)} - NOT_FUNCTIONS - ctes


def check_compiled(compiled_dir: Path) -> list[ModelCheck]:
    """Parse every compiled model (not tests) with Spark's parser; list unknown functions."""
    from pyspark.sql import SparkSession

    # PySpark logs every captured parse error with its Java stack; the message is kept here.
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    parser = spark._jsparkSession.sessionState().sqlParser()  # noqa: SLF001
    known: dict[str, bool] = {}
    checks = []
    for path in sorted((compiled_dir / "models").rglob("*.sql")):
        if any(part.endswith(".yml") for part in path.parts):
            continue  # a data test compiled from a yml file, not a model
        sql = path.read_text()
        check = ModelCheck(path.relative_to(compiled_dir))
        try:
            parser.parsePlan(sql)
        except Exception as exc:  # py4j wraps Spark's ParseException
            check.parse_error = str(exc).strip().splitlines()[0][:300]
        for name in sorted(function_calls(sql)):
            if name not in known:
                known[name] = bool(spark.catalog.functionExists(name))
            if not known[name]:
                check.unknown_functions.append(name)
        checks.append(check)
    return checks


def main(argv: list[str]) -> int:
    compiled = Path(argv[1]) if len(argv) > 1 else Path("target/compiled/bank_crm")
    checks = check_compiled(compiled)
    for check in checks:
        if check.ok:
            continue
        print(f"{check.path}")
        if check.parse_error:
            print(f"    parse: {check.parse_error}")
        if check.unknown_functions:
            print(f"    functions Spark does not know: {', '.join(check.unknown_functions)}")
    bad = sum(not c.ok for c in checks)
    print(f"{len(checks) - bad} of {len(checks)} compiled models pass the static Spark check")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
