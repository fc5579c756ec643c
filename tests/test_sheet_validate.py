"""Mapping, phone-field guessing, the per-template store, and whole-file validation."""

from __future__ import annotations

from datetime import datetime

import pytest

from noojee_desktop.core.sheet import (
    Mapping,
    TemplateFieldStore,
    auto_map,
    guess_phone_fields,
    normalise_phone,
    parse_callback,
    read_sheet,
    summarise,
    validate,
)

TEMPLATE = ["Name", "StreetAddress", "City", "State", "PostCode", "FirstPhone", "SecondPhone", "Email"]
NOW = datetime(2025, 1, 1, 12, 0)


# --- mapping ---------------------------------------------------------------------------

def test_auto_map_matches_names_ignoring_case_and_spacing_and_system_fields():
    headers = ["name", "Street Address", "first_phone", "Second-Phone", "External ID", "Call Back Date",
               "PRIORITY", "njContactHours", "Notes"]
    m = auto_map(headers, TEMPLATE, {"FirstPhone", "SecondPhone"})
    assert m.columns == {
        "name": "Name", "Street Address": "StreetAddress", "first_phone": "FirstPhone",
        "Second-Phone": "SecondPhone", "External ID": "njExternalLeadId", "Call Back Date": "njCallBackDate",
        "PRIORITY": "njPriority", "njContactHours": "njContactHours", "Notes": None,
    }
    assert m.problems(headers) == []


def test_auto_map_unknown_template_seeds_fields_from_headings():
    m = auto_map(["Name", "Mobile", "Home Phone", "Email"])
    assert m.columns == {"Name": "Name", "Mobile": "Mobile", "Home Phone": "Home Phone", "Email": "Email"}
    assert m.phone_fields == {"Mobile", "Home Phone"}


def test_guess_phone_fields():
    names = ["FirstPhone", "SecondPhone", "Mobile", "Tel 2", "HomePh", "Cell", "phone_number",
             "Hotel", "Telstra Account", "Email", "Name", "Photo", "Cellar Door", "njPriority"]
    assert guess_phone_fields(names) == {"FirstPhone", "SecondPhone", "Mobile", "Tel 2", "HomePh", "Cell",
                                         "phone_number"}


def test_mapping_problems_in_plain_words():
    headers = ["Name", "Phone A", "Phone B"]
    m = Mapping({"Name": "Name", "Phone A": "FirstPhone", "Phone B": "FirstPhone"}, {"FirstPhone"})
    assert any("both go to the field 'FirstPhone'" in p for p in m.problems(headers))
    m = Mapping({"Name": "Name", "Phone A": None, "Phone B": None}, {"FirstPhone"})
    assert any("No column goes to a phone field" in p for p in m.problems(headers))
    m = Mapping({"Name": "Name", "Phone A": "FirstPhone"}, {"FirstPhone"})
    assert any("external lead id" in p for p in m.problems(headers, update=True))


def test_store_saves_and_reapplies_mapping_when_headings_match(tmp_path):
    store = TemplateFieldStore()
    headers = ["Full Name", "Mob", "E-mail"]
    assert store.suggest(7, headers).columns == {"Full Name": "Full Name", "Mob": "Mob", "E-mail": "E-mail"}
    chosen = Mapping({"Full Name": "Name", "Mob": "FirstPhone", "E-mail": None}, {"FirstPhone"})
    store.save_mapping(7, headers, chosen)
    # a new process (new store object) reading the same file; headings differ only in case/spacing
    again = TemplateFieldStore().suggest(7, ["full name", "MOB", "E-mail"])
    assert again.columns == {"full name": "Name", "MOB": "FirstPhone", "E-mail": None}
    assert again.phone_fields == {"FirstPhone"}
    # a mapping teaches no field: the template's fields stay unknown, other headings map to themselves
    other = TemplateFieldStore().suggest(7, ["name", "firstphone", "Fax"])
    assert other.columns == {"name": "name", "firstphone": "firstphone", "Fax": "Fax"}
    assert not TemplateFieldStore().get(7).known and not other.phones_known
    # stored under the user data dir (XDG_DATA_HOME in tests)
    assert "noojee-desktop" in str(store.path) and store.path.exists()


def test_store_remember_and_damaged_file(tmp_path, expect_log):
    store = TemplateFieldStore(tmp_path / "fields.json")
    store.remember(3, TEMPLATE + ["njPriority"], {"FirstPhone", "SecondPhone"})
    tf = TemplateFieldStore(tmp_path / "fields.json").get(3)
    assert tf.fields == TEMPLATE and tf.phone_fields == {"FirstPhone", "SecondPhone"} and tf.known
    (tmp_path / "fields.json").write_text("{not json")
    with expect_log("saved field lists were damaged .* kept aside", logger="noojee_desktop.core.sheet.fields"):
        assert TemplateFieldStore(tmp_path / "fields.json").get(3).fields == []
    assert (tmp_path / "fields.json.bad").exists()


# --- phones and dates ------------------------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("0383218199", "0383218199"), ("03 8321 8199", "0383218199"), ("(03) 8321-8199", "0383218199"),
    ("+61 3 8321 8199", "0383218199"), ("61383218199", "0383218199"), ("+61 (0)3 8321 8199", "0383218199"),
    ("0412.345.678", "0412345678"), ("'0412345678", "0412345678"),
])
def test_phone_clean(raw, expected):
    assert normalise_phone(raw)[:2] == (expected, None)


@pytest.mark.parametrize("raw,expected", [("1300 123 456", "1300123456"), ("131450", "131450"),
                                          ("1800 123 456", "1800123456")])
def test_business_numbers_are_sent_with_a_warning(raw, expected):
    num, problem, severity = normalise_phone(raw)
    assert (num, severity) == (expected, "warning") and "business number" in problem


def test_phone_restored_zero_is_a_warning():
    num, problem, severity = normalise_phone("383218199")
    assert (num, severity) == ("0383218199", "warning") and "leading 0" in problem


@pytest.mark.parametrize("raw,words", [
    ("8321 8199", "no area code"), ("03 8321 819", "has 9 digits"), ("call me", "not a phone number"),
    ("12", "has 2 digits"), ("1900 123 456", "premium-rate"), ("0412 345 6789", "has 11 digits"),
])
def test_phone_errors(raw, words):
    num, problem, severity = normalise_phone(raw)
    assert num is None and severity == "error" and words in problem


@pytest.mark.parametrize("raw,expected", [
    ("2025/03/31 14:30", "2025/03/31 14:30"), ("2025-03-31 14:30:59", "2025/03/31 14:30"),
    ("2025-03-31T14:30", "2025/03/31 14:30"), ("31/03/2025 2:30 pm", "2025/03/31 14:30"),
    ("31/03/2025 12:05 AM", "2025/03/31 00:05"), ("1/4/25 09:00", "2025/04/01 09:00"),
    ("31.03.2025 14:30", "2025/03/31 14:30"),
])
def test_callback_forms(raw, expected):
    assert parse_callback(raw) == (expected, None)


def test_callback_date_only_and_bad():
    assert parse_callback("31/03/2025")[0] == "2025/03/31 00:00" and "no time" in parse_callback("31/03/2025")[1]
    for bad in ("next Tuesday", "31/02/2025 10:00", "2025/13/01", "25:00", "13/03/2025 13:00 pm"):
        assert parse_callback(bad) == (None, None), bad


# --- whole-file validation -------------------------------------------------------------

def _sheet(make_csv, text):
    return read_sheet(make_csv(text))


def test_validation_messages_per_row_and_cell(make_csv):
    text = (
        "Name,FirstPhone,SecondPhone,njExternalLeadId,njCallBackDate,njPriority,Email\n"
        "Ann,03 8321 8199,,A1,31/03/2025 14:30,5,ann@example.com\n"          # 2 fine
        "Bob,383218198,,A2,,,\n"                                               # 3 restored zero: warning
        "Cat,,,A3,,,\n"                                                         # 4 no phone
        "Dan,0412345678,0383218199,A4,,,\n"                                     # 5 duplicate phone of row 2
        "Eve,0412345679,,A1,,,\n"                                               # 6 duplicate external id
        "Fay,0412345680,,A6,someday,,\n"                                        # 7 bad callback
        "Gus,0412345681,,A7,,high,\n"                                           # 8 bad priority
        "Hal,0412345682,,A8,,101,\n"                                            # 9 priority out of range
        "Ida,0412345683,,A9,,,<No Change>\n"                                    # 10 <No Change> on insert
        "Jo,8321 8199,,A10,,,\n"                                                # 11 bad phone (no area code)
        "Kim,#N/A,0412345684,A11,,,\n"                                          # 12 excel error
        "Lou,0412345685,,A12,2020/01/01 10:00,,\n"                              # 13 past callback: warning
    )
    s = _sheet(make_csv, text)
    m = auto_map(s.headers, TEMPLATE, {"FirstPhone", "SecondPhone"})
    rows = validate(s, m, now=NOW)
    by_row = {r.row_number: r for r in rows}

    def msgs(n):
        return [(i.column, i.severity, i.message) for i in by_row[n].issues]

    assert by_row[2].sendable and by_row[2].issues == []
    assert by_row[2].lead == {"Name": "Ann", "FirstPhone": "0383218199", "njExternalLeadId": "A1",
                              "njCallBackDate": "2025/03/31 14:30", "njPriority": "5", "Email": "ann@example.com"}
    assert by_row[3].sendable and by_row[3].lead["FirstPhone"] == "0383218198"
    assert [(c, s_) for c, s_, _ in msgs(3)] == [("FirstPhone", "warning")]
    assert not by_row[4].sendable and "No phone number" in msgs(4)[0][2]
    assert msgs(5) == [("SecondPhone", "error",
                        "Same phone number as row 2 (0383218199); the dialler would reject it as a duplicate.")]
    assert msgs(6)[0][:2] == ("njExternalLeadId", "error") and "Same external id as row 2" in msgs(6)[0][2]
    assert msgs(7)[0][:2] == ("njCallBackDate", "error") and "'someday' is not a date" in msgs(7)[0][2]
    assert "whole number from 0 to 100" in msgs(8)[0][2] and "'high'" in msgs(8)[0][2]
    assert "'101'" in msgs(9)[0][2]
    assert msgs(10)[0][:2] == ("Email", "error") and "only works when updating" in msgs(10)[0][2]
    assert msgs(11)[0][:2] == ("FirstPhone", "error") and "no area code" in msgs(11)[0][2]
    assert len(msgs(11)) == 1  # no extra "no phone" error on top of the bad phone
    assert msgs(12)[0][:2] == ("FirstPhone", "error") and "#N/A" in msgs(12)[0][2]
    assert by_row[13].sendable and "in the past" in msgs(13)[0][2]
    assert summarise(rows) == {"rows": 12, "sendable": 3, "errors": 9, "warnings": 2}


def test_allow_duplicates_makes_duplicate_phones_warnings(make_csv):
    s = _sheet(make_csv, "Name,FirstPhone\nA,0383218199\nB,03 8321 8199\n")
    m = auto_map(s.headers, TEMPLATE, {"FirstPhone"})
    assert not validate(s, m)[1].sendable
    assert validate(s, m, allow_duplicates=True)[1].sendable


def test_values_trimmed_and_empty_cells_left_out(make_csv):
    s = _sheet(make_csv, 'Name,FirstPhone,City\n"  Ann  ",0383218199,\n')
    m = auto_map(s.headers, TEMPLATE, {"FirstPhone"})
    assert validate(s, m)[0].lead == {"Name": "Ann", "FirstPhone": "0383218199"}


def test_no_phone_mapping_stops_every_row(make_csv):
    s = _sheet(make_csv, "Name,Email\nA,a@b.au\n")
    rows = validate(s, auto_map(s.headers, TEMPLATE, {"FirstPhone"}))
    assert not rows[0].sendable and "No column goes to a phone field" in rows[0].issues[0].message


def test_update_mode_allows_no_change_and_needs_external_id(make_csv):
    s = _sheet(make_csv, "njExternalLeadId,njDisposition,FirstPhone,njPriority\nA1,Sale,0383218199,<No Change>\n"
                         ",Sale,0383218198,5\n")
    m = auto_map(s.headers, TEMPLATE, {"FirstPhone"})
    rows = validate(s, m, update=True)
    assert rows[0].sendable and rows[0].lead["njPriority"] == "<No Change>"
    assert not rows[1].sendable and "external id" in rows[1].issues[0].message


def test_sample_lead_file_shows_the_demo_problems():
    from importlib.resources import files

    path = files("noojee_desktop.resources") / "sample-leads.csv"
    s = read_sheet(str(path))
    assert len(s.rows) == 40 and s.headers[:8] == TEMPLATE
    rows = validate(s, auto_map(s.headers, TEMPLATE, {"FirstPhone", "SecondPhone"}), now=NOW)
    problems = {r.row_number: [i.message for i in r.issues] for r in rows if r.issues}
    assert any("Same phone number as row 4" in m for m in problems[11])
    assert any("leading 0" in m for m in problems[15]) and rows[13].sendable
    assert any("'31/02/2027 10:00' is not a date" in m for m in problems[19])
    assert any("No phone number" in m for m in problems[23])
    assert len(problems) == 4  # the DNC numbers are fine locally: only the dialler knows its list
    assert rows[4].lead["FirstPhone"] == "0299999999" and rows[30].lead["FirstPhone"] == "0400000000"
    assert rows[25].lead["njCallBackDate"] == "2027/04/15 14:30"
