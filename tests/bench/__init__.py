"""Tests of the benchmark scripts (bench/ is not a package)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def load_script(name: str) -> ModuleType:
    """Import bench/<name>.py under its own module name, as bench/pipeline.py's ``load_bench``
    imports its siblings (registered first: dataclasses look their module up when defined)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}_t", ROOT / "bench" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
