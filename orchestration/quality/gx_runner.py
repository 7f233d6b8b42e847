"""Run one expectation suite on one business date's batch with Great Expectations 1.x.

``run_suite(name, biz_date)`` loads the suite JSON from ``expectations/``, fetches the batch
through the loader the suite names (read-only, that date only), validates it with a GX context
whose stores live under ``$CRM_DATA_DIR/quality/gx`` (never in git), writes the result JSON to
``$CRM_DATA_DIR/quality/results/<biz_date>/<suite>.json``, updates the local Data Docs site at
``$CRM_DATA_DIR/quality/data_docs/`` and returns a :class:`SuiteOutcome`. ``run_suites`` does the
same for several suites of one date with one GX context (cached per process) and one Data Docs
build at the end: GX's cost is mostly per context, per expectation and per docs page, not per
row, so the check steps call it once per system (raw) or once for the warehouse.

It never passes by default: a missing or unparsable suite, a batch that cannot be loaded, a GX
import or runtime error, or an expectation GX could not evaluate gives an outcome with
``error`` set and severity ERROR, and that outcome is written to the result file too, so every
run leaves a trace.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import math
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crmwh import config
from orchestration.quality.loaders import LoadedBatch, LoaderError, load_batch
from orchestration.quality.suites import GX_SEVERITY, SuiteError, SuiteFile, load_suite, severity_of

DOCS_SITE = "local_site"
DOCS_INDEX_LIMIT = 32  # newest validation results linked from the Data Docs index
EXAMPLES = 5  # unexpected values kept per failed expectation in the outcome
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
DATASOURCE = "crmwh"
SPARK_DATASOURCE = "crmwh_spark"  # CRM_ENGINE=spark: warehouse batches are Spark DataFrames


def quality_dir() -> Path:
    return config.data_dir() / "quality"


def results_dir(biz_date: dt.date) -> Path:
    return quality_dir() / "results" / biz_date.isoformat()


def result_path(suite: str, biz_date: dt.date) -> Path:
    return results_dir(biz_date) / f"{suite}.json"


def docs_dir() -> Path:
    return quality_dir() / "data_docs"


def docs_index() -> Path:
    return docs_dir() / "index.html"


@dataclass
class FailedExpectation:
    """One expectation that did not hold, in terms an on-call engineer can act on."""

    expectation_type: str
    severity: str
    column: str | None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    observed_value: Any = None
    examples: list[Any] = field(default_factory=list)
    exception: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        where = f"{self.column}: " if self.column else ""
        if self.exception:
            return f"{where}{self.expectation_type} could not run: {self.exception}"
        if self.unexpected_count is not None:
            pct = f" ({self.unexpected_percent:.3f}%)" if self.unexpected_percent else ""
            ex = f", e.g. {self.examples}" if self.examples else ""
            return f"{where}{self.expectation_type}: {self.unexpected_count} unexpected{pct}{ex}"
        return f"{where}{self.expectation_type}: observed {self.observed_value!r}, {self.kwargs}"


@dataclass
class SuiteOutcome:
    """The verdict of one suite on one business date."""

    suite: str
    biz_date: dt.date
    success: bool
    evaluated: int = 0
    failed: int = 0
    errors: list[FailedExpectation] = field(default_factory=list)
    warnings: list[FailedExpectation] = field(default_factory=list)
    error: str | None = None  # the suite could not run at all
    rows: int | None = None
    source: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    result_path: Path | None = None
    docs_path: Path | None = None
    seconds: float = 0.0

    @property
    def severity(self) -> str | None:
        """ERROR blocks downstream; WARN is reported only; None means everything held."""
        if self.error or self.errors:
            return "ERROR"
        if self.warnings:
            return "WARN"
        return None

    @property
    def blocking(self) -> bool:
        return self.severity == "ERROR"

    def to_json_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["biz_date"] = self.biz_date.isoformat()
        d["severity"] = self.severity
        d["result_path"] = str(self.result_path) if self.result_path else None
        d["docs_path"] = str(self.docs_path) if self.docs_path else None
        return d


def run_suite(
    name: str,
    biz_date: dt.date,
    *,
    suites_dir: Path | None = None,
    build_docs: bool | None = None,
) -> SuiteOutcome:
    """Validate suite ``name`` on ``biz_date``'s batch. Always returns; never passes by default.

    ``build_docs`` defaults to on; ``CRM_QUALITY_DATA_DOCS=0`` turns it off for a process (tests
    of blocking behaviour, benchmarks that separate validation from rendering).
    """
    return run_suites([name], biz_date, suites_dir=suites_dir, build_docs=build_docs)[0]


def run_suites(
    names: Sequence[str],
    biz_date: dt.date,
    *,
    suites_dir: Path | None = None,
    build_docs: bool | None = None,
) -> list[SuiteOutcome]:
    """Validate several suites on one business date, then build Data Docs once for all of them.

    Every suite reuses the process's GX context (created once: it costs about half a second),
    and the Data Docs site (pages and index) is rendered in one pass at the end instead of once
    per suite, which used to rebuild the shared index every time. Each outcome is independent:
    one suite that cannot run does not stop the others, and a failed docs build is recorded on
    every outcome without changing any verdict (the result JSON is the record of the gate).
    """
    if build_docs is None:
        build_docs = os.environ.get("CRM_QUALITY_DATA_DOCS", "1") != "0"
    runs = _run_in_order(names, biz_date, suites_dir)
    validated = [r for r in runs if r.result is not None]
    if build_docs and validated:
        started = time.perf_counter()
        try:
            import great_expectations as gx

            docs_ctx = _docs_context(gx)
            pages = _build_docs(docs_ctx, [(r.result_id, r.result) for r in validated])
            for run, page in zip(validated, pages, strict=True):
                run.outcome.docs_path = page
        except Exception as exc:  # rendering is not the verdict; say so on every outcome
            for run in validated:
                run.outcome.parameters["data_docs_error"] = f"{type(exc).__name__}: {exc}"
        share = (time.perf_counter() - started) / len(validated)
        for run in validated:
            run.outcome.seconds = round(run.outcome.seconds + share, 3)
    for run in runs:
        outcome = run.outcome
        if outcome.docs_path is None and docs_index().is_file():
            outcome.docs_path = docs_index()
        outcome.result_path = _write_result(outcome, run.result_dict)
    return [run.outcome for run in runs]


@dataclass
class _Run:
    """One suite's validation before its Data Docs page exists."""

    outcome: SuiteOutcome
    result_dict: dict[str, Any] | None = None  # the GX result as JSON, for the result file
    result: Any = None  # the GX result object (masked), for Data Docs
    context: Any = None
    result_id: Any = None


def _run_in_order(names: Sequence[str], biz_date: dt.date, suites_dir: Path | None) -> list[_Run]:
    """Validate the suites one after the other, each next batch loaded while this one validates.

    A batch is read by DuckDB or pyarrow, which leave Python's lock while they work, and
    validated by GX's pandas engine, which holds it: with the next suite's batch read on one
    background thread the two overlap, and at most two batches are held at once. Loading stays
    in order on the calling thread when the warehouse is Spark (its frames are lazy: there is
    nothing to overlap) or with ``CRM_QUALITY_PREFETCH=0``.
    """

    def load(name: str) -> tuple[SuiteFile, LoadedBatch]:
        suite = load_suite(name, suites_dir)
        return suite, load_batch(suite.body["meta"], biz_date, suite.value_columns())

    if not _prefetch_enabled() or len(names) < 2:
        return [_run_one(name, biz_date, lambda n=name: load(n)) for name in names]
    from concurrent.futures import ThreadPoolExecutor

    runs: list[_Run] = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="gx-load") as pool:
        upcoming = pool.submit(load, names[0])
        for i, name in enumerate(names):
            current = upcoming
            if i + 1 < len(names):
                upcoming = pool.submit(load, names[i + 1])
            runs.append(_run_one(name, biz_date, current.result))
            del current  # its batch goes with the validation, not at the end of the loop
    return runs


def _prefetch_enabled() -> bool:
    if os.environ.get("CRM_QUALITY_PREFETCH", "1") == "0":
        return False
    from orchestration import warehouse

    try:
        return warehouse.engine() == "duckdb"
    except warehouse.WarehouseError:  # the loaders report it, suite by suite
        return False


def _run_one(
    name: str, biz_date: dt.date, loaded: Callable[[], tuple[SuiteFile, LoadedBatch]]
) -> _Run:
    """Validate one suite; never raises: a suite that cannot run gives an ERROR outcome.

    ``loaded`` returns the suite and its batch: read in place, or read ahead
    (:func:`_run_in_order`), whose errors are raised here as a read in place would raise them.
    The outcome's seconds are the wait for the batch plus the validation.
    """
    started = time.perf_counter()
    run = _Run(SuiteOutcome(suite=name, biz_date=biz_date, success=False))
    outcome = run.outcome
    try:
        suite, batch = loaded()
        outcome.rows = _row_count(batch.frame)
        outcome.source = batch.source
        outcome.parameters = batch.parameters
        run.result, run.context, run.result_id = _validate(suite, batch, biz_date)
        run.result_dict = run.result.to_json_dict()
        _summarise(suite, run.result_dict, outcome)
    except (SuiteError, LoaderError) as exc:
        outcome.error = str(exc)
    except Exception as exc:  # GX import or runtime failure: the gate fails, loudly
        outcome.error = f"{type(exc).__name__}: {exc}"
        outcome.parameters["traceback"] = traceback.format_exc(limit=8)
    outcome.seconds = round(time.perf_counter() - started, 3)
    if outcome.error:
        outcome.success = False
        run.result = None  # no page for a suite that did not run through
    return run


# --------------------------------------------------------------------------- GX

_CONTEXTS: dict[Path, Any] = {}  # Data Docs contexts, per quality directory
_VALIDATION: dict[str, Any] = {}  # the process's one validation context
_CONTEXT_LOCK = threading.Lock()


def _gx_context(gx: Any) -> Any:
    """The process's GX context for validating, created on first use (about half a second).

    Ephemeral (no great_expectations.yml) so concurrent check processes never race on a shared
    config file; suites and data sources live in memory (the suite comes from git on every run).
    Validating writes nothing through the context (results are written by this module, masked),
    so one context serves every data directory of the process; Data Docs, which do write, get
    their own context per quality directory (:func:`_docs_context`).
    """
    with _CONTEXT_LOCK:
        ctx = _VALIDATION.get("ctx")
        if ctx is None:
            ctx = _new_context(gx)
            _VALIDATION["ctx"] = ctx
        return ctx


def _docs_context(gx: Any) -> Any:
    """A context whose validation store and Data Docs site are this data directory's.

    Results are stored there, masked, by :func:`_build_docs`, so the site's index lists every
    process's pages (the filesystem store is shared by the check steps of a run).
    """
    key = quality_dir().resolve()
    with _CONTEXT_LOCK:
        ctx = _CONTEXTS.get(key)
        if ctx is None:
            while len(_CONTEXTS) >= 4:  # a process normally has one; tests switch directories
                _CONTEXTS.pop(next(iter(_CONTEXTS)))
            ctx = _new_context(gx)
            _CONTEXTS[key] = ctx
        return ctx


def _new_context(gx: Any) -> Any:
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    defaults = InMemoryStoreBackendDefaults()
    defaults.stores[defaults.validation_results_store_name]["store_backend"] = {
        "class_name": "TupleFilesystemStoreBackend",
        "base_directory": str(quality_dir() / "gx" / "validations"),
    }
    cfg = DataContextConfig(
        store_backend_defaults=defaults,
        data_docs_sites={
            DOCS_SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir()),
                },
                # The index loads every result it links: without a limit each build would read
                # the whole history. Older pages stay on disk; results/<date>/ has them all.
                "site_index_builder": {
                    "class_name": "DefaultSiteIndexBuilder",
                    "validation_results_limit": DOCS_INDEX_LIMIT,
                },
            }
        },
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    _skip_batch_fingerprint()
    ctx = gx.get_context(project_config=cfg, mode="ephemeral")
    ctx.data_sources.add_pandas(DATASOURCE)
    return ctx


def _skip_batch_fingerprint() -> None:
    """GX hashes every pandas batch under 1 GB into a fingerprint nobody here reads.

    That hash costs about a third of a raw suite's time and grows with the day's volume, so it
    is turned off through the engine's own threshold (GX skips the hash above it).
    """
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0


def gx_suite_dict(suite: SuiteFile) -> dict[str, Any]:
    """The suite as GX takes it, with GX's own severity set from ``meta.severity``."""
    expectations = []
    for exp in suite.expectations:
        exp = dict(exp)
        exp["severity"] = GX_SEVERITY[severity_of(exp)]
        expectations.append(exp)
    body = {
        "name": suite.name,
        "expectations": expectations,
        "meta": suite.body.get("meta", {}),
    }
    if "notes" in suite.body:
        body["notes"] = suite.body["notes"]
    return body


def _gx_suite(ctx: Any, suite: SuiteFile) -> Any:
    """The suite registered in the context, replaced when its file changed since last time."""
    from great_expectations.core.expectation_suite import ExpectationSuite

    body = gx_suite_dict(suite)
    digest = json.dumps(body, sort_keys=True, default=str)
    cached = _SUITES.get((id(ctx), suite.name))
    if cached is not None and cached[0] == digest:
        return cached[1]
    with contextlib.suppress(Exception):  # not registered yet
        ctx.suites.delete(suite.name)
    gx_suite = ctx.suites.add(ExpectationSuite(**body))
    if len(gx_suite.expectations) != len(suite.expectations):
        raise SuiteError(
            f"suite {suite.name!r}: GX accepted {len(gx_suite.expectations)} of "
            f"{len(suite.expectations)} expectations"
        )
    _SUITES[(id(ctx), suite.name)] = (digest, gx_suite)
    return gx_suite


_SUITES: dict[tuple[int, str], tuple[str, Any]] = {}  # (context, suite) -> (digest, suite)


def _is_spark(frame: Any) -> bool:
    return type(frame).__module__.startswith("pyspark.")


def _row_count(frame: Any) -> int:
    return int(frame.count()) if _is_spark(frame) else len(frame)


def _datasource(ctx: Any, frame: Any) -> Any:
    """The context's pandas data source, or its Spark one for a Spark DataFrame (added on first
    use; GX's Spark engine reuses the session that built the frame)."""
    if not _is_spark(frame):
        return ctx.data_sources.get(DATASOURCE)
    with _CONTEXT_LOCK:
        try:
            return ctx.data_sources.get(SPARK_DATASOURCE)
        except (KeyError, LookupError, ValueError):
            return ctx.data_sources.add_spark(SPARK_DATASOURCE, persist=True)


def _batch_definition(ctx: Any, name: str, frame: Any = None) -> Any:
    """A whole-dataframe batch definition per suite, on the data source of the frame's kind."""
    datasource = _datasource(ctx, frame)
    try:
        asset = datasource.get_asset(name)
    except LookupError:
        asset = datasource.add_dataframe_asset(name)
    try:
        return asset.get_batch_definition("business_date")
    except (KeyError, LookupError):
        return asset.add_batch_definition_whole_dataframe("business_date")


def _validate(suite: SuiteFile, batch: LoadedBatch, biz_date: dt.date) -> tuple[Any, Any, Any]:
    """Run the suite on the batch with GX; the result (masked) and its identifier for docs.

    GX's own Validator does the validation; ``ValidationDefinition.run`` would add only a
    filesystem write of the unmasked result per suite, so the result is stored here, masked,
    when Data Docs are built.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )
    from great_expectations.validator.v1_validator import Validator

    ctx = _gx_context(gx)
    gx_suite = _gx_suite(ctx, suite)
    batch_def = _batch_definition(ctx, suite.name, batch.frame)
    run_id = RunIdentifier(run_name=biz_date.isoformat(), run_time=dt.datetime.now(dt.UTC))
    validator = Validator(
        batch_definition=batch_def,
        batch_parameters={"dataframe": batch.frame},
        result_format=RESULT_FORMAT,
    )
    try:
        with _configurations_built_once():
            result = validator.validate_expectation_suite(gx_suite, batch.parameters)
    finally:
        if _is_spark(batch.frame):
            batch.frame.unpersist()  # GX persisted it for its metrics; this batch is done
        else:
            _release_batches(ctx)
    result.meta["run_id"] = run_id
    result.meta["validation_time"] = run_id.run_time
    result.meta["batch_parameters"] = {"dataframe": "<business date batch>"}
    source = SPARK_DATASOURCE if _is_spark(batch.frame) else DATASOURCE
    result_id = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.name),
        run_id=run_id,
        batch_identifier=f"{source}-{suite.name}",
    )
    pii = set(suite.body["meta"].get("pii_columns") or [])
    if pii:
        mask_pii(result, pii)
    return result, ctx, result_id


@contextlib.contextmanager
def _configurations_built_once() -> Iterator[None]:
    """Within one validation, build each expectation's ``configuration`` once, not per read.

    GX's ``Expectation.configuration`` is a property that serialises the whole (pydantic)
    expectation into a new ``ExpectationConfiguration`` on every access, and the validator reads
    it once per domain, success and runtime kwarg of each expectation: about 64 builds per
    expectation, a fixed cost per expectation and a third of a small batch's suite (about a
    second of the 20 s raw suites take at 1,000,000 persons; bench/README.md). An
    expectation is not changed while it is validated (GX makes a fresh one from its
    configuration for each phase), so the first build is returned to every later read of that
    object. The cache holds the object itself, so its ``id`` cannot be reused by another one
    while the cache lives; it is dropped, and GX's own property restored, when the validation
    ends. Validations of one process run one at a time (:func:`_release_batches`).
    """
    from great_expectations.expectations.expectation import Expectation

    if _MEMO_ACTIVE:
        yield  # already inside a validation of this process: its cache is in place
        return
    built = Expectation.__dict__["configuration"]
    cache: dict[int, tuple[Any, Any]] = {}

    def configuration(self: Any) -> Any:
        hit = cache.get(id(self))
        if hit is None:
            hit = cache[id(self)] = (self, built.fget(self))
        return hit[1]

    Expectation.configuration = property(configuration)
    _MEMO_ACTIVE.append(True)
    try:
        yield
    finally:
        _MEMO_ACTIVE.clear()
        Expectation.configuration = built
        cache.clear()


_MEMO_ACTIVE: list[bool] = []  # non-empty while a validation's memo is in place


def _release_batches(ctx: Any) -> None:
    """Let go of the pandas batches GX's execution engine keeps after a validation.

    The data source's engine is created once and its batch manager keeps every batch it was
    given (``batch_data_cache`` is never evicted; ``reset_batch_cache`` leaves it), as does
    its metric cache: without this, one process validating the day's suites held every
    suite's frame to the end, and the gates' peak was the sum of the batches, not the largest
    one (at 1,000,000 persons on the initial load: 5.3 GiB). A Spark batch is a lazy frame,
    unpersisted after its validation instead. Validations of one process run one at a time
    (the engine has a single active batch), so nothing else is using what is released here.
    """
    engine = ctx.data_sources.get(DATASOURCE).get_execution_engine()
    manager = engine.batch_manager
    manager.batch_data_cache.clear()
    manager.reset_batch_cache()
    metrics = getattr(engine, "_metric_cache", None)
    if isinstance(metrics, dict):
        metrics.clear()


def _build_docs(ctx: Any, results: list[tuple[Any, Any]]) -> list[Path]:
    """Store the (already masked) results and render their pages and the index, once."""
    result_ids = [rid for rid, _ in results]
    with _docs_lock():
        for rid, result in results:
            ctx.validation_results_store.set(rid, result)
        ctx.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=result_ids)
    pages = []
    for rid in result_ids:
        page = docs_dir().joinpath("validations", *rid.to_tuple()).with_suffix(".html")
        pages.append(page if page.is_file() else docs_index())
    return pages


def mask_value(value: Any) -> Any:
    """Keep enough of a personal value to recognise its shape, not the person (PCI style)."""
    if value is None:
        return None
    text = str(value)
    if len(text) >= 12:
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    return text[:1] + "*" * max(len(text) - 1, 0)


def mask_pii(result: Any, pii_columns: set[str]) -> bool:
    """Mask unexpected values of personal-data columns in a GX validation result, in place.

    Results and Data Docs live in the quality directory, which is not a restricted layer, and
    Dagster's event log is read by more people still. Returns whether anything was masked.
    """
    masked = False
    for res in result.results:
        if res.expectation_config.kwargs.get("column") not in pii_columns or not res.result:
            continue
        body = res.result
        for key in ("partial_unexpected_list", "unexpected_list"):
            if body.get(key):
                body[key] = [mask_value(v) for v in body[key]]
                masked = True
        for key in ("partial_unexpected_counts", "unexpected_counts"):
            if body.get(key):
                body[key] = [{**c, "value": mask_value(c.get("value"))} for c in body[key]]
                masked = True
    return masked


@contextlib.contextmanager
def _docs_lock() -> Iterator[None]:
    """One Data Docs writer at a time (the index page is shared by every suite)."""
    quality_dir().mkdir(parents=True, exist_ok=True)
    with open(quality_dir() / ".data_docs.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _summarise(suite: SuiteFile, gx_result: dict[str, Any], outcome: SuiteOutcome) -> None:
    results = gx_result.get("results") or []
    if len(results) != len(suite.expectations):
        raise SuiteError(
            f"suite {suite.name!r}: GX returned {len(results)} results for "
            f"{len(suite.expectations)} expectations"
        )
    outcome.evaluated = len(results)
    for res in results:
        if res.get("success"):
            continue
        failed = _failed_expectation(res)
        if failed.severity == "ERROR":
            outcome.errors.append(failed)
        else:
            outcome.warnings.append(failed)
    outcome.failed = len(outcome.errors) + len(outcome.warnings)
    outcome.success = outcome.failed == 0


def _failed_expectation(res: dict[str, Any]) -> FailedExpectation:
    cfg = res.get("expectation_config") or {}
    kwargs = {k: v for k, v in (cfg.get("kwargs") or {}).items() if k != "batch_id"}
    body = res.get("result") or {}
    exception = _exception_message(res.get("exception_info"))
    # An expectation GX could not evaluate is an ERROR whatever its declared severity.
    severity = "ERROR" if exception else severity_of(cfg)
    examples = [_plain(v) for v in (body.get("partial_unexpected_list") or [])[:EXAMPLES]]
    pct = body.get("unexpected_percent")
    return FailedExpectation(
        expectation_type=cfg.get("type", "?"),
        severity=severity,
        column=kwargs.get("column") or _columns(kwargs),
        unexpected_count=body.get("unexpected_count"),
        unexpected_percent=None if pct is None or math.isnan(pct) else round(float(pct), 6),
        observed_value=_plain(body.get("observed_value")),
        examples=examples,
        exception=exception,
        kwargs={k: _plain(v) for k, v in kwargs.items()},
    )


def _exception_message(info: Any) -> str | None:
    """GX reports an evaluation error either flat or keyed by the metric that failed."""
    if not isinstance(info, dict):
        return None
    if "raised_exception" in info:
        return info.get("exception_message") if info.get("raised_exception") else None
    messages = [
        str(v.get("exception_message"))
        for v in info.values()
        if isinstance(v, dict) and v.get("raised_exception")
    ]
    return "; ".join(messages) or None


def _columns(kwargs: dict[str, Any]) -> str | None:
    if kwargs.get("column_A") and kwargs.get("column_B"):
        return f"{kwargs['column_A']},{kwargs['column_B']}"
    cols = kwargs.get("column_list")
    if isinstance(cols, list) and len(cols) <= 4:
        return ",".join(map(str, cols))
    return None


def _plain(value: Any) -> Any:
    """JSON-friendly copy of a value from a GX result (dates, numpy scalars, NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value][:50]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _write_result(outcome: SuiteOutcome, gx_result: dict[str, Any] | None) -> Path:
    """The GX validation result (or the failure that kept GX from running), written atomically."""
    path = result_path(outcome.suite, outcome.biz_date)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"outcome": outcome.to_json_dict() | {"result_path": str(path)}}
    if gx_result is not None:
        body["validation_result"] = gx_result
    tmp = path.with_suffix(f".json.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(body, indent=1, default=str, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return path
