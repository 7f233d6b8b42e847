"""Scan published DuckDB files for raw personal data. Used as the publisher's audit and by tests.

What counts as raw (JR/T 0171 sensitive personal information):

- resident identity numbers: an 18-character run that passes the GB 11643 check digit with a
  valid region digit and birth date, or a 15-digit first-generation number with a valid
  region digit and birth date (19YYMMDD);
- mobiles: an 11-digit run ``1[3-9]\\d{9}`` (also inside longer text, or after ``86``);
  digits written in the usual groups (``138 1234 5678``, ``4111-1111-1111-1111``,
  ``110105 19491231 002X``) are joined before the checks;
- card numbers: a Luhn-valid run of 16 to 19 digits;
- full names: a whole text value equal to a name from a given list (the simulator's truth).

Set-based in DuckDB: per table, the text columns are unpivoted, values without eleven digits or
separators in a row are dropped by one regular expression, the rest are split into digit runs with
``regexp_extract_all`` (plus the written groups above) and classified with SQL list lambdas (check digits, Luhn). Full-width
digits are folded to ASCII and ``x`` to ``X`` first. Findings never carry a raw value, only a masked example, so a
finding can be logged safely.

Masked values (``110101********1234``, ``138****1234``, ``622588******1234``) break the runs
and pseudonymous keys are letters only (see ``pseudonymize``), so a correct publish scans clean.
A value that is wholly a hex digest of 32+ characters is not searched for digit runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

_FULLWIDTH = ("０１２３４５６７８９Ｘｘ", "0123456789XX")
_ID_WEIGHTS = "[7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]"
_DIGITS = "list_transform(string_split(r, ''), lambda ch: try_cast(ch as integer))"

# r is one run of digits (possibly ending in X). Each kind is a boolean SQL expression over r.
# Values worth a closer look (one linear-time regular expression over the raw text, so the
# bulk of masked values is dropped before any other work): 11 or more characters of digits,
# full-width digits, spaces and hyphens, starting with a digit.
_CANDIDATE = "[0-9０-９][0-9０-９ -]{10,}"
# A whole value that is a hex digest (md5, sha256 keys some marts carry): its digit runs are
# chance, not personal data (about 0.3% of sha256 digests hold a mobile-shaped run).
_DIGEST = "[0-9A-F]{32,}"
# Written groups, separators removed before classifying: cards 4-4-4-4(-3), mobiles 3-4-4,
# identity numbers 6-8-4.
_GROUPED = (
    "[0-9]{4}[ -][0-9]{4}[ -][0-9]{4}[ -][0-9]{4}(?:[ -]?[0-9]{1,3})?"
    "|1[3-9][0-9][ -][0-9]{4}[ -][0-9]{4}"
    "|[1-8][0-9]{5}[ -][0-9]{8}[ -][0-9]{3}[0-9X]"
)

_ID18 = f"""(
    length(r) = 18 and regexp_full_match(r, '[1-8][0-9]{{16}}[0-9X]')
    and try_strptime(substr(r, 7, 8), '%Y%m%d') between date '1900-01-01' and current_date
    and substr('10X98765432', cast(list_sum(list_transform(string_split(left(r, 17), ''),
        lambda ch, i: cast(ch as integer) * {_ID_WEIGHTS}[i])) % 11 as bigint) + 1, 1) = right(r, 1)
)"""
_ID15 = """(
    length(r) = 15 and regexp_full_match(r, '[1-8][0-9]{14}')
    and try_strptime('19' || substr(r, 7, 6), '%Y%m%d') is not null
)"""
_MOBILE = """(
    regexp_full_match(r, '1[3-9][0-9]{9}') or regexp_full_match(r, '861[3-9][0-9]{9}')
)"""
_CARD = f"""(
    length(r) between 16 and 19 and regexp_full_match(r, '[0-9]+')
    and list_sum(list_transform(list_reverse({_DIGITS}),
        lambda d, i: case when i % 2 = 1 then d when d * 2 > 9 then d * 2 - 9 else d * 2 end)
    ) % 10 = 0
)"""


@dataclass(frozen=True)
class Finding:
    file: str
    table: str
    column: str
    kind: str  # resident_id_18 | resident_id_15 | mobile | card_no | full_name
    count: int
    example_masked: str

    def __str__(self) -> str:
        return f"{self.file}: {self.table}.{self.column}: {self.count} {self.kind} (e.g. {self.example_masked})"


def scan_files(
    files: Iterable[Path],
    names: Iterable[str] | None = None,
    names_parquet: Path | None = None,
    only: dict[str, str | None] | None = None,
) -> list[Finding]:
    """Findings for every text column of every table in ``files`` (opened read-only).

    ``only``: scan just these tables of the ``main`` schema, each whole (None) or only its rows
    matching a SQL predicate: what an incremental publish wrote (replaced tables, the new dates
    of history tables); the rest of the file was scanned when it was published.
    """
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    try:
        has_names = _load_names(con, names, names_parquet)
        findings: list[Finding] = []
        for i, path in enumerate(files):
            alias = f"f{i}"
            con.execute(f"attach '{_esc(str(path))}' as {alias} (read_only)")
            try:
                findings.extend(_scan_db(con, alias, str(path), has_names, only))
            finally:
                con.execute(f"detach {alias}")
        return findings
    finally:
        con.close()


def published_files(serving_dir: Path) -> list[Path]:
    """The head-office file and every branch file of the current version."""
    ho = serving_dir / "crm.duckdb"
    if not ho.exists():
        raise FileNotFoundError(f"nothing published under {serving_dir}")
    return [ho, *sorted((serving_dir / "branches").glob("*.duckdb"))]


def scan_serving(
    serving_dir: Path, names: Iterable[str] | None = None, names_parquet: Path | None = None
) -> list[Finding]:
    return scan_files(published_files(serving_dir), names=names, names_parquet=names_parquet)


def _load_names(
    con: duckdb.DuckDBPyConnection, names: Iterable[str] | None, names_parquet: Path | None
) -> bool:
    if names is None and names_parquet is None:
        return False
    if names_parquet is not None:
        con.execute(
            "create temp table pii_names as select distinct regexp_replace(name, '\\s', '', 'g') "
            "as name from read_parquet(?) where length(regexp_replace(name, '\\s', '', 'g')) >= 2",
            [str(names_parquet)],
        )
    else:
        import pyarrow as pa

        con.register("pii_names_in", pa.table({"name": pa.array(list(names or []), pa.string())}))
        con.execute(
            "create temp table pii_names as select distinct regexp_replace(name, '\\s', '', 'g') "
            "as name from pii_names_in where length(regexp_replace(name, '\\s', '', 'g')) >= 2"
        )
    return True


def _scan_db(
    con: duckdb.DuckDBPyConnection,
    alias: str,
    label: str,
    has_names: bool,
    only: dict[str, str | None] | None = None,
) -> list[Finding]:
    text_cols: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in con.execute(
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where database_name = ? and data_type = 'VARCHAR' order by schema_name, table_name, column_index",
        [alias],
    ).fetchall():
        text_cols.setdefault((schema, table), []).append(column)
    findings: list[Finding] = []
    for (schema, table), columns in text_cols.items():
        where = ""
        if only is not None:
            if schema != "main" or table not in only:
                continue
            where = f" where {only[table]}" if only[table] else ""
        rel = f"{alias}.{_ident(schema)}.{_ident(table)}"
        cols = ", ".join(_ident(c) for c in columns)
        unpivot = f"(unpivot (select {cols} from {rel}{where}) on {cols} into name col value val)"
        rows = con.execute(
            f"""
            with v as materialized (
                select col, upper(translate(val, '{_FULLWIDTH[0]}', '{_FULLWIDTH[1]}')) as val
                from {unpivot}
                where regexp_matches(val, '{_CANDIDATE}')
            ),
            runs as (
                select col, unnest(regexp_extract_all(val, '[0-9]+X?')) as r
                from v where not regexp_full_match(val, '{_DIGEST}')
                union all
                select col, regexp_replace(unnest(regexp_extract_all(val, '{_GROUPED}')), '[ -]', '', 'g')
                from v
            ),
            kinds as (
                select col, r, case
                    when {_ID18} then 'resident_id_18'
                    when {_ID15} then 'resident_id_15'
                    when {_MOBILE} then 'mobile'
                    when {_CARD} then 'card_no'
                end as kind
                from runs where length(r) >= 11
            )
            select col, kind, count(*), min(r) from kinds where kind is not null group by all
            """
        ).fetchall()
        if has_names:
            rows += con.execute(
                f"""
                select col, 'full_name', count(*), min(val)
                from {unpivot} as v semi join pii_names as n
                    on regexp_replace(v.val, '\\s', '', 'g') = n.name
                group by all
                """
            ).fetchall()
        findings.extend(
            Finding(
                label, table if schema == "main" else f"{schema}.{table}", col, kind, n, _mask(ex)
            )
            for col, kind, n, ex in rows
        )
    return sorted(findings, key=lambda f: (f.table, f.column, f.kind))


def _mask(value: str) -> str:
    """Enough of a finding's value to locate it, never the whole of it."""
    if len(value) <= 4:
        return value[:1] + "*" * (len(value) - 1)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _esc(text: str) -> str:
    return text.replace("'", "''")


def main(argv: list[str] | None = None) -> int:
    """``python -m orchestration.publish.pii_scan [SERVING_DIR] [--names persons.parquet]``."""
    from crmwh import config

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("serving_dir", nargs="?", type=Path, default=config.serving_dir())
    parser.add_argument("--names", type=Path, help="Parquet file with a column 'name' (truth)")
    args = parser.parse_args(argv)
    findings = scan_serving(args.serving_dir, names_parquet=args.names)
    for f in findings:
        print(f)
    print(f"{len(findings)} findings", file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
