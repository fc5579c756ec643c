"""The import screen's choices that shape a job, remembered between sessions.

* Mode: add new leads (``insertLeadFast``) or update existing ones (``updateLeadFast``, rows
  found by their ``njExternalLeadId``). Not remembered: each session starts adding leads.
* Allow duplicate phone numbers (inserts; for every template).
* Give rows without an external id a safe one (inserts; per template, ON unless turned off):
  only leads with an external id can be updated or withdrawn later, and a lost reply can then
  be retried without inserting the lead twice.
* The disposition an update gives every row (per template; empty: from the column mapped to
  ``njDisposition``). The dialler has no list of a template's dispositions, so it is typed.

What a check of the file depends on besides the mapping is :class:`CheckWith`; the check
itself is :func:`check_rows` (pure: run it on a pool thread).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

INSERT, UPDATE = "insert", "update"

OPT_ALLOW_DUPLICATES = "import/allow_duplicates"


def _template_key(template: int | None, what: str) -> str:
    return f"templates/{'none' if template is None else int(template)}/{what}"


@dataclass(frozen=True)
class CheckWith:
    """What checking the rows depends on, besides the mapping."""

    update: bool = False
    allow_duplicates: bool = False
    disposition: str | None = None     # an update's one disposition for every row (None: the column's)
    contact_hours: tuple[tuple[str, str], ...] = ()   # (state, Contact Hours set) of inserts (core.hours)


def check_rows(sheet, mapping, how: CheckWith) -> list:
    """The prepared rows of ``sheet`` as inserts (core.sheet.validate) or updates (validate_update)."""
    from noojee_desktop.core.sheet import validate, validate_update

    if how.update:
        return validate_update(sheet, mapping, disposition=how.disposition)
    return validate(sheet, mapping, allow_duplicates=how.allow_duplicates, contact_hours=dict(how.contact_hours))


def row_checker(sheet, mapping, how: CheckWith):
    """What checks edited rows again by the same rules as :func:`check_rows` (core.sheet.fixes)."""
    from noojee_desktop.core.sheet.fixes import RowChecker

    return RowChecker(sheet, mapping, update=how.update, allow_duplicates=how.allow_duplicates,
                      check=lambda part: check_rows(part, mapping, how))


class UploadOptions(QObject):
    """The options of the next job; ``changed`` after any of them changes."""

    changed = Signal()

    def __init__(self, settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.template: int | None = None
        self.mode = INSERT
        self.allow_duplicates = settings.flag(OPT_ALLOW_DUPLICATES)
        self.generate_external_ids = settings.flag(_template_key(None, "generate_external_ids"), True)
        self.disposition = settings.text(_template_key(None, "disposition"))
        self.contact_hours: dict[str, str] = {}   # the template's, set by the controller (core.hours store)

    @property
    def update(self) -> bool:
        return self.mode == UPDATE

    def for_template(self, template: int | None) -> bool:
        """Take the template's remembered safe-id choice and disposition; True if any changed."""
        self.template = template
        safe = self._settings.flag(_template_key(template, "generate_external_ids"), True)
        disposition = self._settings.text(_template_key(template, "disposition"))
        changed = (safe, disposition) != (self.generate_external_ids, self.disposition)
        self.generate_external_ids, self.disposition = safe, disposition
        if changed:
            self.changed.emit()
        return changed

    def set_flags(self, allow_duplicates: bool, generate_external_ids: bool) -> bool:
        new = (bool(allow_duplicates), bool(generate_external_ids))
        if new == (self.allow_duplicates, self.generate_external_ids):
            return False
        self.allow_duplicates, self.generate_external_ids = new
        self._settings.set_flag(OPT_ALLOW_DUPLICATES, new[0])
        self._settings.set_flag(_template_key(self.template, "generate_external_ids"), new[1])
        self.changed.emit()
        return True

    def set_mode(self, mode: str) -> bool:
        mode = UPDATE if mode == UPDATE else INSERT
        if mode == self.mode:
            return False
        self.mode = mode
        self.changed.emit()
        return True

    def set_disposition(self, text: str) -> bool:
        text = (text or "").strip()
        if text == self.disposition:
            return False
        self.disposition = text
        self._settings.set_text(_template_key(self.template, "disposition"), text)
        self.changed.emit()
        return True

    def set_contact_hours(self, names: dict[str, str], save=None) -> bool:
        """The Contact Hours set of each state (the template's: ``save(template, names)`` keeps them)."""
        names = {s: n for s, n in dict(names).items() if n}
        if save is not None and self.template is not None:
            try:
                save(self.template, names)
            except OSError:
                log.warning("could not save the contact hours", exc_info=True)
        if names == self.contact_hours:
            return False
        self.contact_hours = names
        self.changed.emit()
        return True

    # what a job and a check take ----------------------------------------------------------
    def flags(self) -> dict[str, bool]:
        """The options journaled with a job (an update sends what the file says: both off)."""
        if self.update:
            return {"allow_duplicates": False, "generate_external_ids": False}
        return {"allow_duplicates": self.allow_duplicates, "generate_external_ids": self.generate_external_ids}

    def extra(self) -> dict | None:
        """Journaled with an update: the disposition given to every row, if one was."""
        return {"disposition": self.disposition} if self.update and self.disposition else None

    def job_settings(self) -> dict:
        """What a job started now journals as its settings (as engine.JobSpec.settings())."""
        out: dict = dict(self.flags())
        if self.update:
            out["mode"] = UPDATE
        out.update(self.extra() or {})
        return out

    def check_with(self) -> CheckWith:
        if self.update:
            return CheckWith(update=True, disposition=self.disposition or None)
        return CheckWith(allow_duplicates=self.allow_duplicates, contact_hours=tuple(sorted(self.contact_hours.items())))
