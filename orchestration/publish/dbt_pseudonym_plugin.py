"""dbt-duckdb plugin: put the pseudonymisation secret into a DuckDB variable on each connection.

Enable it in ``profiles.yml`` (duckdb output)::

    plugins:
      - module: orchestration.publish.dbt_pseudonym_plugin

The secret is bound as a parameter by this plugin, outside dbt's SQL logging, so it never
appears in ``target/`` or ``logs/``. Without ``CRM_PSEUDONYM_KEY`` the variable stays unset and
the ``pseudonymize`` macro raises a DuckDB error naming the variable when a serving model runs;
models that do not pseudonymise are unaffected.
"""

from __future__ import annotations

import os
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from orchestration.publish.pseudonym import DUCKDB_VARIABLE, ENV_VAR


def set_key_variable(conn: Any) -> None:
    key = os.environ.get(ENV_VAR, "")
    if key:
        conn.execute(f"set variable {DUCKDB_VARIABLE} = ?", [key])


class Plugin(BasePlugin):
    """DuckDB variables are per connection, so set it on the database and on every cursor."""

    def configure_connection(self, conn: Any) -> None:
        set_key_variable(conn)

    def configure_cursor(self, cursor: Any) -> None:
        set_key_variable(cursor)
