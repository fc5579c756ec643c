"""A small horizontal bar chart of result counts, drawn with QPainter (no QtCharts needed)."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from noojee_desktop.ui.symbols import result_text
from noojee_desktop.core.codes import Category

ORDER = [Category.INSERTED, Category.UPDATED, Category.DUPLICATE, Category.DNC, Category.REJECTED, Category.DATA_ERROR,
         Category.INVALID, Category.RETRYABLE, Category.SERVER_ERROR, Category.UNCERTAIN,
         Category.UNKNOWN, Category.CANCELLED, Category.PENDING]


class ResultChart(QWidget):
    """One bar per result that has rows: symbol, words, count; colours from the shared palette."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultChart")
        self.setAccessibleName("resultChart")
        self._counts: dict[Category, int] = {}
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_counts(self, counts: Mapping[Category, int]) -> None:
        new = {c: int(n) for c, n in counts.items() if n > 0}
        if new != self._counts:
            self._counts = new
            self.setAccessibleDescription(self.summary())
            self.updateGeometry()
            self.update()

    def counts(self) -> dict[Category, int]:
        return dict(self._counts)

    def summary(self) -> str:
        return ", ".join(f"{c.label}: {self._counts[c]}" for c in ORDER if c in self._counts)

    def _rows(self) -> list[tuple[Category, int]]:
        return [(c, self._counts[c]) for c in ORDER if c in self._counts]

    def sizeHint(self) -> QSize:  # noqa: N802
        line = self.fontMetrics().height() + 6
        return QSize(320, max(1, len(self._rows())) * line + 8)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        """Room for every bar, in two columns (a short window draws them so): never one cut off."""
        line = self.fontMetrics().height() + 6
        return QSize(220, max(1, -(-len(self._rows()) // 2)) * line + 8)

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rows = self._rows()
        fm = self.fontMetrics()
        line = fm.height() + 6
        if not rows:
            painter.setPen(self.palette().color(self.foregroundRole()))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No rows yet")
            return
        label_w = max(fm.horizontalAdvance(result_text(c)) for c, _ in rows) + 12
        count_w = max(fm.horizontalAdvance(f"{n:,}") for _, n in rows) + 10
        columns = 1 if self.height() >= len(rows) * line + 8 else 2
        per_column = -(-len(rows) // columns)
        column_w = self.width() / columns
        bar_space = max(20, column_w - label_w - count_w - 8)
        top_n = max(n for _, n in rows)
        text_pen = QPen(self.palette().color(self.foregroundRole()))
        for i, (cat, n) in enumerate(rows):
            x, y = column_w * (i // per_column), 4 + (i % per_column) * line
            painter.setPen(text_pen)
            painter.drawText(QRectF(x + 4, y, label_w, line - 4), Qt.AlignmentFlag.AlignVCenter,
                             result_text(cat))
            w = max(2.0, bar_space * n / top_n)
            colour = QColor(cat.colour)
            painter.setPen(QPen(colour.darker(160), 1))
            painter.setBrush(colour if cat is not Category.PENDING else QColor("#f4f4f4"))
            painter.drawRoundedRect(QRectF(x + label_w, y + 1, w, line - 6), 3, 3)
            painter.setPen(text_pen)
            painter.drawText(QRectF(x + label_w + w + 6, y, count_w, line - 4), Qt.AlignmentFlag.AlignVCenter,
                             f"{n:,}")
        painter.end()
