"""Each lead called in its own local hours: its state, its Contact Hours set, its callback time.

Noojee applies hours per lead through ``njContactHours``, the *name* of a Contact Hours set defined
on the dialler. Per template the user says which set each state or territory uses
(:class:`ContactHours`, saved in :class:`ContactHoursStore`); each row then gets, in order:

1. its own Contact Hours cell (the file already says);
2. its State column: names and abbreviations in any case ("Western Australia", "W.A.", "wa");
3. its postcode, by Australia Post's ranges (2880 Broken Hill keeps South Australian time);
4. its landline's area code (02 NSW, 02 61/62 ACT, 03 VIC, 03 6 TAS, 07 QLD, 08 8/7 SA,
   08 89 NT, 08 80 Broken Hill: SA, 08 9/6 WA). Mobiles give no state.

A row whose state is still unknown keeps the template's default hours and gets a warning that
says so. (``phonenumbers.timezone`` is not used: it puts Cairns in Sydney's zone and mobiles in
every zone.)

The law (ACMA's Telemarketing and Research Industry Standard) counts the recipient's local time:
weekdays 9:00-20:00, Saturdays 9:00-17:00, never Sundays or national public holidays.
:func:`callback_rule` names the rule a callback time breaks.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from noojee_desktop.core.jsonfile import read_json_settings, write_json_atomic

log = logging.getLogger(__name__)

#: The states and territories, in the order the screens show them.
STATES = ("NSW", "ACT", "VIC", "TAS", "QLD", "SA", "NT", "WA")
STATE_NAMES = {
    "NSW": "New South Wales", "ACT": "Australian Capital Territory", "VIC": "Victoria", "TAS": "Tasmania",
    "QLD": "Queensland", "SA": "South Australia", "NT": "Northern Territory", "WA": "Western Australia",
}
#: Each state's time zone (Broken Hill takes South Australia's set, so its zone too).
ZONES = {
    "NSW": "Australia/Sydney", "ACT": "Australia/Sydney", "VIC": "Australia/Melbourne",
    "TAS": "Australia/Hobart", "QLD": "Australia/Brisbane", "SA": "Australia/Adelaide",
    "NT": "Australia/Darwin", "WA": "Australia/Perth",
}

_NORM_RE = re.compile(r"[\s._\-]+")


def _norm(text: str) -> str:
    return _NORM_RE.sub("", text).casefold()


_BY_NAME = {_norm(s): s for s in STATES}
_BY_NAME.update({_norm(n): s for s, n in STATE_NAMES.items()})
_BY_NAME.update({"vic": "VIC", "tas": "TAS", "qld": "QLD", "queensland": "QLD", "jervisbay": "ACT",
                 "jervisbayterritory": "ACT"})


def state_from_text(text: str) -> str | None:
    """The state a State cell names ("Western Australia", "W.A.", "wa"), or None."""
    return _BY_NAME.get(_norm(text)) if text else None


# (first, last, state): Australia Post's ranges, the exception first
_POSTCODES = (
    (2880, 2880, "SA"),          # Broken Hill keeps South Australian time
    (200, 299, "ACT"), (2600, 2618, "ACT"), (2900, 2920, "ACT"),
    (1000, 2599, "NSW"), (2619, 2899, "NSW"), (2921, 2999, "NSW"),
    (3000, 3999, "VIC"), (8000, 8999, "VIC"),
    (4000, 4999, "QLD"), (9000, 9999, "QLD"),
    (5000, 5999, "SA"),
    (6000, 6797, "WA"), (6800, 6999, "WA"),
    (7000, 7999, "TAS"),
    (800, 999, "NT"),
)


def state_from_postcode(text: str) -> str | None:
    """The state of an Australian postcode ("6000", "0800", or 800 after Excel dropped the 0)."""
    t = text.strip()
    if t.endswith(".0"):           # a postcode that a spreadsheet stored as a number
        t = t[:-2]
    if not (3 <= len(t) <= 4 and t.isdigit() and t.isascii()):
        return None
    pc = int(t)
    for first, last, state in _POSTCODES:
        if first <= pc <= last:
            return state
    return None


# the longest matching prefix of a landline in the dialler's form (0 and 9 digits) decides
_AREAS = {"02": "NSW", "0261": "ACT", "0262": "ACT", "03": "VIC", "036": "TAS", "07": "QLD",
          "088": "SA", "087": "SA", "0889": "NT", "0880": "SA", "089": "WA", "086": "WA"}


def state_from_phone(number: str) -> str | None:
    """The state of a landline's area code (``number`` as sent: 0 and 9 digits); mobiles: None."""
    if len(number) != 10 or number[0] != "0":
        return None
    for n in (4, 3, 2):
        state = _AREAS.get(number[:n])
        if state is not None:
            return state
    return None


_STATE_HEADINGS = frozenset({"state", "statecode", "stateterritory", "stateorterritory", "territory"})
_POSTCODE_HEADINGS = frozenset({"postcode", "postalcode", "pcode", "zip", "zipcode", "postcodezip"})


def find_place_columns(headers: Sequence[str], fields: Mapping[str, str | None]) -> tuple[int | None, int | None]:
    """(State column, postcode column) of a sheet by their field names, else their headings."""
    found = []
    for names in (_STATE_HEADINGS, _POSTCODE_HEADINGS):
        ci = next((i for i, h in enumerate(headers) if fields.get(h) and _norm(fields[h]) in names), None)
        if ci is None:
            ci = next((i for i, h in enumerate(headers) if _norm(h) in names), None)
        found.append(ci)
    return found[0], found[1]


# --------------------------------------------------------------------------------------

@dataclass
class ContactHours:
    """Which Contact Hours set (its name on the dialler) each state uses; empty: the template's default."""

    names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clean = {}
        for k, v in dict(self.names).items():
            state = state_from_text(str(k))
            if state and str(v).strip():
                clean[state] = str(v).strip()
        self.names = clean

    def __bool__(self) -> bool:
        return bool(self.names)

    def name_for(self, state: str | None) -> str | None:
        return self.names.get(state) if state else None

    @classmethod
    def from_options(cls, items: Iterable[str]) -> ContactHours:
        """``STATE=NAME`` items (the headless ``--contact-hours``); ValueError with a plain sentence."""
        names: dict[str, str] = {}
        for item in items:
            key, sep, name = item.partition("=")
            state = state_from_text(key)
            if not sep or not name.strip():
                raise ValueError(f"--contact-hours needs STATE=NAME (like WA=\"Business Hours WA\"), not '{item}'.")
            if state is None:
                raise ValueError(f"--contact-hours: '{key}' is not a state or territory; use one of "
                                 + ", ".join(STATES) + ".")
            names[state] = name.strip()
        return cls(names)


@dataclass(frozen=True, slots=True)
class RowHours:
    """Where one row's hours come from: ``name`` to send (None: nothing added), ``note`` for its
    tooltip, ``warning`` when the template's default is used."""

    name: str | None
    note: str
    warning: str | None = None
    state: str | None = None


def _from(state: str, how: str, hours: ContactHours) -> RowHours:
    name = hours.name_for(state)
    if name is None:
        return RowHours(None, f"{STATE_NAMES[state]} ({how}): no Contact Hours set is chosen for {state}, "
                              "so the template's default hours apply.",
                        f"This lead is in {state} ({how}) but no Contact Hours set is chosen for {state}: "
                        "it gets the template's default hours.", state)
    return RowHours(name, f"Contact hours '{name}': {STATE_NAMES[state]}, {how}.", None, state)


UNKNOWN_WARNING = ("This lead's state is not known (no State, postcode or landline says it): it gets the "
                   "template's default contact hours. Check that they suit where the lead lives.")


def resolve_rows(hours: ContactHours, n: int, *, own: Sequence[str] | None = None,
                 state_col: Sequence[str] | None = None, postcode_col: Sequence[str] | None = None,
                 phones: Sequence[Sequence[str]] = ()) -> list[RowHours]:
    """Per row, where its hours come from (see the module's text); ``own``: its Contact Hours
    cells, ``state_col``/``postcode_col``: its State and postcode cells, ``phones``: its phone
    columns as cleaned numbers ("": none). Each distinct cell is looked at once."""
    unknown = RowHours(None, "State not known: the template's default contact hours apply.", UNKNOWN_WARNING)
    # (cells, the state a cell gives, what the note says, how much of a cell decides)
    sources: list[tuple[Sequence[str], Callable[[str], str | None], str, int | None]] = []
    if state_col is not None:
        sources.append((state_col, state_from_text, "from the State column '{v}'", None))
    if postcode_col is not None:
        sources.append((postcode_col, state_from_postcode, "from postcode {v}", None))
    for col in phones:   # numbers as sent: a landline's state is in its first four digits
        sources.append((col, state_from_phone, "from the landline's area code {v:.2}", 4))
    caches: list[dict[str, RowHours | None]] = [{} for _ in sources]
    own_notes: dict[str, RowHours] = {}
    out: list[RowHours] = []
    for i in range(n):
        if own is not None and own[i]:
            v = own[i]
            got = own_notes.get(v)
            if got is None:
                got = own_notes[v] = RowHours(None, f"Contact hours '{v}': from its own Contact Hours cell.")
            out.append(got)
            continue
        got = None
        for (col, find, how, decides), cache in zip(sources, caches):
            v = col[i]
            if not v:
                continue
            key = v[:decides] if decides else v
            if key not in cache:
                state = find(v)
                cache[key] = _from(state, how.format(v=v), hours) if state else None
            got = cache[key]
            if got is not None:
                break
        out.append(got or unknown)
    return out


# --------------------------------------------------------------------------------------
# callback times

_holidays_cache: dict[int, object] = {}


def national_holiday(day: date) -> str | None:
    """The name of the national public holiday on ``day`` (the ``holidays`` package), or None."""
    import holidays

    cal = _holidays_cache.get(day.year)
    if cal is None:
        cal = _holidays_cache[day.year] = holidays.country_holidays("AU", years=day.year)
    return cal.get(day)


def callback_rule(when: str) -> str | None:
    """The rule a callback time (``yyyy/MM/dd HH:mm``, the lead's local time) breaks, or None."""
    try:
        t = datetime.strptime(when, "%Y/%m/%d %H:%M")
    except ValueError:
        return None
    minutes = t.hour * 60 + t.minute
    weekday = t.weekday()
    holiday = national_holiday(t.date())
    if holiday:
        return f"{when} is a national public holiday ({holiday}): no telemarketing calls that day."
    if weekday == 6:
        return f"{when} is a Sunday: no telemarketing calls on Sundays."
    if weekday == 5 and not 9 * 60 <= minutes < 17 * 60:
        return f"{when} is a Saturday outside 9:00-17:00, the hours the law allows on Saturdays."
    if weekday < 5 and not 9 * 60 <= minutes < 20 * 60:
        return f"{when} is outside 9:00-20:00, the hours the law allows on weekdays."
    return None


def local_now_text(state: str | None, now: datetime | None = None) -> str | None:
    """``yyyy/MM/dd HH:mm`` now in the state's zone (None: state unknown); a naive ``now`` is
    this computer's local time."""
    if state is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(ZONES[state])
    except (ZoneInfoNotFoundError, KeyError):
        return None
    return (now or datetime.now().astimezone()).astimezone(zone).strftime("%Y/%m/%d %H:%M")


# --------------------------------------------------------------------------------------

def default_store_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("noojee-desktop", appauthor=False)) / "contact_hours.json"


class ContactHoursStore:
    """Per server and template id: the Contact Hours set of each state; and every name typed (offered
    again). ``use_server(server)`` chooses the server the template ids speak of (template ids are
    the dialler's own: another server's template 1 is another template).

    A JSON file beside the field store, written atomically; a damaged one is set aside as ``.bad``."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else default_store_path()
        self.server = ""
        self._data: dict = {"version": 1, "templates": {}, "names": []}
        data = read_json_settings(self.path, "contact hours", lambda d: isinstance(d.get("templates"), dict), log)
        if data is None:
            return
        data.setdefault("names", [])
        self._data = data

    def use_server(self, server: str) -> None:
        from noojee_desktop.core.journal import server_id

        try:
            self.server = server_id(server) if server else ""
        except ValueError:
            self.server = server.strip().lower()

    def _entries(self) -> list[tuple[str, dict]]:
        """(template id, entry) of the current server; of every server when none is chosen."""
        out = []
        for key, entry in self._data["templates"].items():
            server, _, tid = key.rpartition("#")
            if isinstance(entry, dict) and (server == self.server or not self.server):
                out.append((tid, entry))
        return out

    def get(self, template_id: int | str) -> ContactHours:
        tid = str(template_id).strip()
        entry = next((e for t, e in self._entries() if t == tid), {})
        return ContactHours(dict(entry.get("states", {})))

    def names(self) -> list[str]:
        """Every Contact Hours name typed so far, most recent first."""
        return [str(n) for n in self._data.get("names", [])]

    def find(self, template: int | str) -> ContactHours:
        """The setting of a template given by id, or by the name it had when the setting was saved."""
        key = str(template).strip()
        entries = self._entries()
        entry = next((e for t, e in entries if t == key), None)
        if entry is None and key:
            entry = next((e for _t, e in entries if str(e.get("template", "")).casefold() == key.casefold()), None)
        return ContactHours(dict(entry.get("states", {}))) if entry else ContactHours()

    def save(self, template_id: int | str, hours: ContactHours | Mapping[str, str], template_name: str = "") -> None:
        """Remember the setting of a template (``template_name`` lets the headless command find it by name)."""
        hours = hours if isinstance(hours, ContactHours) else ContactHours(dict(hours))
        key = f"{self.server}#{str(template_id).strip()}"
        self._data["templates"][key] = {"states": dict(hours.names), "template": template_name}
        names = list(dict.fromkeys([*hours.names.values(), *self.names()]))
        self._data["names"] = names[:100]
        write_json_atomic(self.path, self._data, ".contact-hours-")
