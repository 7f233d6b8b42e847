"""The pairwise scorer counts pairs correctly on hand-made clusterings."""

from __future__ import annotations

import pyarrow as pa
import pytest

from simulator.evaluation import pairwise_score

TRUTH = pa.table(
    {
        "source_system": ["core", "card", "loan", "core", "card"],
        "source_customer_no": ["C1", "H1", "L1", "C2", "H2"],
        "entity_id": ["P1", "P1", "P1", "P2", "P2"],
        "entity_kind": ["P", "P", "P", "P", "P"],
    }
)


def _pred(keys: list[str]) -> pa.Table:
    return pa.table(
        {
            "source_system": TRUTH["source_system"],
            "source_customer_no": TRUTH["source_customer_no"],
            "customer_key": keys,
        }
    )


def test_perfect_resolution_scores_one() -> None:
    s = pairwise_score(_pred(["a", "a", "a", "b", "b"]), TRUTH)
    assert (s.true_pairs, s.predicted_pairs, s.true_positive_pairs) == (4, 4, 4)
    assert s.f1 == 1.0


def test_false_merge_costs_precision_and_missed_link_costs_recall() -> None:
    merged = pairwise_score(_pred(["a", "a", "a", "a", "a"]), TRUTH)
    assert merged.predicted_pairs == 10 and merged.true_positive_pairs == 4
    assert merged.precision == pytest.approx(0.4) and merged.recall == 1.0
    split = pairwise_score(_pred(["a", "a", "c", "b", "b"]), TRUTH)
    assert split.precision == 1.0 and split.recall == pytest.approx(2 / 4)


def test_dropped_records_count_as_singletons() -> None:
    partial = _pred(["a", "a", "a", "b", "b"]).slice(0, 3)
    s = pairwise_score(partial, TRUTH)
    assert s.records == 5 and s.true_positive_pairs == 3 and s.recall == pytest.approx(0.75)
