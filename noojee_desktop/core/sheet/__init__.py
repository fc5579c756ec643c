"""Spreadsheet import (Qt-free): read a lead list, map its columns, validate, write results.

Typical use (in a worker thread for big files)::

    sheet = read_sheet(path, progress=cb, cancel=event)      # SpreadsheetError on a bad file
    store = TemplateFieldStore()
    store.use_server(server)                                  # fields are kept per server + template
    mapping = store.suggest(template_id, sheet.headers)         # phone_check(mapping): known?
    rows = validate(sheet, mapping)                           # list[PreparedRow]
    ...upload rows where row.sendable...
    write_results(default_results_path(sheet.path), sheet, outcomes)
"""

from .fields import (
    CALLBACK,
    CONTACT_HOURS,
    DISPOSITION,
    EXTERNAL_ID,
    PHONES_UNKNOWN,
    PRIORITY,
    SYSTEM_FIELD_LABELS,
    SYSTEM_FIELDS,
    FieldFileError,
    Mapping,
    TemplateFields,
    TemplateFieldStore,
    auto_map,
    guess_phone_fields,
    is_phone_name,
    phone_check,
    server_key,
)
from .reader import (
    MAX_COLUMNS,
    MAX_ROWS,
    SUPPORTED,
    ReadCancelled,
    Sheet,
    SpreadsheetError,
    cell_text,
    read_sheet,
)
from .results import RESULT_COLUMNS, default_results_path, write_results
from .validate import (
    ERROR,
    WARNING,
    Issue,
    PreparedRow,
    normalise_phone,
    parse_callback,
    summarise,
    validate,
    warnings_text,
)
from .update import validate_update

__all__ = [
    "CALLBACK", "CONTACT_HOURS", "DISPOSITION", "PHONES_UNKNOWN", "EXTERNAL_ID", "PRIORITY", "SYSTEM_FIELDS", "SYSTEM_FIELD_LABELS",
    "FieldFileError", "Mapping", "TemplateFields", "TemplateFieldStore", "auto_map", "guess_phone_fields",
    "is_phone_name", "phone_check", "server_key",
    "MAX_COLUMNS", "MAX_ROWS", "SUPPORTED", "ReadCancelled", "Sheet", "SpreadsheetError", "cell_text", "read_sheet",
    "RESULT_COLUMNS", "default_results_path", "write_results",
    "ERROR", "WARNING", "Issue", "PreparedRow", "normalise_phone", "parse_callback", "summarise", "validate",
    "warnings_text",
    "validate_update",
]
