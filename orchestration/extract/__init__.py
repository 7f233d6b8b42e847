"""Extraction of source batches from landing into the raw lake.

No Dagster here: the code location in ``orchestration/`` wraps these functions in assets,
sensors and jobs. One call extracts one batch (a system's delivery for one business date)::

    result = extract_batch("core", date(2026, 11, 3), landing_dir, lake_dir)

Modules, in the order a batch flows through them: ``flagfile`` (parse the ``.ok``), ``verify``
(every file matches ROWS/BYTES/MD5, no unlisted ``.dat``), ``records`` (chunked, vectorised
record and field split), ``dedup`` (exact duplicates across chunks), ``totals`` (control
totals), ``publish`` (stage aside, swap in), ``batch`` (the whole flow, state and refusal
files). ``columns`` holds the spec's column lists and money measures.
"""

from orchestration.extract.batch import (
    ExtractResult,
    TableResult,
    extract_batch,
    list_batches,
)
from orchestration.extract.errors import BatchNotReady, BatchRefused
from orchestration.extract.flagfile import (
    FlagFile,
    FlagFileEntry,
    FlagFileError,
    parse_flag_file,
    read_flag_file,
)

__all__ = [
    "BatchNotReady",
    "BatchRefused",
    "ExtractResult",
    "FlagFile",
    "FlagFileEntry",
    "FlagFileError",
    "TableResult",
    "extract_batch",
    "list_batches",
    "parse_flag_file",
    "read_flag_file",
]
