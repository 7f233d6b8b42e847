"""Publishing: write-audit-publish of the ``serving`` schema to read-only DuckDB files.

The warehouse's ``serving`` schema holds masked, pseudonymised projections of the marts. This
package copies it into a new, immutable version directory (one head-office file and one file per
branch holding only that branch's subtree), audits the result for raw personal data, and swaps
it in with an atomic symlink rename so that readers are never blocked.

No Dagster import here: :mod:`orchestration.publish.assets` wraps it for the pipeline.
"""

from __future__ import annotations

from orchestration.publish.errors import PublishError
from orchestration.publish.publisher import PublishResult, publish, rollback

__all__ = ["PublishError", "PublishResult", "publish", "rollback"]
