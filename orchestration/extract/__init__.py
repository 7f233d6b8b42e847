"""Extraction of source batches from landing into the raw lake. No Dagster here: the code
location in ``orchestration/`` wraps these functions in assets, sensors and jobs."""

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
