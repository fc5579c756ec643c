"""Template fields, column mapping, phone-field guessing, and the per-server, per-template store.

The Campaign API does not list a template's fields, so Lead Loader never pretends to know
them: a template's fields are *known* only when the user taught them (typed or pasted the
names, took them from the header row of a file exported from Noojee, or accepted a file's
headings), when an admin's exported field file was imported, or, for the built-in sandbox
only, from the sandbox's own data (a preset, in memory). Everything is kept per server and
template in ``fields.json`` in the user data directory; a file written by an earlier version
(per template id only) is adopted for the first server it is used with.

Columns map to known fields by name, with the spellings people use ("Phone Number",
"Mobile No.", "Ph", "Post Code", "Full Name", "Suburb" ...): :func:`auto_map`. For a template
whose fields are not known, a column goes to a field named like its heading (``sent as its
own heading``) and the phone fields are a guess: ``Mapping.phones_known`` is then False and
nothing can say that a row will be accepted (:func:`phone_check`).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

from noojee_desktop.core.jsonfile import read_json_settings, write_json_atomic

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

#: What the import screen and the headless command say when a template's phone fields are unknown.
PHONES_UNKNOWN = "cannot check: this template's phone fields are not known"

_NORM_RE = re.compile(r"[\s_\-.#:/()]+")


def _norm(name: str) -> str:
    """Case, spaces, underscores, dashes, dots and brackets do not matter when matching names."""
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


# The spellings people give the same thing (normalised). A heading and a template field that
# fall in the same group are the same field; a phone heading without a same-group field takes
# a free phone field of the template.
_SYNONYMS: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in {
    "name": {"name", "fullname", "contactname", "customername", "clientname", "leadname", "donorname",
             "customer", "contact", "names", "nameofcontact"},
    "firstname": {"firstname", "givenname", "first", "fname", "forename", "christianname"},
    "lastname": {"lastname", "surname", "familyname", "last", "lname"},
    "phone": {"phone", "phonenumber", "phoneno", "ph", "phno", "phn", "phnumber", "tel", "telephone", "telno",
              "telephonenumber", "landline", "homephone", "homephonenumber", "homeph", "home", "homenumber",
              "firstphone", "phone1", "primaryphone", "contactnumber", "contactphone", "number", "phonenum",
              "workphone", "businessphone", "daytimephone"},
    "mobile": {"mobile", "mobileno", "mobilenumber", "mob", "mobno", "mobilephone", "mobileph", "cell",
               "cellphone", "cellular", "mobi", "secondphone", "phone2", "altphone", "alternatephone",
               "alternativephone", "otherphone", "alternatenumber"},
    "street": {"address", "streetaddress", "street", "address1", "addressline1", "streetaddr", "addr",
               "postaladdress", "residentialaddress"},
    "city": {"city", "suburb", "town", "locality", "suburbtown", "citysuburb", "suburbcity"},
    "state": {"state", "territory", "statecode", "stateterritory"},
    "postcode": {"postcode", "postalcode", "zip", "zipcode", "pcode", "postcd", "pc"},
    "email": {"email", "emailaddress", "mail", "emailadd"},
}.items()}
_GROUP_OF = {spelling: group for group, spellings in _SYNONYMS.items() for spelling in spellings}
_PHONE_GROUPS = ("phone", "mobile")


def _group(name: str) -> str | None:
    return _GROUP_OF.get(_norm(name))


@dataclass
class Mapping:
    """Which template field each column goes to (None: left out), and which fields are phones.

    ``phones_known``: the phone fields are the template's own (taught, a preset, or given on
    the command line), not a guess from the names; only then can a check say a row will pass
    the dialler's phone-field test.
    """

    columns: dict[str, str | None]
    phone_fields: set[str] = field(default_factory=set)
    phones_known: bool = True

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


def phone_check(mapping: Mapping | None) -> str | None:
    """None when the mapping's phone fields are the template's own; else what a check of the
    rows cannot say (:data:`PHONES_UNKNOWN`, with the columns it guessed)."""
    if mapping is None or mapping.phones_known:
        return None
    sent = sorted(f for f in mapping.phone_fields if f in mapping.columns.values())
    guess = f" (sending {', '.join(repr(f) for f in sent)} as phone numbers is a guess)" if sent else ""
    return PHONES_UNKNOWN + guess


def auto_map(headers: Sequence[str], template_fields: Sequence[str] | None = None,
             phone_fields: Iterable[str] | None = None) -> Mapping:
    """The default mapping: each column to the template field of the same name (case and
    spacing insensitive), or of a common other spelling ("Phone Number", "Mobile No.",
    "Post Code", "Full Name", "Suburb" ...), system fields included; a column no known field
    matches is left out.

    When the template's fields are not known (``template_fields`` empty or None), a column
    goes to a field named like its heading, except that a phone column goes to one of the
    ``phone_fields`` when those are given. Phone fields: the given ones (then
    ``phones_known``), else guessed from the names (``phones_known`` False).
    """
    known = [f for f in dict.fromkeys(template_fields or []) if f and f not in SYSTEM_FIELDS]
    phones = set(phone_fields) if phone_fields is not None else None
    targets = known + sorted(p for p in (phones or ()) if p not in known)
    by_norm: dict[str, str] = {}
    for f in SYSTEM_FIELDS:
        by_norm[_norm(f)] = f
    for alias, f in _SYSTEM_ALIASES.items():
        by_norm.setdefault(alias, f)
    for f in targets:
        by_norm[_norm(f)] = f  # the template's spelling wins
    by_group: dict[str, list[str]] = {}
    for f in targets:
        g = _group(f)
        if g is not None:
            by_group.setdefault(g, []).append(f)
    phone_targets = [f for f in targets if (f in phones if phones is not None else is_phone_name(f))]
    columns: dict[str, str | None] = {}
    taken: set[str] = set()
    pending: list[str] = []
    for h in headers:            # exact names first: they win over a synonym of another column
        f = by_norm.get(_norm(h))
        if f is not None and f not in taken:
            columns[h] = f
            taken.add(f)
        else:
            columns[h] = None
            pending.append(h)
    for h in pending:
        group = _group(h)
        f = next((c for c in by_group.get(group, ()) if c not in taken), None) if group else None
        if f is None and (group in _PHONE_GROUPS or is_phone_name(h)):
            # a phone heading with no field of its own spelling: a free phone field of the template,
            # a mobile heading preferring a field named like a mobile
            free = [c for c in phone_targets if c not in taken]
            mobile_first = sorted(free, key=lambda c: (_group(c) != group, free.index(c)))
            f = mobile_first[0] if mobile_first else None
        if f is None and not known and h.strip() and _norm(h) not in {_norm(t) for t in taken}:
            f = h.strip()      # fields unknown: sent as its own heading
        if f is not None and f in taken:
            f = None           # a second column for the same field is left out until the user decides
        columns[h] = f
        if f:
            taken.add(f)
    if phones is not None:
        return Mapping(columns, phones, True)
    return Mapping(columns, guess_phone_fields(f for f in columns.values() if f), False)


@dataclass
class TemplateFields:
    """What Lead Loader knows about one template's fields.

    ``known`` is False when nothing was taught (and it is not the built-in sandbox): then
    ``fields`` is empty and the app says so instead of guessing. ``source``: "taught"
    (by the user or an imported field file) or "sandbox" (the built-in practice dialler).
    """

    fields: list[str] = field(default_factory=list)
    phone_fields: set[str] = field(default_factory=set)
    source: str = ""

    @property
    def known(self) -> bool:
        return bool(self.fields)

    @property
    def phones_known(self) -> bool:
        return self.known and bool(self.phone_fields & set(self.fields))


class FieldFileError(ValueError):
    """An exported field file that cannot be imported; the message says why."""


FIELD_FILE_KIND = "noojee-lead-loader-template-fields"


def default_store_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "fields.json"


def server_key(server: str) -> str:
    """The server as the store keys it (scheme://host[:port], as the journal does)."""
    from noojee_desktop.core.journal import server_id

    try:
        return server_id(server) if server else ""
    except ValueError:
        return server.strip().lower()


class TemplateFieldStore:
    """Per server and template id: the field list, phone fields and the mappings the user saved.

    ``use_server(server)`` chooses the server the other methods speak of (the app's Session does
    it when it connects; the headless command for its ``--server``). Stored as JSON
    (``fields.json`` in the user data directory), written atomically; a damaged file is kept
    aside as ``fields.json.bad`` and the store starts empty. Entries of a version-1 file (per
    template id, no server) are adopted by the first server asking for that template.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else default_store_path()
        self._data: dict = {"version": 2, "servers": {}}
        self.server = ""
        self._presets: dict[str, dict[str, TemplateFields]] = {}
        self._load()

    # file --------------------------------------------------------------------------------
    def _load(self) -> None:
        data = read_json_settings(self.path, "field lists",
                                  lambda d: isinstance(d.get("servers", d.get("templates")), dict), log)
        if data is None:
            return
        data.setdefault("servers", {})
        legacy = data.pop("templates", None)
        if legacy:
            data["unclaimed"] = {**legacy, **data.get("unclaimed", {})}   # version 1: no server yet
        data["version"] = 2
        self._data = data

    def _save(self) -> None:
        write_json_atomic(self.path, self._data, ".fields-")

    # server ------------------------------------------------------------------------------
    def use_server(self, server: str) -> None:
        """The server the template ids speak of from now on."""
        self.server = server_key(server)

    def set_presets(self, server: str, templates: dict[int, tuple[Sequence[str], Iterable[str]]]) -> None:
        """Fields known without teaching, for this server only and in memory: the built-in
        sandbox's own templates. Never for a real dialler (its fields are what it is told)."""
        self._presets[server_key(server)] = {
            str(t): TemplateFields(list(f), set(p), "sandbox") for t, (f, p) in templates.items()}

    def _templates(self, create: bool = False) -> dict:
        servers = self._data["servers"]
        if create:
            return servers.setdefault(self.server, {}).setdefault("templates", {})
        return servers.get(self.server, {}).get("templates", {})

    def _lookup(self, template_id: int | str) -> dict:
        """The entry of a template on the current server ({} when none); a version-1 entry for
        this template id is adopted by this server on first use."""
        key = str(template_id)
        entry = self._templates().get(key)
        if entry is not None:
            return entry
        unclaimed = self._data.get("unclaimed") or {}
        if key in unclaimed and self.server:
            entry = self._templates(create=True)[key] = unclaimed.pop(key)
            if not unclaimed:
                self._data.pop("unclaimed", None)
            log.info("field list of template %s (saved by an earlier version) adopted for %s", key, self.server)
            try:
                self._save()
            except OSError:
                log.warning("could not save the adopted field list", exc_info=True)
            return entry
        return {}

    def _entry(self, template_id: int | str) -> dict:
        entry = self._lookup(template_id)
        if not entry:
            entry = self._templates(create=True).setdefault(str(template_id), {})
        return entry

    # fields ------------------------------------------------------------------------------
    def get(self, template_id: int | str | None) -> TemplateFields:
        """What is known of the template's fields on the current server (``known`` False: nothing)."""
        if template_id is None:
            return TemplateFields()
        e = self._lookup(template_id)
        if e.get("fields"):
            return TemplateFields(list(e["fields"]), set(e.get("phone_fields", [])), "taught")
        preset = self._presets.get(self.server, {}).get(str(template_id))
        return replace(preset, fields=list(preset.fields), phone_fields=set(preset.phone_fields)) if preset \
            else TemplateFields()

    def remember(self, template_id: int | str, fields: Sequence[str], phone_fields: Iterable[str],
                 *, name: str = "") -> None:
        """Teach the template's fields (as typed, from an export's header row, or a file's headings)."""
        e = self._entry(template_id)
        e["fields"] = [f.strip() for f in dict.fromkeys(fields) if f and f.strip() and f not in SYSTEM_FIELDS]
        e["phone_fields"] = sorted(set(phone_fields) & set(e["fields"]))
        if name:
            e["name"] = name
        self._save()

    def forget(self, template_id: int | str) -> None:
        """The template's fields are no longer known (its saved mappings stay)."""
        e = self._lookup(template_id)
        if e:
            e.pop("fields", None)
            e.pop("phone_fields", None)
            self._save()

    def find(self, template: str) -> str | None:
        """The id of the template called ``template`` (as the app saw it when it was taught) on
        the current server, or ``template`` itself when it is an id; None when unknown."""
        text = template.strip()
        if text.isdigit():
            return text
        names = {t: e.get("name", "") for t, e in self._templates().items()}
        found = [t for t, n in names.items() if n == text] or \
            [t for t, n in names.items() if n.strip().casefold() == text.casefold()]
        return found[0] if len(found) == 1 else None

    # mappings ----------------------------------------------------------------------------
    def save_mapping(self, template_id: int | str, headers: Sequence[str], mapping: Mapping) -> None:
        """Remember ``mapping`` for files with these headings (it teaches no field)."""
        e = self._entry(template_id)
        key = _headers_key(headers)
        maps = [m for m in e.get("mappings", []) if m.get("key") != key]
        maps.insert(0, {"key": key, **mapping.to_json()})
        e["mappings"] = maps[:20]
        self._save()

    def saved_mapping(self, template_id: int | str, headers: Sequence[str]) -> Mapping | None:
        e = self._lookup(template_id)
        key = _headers_key(headers)
        for m in e.get("mappings", []):
            if m.get("key") == key:
                mapping = Mapping.from_json(m)
                # headings match ignoring case/spacing: re-key onto this file's spelling
                by_norm = {_norm(h): v for h, v in mapping.columns.items()}
                mapping.columns = {h: by_norm.get(_norm(h)) for h in headers}
                return mapping
        return None

    def suggest(self, template_id: int | str | None, headers: Sequence[str]) -> Mapping:
        """The mapping to show first: a saved one for these headings, else :func:`auto_map`.

        With the template's fields known, a saved column that goes to no known field is mapped
        afresh, and the phone fields are the template's; unknown, the phone fields are a guess
        (``phones_known`` False) whatever was saved."""
        tf = self.get(template_id)
        fresh = auto_map(headers, tf.fields or None, tf.phone_fields if tf.phones_known else None)
        saved = self.saved_mapping(template_id, headers) if template_id is not None else None
        if saved is None:
            return fresh
        if tf.known:
            allowed = set(tf.fields) | set(SYSTEM_FIELDS)
            columns = {h: (f if f is None or f in allowed else fresh.columns.get(h)) for h, f in saved.columns.items()}
            taken = [f for f in columns.values() if f]
            columns = {h: (f if f is None or taken.count(f) == 1 or saved.columns.get(h) == f else None)
                       for h, f in columns.items()}
            return Mapping(columns, set(tf.phone_fields) if tf.phones_known else fresh.phone_fields,
                           tf.phones_known)
        return Mapping(saved.columns, saved.phone_fields, False)

    # sharing -----------------------------------------------------------------------------
    def export_file(self, path: str | os.PathLike, template_ids: Iterable[int | str] | None = None,
                    names: dict | None = None) -> int:
        """Write the known field lists of the current server (or of ``template_ids``) to a small
        JSON file another computer can import; returns how many templates it holds."""
        names = {str(k): v for k, v in (names or {}).items()}
        ids = [str(t) for t in template_ids] if template_ids is not None else list(self._templates())
        out = []
        for t in ids:
            tf = self.get(t)
            if tf.source != "taught":
                continue
            entry = {"id": int(t) if t.isdigit() else t, "name": names.get(t) or self._lookup(t).get("name", ""),
                     "fields": tf.fields, "phone_fields": sorted(tf.phone_fields)}
            out.append(entry)
        doc = {"kind": FIELD_FILE_KIND, "version": 1, "server": self.server, "templates": out}
        Path(path).write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return len(out)

    def import_file(self, path: str | os.PathLike) -> list[str]:
        """Teach the current server the field lists of an exported file (FieldFileError when
        it is not one); returns the names (or ids) of the templates it taught."""
        p = Path(path)
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except OSError as exc:
            raise FieldFileError(f"Cannot read {p.name}: {exc.strerror or exc}.") from None
        except ValueError:
            raise FieldFileError(f"{p.name} is not a field file exported by Lead Loader (it is not JSON).") from None
        if not isinstance(doc, dict) or doc.get("kind") != FIELD_FILE_KIND or not isinstance(doc.get("templates"), list):
            raise FieldFileError(f"{p.name} is not a field file exported by Lead Loader.")
        taught = []
        for t in doc["templates"]:
            ok = (isinstance(t, dict) and isinstance(t.get("id"), (int, str)) and isinstance(t.get("fields"), list)
                  and all(isinstance(f, str) for f in t["fields"])
                  and all(isinstance(f, str) for f in t.get("phone_fields", [])))
            if not ok:
                raise FieldFileError(f"{p.name} has a template entry that is not a list of field names: "
                                     "nothing was imported.")
        for t in doc["templates"]:
            name = t.get("name") if isinstance(t.get("name"), str) else ""
            self.remember(t["id"], t["fields"], t.get("phone_fields", []), name=name)
            taught.append(name or str(t["id"]))
        return taught


def _headers_key(headers: Sequence[str]) -> list[str]:
    return sorted(_norm(h) for h in headers)
