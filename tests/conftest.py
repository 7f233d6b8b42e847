"""Settings every test process needs, the workers of ``pytest -n`` included."""

from __future__ import annotations

import sys

# pytest-xdist's workers run under a bare ``__main__`` (no ``__spec__``, no ``__file__``).
# PySpark's Spark Connect package, which Great Expectations imports whenever pyspark is
# installed, takes that for a doctest run and calls ``sys.exit(0)`` when an optional dependency
# is missing (pyspark/sql/connect/utils.py, check_dependencies): every GX test on a worker then
# errors. Naming the worker's main module makes the import behave as under plain pytest.
_main = sys.modules["__main__"]
if getattr(_main, "__spec__", None) is None and not hasattr(_main, "__file__"):
    _main.__file__ = "<pytest-xdist worker>"
