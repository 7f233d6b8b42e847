"""The one exception type of the publish step, so callers (CLI, Dagster) can report it cleanly."""

from __future__ import annotations


class PublishError(RuntimeError):
    """Publishing refused or failed; the message says what and why. Nothing was swapped in."""
