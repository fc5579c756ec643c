"""Template -> Campaign -> Allocation: three dropdowns, each filled when its parent changes.

Each list loads from its endpoint without blocking the window; while it loads the dropdown
says so, a failure shows inline with a Retry button, and the last choice is remembered per
server. Replies that arrive after the user moved on are dropped (a generation counter).
"""

from __future__ import annotations

import logging

import qasync
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget,
)

from noojee_desktop.ui.errors import describe_exception
from noojee_desktop.ui.settings import AppSettings
from noojee_desktop.ui.tasks import TaskSet
from noojee_desktop.ui.widgets import name

log = logging.getLogger(__name__)

LEVELS = ("template", "campaign", "allocation")


def choose_text(key: str) -> str:
    """The first entry of a dropdown: "Choose a template…", "Choose an allocation…"."""
    word = TITLES[key].lower()
    return f"Choose {'an' if word[0] in 'aeiou' else 'a'} {word}\u2026"

TITLES = {"template": "Template", "campaign": "Campaign", "allocation": "Allocation"}


class _Level:
    def __init__(self, key: str, combo: QComboBox, status: QLabel, retry: QPushButton) -> None:
        self.key = key
        self.combo = combo
        self.status = status
        self.retry = retry
        self.generation = 0
        self.wanted: int | None = None   # id to select when the list arrives (remembered choice)


class Chooser(QWidget):
    """Emits :attr:`selectionChanged` with (template_id, campaign_id, allocation_id); None = not chosen."""

    selectionChanged = Signal(object, object, object)
    templatesLoaded = Signal(list)
    listFailed = Signal(str, str)      # (level: template, campaign or allocation; what went wrong)

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._client = None
        self._server = ""
        self.tasks = TaskSet()
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        self._levels: dict[str, _Level] = {}
        for col, key in enumerate(LEVELS):
            label = QLabel(f"&{TITLES[key]}")
            combo = QComboBox()
            name(combo, f"{key}Combo", f"{key}Combo")
            combo.setToolTip(f"The {TITLES[key].lower()} the leads go into")
            combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            combo.setMinimumContentsLength(14)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            label.setBuddy(combo)
            status = QLabel()
            name(status, f"{key}Status")
            status.setWordWrap(True)
            status.setStyleSheet("color: #8a1c1c;")
            status.hide()
            retry = QPushButton("Retry")
            name(retry, f"{key}RetryButton")
            retry.hide()
            row = QHBoxLayout()
            row.addWidget(status, 1)
            row.addWidget(retry)
            grid.addWidget(label, 0, col)
            grid.addWidget(combo, 1, col)
            grid.addLayout(row, 2, col)
            grid.setColumnStretch(col, 1)
            level = _Level(key, combo, status, retry)
            self._levels[key] = level
            combo.setEnabled(False)
        self._levels["template"].combo.currentIndexChanged.connect(self._template_changed)
        self._levels["campaign"].combo.currentIndexChanged.connect(self._campaign_changed)
        self._levels["allocation"].combo.currentIndexChanged.connect(self._allocation_changed)
        self._levels["template"].retry.clicked.connect(self.refresh)
        self._levels["campaign"].retry.clicked.connect(self._template_changed)
        self._levels["allocation"].retry.clicked.connect(self._campaign_changed)

    # public ----------------------------------------------------------------------------
    def combo(self, key: str) -> QComboBox:
        return self._levels[key].combo

    def current_ids(self) -> tuple[int | None, int | None, int | None]:
        return tuple(self._current(k) for k in LEVELS)  # type: ignore[return-value]

    def current_names(self) -> tuple[str, str, str]:
        return tuple(  # type: ignore[return-value]
            self._levels[k].combo.currentText() if self._current(k) is not None else "" for k in LEVELS)

    def status_text(self, key: str) -> str:
        """What the level ``key`` ("template", "campaign", "allocation") says under its dropdown
        (loading failures, "no templates"); empty when all is well."""
        return self._levels[key].status.text()

    def set_client(self, client, server: str) -> None:
        """Use a new connection: forget the lists and load the templates."""
        self._client = client
        self._server = server
        t, c, a = self._settings.last_choice(server)
        self._levels["template"].wanted = t
        self._levels["campaign"].wanted = c
        self._levels["allocation"].wanted = a
        for key in LEVELS:
            self._clear(key)
        if client is not None:
            self.refresh()

    def select(self, template: int, campaign: int, allocation: int) -> None:
        """Reload the lists and choose these ids (each level as soon as its list arrives)."""
        for key, cid in zip(LEVELS, (template, campaign, allocation)):
            self._levels[key].wanted = cid
        self.tasks.add(self._load("template", None))

    @Slot()
    def refresh(self) -> None:
        """Reload the template list (F5); keeps the current choice when it still exists."""
        current = self.current_ids()
        for key, cid in zip(LEVELS, current):
            if cid is not None:
                self._levels[key].wanted = cid
        self.tasks.add(self._load("template", None))

    # loading ---------------------------------------------------------------------------
    def _current(self, key: str) -> int | None:
        combo = self._levels[key].combo
        data = combo.currentData()
        return data if isinstance(data, int) else None

    def _clear(self, key: str, text: str = "") -> None:
        level = self._levels[key]
        level.generation += 1
        combo = level.combo
        combo.blockSignals(True)
        combo.clear()
        if text:
            combo.addItem(text)
        combo.blockSignals(False)
        combo.setEnabled(False)
        level.status.clear()
        level.status.hide()       # (no empty line under the dropdowns)
        level.retry.hide()

    @qasync.asyncSlot()
    async def _load(self, key: str, parent_id: int | None) -> None:
        level = self._levels[key]
        client = self._client
        if client is None:
            return
        self._clear(key, "Loading\u2026")
        # children wait for this level
        for child in LEVELS[LEVELS.index(key) + 1:]:
            self._clear(child)
        self.selectionChanged.emit(*self.current_ids())
        generation = level.generation
        try:
            if key == "template":
                items = await client.list_templates()
            elif key == "campaign":
                items = await client.list_campaigns(parent_id)
            else:
                items = await client.list_allocations(parent_id)
        except Exception as exc:  # ApiError or anything unexpected: shown inline, never a crash
            if generation != level.generation:
                return
            message, details = describe_exception(exc)
            log.warning("loading %s list failed: %s\n%s", key, message, details)
            self._clear(key, f"(could not load {TITLES[key].lower()}s)")
            level.status.setText(message.split("\n")[0])
            level.status.show()
            level.status.setToolTip(message)
            level.retry.show()
            self.listFailed.emit(key, message)
            return
        if generation != level.generation:
            return  # the user moved on while this was loading
        combo = level.combo
        combo.blockSignals(True)
        combo.clear()
        if not items:
            combo.addItem(f"(no {TITLES[key].lower()}s)")
            level.status.show()
            level.status.setText(
                "This key sees no templates." if key == "template" else f"No {TITLES[key].lower()}s here.")
            level.status.setStyleSheet("color: palette(mid);")
        else:
            combo.addItem(choose_text(key))
            for item in items:
                combo.addItem(f"{item.name}", item.id)
                combo.setItemData(combo.count() - 1, f"{item.name} (id {item.id})",
                                  Qt.ItemDataRole.ToolTipRole)
            level.status.setStyleSheet("color: #8a1c1c;")
            wanted = level.wanted
            index = combo.findData(wanted) if wanted is not None else -1
            if index < 0 and len(items) == 1:
                index = 1
            combo.setCurrentIndex(max(index, 0))
        level.wanted = None
        combo.blockSignals(False)
        combo.setEnabled(bool(items))
        if key == "template":
            self.templatesLoaded.emit(list(items))
        self._level_changed(key)

    def _level_changed(self, key: str) -> None:
        index = LEVELS.index(key)
        current = self._current(key)
        if index + 1 < len(LEVELS):
            child = LEVELS[index + 1]
            if current is None:
                for k in LEVELS[index + 1:]:
                    self._clear(k)
            else:
                self.tasks.add(self._load(child, current))
        self._remember()
        self.selectionChanged.emit(*self.current_ids())

    @Slot()
    def _template_changed(self) -> None:
        self._level_changed("template")

    @Slot()
    def _campaign_changed(self) -> None:
        self._level_changed("campaign")

    @Slot()
    def _allocation_changed(self) -> None:
        self._level_changed("allocation")

    def _remember(self) -> None:
        if self._server:
            self._settings.set_last_choice(self._server, *self.current_ids())
