"""Keyboard mnemonics (Alt+letter) of a window, and where two of them clash.

Generic on purpose: it walks whatever widgets a window holds now (buttons, check and radio
boxes, labels with a buddy, group boxes, tab bars, the menu bar, every menu), so a button
someone adds later is checked too. Two mnemonics clash when the same letter is reachable at
the same time: in the same window, and not on two different pages of one tab widget (or any
stacked widget). Each menu is its own scope.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton, QApplication, QGroupBox, QLabel, QMenu, QMenuBar, QStackedWidget, QTabBar, QWidget,
)


def mnemonic(text: str) -> str | None:
    """The letter after a single '&' ("&&" is a literal ampersand); None without one."""
    i = 0
    while i < len(text) - 1:
        if text[i] == "&":
            if text[i + 1] == "&":
                i += 2
                continue
            return text[i + 1].lower()
        i += 1
    return None


def _pages(widget: QWidget, top: QWidget) -> tuple[tuple[int, int], ...]:
    """Which page of which stacked widget ``widget`` sits on: ((id(stack), page index), ...)."""
    path = []
    child, parent = widget, widget.parentWidget()
    while parent is not None and child is not top:
        if isinstance(parent, QStackedWidget):
            index = parent.indexOf(child)
            if index >= 0:
                path.append((id(parent), index))
        child, parent = parent, parent.parentWidget()
    return tuple(path)


def _together(a, b) -> bool:
    pages_a, pages_b = dict(a), dict(b)
    return all(pages_b[s] == i for s, i in pages_a.items() if s in pages_b)


def _owned(widget: QWidget, top: QWidget) -> bool:
    return widget.window() is top


def mnemonics(top: QWidget) -> list[tuple[str, str, tuple]]:
    """(letter, what it is, page path) for every mnemonic of the window ``top`` itself."""
    found = []
    widgets = [top] + [w for w in top.findChildren(QWidget) if _owned(w, top)]
    for w in widgets:
        texts: list[str] = []
        if isinstance(w, QAbstractButton):
            texts = [w.text()]
        elif isinstance(w, QLabel) and w.buddy() is not None:
            texts = [w.text()]
        elif isinstance(w, QGroupBox):
            texts = [w.title()]
        elif isinstance(w, QTabBar):
            texts = [w.tabText(i) for i in range(w.count())]
        elif isinstance(w, QMenuBar):
            texts = [a.text() for a in w.actions() if a.isVisible()]
        for text in texts:
            letter = mnemonic(text)
            if letter:
                found.append((letter, f"{type(w).__name__} {text!r} ({w.objectName() or 'no name'})",
                              _pages(w, top)))
    return found


def clashes(top: QWidget) -> list[str]:
    """Every pair of mnemonics of ``top`` usable at the same time with the same letter, and
    every clash inside one of its menus. Empty: all unique."""
    out = []
    items = mnemonics(top)
    for i, (letter, what, pages) in enumerate(items):
        for other_letter, other, other_pages in items[i + 1:]:
            if letter == other_letter and _together(pages, other_pages):
                out.append(f"Alt+{letter.upper()} in {top.windowTitle() or top.objectName()!r}: {what} and {other}")
    for menu in top.findChildren(QMenu):
        seen: dict[str, str] = {}
        for action in menu.actions():
            letter = mnemonic(action.text())
            if not letter or not action.isVisible():
                continue
            if letter in seen:
                out.append(f"&{letter.upper()} in the menu {menu.title()!r}: {seen[letter]!r} and {action.text()!r}")
            seen[letter] = action.text()
    return out


def open_windows_clashes() -> list[str]:
    """Clashes in every window and dialog visible now."""
    out = []
    for w in QApplication.topLevelWidgets():
        if w.isVisible() and not isinstance(w, QMenu):
            out.extend(clashes(w))
    return out
