"""Render the app icon: noojee-desktop.svg -> noojee-desktop-{16..256}.png.

Run from anywhere: ``python resources/icons/make_icons.py``. The PNGs are committed, so the
installer does not need to run this; rerun it after editing the SVG.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
SVG = HERE / "noojee-desktop.svg"
SIZES = (16, 32, 48, 64, 128, 256)


def render(size: int) -> QImage:
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SVG}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (keeps Qt alive)
    for size in SIZES:
        out = HERE / f"noojee-desktop-{size}.png"
        if not render(size).save(str(out)):
            raise SystemExit(f"cannot write {out}")
        print(out.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
