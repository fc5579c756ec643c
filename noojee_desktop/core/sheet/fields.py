"""Template fields, column mapping, phone-field guessing, and the per-template store.

The Campaign API does not list a template's fields, so Lead Loader learns them from the
user: the first time a template is used its fields are seeded from the file's headings,
and whatever the user confirms (field names, which are phone fields, the mapping of
columns) is saved per template in ``fields.json`` in the user data directory, then applied
automatically when a file with the same headings is loaded again.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

APP_NAME = "noojee-desktop"

EXTERNAL_ID = "njExternalLeadId"
CALLBACK = "njCallBackDate"
PRIORITY = "njPriority"
CONTACT_HOURS = "njContactHours"
DISPOSITION = "njDisposition"
#: Fields every template accepts besides its own (insert); njDisposition is for updates.
SYSTEM_FIELDS = (EXTERNAL_ID, CALLBACK, PRIORITY, CONTACT_HOURS, DISPOSITION)
SYSTEM_FIELD_LABELS = {
    EXTERNAL_ID: "External lead id",
    CALLBACK: "Callback date",
    PRIORITY: "Priority",
    CONTACT_HOURS: "Contact hours",
    DISPOSITION: "Disposition (updates)",
}
# other headings people use for the system fields (normalised, see _norm)
_SYSTEM_ALIASES = {
    "externalleadid": EXTERNAL_ID, "externalid": EXTERNAL_ID, "leadid": EXTERNAL_ID,
    "callbackdate": CALLBACK, "callback": CALLBACK, "callbacktime": CALLBACK,
    "priority": PRIORITY,
    "contacthours": CONTACT_HOURS, "timezone": CONTACT_HOURS,
    "disposition": DISPOSITION,
}

#: The fields offered for a template nothing is known about yet (the single-lead form's
#: default, before a file or the user has taught the template's own fields).
DEFAULT_FIELDS = ("Name", "StreetAddress", "City", "State", "PostCode", "FirstPhone")
DEFAULT_PHONES = frozenset({"FirstPhone"})

_NORM_RE = re.compile(r"[\s_\-.]+")


def _norm(name: str) -> str:
    """Case, spaces, underscores, dashes and dots do not matter when matching names."""
    return _NORM_RE.sub("", name).casefold()


_TOKEN_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_PHONE_TOKENS = {"phone", "ph", "phn", "mobile", "mob", "mobi", "tel", "telephone", "cell",
                 "cellphone", "landline", "telno", "phoneno", "phonenumber", "mobilephone",
                 "homephone", "workphone", "fone"}


def is_phone_name(name: str) -> bool:
    """Whether a field or heading name reads like a phone number (FirstPhone, Mobile, Tel 2)."""
    tokens = [t.lower() for t in _TOKEN_RE.findall(name) if not t.isdigit()]
    if any(t in _PHONE_TOKENS for t in tokens):
        return True
    joined = "".join(tokens)
    return joined in _PHONE_TOKENS or joined.endswith(("phone", "mobile"))


def guess_phone_fields(names: Iterable[str]) -> set[str]:
    """The names among ``names`` that look like phone fields (a guess for the user to confirm)."""
    return {n for n in names if n not in SYSTEM_FIELDS and is_phone_name(n)}


@dataclass
class Mapping:
    """Which template field each column goes to (None: left out), and which fields are phones."""

    columns: dict[str, str | None]
    phone_fields: set[str] = field(default_factory=set)

    def mapped(self, headers: Sequence[str]) -> list[tuple[int, str]]:
        """(column index, field) for the columns that are sent, in column order."""
        out = []
        for i, h in enumerate(headers):
            f = self.columns.get(h)
            if f:
                out.append((i, f))
        return out

    def problems(self, headers: Sequence[str], *, update: bool = False) -> list[str]:
        """Mapping-level mistakes, in plain words (empty when the mapping can be used)."""
        msgs: list[str] = []
        used: dict[str, str] = {}
        for h in headers:
            f = self.columns.get(h)
            if not f:
                continue
            if f in used:
                msgs.append(f"Columns '{used[f]}' and '{h}' both go to the field '{f}'; leave one of them out.")
            else:
                used[f] = h
        if not any(f in self.phone_fields for f in used):
            if self.phone_fields:
                msgs.append(
                    "No column goes to a phone field (" + ", ".join(sorted(self.phone_fields)) + "). "
                    "The dialler needs at least one phone number per lead."
                )
            else:
                msgs.append(
                    "No field is marked as a phone field. Tick the fields that hold phone numbers "
                    "(the dialler needs at least one per lead)."
                )
        if update:
            for f, what in ((EXTERNAL_ID, "external lead id"), (DISPOSITION, "disposition")):
                if f not in used:
                    either = ", or one disposition for every row" if f == DISPOSITION else ""
                    msgs.append(f"Updating leads needs a column for the {what} ({f}){either}.")
        return msgs

    def to_json(self) -> dict:
        return {"columns": dict(self.columns), "phone_fields": sorted(self.phone_fields)}

    @classmethod
    def from_json(cls, data: dict) -> Mapping:
        return cls({str(k): (str(v) if v else None) for k, v in data.get("columns", {}).items()},
                   {str(p) for p in data.get("phone_fields", [])})


def auto_map(headers: Sequence[str], template_fields: Sequence[str] | None = None,
             phone_fields: Iterable[str] | None = None) -> Mapping:
    """The default mapping: each column to the field of the same name (case and spacing
    insensitive), system fields included.

    When the template's fields are not known yet (``template_fields`` empty or None), every
    column maps to a field named like its heading, so the first upload works and the user
    confirms or corrects. Phone fields: the given ones, else guessed from the names.
    """
    known = list(template_fields or [])
    by_norm: dict[str, str] = {}
    for f in SYSTEM_FIELDS:
        by_norm[_norm(f)] = f
    for alias, f in _SYSTEM_ALIASES.items():
        by_norm.setdefault(alias, f)
    for f in known:
        by_norm[_norm(f)] = f  # the template's spelling wins
    columns: dict[str, str | None] = {}
    taken: set[str] = set()
    for h in headers:
        f = by_norm.get(_norm(h))
        if f is None and not known:
            f = h.strip()
        if f in taken:
            f = None  # a second column for the same field is left out until the user decides
        columns[h] = f
        if f:
            taken.add(f)
    if phone_fields is not None:
        phones = set(phone_fields)
    else:
        phones = guess_phone_fields(f for f in columns.values() if f)
    return Mapping(columns, phones)


@dataclass
class TemplateFields:
    """What Lead Loader knows about one template's fields."""

    fields: list[str] = field(default_factory=list)
    phone_fields: set[str] = field(default_factory=set)
    confirmed: bool = False   # the user confirmed the list (else it was seeded from a file)


def default_store_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "fields.json"


class TemplateFieldStore:
    """Per template id: its field list, phone fields and the mappings the user saved.

    Stored as JSON (``fields.json`` in the user data directory); written atomically. A
    damaged file is kept aside as ``fields.json.bad`` and the store starts empty.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else default_store_path()
        self._data: dict = {"version": 1, "templates": {}}
        self._load()

    def _load(self) -> None:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except OSError as exc:
            log.warning("Cannot read the saved field lists (%s); starting empty.", exc)
            return
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or not isinstance(data.get("templates"), dict):
                raise ValueError("unexpected layout")
        except ValueError as exc:
            log.warning("The saved field lists were damaged (%s); kept aside as %s.bad.", exc, self.path.name)
            try:
                os.replace(self.path, self.path.with_name(self.path.name + ".bad"))
            except OSError:
                pass
            return
        self._data = data

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".fields-", suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self._data, fh, indent=1, ensure_ascii=False)
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def _entry(self, template_id: int | str) -> dict:
        return self._data["templates"].setdefault(str(template_id), {})

    def get(self, template_id: int | str) -> TemplateFields:
        e = self._data["templates"].get(str(template_id), {})
        return TemplateFields(list(e.get("fields", [])), set(e.get("phone_fields", [])),
                              bool(e.get("confirmed", False)))

    def remember(self, template_id: int | str, fields: Sequence[str], phone_fields: Iterable[str],
                 *, confirmed: bool = True) -> None:
        """Record the template's fields as the user confirmed them."""
        e = self._entry(template_id)
        e["fields"] = [f for f in dict.fromkeys(fields) if f and f not in SYSTEM_FIELDS]
        e["phone_fields"] = sorted(set(phone_fields))
        e["confirmed"] = confirmed
        self._save()

    def save_mapping(self, template_id: int | str, headers: Sequence[str], mapping: Mapping) -> None:
        """Remember ``mapping`` for files with these headings; also learns the fields it uses."""
        e = self._entry(template_id)
        key = _headers_key(headers)
        maps = [m for m in e.get("mappings", []) if m.get("key") != key]
        maps.insert(0, {"key": key, **mapping.to_json()})
        e["mappings"] = maps[:20]
        fields = list(e.get("fields", []))
        for f in mapping.columns.values():
            if f and f not in SYSTEM_FIELDS and f not in fields:
                fields.append(f)
        e["fields"] = fields
        e["phone_fields"] = sorted(set(e.get("phone_fields", [])) | mapping.phone_fields)
        self._save()

    def saved_mapping(self, template_id: int | str, headers: Sequence[str]) -> Mapping | None:
        e = self._data["templates"].get(str(template_id), {})
        key = _headers_key(headers)
        for m in e.get("mappings", []):
            if m.get("key") == key:
                mapping = Mapping.from_json(m)
                # headings match ignoring case/spacing: re-key onto this file's spelling
                by_norm = {_norm(h): v for h, v in mapping.columns.items()}
                mapping.columns = {h: by_norm.get(_norm(h)) for h in headers}
                return mapping
        return None

    def suggest(self, template_id: int | str, headers: Sequence[str]) -> Mapping:
        """The mapping to show first: a saved one for these headings, else :func:`auto_map`."""
        saved = self.saved_mapping(template_id, headers)
        if saved is not None:
            return saved
        tf = self.get(template_id)
        return auto_map(headers, tf.fields or None, tf.phone_fields or None)


def _headers_key(headers: Sequence[str]) -> list[str]:
    return sorted(_norm(h) for h in headers)
