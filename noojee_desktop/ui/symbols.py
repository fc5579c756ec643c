"""Result symbols that this computer's fonts can actually draw.

``codes.Category.symbol`` is the canonical glyph (shared with the results workbook). Some
desktops (a plain Linux with only DejaVu fonts, for one) have no glyph for a few of them
and would show an empty box, which defeats the point of a colour-blind-safe marker; there
the GUI uses a simpler glyph of the same meaning.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from noojee_desktop.core.codes import Category

_FALLBACK = {
    Category.DUPLICATE: "\u2750",   # upper right shadowed white square
    Category.DNC: "\u2612",         # ballot box with x
    Category.RETRYABLE: "\u21bb",   # clockwise open circle arrow
    Category.UNKNOWN: "?",
    Category.CANCELLED: "\u25a0",   # black square
}


@lru_cache(maxsize=None)
def _drawable(ch: str) -> bool:
    app = QApplication.instance()
    if app is None:
        return True
    fm = QFontMetrics(QApplication.font())
    return all(fm.inFontUcs4(ord(c)) for c in ch if not c.isascii())


def symbol(category: Category) -> str:
    sym = category.symbol
    if _drawable(sym):
        return sym
    fallback = _FALLBACK.get(category, "")
    return fallback if fallback and _drawable(fallback) else "\u2022"


def result_text(category: Category) -> str:
    return f"{symbol(category)} {category.label}"
