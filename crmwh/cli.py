"""The project's command line, ``crmwh``.

Each area of the project (simulator, orchestration, publish, ...) registers its own
sub-commands through a ``register(subparsers)`` function, so this file stays a dispatcher and
heavy imports happen only for the command that runs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# Modules that contribute sub-commands. A module listed here must define
# ``register(subparsers: argparse._SubParsersAction) -> None``.
COMMAND_MODULES: tuple[str, ...] = (
    "simulator.cli",
    "orchestration.cli",
    "orchestration.quality.cli",
    "orchestration.publish.cli",
)


def _quiet_telemetry() -> None:
    """No tool may try the network: this machine has none and the bank's has a proxy."""
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crmwh", description="Bank customer warehouse: simulate, extract, build, publish."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # an area not built yet
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    _quiet_telemetry()
    parser = build_parser()
    args = parser.parse_args(argv)
    result = args.func(args)
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
