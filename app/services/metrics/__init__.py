"""Customer metrics: import files and batches (validated, all-or-nothing), read the figures.

Public helpers (other areas may call these):

- ``import_file(actor, path, filename, source, replace_periods=False, progress=None)
  -> MetricImport``: a CSV or XLSX file; ``status`` is ``applied`` (``summary`` says what
  changed) or ``refused`` (``errors``, ``error_count``); nothing is stored when refused.
- ``import_rows(actor, rows, replace_periods=False) -> MetricImport``: the same for a JSON
  batch (a list of dicts, at most ``MAX_BATCH_ROWS``); problems name ``rows[i].column``.
- ``refusal(record)``: a refused import as a ValidationFailed naming every problem.
- ``COLUMNS``, ``COLUMN_HELP``, ``template_csv()``, ``template_xlsx()``: the file layout.
- ``list_imports``, ``get_import``, ``figures_query``, ``errors_csv``: reading back (staff see
  imports; suppliers see only their own products' figures).
- ``run_import_job`` / ``check_import_job``: the ``metrics_import`` job handler;
  ``save_upload`` / ``discard_upload`` keep an uploaded file for it.

Only selection managers and admins import; suppliers get NotFound, other staff Forbidden.
"""

from app.services.metrics.importing import (
    IMPORTER_ROLES,
    MAX_BATCH_ROWS,
    import_file,
    import_rows,
    location,
    may_import,
    problem_lines,
    reconcile,
    refusal,
    require_importer,
)
from app.services.metrics.jobs import (
    check_import_job,
    discard_upload,
    run_import_job,
    save_upload,
)
from app.services.metrics.reading import (
    COLUMN_HELP,
    errors_csv,
    figures_query,
    get_import,
    imports_query,
    list_imports,
    neutralise,
    template_csv,
    template_xlsx,
)
from app.services.metrics.validation import COLUMNS

__all__ = [
    "COLUMNS", "COLUMN_HELP", "IMPORTER_ROLES", "MAX_BATCH_ROWS", "check_import_job",
    "discard_upload", "errors_csv", "figures_query", "get_import", "import_file", "import_rows",
    "imports_query", "list_imports", "location", "may_import", "neutralise", "problem_lines", "reconcile",
    "refusal", "require_importer", "run_import_job", "save_upload", "template_csv", "template_xlsx",
]
