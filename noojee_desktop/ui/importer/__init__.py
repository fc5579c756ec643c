"""The Import spreadsheet screen as parts with one job each (see ``tab.py`` and docs/architecture.md)."""

from noojee_desktop.ui.importer.tab import ImportTab

__all__ = ["ImportTab"]
