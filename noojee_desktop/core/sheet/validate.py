"""Checking and preparing every row before anything is sent.

Each problem is an :class:`Issue` on its row and column with a sentence a team leader
understands. Errors stop a row (it is not sent until fixed); warnings are shown and the
row is sent (a restored leading zero, a callback date without a time).

What is sent (``PreparedRow.lead``): the mapped, non-empty cells, trimmed; phones cleaned
to digits (``+61``/``61`` -> ``0``); callback dates as ``yyyy/MM/dd HH:mm``; priorities as
plain integers. Empty cells are left out of the lead (an empty cell means "no value").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from operator import itemgetter

from noojee_desktop.core.hours import (
    ContactHours,
    RowHours,
    callback_rule,
    find_place_columns,
    local_now_text,
    resolve_rows,
)
from noojee_desktop.core.phones import ZERO_MSG as _ZERO_MSG
from noojee_desktop.core.phones import check_phone, national_problems

from .fields import CALLBACK, CONTACT_HOURS, DISPOSITION, EXTERNAL_ID, PRIORITY, Mapping
from .reader import Sheet, bulk_allocation

ERROR = "error"
WARNING = "warning"
NO_CHANGE = "<no change>"


@dataclass(frozen=True, slots=True)
class Issue:
    column: str | None      # the heading of the column in the file (None: the whole row)
    severity: str           # "error" | "warning"
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


class PreparedRow:
    """One row, checked and ready to send: ``lead`` (field -> value), ``issues``, ``sendable``.

    ``lead`` is built from the sheet row on first access and then kept (so changes to it
    stick); until then a row holds only its index and a reference to one plan shared by all
    rows of the validation (which columns go to which field and how their values are
    cleaned), which keeps 100k prepared rows small. ``PreparedRow(index, row_number, lead,
    issues)`` also works.
    """

    __slots__ = ("index", "row_number", "issues", "_lead", "hours_note")

    def __init__(self, index: int, row_number: int, lead: dict[str, str] | None = None,
                 issues: list[Issue] | None = None, hours_note: str | None = None):
        self.index = index                  # position in Sheet.rows
        self.row_number = row_number        # row in the file, as Excel shows it
        self.issues: list[Issue] = issues if issues is not None else []
        self._lead: dict[str, str] | _Plan | None = lead   # a _Plan until the lead is built
        self.hours_note = hours_note        # where its contact hours come from (None: not worked out)

    @property
    def lead(self) -> dict[str, str]:
        """Field -> value to send (non-empty cells only; phones, dates, priorities cleaned)."""
        lead = self._lead
        if lead.__class__ is _Plan:
            row = lead.rows[self.index]
            d = {f: row[ci] for ci, f in lead.plain if row[ci]}
            for ci, f, clean in lead.special:
                v = row[ci]
                if v:
                    v = clean(v)
                    if v:
                        d[f] = v
            for f, values in lead.extra:
                v = values[self.index]
                if v:
                    d[f] = v
            self._lead = lead = d
        elif lead is None:
            self._lead = lead = {}
        return lead  # type: ignore[return-value]

    @lead.setter
    def lead(self, value: dict[str, str]) -> None:
        self._lead = value

    @property
    def sendable(self) -> bool:
        for i in self.issues:
            if i.severity == ERROR:
                return False
        return True

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PreparedRow):
            return NotImplemented
        return (self.index, self.row_number, self.lead, self.issues) == \
            (other.index, other.row_number, other.lead, other.issues)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self):
        # a copy or pickle stands alone: its lead, not the plan holding the whole sheet
        return (PreparedRow, (self.index, self.row_number, self.lead, self.issues, self.hours_note))

    def __repr__(self) -> str:
        return (f"PreparedRow(index={self.index}, row_number={self.row_number}, lead={self.lead!r}, "
                f"issues={self.issues!r})")


# --------------------------------------------------------------------------------------
# phones

_EXCEL_ERRORS = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!", "#CALC!",
                 "#GETTING_DATA"}


def normalise_phone(value: str) -> tuple[str | None, str | None, str]:
    """``(number, problem, severity)``: the number to send (None if unusable) and what is wrong.

    ``problem`` is None for an Australian number in use (the rules: :mod:`noojee_desktop.core.phones`).
    """
    return check_phone(value)


# --------------------------------------------------------------------------------------
# callback dates

_ISO_RE = re.compile(
    r"^(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})"
    r"(?:[ T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:\.\d+)?)?\s*([AaPp][Mm])?)?\s*(?:Z|[+\-]\d{2}:?\d{2})?$"
)
_DMY_RE = re.compile(
    r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4}|\d{2})"
    r"(?:[ T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*([AaPp][Mm])?)?$"
)


def parse_callback(value: str) -> tuple[str | None, str | None]:
    """``(normalised, warning)``; normalised is None when the value is not a date.

    Accepts ``yyyy/MM/dd HH:mm`` (the dialler's form), ISO forms (``2025-03-04 09:30:00``,
    ``2025-03-04T09:30``), Australian day-first ``dd/MM/yyyy [HH:mm[:ss]] [am|pm]`` and
    ``dd-MM-yy``. A date without a time gets 00:00 and a warning.
    """
    v = value.strip()
    m = _ISO_RE.match(v)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _DMY_RE.match(v)
        if not m:
            return None, None
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if y < 100:
            y += 2000
    hh = int(m.group(4)) if m.group(4) is not None else None
    mm = int(m.group(5)) if m.group(5) is not None else 0
    ampm = m.group(7)
    if hh is not None and ampm:
        if not 1 <= hh <= 12:
            return None, None
        hh = hh % 12 + (12 if ampm.lower() == "pm" else 0)
    try:
        datetime(y, mo, d, hh or 0, mm)
    except ValueError:
        return None, None
    warning = None
    if hh is None:
        hh = 0
        warning = "The callback date has no time; 00:00 (midnight) was used. Add a time if the call should be later."
    return f"{y:04d}/{mo:02d}/{d:02d} {hh:02d}:{mm:02d}", warning


# --------------------------------------------------------------------------------------


_PRIORITIES = {str(i): str(i) for i in range(101)}
_NO_CHANGE_INSERT_MSG = "'<No Change>' only works when updating leads. Put a value in or leave the cell empty."


def _excel_error(column: str, v: str) -> Issue:
    return Issue(column, ERROR, f"The cell shows an Excel error ({v}); put the real value in.")


class _Plan:
    """What one validation sends: shared by all its PreparedRows, used when a lead is built.

    ``plain``: (column index, field) sent as they are; ``special``: (column index, field,
    clean) whose cell ``v`` is sent as ``clean(v)`` (nothing when that is None or empty);
    ``extra``: (field, value of each row) worked out from other cells (contact hours).
    """

    __slots__ = ("rows", "plain", "special", "extra")

    def __init__(self, rows, plain, special, extra=()):
        self.rows = rows
        self.plain = plain
        self.special = special
        self.extra = extra


def _phone_value(v: str) -> str | None:
    return normalise_phone(v)[0]


def _callback_value(update: bool):
    def clean(v: str) -> str | None:
        if v.casefold() == NO_CHANGE:
            return "<No Change>" if update else None
        return parse_callback(v)[0]
    return clean


def _priority_value(update: bool):
    def clean(v: str) -> str | None:
        p = _PRIORITIES.get(v)
        if p is not None:
            return p
        if v.casefold() == NO_CHANGE:
            return "<No Change>" if update else None
        try:
            pr = int(v)
        except ValueError:
            return None
        return str(pr) if 0 <= pr <= 100 else None
    return clean


def _no_change_value(v: str) -> str | None:
    """A plain column of an update that uses <No Change>: canonical spelling, errors left out."""
    if v in _EXCEL_ERRORS:
        return None
    return "<No Change>" if v.casefold() == NO_CHANGE else v


def validate(sheet: Sheet, mapping: Mapping, *, update: bool = False, allow_duplicates: bool = False,
             now: datetime | None = None,
             contact_hours: ContactHours | dict[str, str] | None = None) -> list[PreparedRow]:
    """Check and prepare every row of ``sheet`` (the whole file, not a sample).

    ``update``: rows are updates (``<No Change>`` allowed, external id and disposition needed).
    ``allow_duplicates``: duplicate phones inside the file are warnings, not errors.
    ``now``: for "callback in the past" warnings (default: the current time).
    ``contact_hours``: the Contact Hours set of each state (:class:`ContactHours`); when given,
    each row gets ``njContactHours`` by the rules of :mod:`noojee_desktop.core.hours` and
    ``hours_note`` says where it came from.

    Works column by column: plain columns (names, addresses...) are screened all together
    with a few C-speed operations and sent as they are; only phone, date, priority and id
    columns are looked at cell by cell. 100k rows take a fraction of a second.
    """
    with bulk_allocation():
        hours = contact_hours if isinstance(contact_hours, ContactHours) else ContactHours(dict(contact_hours or {}))
        return _validate(sheet, mapping, update, allow_duplicates, now, hours)


def _validate(sheet: Sheet, mapping: Mapping, update: bool, allow_duplicates: bool,
              now: datetime | None, hours: ContactHours) -> list[PreparedRow]:
    headers = sheet.headers
    rows = sheet.rows
    n = len(rows)
    mapped = mapping.mapped(headers)
    phone_fields = mapping.phone_fields
    now_text = (now or datetime.now()).strftime("%Y/%m/%d %H:%M")
    row_level = [Issue(None, ERROR, p) for p in mapping.problems(headers, update=update)]
    # issues[i]: None until row i has one (most rows never do)
    issues: list[list[Issue] | None] = [list(row_level) for _ in range(n)] if row_level else [None] * n
    dup_severity = WARNING if allow_duplicates else ERROR
    numbers = sheet.row_numbers

    def add(i: int, issue: Issue) -> None:
        iss = issues[i]
        if iss is None:
            issues[i] = [issue]
        else:
            iss.append(issue)

    # all columns at once: one pass over the rows (column by column would visit every row
    # once per column, and the rows are spread all over memory)
    columns = list(zip(*rows)) if n else []
    if len(columns) != len(headers):  # a short row (not from read_sheet): go the long way
        columns = [list(map(itemgetter(ci), rows)) for ci in range(len(headers))]

    special_kinds = {CALLBACK: "callback", PRIORITY: "priority"}
    plain: list[tuple[int, str]] = []
    special: list[tuple[int, str, str]] = []
    for ci, fld in mapped:
        if fld in phone_fields:
            special.append((ci, fld, "phone"))
        elif fld in special_kinds:
            special.append((ci, fld, special_kinds[fld]))
        else:
            plain.append((ci, fld))

    # plain columns: a C-speed screen of each for the two characters that can start a
    # problem ('#' of an Excel error, '<' of <No Change>); cell by cell only where one is found
    plain_out: list[tuple[int, str]] = []
    for ci, fld in plain:
        col = columns[ci]
        joined = "\n".join(col)
        if "#" not in joined and "<" not in joined:
            plain_out.append((ci, fld))
            continue
        name = headers[ci]
        has_no_change = "<" in joined and NO_CHANGE in joined.casefold()
        if has_no_change and update:
            special.append((ci, fld, "nochange"))  # checked cell by cell; canonical spelling when sent
            continue
        if "#" in joined and not _EXCEL_ERRORS.isdisjoint(col):
            for i, v in enumerate(col):
                if v in _EXCEL_ERRORS:
                    add(i, _excel_error(name, v))
        if has_no_change:
            for i, v in enumerate(col):
                if v.casefold() == NO_CHANGE:
                    add(i, Issue(name, ERROR, _NO_CHANGE_INSERT_MSG))
        plain_out.append((ci, fld))

    # special columns, cell by cell (the cleaned values are not kept: a lead is built from
    # its row when it is needed, with the same cleaning)
    phone_outs: list[tuple[str, list[str]]] = []  # per phone column: the numbers ("": none)
    callback_cols: list[tuple[list[str], str]] = []   # checked once the rows' states are known
    cleaners = []
    for ci, fld, kind in special:
        name = headers[ci]
        col = columns[ci]
        if kind == "phone":
            cleaners.append((ci, fld, _phone_value))
            phone_outs.append((name, _check_phones(col, name, issues, add)))
        elif kind == "priority":
            clean = _priority_value(update)
            cleaners.append((ci, fld, clean))
            quick = list(map(_PRIORITIES.get, col))  # "0".."100" as they are: the common case
            if quick.count(None) == col.count(""):
                continue  # every filled cell is a plain 0..100
            for i, v in enumerate(col):
                if not v or quick[i] is not None:
                    continue
                if v[0] == "#" and v in _EXCEL_ERRORS:
                    add(i, _excel_error(name, v))
                elif v.casefold() == NO_CHANGE:
                    if not update:
                        add(i, Issue(name, ERROR, _NO_CHANGE_INSERT_MSG))
                elif clean(v) is None:
                    add(i, Issue(name, ERROR, f"Priority must be a whole number from 0 to 100 "
                                              f"(lower is dialled sooner); found '{v}'."))
        elif kind == "callback":
            cleaners.append((ci, fld, _callback_value(update)))
            callback_cols.append((col, name))
        else:  # "nochange": a plain column of an update that uses <No Change>
            cleaners.append((ci, fld, _no_change_value))
            for i, v in enumerate(col):
                if v and v[0] == "#" and v in _EXCEL_ERRORS:
                    add(i, _excel_error(name, v))

    # duplicate phones inside the file: a set tells at C speed whether there are any at all
    if phone_outs:
        filled = 0
        distinct: set[str] = set()
        for _, out in phone_outs:
            filled += n - out.count("")
            distinct.update(out)
        distinct.discard("")
        if len(distinct) != filled:
            seen: dict[str, int] = {}
            for i in range(n):
                for name, out in phone_outs:
                    num = out[i]
                    if not num:
                        continue
                    first = seen.setdefault(num, i)
                    if first != i:
                        add(i, Issue(name, dup_severity, f"Same phone number as row {numbers[first]} ({num}); "
                                                         "the dialler would reject it as a duplicate."))

    # each row's state: its contact hours (when a setting is given) and its callback's local time
    row_hours = None
    if n and (hours or callback_cols):
        row_hours = _row_hours(headers, mapping, mapped, columns, phone_outs, hours, n)
        if hours:
            seen_warnings: dict[str, Issue] = {}
            for i, h in enumerate(row_hours):
                if h.warning:
                    issue = seen_warnings.get(h.warning)
                    if issue is None:
                        issue = seen_warnings[h.warning] = Issue(None, WARNING, h.warning)
                    add(i, issue)
    for col, name in callback_cols:
        _check_callbacks(col, name, update, now_text, add, row_hours, now)

    # row-level checks: a phone on every row, unique external ids, what updates need
    if phone_outs:
        phone_names = ", ".join(sorted({f for _, f, kind in special if kind == "phone"}))
        phone_col_names = {name for name, _ in phone_outs}
        # a row has a phone when one of its phone cells gave a number; if some column has a
        # number on every row, all rows do
        if all("" in out for _, out in phone_outs):
            no_phone = Issue(None, ERROR, f"No phone number: the dialler needs at least one ({phone_names}).")
            outs = [out for _, out in phone_outs]
            for i in range(n):
                if not any(out[i] for out in outs):
                    iss = issues[i]
                    if iss is None or not any(x.severity == ERROR and x.column in phone_col_names for x in iss):
                        add(i, no_phone)
    del phone_outs
    ext_ci = next((ci for ci, f in mapped if f == EXTERNAL_ID), None)
    if ext_ci is not None:
        ext_name = headers[ext_ci]
        ext_col = columns[ext_ci]
        distinct_ext = set(ext_col)
        distinct_ext.discard("")
        quick = not update and len(distinct_ext) == n - ext_col.count("")  # no duplicates: nothing to report
        del distinct_ext
        ext_seen: dict[str, int] = {}
        for i, ext in enumerate([] if quick else ext_col):
            if ext:
                first = ext_seen.setdefault(ext, i)
                if first != i and not update:
                    add(i, Issue(ext_name, ERROR, f"Same external id as row {numbers[first]} "
                                                  f"('{ext}'); each lead needs its own."))
            elif update:
                add(i, Issue(ext_name, ERROR, "An update needs the lead's external id."))
    if update:
        disp_ci = next((ci for ci, f in mapped if f == DISPOSITION), None)
        if disp_ci is not None:
            for i, v in enumerate(columns[disp_ci]):
                if not v:
                    add(i, Issue(headers[disp_ci], ERROR, "An update needs a disposition."))

    # the rows: built without __init__ (a third of the time for 100k of them)
    extra = ()
    if row_hours is not None and hours:
        extra = ((CONTACT_HOURS, [h.name for h in row_hours]),)
    plan = _Plan(rows, tuple(plain_out), tuple(cleaners), extra)
    if len(numbers) != n:
        raise ValueError(f"the sheet has {n} rows but {len(numbers)} row numbers")
    prepared = list(map(object.__new__, repeat(PreparedRow, n)))
    for i, p, number, iss in zip(range(n), prepared, numbers, issues):
        p.index = i
        p.row_number = number
        p.issues = iss or []  # (never an empty list: None until the first issue)
        p._lead = plan
        p.hours_note = None
    if extra:
        for p, h in zip(prepared, row_hours):
            p.hours_note = h.note
    return prepared


def _row_hours(headers, mapping: Mapping, mapped, columns, phone_outs, hours: ContactHours, n: int
               ) -> list[RowHours]:
    """Per row, its state and the contact hours it gets (see core.hours.resolve_rows)."""
    own_ci = next((ci for ci, f in mapped if f == CONTACT_HOURS), None)
    state_ci, post_ci = find_place_columns(headers, mapping.columns)
    return resolve_rows(hours, n, own=columns[own_ci] if own_ci is not None else None,
                        state_col=columns[state_ci] if state_ci is not None else None,
                        postcode_col=columns[post_ci] if post_ci is not None else None,
                        phones=[out for _, out in phone_outs])


_LOST_ZERO_FIRST = frozenset("23478")


def _whole_column_numbers(col) -> tuple[list[str], bool] | None:
    """(numbers, lost zero) when a whole phone column has one of the two shapes that fill most
    columns, recognised with a few C-speed operations on the column joined into one string:
    every filled cell a 10-digit number starting with 0 (spaces allowed: 03 8321 8199), or every
    cell a 9-digit number that lost its leading 0. None otherwise."""
    n = len(col)
    joined = "\n".join(col)
    if not n or joined.count("\n") != n - 1:  # a line break inside a cell
        return None
    digits = joined.replace(" ", "")
    if not digits.replace("\n", "").encode("ascii", "replace").isdigit():  # ASCII digits only
        return None
    seps = "\n" * (n - 1)
    if len(digits) == 10 * n - 1 and digits[9::10] == seps:  # every cell 9 digits
        if _LOST_ZERO_FIRST.issuperset(digits[::10]):  # ... that lost their leading 0
            return ("0" + digits.replace("\n", "\n0")).split("\n"), True
        return None
    if len(digits) == 11 * n - 1 and digits[10::11] == seps:  # every cell 10 digits
        if not digits[::11].strip("0"):  # ... starting with 0
            return digits.split("\n"), False
        return None
    parts = digits.split("\n")
    if set(map(len, parts)) <= {0, 10} and not "".join(parts)[::10].strip("0"):
        return parts, False  # every filled cell a 10-digit number starting with 0
    return None


def _check_phones(col, name: str, issues: list, add) -> list[str]:
    """Clean one phone column and report its problems: the number of each cell ("": none).

    Every number is classified by core.phones (its exact cache makes that a dictionary look-up
    for most numbers); the common shapes are cleaned without :func:`check_phone` (which gives
    the same numbers, and is what builds the lead).
    """
    n = len(col)
    zero_issue = Issue(name, WARNING, _ZERO_MSG)  # one object shared by every row it applies to
    whole = _whole_column_numbers(col)
    if whole is not None:
        out, lost_zero = whole
        if lost_zero:
            if issues.count(None) == n:
                issues[:] = map(list, repeat((zero_issue,), n))
            else:
                for i, iss in enumerate(issues):
                    if iss is None:
                        issues[i] = [zero_issue]
                    else:
                        iss.append(zero_issue)
        for i, severity, template in national_problems(out):
            v = col[i]
            if lost_zero:   # as check_phone: what is wrong with the number, not the restored 0
                issues[i].remove(zero_issue)
            add(i, Issue(name, severity, template.format(value=v, digits=len(v.replace(" ", "")))))
            if severity == ERROR:
                out[i] = ""
        return out
    out = [""] * n
    for i, v in enumerate(col):
        if not v:
            continue
        if v[0] == "#" and v in _EXCEL_ERRORS:
            add(i, _excel_error(name, v))
            continue
        num, problem, sev = check_phone(v)
        if problem is not None:
            add(i, zero_issue if problem is _ZERO_MSG else Issue(name, sev, problem))
        if num is not None:
            out[i] = num
    return out


def _check_callbacks(col: list[str], name: str, update: bool, now_text: str, add,
                     row_hours: list[RowHours] | None = None, now: datetime | None = None) -> None:
    """Report the problems of one callback-date column (each distinct value parsed once): not a
    date, no time, in the past (in the lead's own zone when its state is known), outside the
    hours the law allows calls."""
    parsed: dict[str, tuple[str | None, str | None]] = {}
    rules: dict[str, Issue | None] = {}
    now_by_state: dict[str | None, str] = {None: now_text}
    notime_issue = None
    for i, v in enumerate(col):
        if not v:
            continue
        if v[0] == "#" and v in _EXCEL_ERRORS:
            add(i, _excel_error(name, v))
            continue
        if v.casefold() == NO_CHANGE:
            if not update:
                add(i, Issue(name, ERROR, _NO_CHANGE_INSERT_MSG))
            continue
        got = parsed.get(v)
        if got is None:
            got = parsed[v] = parse_callback(v)
        norm, warn = got
        if norm is None:
            add(i, Issue(name, ERROR, f"'{v}' is not a date the dialler understands. Write it "
                                      "like 2025/03/31 14:30 (year/month/day hours:minutes, 24-hour)."))
            continue
        if warn:
            if notime_issue is None:
                notime_issue = Issue(name, WARNING, warn)
            add(i, notime_issue)
        state = row_hours[i].state if row_hours is not None else None
        local_now = now_by_state.get(state)
        if local_now is None:
            local_now = now_by_state[state] = local_now_text(state, now) or now_text
        if norm < local_now:
            where = f" (it is {local_now} in {state})" if state else ""
            add(i, Issue(name, WARNING, f"The callback date {norm} is in the past{where}; "
                                        "the dialler will call as soon as it can."))
            continue
        if norm not in rules:
            rule = callback_rule(norm)
            rules[norm] = None if rule is None else Issue(
                name, WARNING, f"{rule} It is still sent: the dialler's Contact Hours decide when it calls.")
        if rules[norm] is not None:
            add(i, rules[norm])


def warnings_text(rows: Sequence[PreparedRow]) -> dict[int, str]:
    """Row index -> what the checks said of it without refusing it ("The leading 0 was missing...;
    ...default contact hours"), for a results file's Warnings column."""
    out = {}
    for r in rows:
        if r.issues:
            notes = [i.message for i in r.issues if i.severity == WARNING]
            if notes:
                out[r.index] = "; ".join(notes)
    return out


def summarise(rows: Sequence[PreparedRow]) -> dict[str, int]:
    """Counts for the GUI and the headless command: rows, sendable, with errors, with warnings."""
    flagged = [r for r in rows if r.issues]     # (most rows have none)
    errors = sum(1 for r in flagged if not r.sendable)
    warnings = len(flagged) - errors
    return {"rows": len(rows), "sendable": len(rows) - errors, "errors": errors, "warnings": warnings}


def phone_numbers(col: Sequence[str]) -> list[str]:
    """The number each cell of a phone column gives, as validate cleans it ("": none): what
    makes two rows duplicates of each other (fast for whole columns)."""
    return _check_phones(col, "", [None] * len(col), lambda _i, _issue: None)
