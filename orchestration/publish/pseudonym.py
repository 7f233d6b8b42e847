"""The pseudonymisation secret: read from ``CRM_PSEUDONYM_KEY``, never written anywhere.

Why not ``env_var('CRM_PSEUDONYM_KEY')`` in the dbt macro: dbt renders it into the compiled
SQL under ``target/compiled`` and ``target/run``, into ``run_results.json`` and into the debug
log (``logs/dbt.log``), all on disk in clear. Instead the dbt-duckdb plugin
:mod:`orchestration.publish.dbt_pseudonym_plugin` sets the DuckDB variable ``crm_pseudonym_key``
on every connection dbt opens (a bound parameter, executed outside dbt's logging), and the
macro ``pseudonymize(expr)`` compiles to ``getvariable('crm_pseudonym_key')``: the SQL on disk
names the variable, never its value.

The publisher checks the key is set and records a fingerprint (a hash of the key under a
different label, useless for reversing pseudonyms) in each manifest, so a change of key, which
would change every published key, is refused unless asked for explicitly.
"""

from __future__ import annotations

import hashlib
import os

from orchestration.publish.errors import PublishError

ENV_VAR = "CRM_PSEUDONYM_KEY"
DUCKDB_VARIABLE = "crm_pseudonym_key"
MIN_LENGTH = 16


def pseudonym_key() -> str:
    """The secret, or a clear failure: publishing without it must not happen."""
    key = os.environ.get(ENV_VAR, "")
    if not key:
        raise PublishError(
            f"{ENV_VAR} is not set: the pseudonymous keys of the published data are a keyed hash "
            f"with this secret. Set it in the environment of dbt and of the publisher (from the "
            f"bank's secret store; never commit it)."
        )
    if len(key) < MIN_LENGTH:
        raise PublishError(f"{ENV_VAR} is too short: use at least {MIN_LENGTH} characters")
    return key


def key_fingerprint(key: str) -> str:
    """A short, non-reversible tag of the key so manifests can show that the key is unchanged."""
    return hashlib.sha256(f"crm-pseudonym-fingerprint|{key}".encode()).hexdigest()[:12]
