"""Checking a sheet of updates (``updateLeadFast``): leads already in the dialler, found by external id.

The rules of an update, on top of an insert's (``validate.validate`` does the cell checks):

* ``njExternalLeadId`` on every row (it is how the dialler finds the lead); ``<No Change>``
  cannot be one.
* ``njDisposition`` from a column, or one value for every row (``disposition=``); the dialler
  has no list of a template's dispositions, so an unknown one shows as 106 after sending.
* ``<No Change>``, in any case in the file (``<NO CHANGE>``, ``<no change>``), keeps a field as
  it is; it is sent spelled ``<No Change>``. A ``<No Change>`` phone counts as the phone field
  the API needs on every row.
* Callback dates and priorities as for inserts; duplicate phones inside the file are fine (the
  dialler only refuses duplicates when inserting).

This is its own function (not a flag of ``validate``) so that an update's extra rules stay in
one place; the cell checks are shared.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from itertools import repeat

from .fields import DISPOSITION, EXTERNAL_ID, Mapping
from .reader import Sheet, bulk_allocation
from .validate import ERROR, NO_CHANGE, Issue, PreparedRow, validate

NO_CHANGE_SENT = "<No Change>"
#: the heading of the column that carries one disposition for every row (never shown in results)
ALL_ROWS_DISPOSITION = "\u00abdisposition for every row\u00bb"
# A phone cell that says <No Change> is validated as this number (an ACMA number reserved for
# fiction), then sent as <No Change>; whatever the phone checks said about the stand-in is dropped.
_STAND_IN_PHONE = "0491570006"
_DUPLICATE_PREFIX = "Same phone number as row"
_NO_PHONE_PREFIX = "No phone number"   # in case the phone checks ever refuse the stand-in itself


def is_no_change(value: str) -> bool:
    return value.strip().casefold() == NO_CHANGE


def validate_update(sheet: Sheet, mapping: Mapping, *, disposition: str | None = None,
                    now: datetime | None = None) -> list[PreparedRow]:
    """Check and prepare every row of ``sheet`` as an update. ``disposition``: one disposition for
    every row (a mapped disposition column is then left out); ``<No Change>`` keeps each lead's."""
    with bulk_allocation():   # many small long-lived lists: no cyclic collections meanwhile
        return _validate_update(sheet, mapping, disposition, now)


def _validate_update(sheet: Sheet, mapping: Mapping, disposition: str | None,
                     now: datetime | None) -> list[PreparedRow]:
    disposition = (disposition or "").strip() or None
    headers = list(sheet.headers)
    columns = dict(mapping.columns)
    phone_cols = [ci for ci, h in enumerate(headers) if columns.get(h) in mapping.phone_fields]

    # <No Change> phones: validated as a stand-in number, sent as <No Change>
    no_change_phones: dict[int, list[int]] = {}   # row index -> phone column indexes
    for ci in phone_cols:
        col = [row[ci] for row in sheet.rows]
        if "<" not in "\n".join(col):    # the common case, screened at C speed
            continue
        for i, v in enumerate(col):
            if v and v[0] == "<" and is_no_change(v):
                no_change_phones.setdefault(i, []).append(ci)
    rows = sheet.rows
    if no_change_phones:
        rows = list(rows)
        for i, cis in no_change_phones.items():
            r = list(rows[i])
            for ci in cis:
                r[ci] = _STAND_IN_PHONE
            rows[i] = r
    if disposition is not None:
        for h, f in columns.items():
            if f == DISPOSITION:
                columns[h] = None
        value = NO_CHANGE_SENT if is_no_change(disposition) else disposition
        headers.append(ALL_ROWS_DISPOSITION)
        columns[ALL_ROWS_DISPOSITION] = DISPOSITION
        tail = [value]
        try:
            rows = list(map(list.__add__, rows, repeat(tail, len(rows))))   # C speed: row + [value]
        except TypeError:   # rows that are not lists
            rows = [[*r, value] for r in rows]
    view = sheet if rows is sheet.rows else replace(sheet, headers=headers, rows=rows)
    view_mapping = Mapping(columns, set(mapping.phone_fields))
    prepared = validate(view, view_mapping, update=True, allow_duplicates=True, now=now)

    for p in prepared:
        if p.issues:
            stood_in = {headers[ci] for ci in no_change_phones.get(p.index, ())}
            p.issues = [x for x in p.issues
                        if x.column not in stood_in and not x.message.startswith(_DUPLICATE_PREFIX)
                        and not (stood_in and x.column is None and x.message.startswith(_NO_PHONE_PREFIX))]
    for i, cis in no_change_phones.items():
        p = prepared[i]
        lead = dict(p.lead)
        for ci in cis:
            lead[columns[headers[ci]]] = NO_CHANGE_SENT
        p.lead = lead
    ext_ci = next((ci for ci, h in enumerate(sheet.headers) if columns.get(h) == EXTERNAL_ID), None)
    if ext_ci is not None:
        col = [row[ext_ci] for row in sheet.rows]
        if "<" in "\n".join(col):
            bad = Issue(headers[ext_ci], ERROR, "The external id is how the dialler finds the lead; "
                                                "'<No Change>' cannot be used there.")
            for i, ext in enumerate(col):
                if ext and ext[0] == "<" and is_no_change(ext):
                    prepared[i].issues = [*prepared[i].issues, bad]
    return prepared
