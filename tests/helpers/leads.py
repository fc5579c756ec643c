"""The one way tests write a lead list: ``write_leads(path, rows)``, a CSV as a user exports it.

``rows`` are tuples in ``header``'s order (by default Name, City, FirstPhone); ``numbered(n)``
makes n distinct good leads. The ``lead_csv`` fixture (tests/conftest.py) writes ``numbered``
rows into the test's tmp dir.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

HEADER = ("Name", "City", "FirstPhone")


def numbered(n: int, *, start: int = 0, name: str = "Lead", city: str = "Melbourne", phone_base: int = 0,
             external_ids: bool = False) -> list[tuple[str, ...]]:
    """Rows ``start..start+n-1``: ("Lead i", city, "03" + 8 digits of phone_base + i) and, with
    ``external_ids``, "ACC-i" (header ``HEADER + ("ExternalLeadId",)``)."""
    return [(f"{name} {i}", city, f"03{phone_base + i:08d}") + ((f"ACC-{i}",) if external_ids else ())
            for i in range(start, start + n)]


def write_leads(path: Path, rows: Iterable[Sequence], *, header: Sequence[str] | None = HEADER) -> Path:
    """Write ``rows`` (after ``header``; ``None`` for a file without one) as UTF-8 CSV; returns ``path``."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        if header is not None:
            w.writerow(header)
        w.writerows(rows)
    return path
