"""The connection and the choices of one window, shared by the parts that need them.

The main window owns one :class:`Session` and hands it to the parts (the import screen, its
resume flow); none of them holds the window. It knows:

- the connection: the server as typed, the API key (for ``new_client`` and the Connection dialog; never logged),
  the one client of the GUI loop (``client``) and a factory for more (``new_client``: the
  upload thread's own);
- the current Template / Campaign / Allocation ids and names (``ids``, ``names``);
- the field store (what is known of each template's fields on this server: ``template_fields``,
  taught with ``teach_fields``), the Contact Hours set of each state per template
  (``hours_store``, core.hours.ContactHoursStore) and the upload journal (opened on first use).

Signals: ``clientChanged(client)`` after ``adopt``; ``fieldsChanged(template)`` after a template's
fields were taught (or imported: template None, any of them); ``choiceChanged(t, c, a)`` whenever the
chosen ids change; ``selectRequested(t, c, a)`` asks whoever shows the dropdowns (the main
window's chooser) to choose these ids (a resume restores the job's destination that way);
``connectionRequested()`` asks the window for the Connection dialog (a resume with no key yet).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from noojee_desktop.core.hours import ContactHoursStore
from noojee_desktop.core.sheet import TemplateFields, TemplateFieldStore

log = logging.getLogger(__name__)

Ids = tuple[int | None, int | None, int | None]


class Session(QObject):
    clientChanged = Signal(object)               # the new client of the GUI loop
    choiceChanged = Signal(object, object, object)   # (template, campaign, allocation) ids; None = not chosen
    selectRequested = Signal(int, int, int)      # please choose these ids in the dropdowns
    connectionRequested = Signal()               # please ask for the connection (the Connection dialog)
    fieldsChanged = Signal(object)               # a template's fields were taught (None: several)

    def __init__(self, make_client: Callable[[str, str], object], parent: QObject | None = None,
                 *, store: TemplateFieldStore | None = None, hours_store: ContactHoursStore | None = None) -> None:
        super().__init__(parent)
        self.make_client = make_client
        self.client = None
        self.server = ""              # as the user typed it (the journal also knows older jobs by it)
        self.expected_server = ""     # the address the window is about to connect to (no key yet)
        self._api_key = ""
        self.ids: Ids = (None, None, None)
        self.names: tuple[str, str, str] = ("", "", "")
        self.store = store if store is not None else TemplateFieldStore()
        self.hours_store = hours_store if hours_store is not None else ContactHoursStore()
        self._journal = None

    # connection ------------------------------------------------------------------------
    def adopt(self, server: str, api_key: str, client, *, known_fields: dict | None = None):
        """Use ``client`` (made by ``make_client(server, api_key)``) for this connection from now on;
        emits ``clientChanged``. Returns the previous client, for the caller to close.

        ``known_fields`` ({template id: (fields, phone fields)}): only for the built-in sandbox,
        whose own data says its templates' fields; a real dialler's fields are what it is taught."""
        old, self.client = self.client, client
        self.server = server
        self._api_key = api_key
        self.store.use_server(server)
        self.hours_store.use_server(server)
        self.store.set_presets(server, known_fields or {})     # (none: connected as any dialler)
        self.clientChanged.emit(client)
        return old

    @property
    def api_key(self) -> str:
        """The key of the connection (the Connection dialog shows it masked; never logged)."""
        return self._api_key

    def new_client(self):
        """Another client for the current connection (the upload thread's own; see ui/upload_thread)."""
        return self.make_client(self.server, self._api_key)

    @property
    def connected(self) -> bool:
        return self.client is not None

    @property
    def journal_server(self) -> str:
        """The server as journal jobs name it: the client's normalised API base (the headless
        command uses the same, so a job interrupted in one is found by the other)."""
        base = getattr(self.client, "base_url", None)
        return str(base) if base else self.server

    def server_ids(self) -> set[str]:
        """This connection's server as a journal may have it: the API base, and (jobs journaled
        by earlier versions) the address as typed."""
        from noojee_desktop.core.journal import server_id

        ids = set()
        for s in (getattr(self.client, "base_url", None), self.server):
            if s:
                try:
                    ids.add(server_id(str(s)))
                except ValueError:
                    pass
        return ids

    def known_servers(self) -> set[str]:
        """``server_ids()`` and the address the window is about to connect to (saved, or given at
        start without a key): the servers whose interrupted uploads to offer."""
        from noojee_desktop.core.journal import server_id

        ids = self.server_ids()
        if self.expected_server:
            try:
                ids.add(server_id(self.expected_server))
            except ValueError:
                pass
        return ids

    def request_connection(self) -> None:
        self.connectionRequested.emit()

    # choice ----------------------------------------------------------------------------
    def set_choice(self, ids: Ids, names: tuple[str, str, str] = ("", "", "")) -> None:
        """What the dropdowns show now (called by their owner); emits ``choiceChanged`` on a change."""
        ids = tuple(ids)  # type: ignore[assignment]
        changed = ids != self.ids
        self.ids, self.names = ids, tuple(names)  # type: ignore[assignment]
        if changed:
            self.choiceChanged.emit(*ids)

    @property
    def chosen(self) -> bool:
        return all(i is not None for i in self.ids)

    def request_choice(self, template: int, campaign: int, allocation: int) -> None:
        self.selectRequested.emit(template, campaign, allocation)

    # template fields -------------------------------------------------------------------
    def template_fields(self, template_id: int | None = None) -> TemplateFields:
        """What is known of the template's fields on this server (default: the chosen template);
        ``known`` False when nothing was taught: never another template's or made-up fields."""
        return self.store.get(self.ids[0] if template_id is None else template_id)

    def teach_fields(self, template_id: int, fields: list[str], phones: set[str]) -> None:
        """The template's fields as the user taught them; emits ``fieldsChanged``. OSError when
        the store cannot be written."""
        name = self.names[0] if template_id == self.ids[0] else ""
        self.store.remember(template_id, fields, phones, name=name)
        self.fieldsChanged.emit(template_id)

    def import_fields(self, path) -> list[str]:
        """An exported field file taught to this server (core.sheet.FieldFileError when it is not
        one); the templates it taught. Emits ``fieldsChanged(None)``."""
        taught = self.store.import_file(path)
        self.fieldsChanged.emit(None)
        return taught

    def contact_hours(self, template_id: int | None) -> dict[str, str]:
        """The Contact Hours set of each state saved for the template ({}: the template's default)."""
        return dict(self.hours_store.get(template_id).names) if template_id is not None else {}

    def save_contact_hours(self, template_id: int, names: dict[str, str]) -> None:
        """Remember them for the template (with its name, which the headless command may be given)."""
        self.hours_store.save(template_id, names, template_name=self.names[0] if self.ids[0] == template_id else "")

    # journal ---------------------------------------------------------------------------
    def journal(self):
        """The upload journal (opened on first use, closed by ``close``)."""
        if self._journal is None:
            from noojee_desktop.core.journal import Journal

            self._journal = Journal()
        return self._journal

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None
