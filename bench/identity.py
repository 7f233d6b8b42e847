"""Identity resolution accuracy and speed, beside Splink on the same records in the same run.

    .venv/bin/python bench/identity.py                  # simulate 1,000,000 persons, then measure
    .venv/bin/python bench/identity.py --small          # 20,000 persons, 2,000 enterprises
    .venv/bin/python bench/identity.py --data-dir DIR   # reuse DIR (landing + truth), no simulation
    .venv/bin/python bench/identity.py --skip-splink

Steps: simulate a bank (default defect profile) into a data directory, extract every date
(extract_batch, or `crmwh run` with --via-dagster), build staging and then, timed on its own, the identity models with dbt
(int_customer_records .. customer_xref). Then pairwise precision, recall and F1 against the
simulator's truth (simulator.evaluation.pairwise_score) for persons and enterprises and per
defect kind (the truth restricted to the entities with a record carrying that defect), and the
same for a Splink 5 (DuckDB backend) model trained and run on the same records.

Three truth scopes are printed, because two kinds of loss are not the resolver's:
  all        every record the source systems delivered (truth/customer_records.parquet); a
             record the extractor quarantined (bad encoding, wrong field count) never reaches
             the warehouse and counts as a singleton;
  delivered  the records that reached int_customer_records: the resolver's own accuracy;
  unique-id  delivered, excluding persons whose TRUE resident id the simulator also gave to
             another person (a simulator defect: no resolver can keep them apart, the law makes
             the number unique).
Figures depend on the machine and what else runs on it; quote them with that caveat.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

IDENTITY_MODELS = [
    "int_customer_records",
    "int_customer_records_anchored",
    "int_customer_match_parameters",
    "int_customer_pairs_scored",
    "int_customer_records_clustered",
    "customer_xref",
]
CUSTOMER_TABLES = ("core_customer", "card_holder", "loan_customer")
SCOPES = {
    "all": "true",
    "delivered": "p.customer_key is not null",
    "unique-id": "p.customer_key is not null and not t.id_collision",
}


def _env(data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CRM_DATA_DIR": str(data_dir),
        "DBT_PROFILES_DIR": str(ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "false",
        "DAGSTER_DISABLE_TELEMETRY": "true",
    }


def _run(cmd: list[str], data_dir: Path, label: str) -> float:
    print("$", " ".join(cmd), flush=True)
    t0 = time.perf_counter()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, env=_env(data_dir), cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout[-4000:])
        sys.stderr.write(proc.stderr[-4000:])
        sys.exit(f"{label} failed (exit {proc.returncode})")
    # CPU seconds are the figure to compare across runs on a shared machine: wall time
    # stretches with whatever else runs, CPU time much less.
    print(f"  {label}: {seconds:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    return seconds


def _simulate(data_dir: Path, persons: int, enterprises: int, days: int, seed: int) -> None:
    crmwh = [sys.executable, "-m", "crmwh.cli"]
    _run(
        crmwh
        + ["generate", "--persons", str(persons), "--enterprises", str(enterprises)]
        + ["--days", str(days), "--seed", str(seed)],
        data_dir,
        "simulate",
    )


def _lake_dates(data_dir: Path) -> list[dt.date]:
    parts = (data_dir / "lake" / "raw" / "core" / "core_customer").glob("biz_date=*")
    return sorted(dt.date.fromisoformat(p.name.split("=", 1)[1]) for p in parts)


def _landing_dates(data_dir: Path) -> list[dt.date]:
    return sorted(
        dt.datetime.strptime(p.name, "%Y%m%d").date()
        for p in (data_dir / "landing" / "core").iterdir()
        if p.is_dir()
    )


def _extract(data_dir: Path, via_dagster: bool) -> None:
    """Land every delivered batch of the customer systems in the lake. By default through the
    extraction library (orchestration.extract.extract_batch), because `crmwh run` now also
    builds and publishes the whole warehouse, which this benchmark neither needs nor times;
    --via-dagster runs `crmwh run` instead."""
    dates = _landing_dates(data_dir)
    if _lake_dates(data_dir) == dates:
        print("lake already holds every landed date; not extracting again")
        return
    if via_dagster:
        _run(
            [sys.executable, "-m", "crmwh.cli", "run", "--start", str(dates[0])]
            + ["--end", str(dates[-1])],
            data_dir,
            "extract (crmwh run)",
        )
        return
    from orchestration.extract import extract_batch

    t0 = time.perf_counter()
    for day in dates:
        for system in ("core", "card", "loan"):
            extract_batch(system, day, data_dir / "landing", data_dir / "lake")
    print(f"  extract (extract_batch core/card/loan): {time.perf_counter() - t0:.1f} s")


def _dbt(
    data_dir: Path,
    target: Path,
    select: list[str],
    biz_date: dt.date,
    label: str,
    command: str = "run",
) -> float:
    cmd = [
        str(ROOT / ".venv" / "bin" / "dbt"),
        command,
        "--select",
        *select,
        "--vars",
        json.dumps({"biz_date": biz_date.isoformat()}),
        "--target-path",
        str(target / "target"),
        "--log-path",
        str(target / "logs"),
        "--threads",
        "2",
    ]
    return _run(cmd, data_dir, label)


def _truth(con, data_dir: Path) -> None:
    truth = data_dir / "truth"
    con.execute(
        f"""
        create or replace temp table truth as
        select t.*, coalesce(p.id_collision, false) as id_collision
        from read_parquet('{truth / "customer_records.parquet"}') as t
        left join (
            select entity_id, count(*) over (partition by cert_no) > 1 as id_collision
            from read_parquet('{truth / "persons.parquet"}')
        ) as p using (entity_id)
        """
    )
    con.execute(
        f"""
        create or replace temp table record_defects as
        select distinct
            d.system as source_system, d.source_key as source_customer_no, d.defect_kind
        from read_parquet('{truth / "defects.parquet"}') as d
        where d.table_name in {CUSTOMER_TABLES} and d.source_key is not null
        """
    )
    con.execute(
        """
        create or replace temp table defect_entities as
        select distinct rd.defect_kind, t.entity_id
        from record_defects as rd
        inner join truth as t using (source_system, source_customer_no)
        """
    )


def _report(con, name: str, predicted) -> dict[str, float]:
    from simulator.evaluation import pairwise_score

    truth = con.sql("select * from truth").to_arrow_table()
    print(f"\n== {name}")
    out = {}
    for kind, label in (("P", "persons"), ("E", "enterprises")):
        for scope, cond in SCOPES.items():
            s = pairwise_score(predicted, truth, where=f"t.entity_kind = '{kind}' and {cond}")
            print(f"  {label:<11} {scope:<9} {s}")
            out[f"{kind}:{scope}:f1"] = s.f1
            out[f"{kind}:{scope}:precision"] = s.precision
    print("  per defect kind (scope delivered; truth = entities with a record of that kind):")
    kinds = [
        r[0]
        for r in con.execute(
            "select distinct defect_kind from defect_entities order by 1"
        ).fetchall()
    ]
    for kind in kinds:
        con.execute(
            "create or replace temp table truth_kind as select t.* from truth as t "
            "inner join defect_entities as d on t.entity_id = d.entity_id "
            "and d.defect_kind = ?",
            [kind],
        )
        tk = con.sql("select * from truth_kind").to_arrow_table()
        s = pairwise_score(predicted, tk, where=SCOPES["delivered"])
        print(f"    {kind:<26} {s}")
    return out


def _splink(con) -> tuple[object, float]:
    """Cluster the same records with Splink 5 on DuckDB: persons and enterprises separately,
    u by random sampling, m and lambda by EM, term-frequency adjusted names, clusters at match
    probability 0.99. Returns (source_system, source_customer_no, customer_key) and seconds."""
    import logging

    import pyarrow as pa
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.WARNING)
    t0 = time.perf_counter()
    results = []
    for kind in ("P", "E"):
        table = con.sql(
            "select record_id as unique_id, source_system, source_customer_no, name_normalized,"
            " cert_no_normalized, left(cert_15_form, 10) as cert_prefix, org_code,"
            " cast(birth_date as varchar) as birth_date, sex, mobile, address"
            f" from records where party_kind = '{kind}'"
        ).to_arrow_table()
        if table.num_rows < 2:
            continue
        db = DuckDBAPI()
        df = db.register(table, table_name=f"records_{kind}")
        if kind == "P":
            comparisons = [
                cl.LevenshteinAtThresholds("cert_no_normalized", [1, 2]),
                cl.JaroWinklerAtThresholds("name_normalized", [0.9, 0.7]).configure(
                    term_frequency_adjustments=True
                ),
                cl.ExactMatch("birth_date").configure(term_frequency_adjustments=True),
                cl.ExactMatch("sex"),
                cl.ExactMatch("mobile"),
                cl.LevenshteinAtThresholds("address", [3, 8]),
            ]
            blocking = [
                block_on("cert_no_normalized"),
                block_on("name_normalized", "birth_date"),
                block_on("mobile"),
                block_on("address"),
                block_on("cert_prefix", "name_normalized"),
            ]
            deterministic = [block_on("cert_no_normalized")]
            em_rules = [block_on("name_normalized", "birth_date"), block_on("mobile")]
        else:
            comparisons = [
                cl.ExactMatch("org_code"),
                cl.JaroWinklerAtThresholds("name_normalized", [0.95, 0.85]),
                cl.ExactMatch("mobile"),
                cl.LevenshteinAtThresholds("address", [3, 8]),
            ]
            blocking = [block_on("org_code"), block_on("name_normalized"), block_on("mobile")]
            deterministic = [block_on("org_code")]
            em_rules = [block_on("name_normalized"), block_on("org_code")]
        settings = SettingsCreator(
            link_type="dedupe_only",
            comparisons=comparisons,
            blocking_rules_to_generate_predictions=blocking,
            retain_matching_columns=False,
        )
        linker = Linker(df, settings, log_level=logging.WARNING)
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.9)
        linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
        for rule in em_rules:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        pred = linker.inference.predict(threshold_match_probability=0.5)
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            pred, threshold_match_probability=0.99
        )
        results.append(
            clusters.as_duckdbpyrelation()
            .select(
                "source_system, source_customer_no, cast(cluster_id as varchar) as customer_key"
            )
            .to_arrow_table()
        )
    seconds = time.perf_counter() - t0
    return pa.concat_tables(results), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="existing bank (landing + truth)")
    parser.add_argument("--small", action="store_true", help="20,000 persons, 2,000 enterprises")
    parser.add_argument("--persons", type=int)
    parser.add_argument("--enterprises", type=int)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20261101)
    parser.add_argument("--skip-splink", action="store_true")
    parser.add_argument("--via-dagster", action="store_true", help="extract with `crmwh run`")
    args = parser.parse_args(argv)

    import duckdb

    persons = args.persons or (20_000 if args.small else 1_000_000)
    enterprises = args.enterprises or max(persons // 10, 1)
    if args.data_dir:
        data_dir = args.data_dir.resolve()
    else:
        data_dir = Path(tempfile.mkdtemp(prefix=f"identity-bench-{persons}-"))
        _simulate(data_dir, persons, enterprises, args.days, args.seed)
    _extract(data_dir, args.via_dagster)
    (data_dir / "warehouse").mkdir(parents=True, exist_ok=True)
    biz_date = _lake_dates(data_dir)[-1]
    target = Path(tempfile.mkdtemp(prefix="identity-bench-dbt-"))
    _dbt(
        data_dir,
        target,
        ["+int_customer_records", "--exclude", "int_customer_records"],
        biz_date,
        "staging views",
    )
    _dbt(data_dir, target, ["han_characters"], biz_date, "seed han_characters", command="seed")
    seconds = _dbt(data_dir, target, IDENTITY_MODELS, biz_date, "identity resolution (dbt)")

    warehouse = data_dir / "warehouse" / "crm.duckdb"
    con = duckdb.connect()
    con.execute(f"attach '{warehouse}' as wh (read_only)")
    con.execute(
        "create temp table records as select * from wh.intermediate.int_customer_records_anchored"
    )
    stats = con.execute(
        "select count(*) filter (where party_kind = 'P'), count(*) filter (where party_kind = 'E'),"
        " count(*) filter (where anchor_key is null) from records"
    ).fetchall()[0]
    pairs = con.execute(
        "select count(*) from wh.intermediate.int_customer_pairs_scored"
    ).fetchall()[0][0]
    print(
        f"\nrecords: {stats[0]:,} person, {stats[1]:,} enterprise; {stats[2]:,} without anchor; "
        f"{pairs:,} candidate pairs; resolution {seconds:.1f} s (dbt, 2 threads, {biz_date})"
    )
    predicted = con.sql(
        "select source_system, source_customer_no, customer_key from wh.intermediate.customer_xref"
    ).to_arrow_table()
    _truth(con, data_dir)
    ours = _report(con, "dbt identity resolution", predicted)
    if not args.skip_splink:
        splink_pred, splink_seconds = _splink(con)
        theirs = _report(con, f"Splink 5.0 (DuckDB), {splink_seconds:.1f} s", splink_pred)
        print("\n== summary (scope delivered)")
        for kind in "PE":
            print(
                f"  {kind}: ours f1={ours[f'{kind}:delivered:f1']:.5f} "
                f"p={ours[f'{kind}:delivered:precision']:.5f} ({seconds:.1f} s)  "
                f"splink f1={theirs[f'{kind}:delivered:f1']:.5f} "
                f"p={theirs[f'{kind}:delivered:precision']:.5f} ({splink_seconds:.1f} s)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
