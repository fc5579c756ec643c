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
from dataclasses import dataclass, field
from datetime import datetime

from .fields import CALLBACK, DISPOSITION, EXTERNAL_ID, PRIORITY, Mapping
from .reader import Sheet

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


@dataclass(slots=True)
class PreparedRow:
    index: int                  # position in Sheet.rows
    row_number: int             # row in the file, as Excel shows it
    lead: dict[str, str]        # field -> value, ready to send
    issues: list[Issue] = field(default_factory=list)

    @property
    def sendable(self) -> bool:
        return not any(i.severity == ERROR for i in self.issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == WARNING]


# --------------------------------------------------------------------------------------
# phones

_PHONE_STRIP = str.maketrans("", "", " -.()/\u00a0\u2009\u202f\u2010\u2011\u2012\u2013\t'")
_EXCEL_ERRORS = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!", "#CALC!",
                 "#GETTING_DATA"}


def normalise_phone(value: str) -> tuple[str | None, str | None, str]:
    """``(number, problem, severity)``: the number to send (None if unusable) and what is wrong.

    ``problem`` is None for a clean Australian number.
    """
    v = value.translate(_PHONE_STRIP)
    if len(v) == 10 and v[0] == "0" and v.isdigit():
        return v, None, ""
    if v.startswith("+"):
        rest = v[1:]
        if not rest.isdigit():
            return None, f"'{value}' is not a phone number (only digits, spaces, brackets and dashes belong in one).", ERROR
        if rest.startswith("61"):
            rest = rest[2:]
            v = rest if rest.startswith("0") else "0" + rest
        else:
            if 8 <= len(rest) <= 15:
                return v, f"'{value}' is not an Australian number; check that the dialler can call overseas.", WARNING
            return None, f"'{value}' has {len(rest)} digits, which is not a phone number.", ERROR
    if not v.isdigit():
        return None, f"'{value}' is not a phone number (only digits, spaces, brackets and dashes belong in one).", ERROR
    if len(v) == 11 and v.startswith("61") and v[2] in "234578":
        v = "0" + v[2:]
    elif len(v) == 12 and v.startswith("610"):
        v = v[2:]
    if len(v) == 9 and v[0] in "23478":
        return ("0" + v, "The leading 0 was missing (the spreadsheet stored the phone as a number); "
                f"it was put back: 0{v}.", WARNING)
    if v[0] == "0":
        if len(v) == 10:
            return v, None, ""
        if v.startswith("00") and 10 <= len(v) <= 17:
            return v, f"'{value}' is an overseas number; check that the dialler can call overseas.", WARNING
        return None, (f"'{value}' has {len(v)} digits; an Australian number with its area code has 10 "
                      "(like 03 8321 8199 or 0412 345 678)."), ERROR
    if v[0] == "1" and (len(v) == 10 and v.startswith(("1300", "1800", "1900")) or len(v) == 6 and v.startswith("13")):
        return v, None, ""
    if len(v) == 8:
        return None, (f"'{value}' has no area code. Add it in front (02, 03, 07 or 08), "
                      "like 03 8321 8199."), ERROR
    if 9 <= len(v) <= 15:
        return v, f"'{value}' does not look like an Australian number; check it.", WARNING
    return None, f"'{value}' has {len(v)} digits, which is too {'few' if len(v) < 8 else 'many'} for a phone number.", ERROR


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


def validate(sheet: Sheet, mapping: Mapping, *, update: bool = False, allow_duplicates: bool = False,
             now: datetime | None = None) -> list[PreparedRow]:
    """Check and prepare every row of ``sheet`` (the whole file, not a sample).

    ``update``: rows are updates (``<No Change>`` allowed, external id and disposition needed).
    ``allow_duplicates``: duplicate phones inside the file are warnings, not errors.
    ``now``: for "callback in the past" warnings (default: the current time).
    """
    headers = sheet.headers
    mapped = mapping.mapped(headers)
    phone_fields = mapping.phone_fields
    now_text = (now or datetime.now()).strftime("%Y/%m/%d %H:%M")
    mapping_problems = mapping.problems(headers, update=update)
    row_level = [Issue(None, ERROR, p) for p in mapping_problems]

    n = len(sheet.rows)
    rows = sheet.rows
    prepared = [PreparedRow(i, sheet.row_numbers[i], {}, list(row_level)) for i in range(n)]
    has_phone = [False] * n
    phone_seen: dict[str, int] = {}
    phone_cols = [(ci, f) for ci, f in mapped if f in phone_fields]
    dup_severity = WARNING if allow_duplicates else ERROR

    for ci, fld in mapped:
        col = headers[ci]
        is_phone = fld in phone_fields
        cache_warn: dict[str, Issue] = {}
        for i in range(n):
            v = rows[i][ci]
            if not v:
                continue
            if v[0] == " " or v[-1] == " " or v[0] == "\t" or v[-1] == "\t":
                v = v.strip()
                if not v:
                    continue
            p = prepared[i]
            if v[0] == "#" and v in _EXCEL_ERRORS:
                p.issues.append(Issue(col, ERROR, f"The cell shows an Excel error ({v}); put the real value in."))
                continue
            if is_phone:
                num, problem, sev = normalise_phone(v)
                if problem is not None:
                    if sev == WARNING and num is not None and problem.startswith("The leading 0"):
                        iss = cache_warn.get("zero")
                        if iss is None:
                            iss = cache_warn["zero"] = Issue(
                                col, WARNING,
                                "The leading 0 was missing (the spreadsheet stored the phone as a number); it was put back.")
                        p.issues.append(iss)
                    else:
                        p.issues.append(Issue(col, sev, problem))
                if num is None:
                    continue
                has_phone[i] = True
                first = phone_seen.get(num)
                if first is None:
                    phone_seen[num] = i
                elif first != i:
                    p.issues.append(Issue(col, dup_severity,
                                          f"Same phone number as row {prepared[first].row_number} ({num}); "
                                          "the dialler would reject it as a duplicate."))
                p.lead[fld] = num
                continue
            if fld == CALLBACK:
                norm, warn = parse_callback(v)
                if norm is None:
                    p.issues.append(Issue(col, ERROR,
                                          f"'{v}' is not a date the dialler understands. Write it like "
                                          "2025/03/31 14:30 (year/month/day hours:minutes, 24-hour)."))
                    continue
                if warn:
                    iss = cache_warn.get("notime")
                    if iss is None:
                        iss = cache_warn["notime"] = Issue(col, WARNING, warn)
                    p.issues.append(iss)
                if norm < now_text:
                    p.issues.append(Issue(col, WARNING, f"The callback date {norm} is in the past; "
                                          "the dialler will call as soon as it can."))
                p.lead[fld] = norm
                continue
            if v.casefold() == NO_CHANGE:
                if not update:
                    p.issues.append(Issue(col, ERROR, "'<No Change>' only works when updating leads. "
                                          "Put a value in or leave the cell empty."))
                    continue
                p.lead[fld] = "<No Change>"
                continue
            if fld == PRIORITY:
                try:
                    pr = int(v)
                except ValueError:
                    pr = None
                if pr is None or not 0 <= pr <= 100:
                    p.issues.append(Issue(col, ERROR, f"Priority must be a whole number from 0 to 100 "
                                          f"(lower is dialled sooner); found '{v}'."))
                    continue
                p.lead[fld] = str(pr)
                continue
            p.lead[fld] = v

    # row-level checks
    ext_col = next((headers[ci] for ci, f in mapped if f == EXTERNAL_ID), None)
    ext_seen: dict[str, int] = {}
    phone_names = ", ".join(sorted({f for _, f in phone_cols})) or "a phone field"
    phone_col_names = {headers[ci] for ci, _ in phone_cols}
    has_disposition_col = any(f == DISPOSITION for _, f in mapped)
    for i in range(n):
        p = prepared[i]
        if not has_phone[i] and phone_cols:
            if not any(iss.severity == ERROR and iss.column in phone_col_names
                       for iss in p.issues):
                p.issues.append(Issue(None, ERROR, f"No phone number: the dialler needs at least one "
                                                   f"({phone_names})."))
        if ext_col is not None:
            ext = p.lead.get(EXTERNAL_ID)
            if ext:
                first = ext_seen.get(ext)
                if first is None:
                    ext_seen[ext] = i
                elif not update:
                    p.issues.append(Issue(ext_col, ERROR, f"Same external id as row {prepared[first].row_number} "
                                                          f"('{ext}'); each lead needs its own."))
            elif update:
                p.issues.append(Issue(ext_col, ERROR, "An update needs the lead's external id."))
        if update and has_disposition_col and DISPOSITION not in p.lead:
            p.issues.append(Issue(None, ERROR, "An update needs a disposition."))
    return prepared


def summarise(rows: Sequence[PreparedRow]) -> dict[str, int]:
    """Counts for the GUI and the headless command: rows, sendable, with errors, with warnings."""
    errors = sum(1 for r in rows if not r.sendable)
    warnings = sum(1 for r in rows if r.sendable and r.issues)
    return {"rows": len(rows), "sendable": len(rows) - errors, "errors": errors, "warnings": warnings}
