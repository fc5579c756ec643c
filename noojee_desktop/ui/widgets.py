"""Small shared helpers for widgets."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def name(widget: QWidget, object_name: str, accessible: str | None = None) -> QWidget:
    """Set the object name (tests, style sheets) and the accessible name (screen readers)."""
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible or object_name)
    return widget
