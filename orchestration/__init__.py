"""Dagster definitions, extraction, quality gates and publishing of the warehouse."""

import crmwh  # noqa: F401  (chooses Arrow's allocator before any module here imports pyarrow)
