"""Scoring identity resolution against the simulator's ground truth.

Pairwise precision, recall and F1 over source customer records, computed set-based from
cluster sizes (no pair enumeration): for predicted clusters P, true entities T and their
intersections P∩T,

    true positive pairs  = Σ C(|P∩T|, 2)
    predicted pairs      = Σ C(|P|, 2)
    true pairs           = Σ C(|T|, 2)

Only tests and benchmarks call this; the warehouse never reads the truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa


@dataclass(frozen=True)
class PairwiseScore:
    records: int
    true_pairs: int
    predicted_pairs: int
    true_positive_pairs: int

    @property
    def precision(self) -> float:
        return self.true_positive_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __str__(self) -> str:
        return (
            f"records={self.records:,} precision={self.precision:.5f} "
            f"recall={self.recall:.5f} f1={self.f1:.5f} "
            f"(pairs true={self.true_pairs:,} predicted={self.predicted_pairs:,} "
            f"tp={self.true_positive_pairs:,})"
        )


def pairwise_score(
    predicted: pa.Table | str,
    truth: pa.Table | str,
    *,
    where: str = "true",
    con: duckdb.DuckDBPyConnection | None = None,
) -> PairwiseScore:
    """Score ``predicted`` (source_system, source_customer_no, customer_key) against ``truth``
    (source_system, source_customer_no, entity_id, ...).

    Each argument is an Arrow table or a SQL relation text (e.g. ``read_parquet('...')``).
    ``where`` filters the joined records (columns of both, e.g. ``t.entity_kind = 'P'``), so a
    score can be computed per party kind or per defect. Records missing from ``predicted``
    count as singletons, so a resolver cannot gain precision by dropping records.
    """
    con = con or duckdb.connect()
    rels = {}
    for name, rel in (("predicted", predicted), ("truth", truth)):
        if isinstance(rel, str):
            con.execute(f"create or replace temp view {name}_in as select * from {rel}")
        else:
            con.register(f"{name}_in", rel)
        rels[name] = f"{name}_in"
    row = con.execute(
        f"""
        with joined as (
            select
                t.source_system, t.source_customer_no, t.entity_id,
                coalesce(p.customer_key, 'singleton:' || t.source_system || ':'
                    || t.source_customer_no) as customer_key
            from {rels["truth"]} as t
            left join {rels["predicted"]} as p
                using (source_system, source_customer_no)
            where {where}
        ),
        pairs as (
            select
                (select count(*) from joined) as n,
                (select coalesce(sum(c * (c - 1) / 2), 0)
                    from (select count(*) as c from joined group by entity_id)) as true_pairs,
                (select coalesce(sum(c * (c - 1) / 2), 0)
                    from (select count(*) as c from joined group by customer_key)) as pred_pairs,
                (select coalesce(sum(c * (c - 1) / 2), 0)
                    from (select count(*) as c from joined
                          group by customer_key, entity_id)) as tp_pairs
        )
        select n, true_pairs, pred_pairs, tp_pairs from pairs
        """
    ).fetchone()
    n, true_pairs, pred_pairs, tp = (int(x) for x in row)
    return PairwiseScore(n, true_pairs, pred_pairs, tp)
