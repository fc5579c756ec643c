"""Validation of a sheet of updates: external id and disposition needed, <No Change> keeps a field."""

from __future__ import annotations

from datetime import datetime

from noojee_desktop.core.sheet import Mapping, auto_map, read_sheet, validate_update

NOW = datetime(2025, 1, 1, 12, 0)
PHONES = {"FirstPhone", "SecondPhone"}


def _check(make_csv, text, disposition=None):
    sheet = read_sheet(make_csv(text))
    mapping = auto_map(sheet.headers, None, PHONES)
    return validate_update(sheet, mapping, disposition=disposition, now=NOW)


def _errors(row):
    return [(i.column, i.message) for i in row.errors]


def test_no_change_in_any_case_is_sent_as_no_change_and_a_no_change_phone_counts(make_csv):
    rows = _check(make_csv, "njExternalLeadId,njDisposition,FirstPhone,SecondPhone,City,njCallBackDate,njPriority\n"
                            "A1,Sale,<NO CHANGE>,,<no change>,<No change>,<NO CHANGE>\n"
                            "A2,<no change>,0383218199,<No Change>,Perth,31/03/2025 2:30 pm,5\n")
    assert [r.sendable for r in rows] == [True, True], [_errors(r) for r in rows]
    assert rows[0].lead == {"njExternalLeadId": "A1", "njDisposition": "Sale", "FirstPhone": "<No Change>",
                            "City": "<No Change>", "njCallBackDate": "<No Change>", "njPriority": "<No Change>"}
    assert rows[1].lead == {"njExternalLeadId": "A2", "njDisposition": "<No Change>", "FirstPhone": "0383218199",
                            "SecondPhone": "<No Change>", "City": "Perth", "njCallBackDate": "2025/03/31 14:30",
                            "njPriority": "5"}
    assert rows[0].issues == [] and rows[1].issues == []


def test_every_row_needs_an_external_id_a_disposition_and_a_phone(make_csv):
    rows = _check(make_csv, "njExternalLeadId,njDisposition,FirstPhone,City\n"
                            ",Sale,0383218199,Perth\n"
                            "<No Change>,Sale,0383218198,Perth\n"
                            "A3,,0383218197,Perth\n"
                            "A4,Sale,,Perth\n"
                            "A5,Sale,0383218196,Perth\n")
    assert [r.sendable for r in rows] == [False, False, False, False, True]
    assert "external id" in _errors(rows[0])[0][1]
    assert "finds the lead" in _errors(rows[1])[0][1]
    assert "disposition" in _errors(rows[2])[0][1]
    assert "No phone number" in _errors(rows[3])[0][1]


def test_callback_and_priority_rules_are_those_of_inserts(make_csv):
    rows = _check(make_csv, "njExternalLeadId,njDisposition,FirstPhone,njCallBackDate,njPriority\n"
                            "A1,Sale,0383218199,next tuesday,5\n"
                            "A2,Sale,0383218198,2025/02/01 09:00,101\n"
                            "A3,Sale,0383218197,2024/02/01 09:00,0\n")
    assert [r.sendable for r in rows] == [False, False, True]
    assert "not a date" in _errors(rows[0])[0][1]
    assert "0 to 100" in _errors(rows[1])[0][1]
    assert any("in the past" in w.message for w in rows[2].warnings)


def test_one_disposition_for_every_row_replaces_the_column(make_csv):
    text = "njExternalLeadId,njDisposition,FirstPhone\nA1,Sale,0383218199\nA2,,0383218198\n"
    rows = _check(make_csv, text, disposition="Wrong Number")
    assert [r.lead["njDisposition"] for r in rows] == ["Wrong Number", "Wrong Number"]
    assert all(r.sendable for r in rows)
    assert [r.lead["njDisposition"] for r in _check(make_csv, text, disposition="<no change>")] == \
        ["<No Change>", "<No Change>"]


def test_without_a_disposition_column_or_value_nothing_can_be_sent(make_csv):
    rows = _check(make_csv, "njExternalLeadId,FirstPhone\nA1,0383218199\n")
    assert not rows[0].sendable
    assert "one disposition for every row" in _errors(rows[0])[0][1]


def test_the_same_phone_twice_is_fine_in_an_update(make_csv):
    rows = _check(make_csv, "njExternalLeadId,njDisposition,FirstPhone\nA1,Sale,0383218199\nA2,Sale,0383218199\n")
    assert all(r.sendable and not r.issues for r in rows)


def test_a_mapping_without_phone_column_is_refused(make_csv):
    sheet = read_sheet(make_csv("njExternalLeadId,njDisposition,City\nA1,Sale,Perth\n"))
    rows = validate_update(sheet, Mapping({"njExternalLeadId": "njExternalLeadId", "njDisposition": "njDisposition",
                                           "City": "City"}, PHONES), now=NOW)
    assert not rows[0].sendable and "phone" in _errors(rows[0])[0][1]
