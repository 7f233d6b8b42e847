"""Quality gates: Great Expectations suites run as blocking Dagster asset checks.

Modules: ``suites`` (read and check the suite JSON under ``expectations/``), ``loaders`` (fetch
one business date's batch read-only), ``gx_runner`` (validate, write results and Data Docs under
``$CRM_DATA_DIR/quality/``), ``checks`` (the Dagster asset checks), ``reconciliation_report``
(the per-date BCBS 239 style report). Heavy imports (GX, pandas) happen only when a suite runs.
"""
