"""The final result of one row, as the upload engine reports it and the results workbook writes it.

Kept in its own tiny module so that the engine (producer), the GUI table and the results
writer (consumers) share one definition without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from noojee_desktop.core.codes import Category


@dataclass(frozen=True, slots=True)
class RowOutcome:
    category: Category
    code: int | None          # the dialler's result code; None when there was no Noojee reply
    message: str              # what the user reads (the server's message or ours)
    attempts: int = 0         # calls made for this row (0: never sent)
    sent_at: datetime | None = None   # when the last attempt was sent (local time)
    note: str = ""            # extra detail, e.g. "112 on retry: the first try had landed"
