"""Result symbols that this computer's fonts can actually draw.

``codes.Category.symbol`` is the glyph (shared with the results workbook), chosen from
what common desktop fonts draw. Should this computer's font still lack one, an empty box
would defeat the point of a colour-blind-safe marker, so a plain bullet stands in (the
category's word is always beside it).
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication

from noojee_desktop.core.codes import Category

@lru_cache(maxsize=None)
def _drawable(ch: str) -> bool:
    app = QApplication.instance()
    if app is None:
        return True
    fm = QFontMetrics(QApplication.font())
    return all(fm.inFontUcs4(ord(c)) for c in ch if not c.isascii())


def symbol(category: Category) -> str:
    sym = category.symbol
    return sym if _drawable(sym) else "\u2022"


def result_text(category: Category) -> str:
    return f"{symbol(category)} {category.label}"
