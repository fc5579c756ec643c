"""Where the desktop app keeps its settings and the API key.

Plain settings (server, last choices per server, recent files) live in QSettings, always in
INI format so tests can point them at a temp dir with ``QSettings.setPath``. The API key
never goes there: it lives in the system keyring under service ``noojee-desktop`` with the
server's host as the user name (the headless command reads the same entry).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings

from noojee_desktop import APP_ID, ORG_NAME
from noojee_desktop.core.credentials import (  # the UI's keyring access
    KEYRING_SERVICE,
    keyring_usable,
    load_key,
    save_key,
    server_host,
)

__all__ = ["AppSettings", "KEYRING_SERVICE", "keyring_usable", "load_key", "qsettings", "save_key", "server_host"]

log = logging.getLogger(__name__)

MAX_RECENT = 8


def qsettings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORG_NAME, APP_ID)


class AppSettings:
    """Typed access to the app's QSettings."""

    def __init__(self) -> None:
        self._s = qsettings()

    # connection ---------------------------------------------------------------------
    @property
    def server(self) -> str:
        return str(self._s.value("connection/server", "") or "")

    def set_server(self, server: str) -> None:
        self._s.setValue("connection/server", server)
        self._s.sync()

    # last choice per server ---------------------------------------------------------
    def last_choice(self, server: str) -> tuple[int | None, int | None, int | None]:
        key = f"choices/{server_host(server) or 'none'}"
        raw = self._s.value(key, "")
        out: list[int | None] = []
        for part in (str(raw or "").split(",") + ["", "", ""])[:3]:
            out.append(int(part) if part.strip().lstrip("-").isdigit() else None)
        return out[0], out[1], out[2]

    def set_last_choice(self, server: str, template: int | None, campaign: int | None,
                        allocation: int | None) -> None:
        key = f"choices/{server_host(server) or 'none'}"
        self._s.setValue(key, ",".join("" if v is None else str(v) for v in (template, campaign, allocation)))

    # recent files -------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        raw = self._s.value("import/recent", [])
        if isinstance(raw, str):
            raw = [raw] if raw else []
        return [str(p) for p in (raw or [])][:MAX_RECENT]

    def add_recent_file(self, path: str) -> None:
        files = [p for p in self.recent_files() if p != path]
        self._s.setValue("import/recent", [path, *files][:MAX_RECENT])

    # on/off options (the import tab's upload options) ---------------------------------
    def flag(self, key: str, default: bool = False) -> bool:
        return str(self._s.value(key, "true" if default else "false")).lower() == "true"

    def set_flag(self, key: str, on: bool) -> None:
        self._s.setValue(key, "true" if on else "false")
        self._s.sync()

    # typed values (e.g. the disposition an update gives every row, per template) -------------
    def text(self, key: str, default: str = "") -> str:
        value = self._s.value(key, default)
        return str(value) if value is not None else default

    def set_text(self, key: str, value: str) -> None:
        self._s.setValue(key, value)
        self._s.sync()

    def sync(self) -> None:
        self._s.sync()
