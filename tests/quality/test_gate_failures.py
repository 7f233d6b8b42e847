"""A gate that cannot run fails: missing suite, broken suite, broken GX import, GX runtime error."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import tests.quality.qfixtures as qf
from orchestration.quality import gx_runner
from orchestration.quality.gx_runner import run_suite
from orchestration.quality.suites import SuiteError, expectations_dir, load_suite
from tests.quality.qfixtures import BIZ_DATE


def copy_suite(tmp_path: Path, name: str, mutate=None) -> Path:
    body = json.loads((expectations_dir() / f"{name}.json").read_text())
    if mutate:
        mutate(body)
    out = tmp_path / "suites"
    out.mkdir(exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(body))
    return out


def test_missing_suite_fails_and_leaves_a_result(lake: Path) -> None:
    qf.write_raw(lake, "core_customer", BIZ_DATE)
    outcome = run_suite("raw_core_nothing", BIZ_DATE)
    assert not outcome.success and outcome.severity == "ERROR"
    assert "not found" in (outcome.error or "")
    written = json.loads(outcome.result_path.read_text())
    assert written["outcome"]["severity"] == "ERROR"


def test_unparsable_suite_fails(lake: Path, tmp_path: Path) -> None:
    qf.write_raw(lake, "core_customer", BIZ_DATE)
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "raw_core_customer.json").write_text('{"name": "raw_core_customer", ')
    outcome = run_suite("raw_core_customer", BIZ_DATE, suites_dir=suites)
    assert outcome.severity == "ERROR" and "cannot be parsed" in (outcome.error or "")


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda b: b["expectations"][0]["meta"].update(severity="FATAL"), "meta.severity"),
        (lambda b: b.update(expectations=[]), "non-empty"),
        (lambda b: b["meta"].pop("batch"), "meta.batch"),
        (lambda b: b.update(name="raw_other"), "'name'"),
    ],
)
def test_invalid_suite_shape_is_refused(tmp_path: Path, mutate, message: str) -> None:
    suites = copy_suite(tmp_path, "raw_core_customer", mutate)
    with pytest.raises(SuiteError, match=message):
        load_suite("raw_core_customer", suites)


def test_unknown_expectation_type_fails(lake: Path, tmp_path: Path) -> None:
    qf.write_raw(lake, "core_customer", BIZ_DATE)
    suites = copy_suite(
        tmp_path,
        "raw_core_customer",
        lambda b: b["expectations"].append(
            {"type": "expect_column_values_to_be_lovely", "kwargs": {"column": "cust_no"}}
        ),
    )
    outcome = run_suite("raw_core_customer", BIZ_DATE, suites_dir=suites)
    assert outcome.severity == "ERROR" and outcome.error


def test_expectation_on_missing_column_is_an_error_even_if_warn(lake: Path, tmp_path: Path) -> None:
    """GX could not evaluate it: that is ERROR whatever severity the suite gave it."""
    qf.write_raw(lake, "core_customer", BIZ_DATE)
    suites = copy_suite(
        tmp_path,
        "raw_core_customer",
        lambda b: b["expectations"].append(
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": "no_such_column"},
                "meta": {"severity": "WARN"},
            }
        ),
    )
    outcome = run_suite("raw_core_customer", BIZ_DATE, suites_dir=suites)
    assert outcome.severity == "ERROR"
    assert [f.column for f in outcome.errors] == ["no_such_column"]
    assert outcome.errors[0].exception


def test_broken_gx_import_fails(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    qf.write_raw(lake, "core_customer", BIZ_DATE)
    monkeypatch.setitem(sys.modules, "great_expectations", None)  # import now raises
    outcome = run_suite("raw_core_customer", BIZ_DATE)
    assert not outcome.success and outcome.severity == "ERROR"
    assert "ImportError" in (outcome.error or "") or "ModuleNotFound" in (outcome.error or "")


def test_gx_runtime_error_fails(lake: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    qf.write_raw(lake, "core_customer", BIZ_DATE)

    def boom(gx):
        raise RuntimeError("store unavailable")

    monkeypatch.setattr(gx_runner, "_gx_context", boom)
    outcome = run_suite("raw_core_customer", BIZ_DATE)
    assert outcome.severity == "ERROR" and "store unavailable" in (outcome.error or "")


def test_results_and_data_docs_under_the_data_dir(lake: Path, data_dir: Path) -> None:
    qf.write_raw(lake, "core_customer", BIZ_DATE)
    outcome = run_suite("raw_core_customer", BIZ_DATE)
    assert outcome.success
    assert outcome.result_path == data_dir / "quality/results/2026-11-03/raw_core_customer.json"
    result = json.loads(outcome.result_path.read_text())
    assert result["validation_result"]["suite_name"] == "raw_core_customer"
    assert (data_dir / "quality/data_docs/index.html").is_file()
    assert outcome.docs_path is not None and outcome.docs_path.is_file()
    assert outcome.docs_path.is_relative_to(data_dir / "quality/data_docs/validations")
    assert "raw_core_customer" in (data_dir / "quality/data_docs/index.html").read_text()


def test_card_numbers_are_masked_in_results_docs_and_outcome(lake: Path, data_dir: Path) -> None:
    cols = qf.raw_rows("card_account", 12)
    card = "62258812345678901"  # 17 digits: fails the format, and is personal data
    cols["card_no"][4] = card
    qf.write_raw(lake, "card_account", BIZ_DATE, columns=cols)
    outcome = run_suite("raw_card_account", BIZ_DATE)
    assert outcome.severity == "ERROR"
    (failed,) = [f for f in outcome.errors if f.column == "card_no"]
    assert failed.examples == ["622588*******8901"]
    quality = data_dir / "quality"
    written = [p for p in quality.rglob("*") if p.is_file() and p.suffix in (".json", ".html")]
    assert any("validations" in p.parts for p in written)
    leaks = [p for p in written if card in p.read_text(encoding="utf-8", errors="replace")]
    assert leaks == []


def test_configurations_built_once_give_gx_own_results(
    lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The memo of each expectation's configuration changes GX's speed, not its verdicts: a
    batch failing several ways gives the same results with it and with GX's own property,
    which is back in place after every validation."""
    import contextlib

    from great_expectations.expectations.expectation import Expectation

    builds = []
    gx_property = Expectation.__dict__["configuration"]

    def counted(self):  # noqa: ANN001, ANN202 - GX's property, counting its builds
        builds.append(1)
        return gx_property.fget(self)

    monkeypatch.setattr(Expectation, "configuration", property(counted))
    own = Expectation.__dict__["configuration"]
    cols = qf.raw_rows("card_account", 12)
    cols["card_no"][4] = "62258812345678901"  # wrong length
    cols["holder_id"][2] = None  # a null key
    qf.write_raw(lake, "card_account", BIZ_DATE, columns=cols)

    def results() -> tuple[dict, list]:
        outcome = run_suite("raw_card_account", BIZ_DATE, build_docs=False)
        assert Expectation.__dict__["configuration"] is own
        assert outcome.error is None, outcome.error
        written = json.loads(outcome.result_path.read_text())["validation_result"]["results"]
        summary = {k: getattr(outcome, k) for k in ("success", "evaluated", "failed", "error")}
        summary["errors"] = [f.summary() for f in outcome.errors]
        summary["warnings"] = [f.summary() for f in outcome.warnings]
        summary["builds"] = len(builds)
        builds.clear()
        return summary, written

    memo = results()
    monkeypatch.setattr(gx_runner, "_configurations_built_once", contextlib.nullcontext)
    gx = results()
    assert memo[0]["failed"] >= 2 and memo[0]["errors"]
    # GX builds a configuration dozens of times per expectation; the memo once per object
    assert memo[0].pop("builds") * 5 < gx[0].pop("builds")
    assert memo == gx


def test_batches_read_ahead_give_the_same_outcomes(
    lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading the next suite's batch while one validates changes when batches are read, not
    the outcomes: in order, a missing suite and a missing partition fail alone, as in turn."""
    import threading

    qf.write_raw(lake, "core_customer", BIZ_DATE)
    cols = qf.raw_rows("card_account", 12)
    cols["card_no"][4] = "62258812345678901"
    qf.write_raw(lake, "card_account", BIZ_DATE, columns=cols)
    names = ["raw_core_customer", "raw_core_nothing", "raw_loan_balance", "raw_card_account"]
    readers: list[str] = []
    load = gx_runner.load_batch

    def spied(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - a pass-through spy
        readers.append(threading.current_thread().name)
        return load(*args, **kwargs)

    monkeypatch.setattr(gx_runner, "load_batch", spied)

    def outcomes(prefetch: str) -> list[tuple]:
        monkeypatch.setenv("CRM_QUALITY_PREFETCH", prefetch)
        readers.clear()
        runs = gx_runner.run_suites(names, BIZ_DATE, build_docs=False)
        return [(o.suite, o.success, o.evaluated, o.failed, o.error) for o in runs]

    ahead = outcomes("1")
    assert readers and all(r.startswith("gx-load") for r in readers)
    in_turn = outcomes("0")
    assert readers and all(r == threading.current_thread().name for r in readers)
    assert ahead == in_turn
    assert [o[0] for o in ahead] == names
    assert [o[1] for o in ahead] == [True, False, False, False]
    assert "raw_core_nothing" in (ahead[1][4] or "") and "no Parquet file" in (ahead[2][4] or "")
    assert ahead[3][4] is None and ahead[3][3] >= 1  # validated, and the card number failed
