"""Each lead's state and its Contact Hours set; callback times outside the hours the law allows."""

from __future__ import annotations

from datetime import datetime

import pytest

from noojee_desktop.core.hours import (
    ContactHours,
    ContactHoursStore,
    callback_rule,
    state_from_phone,
    state_from_postcode,
    state_from_text,
)
from noojee_desktop.core.sheet import auto_map, read_sheet, validate

ALL = ContactHours({s: f"Business Hours {s}" for s in ("NSW", "ACT", "VIC", "TAS", "QLD", "SA", "NT", "WA")})


@pytest.mark.parametrize("text, state", [
    ("Western Australia", "WA"), ("W.A.", "WA"), ("wa", "WA"), ("  nsw ", "NSW"), ("Vic.", "VIC"),
    ("QUEENSLAND", "QLD"), ("Australian Capital Territory", "ACT"), ("N.T.", "NT"), ("Tas", "TAS"),
    ("S.A", "SA"), ("Auckland", None), ("", None),
])
def test_state_names_and_abbreviations_in_any_case(text, state):
    assert state_from_text(text) == state


@pytest.mark.parametrize("postcode, state", [
    ("2000", "NSW"), ("2619", "NSW"), ("2899", "NSW"), ("2921", "NSW"), ("2600", "ACT"), ("2618", "ACT"),
    ("2900", "ACT"), ("0200", "ACT"), ("200", "ACT"), ("3000", "VIC"), ("8001", "VIC"), ("4000", "QLD"),
    ("9726", "QLD"), ("5000", "SA"), ("6000", "WA"), ("6797", "WA"), ("6798", None), ("6800", "WA"),
    ("7000", "TAS"), ("0800", "NT"), ("800", "NT"), ("2880", "SA"), ("6000.0", "WA"), ("ABC", None),
])
def test_postcode_ranges_and_broken_hill(postcode, state):
    assert state_from_postcode(postcode) == state


@pytest.mark.parametrize("number, state", [
    ("0293211234", "NSW"), ("0261234567", "ACT"), ("0262345678", "ACT"), ("0263456789", "NSW"),
    ("0383218199", "VIC"), ("0362345678", "TAS"), ("0733211234", "QLD"), ("0883211234", "SA"),
    ("0873211234", "SA"), ("0889123456", "NT"), ("0880871234", "SA"), ("0893211234", "WA"),
    ("0863211234", "WA"), ("0412345678", None), ("1300123456", None),
])
def test_landline_area_codes_and_mobiles(number, state):
    assert state_from_phone(number) == state


@pytest.mark.parametrize("when, words", [
    ("2027/03/03 20:30", "outside 9:00-20:00"), ("2027/03/03 08:59", "outside 9:00-20:00"),
    ("2027/03/06 17:30", "Saturday outside 9:00-17:00"), ("2027/03/07 11:00", "Sunday"),
    ("2027/12/25 10:00", "national public holiday (Christmas Day)"),
    ("2027/01/26 10:00", "national public holiday (Australia Day)"), ("2027/03/26 10:00", "Good Friday"),
])
def test_callback_times_outside_the_hours_the_law_allows_name_the_rule(when, words):
    assert words in (callback_rule(when) or "")


@pytest.mark.parametrize("when", ["2027/03/03 09:00", "2027/03/03 19:59", "2027/03/06 16:30"])
def test_callback_times_inside_the_hours_are_fine(when):
    assert callback_rule(when) is None


def test_each_row_gets_the_set_its_state_gives_and_says_where_it_came_from(make_csv):
    sheet = read_sheet(make_csv(
        "Name,State,PostCode,FirstPhone,SecondPhone,njContactHours\n"
        "Own cell,WA,6000,0893211234,,Evenings\n"
        "State col,W.A.,3000,0383218199,,\n"
        "Postcode,,0800,0412345678,,\n"
        "Landline,,,0412345679,07 3321 1234,\n"
        "Broken Hill,,2880,0880871234,,\n"
        "Mobile only,,,0412 555 666,,\n"))
    rows = validate(sheet, auto_map(sheet.headers, None, {"FirstPhone", "SecondPhone"}), contact_hours=ALL,
                    allow_duplicates=True)
    assert [r.lead.get("njContactHours") for r in rows] == [
        "Evenings", "Business Hours WA", "Business Hours NT", "Business Hours QLD", "Business Hours SA", None]
    assert "own Contact Hours cell" in rows[0].hours_note
    assert "State column 'W.A.'" in rows[1].hours_note and "postcode 0800" in rows[2].hours_note
    assert "landline" in rows[3].hours_note
    assert "not known" in rows[5].hours_note
    assert [i.message for i in rows[5].warnings] == [
        "This lead's state is not known (no State, postcode or landline says it): it gets the template's "
        "default contact hours. Check that they suit where the lead lives."]
    assert all(r.sendable for r in rows) and not any(r.warnings for r in rows[:5])


def test_without_a_setting_nothing_is_added(make_csv):
    sheet = read_sheet(make_csv("Name,State,FirstPhone\nA,WA,0893211234\nB,,0412345678\n"))
    rows = validate(sheet, auto_map(sheet.headers, None, {"FirstPhone"}))
    assert [r.lead.get("njContactHours") for r in rows] == [None, None]
    assert [r.issues for r in rows] == [[], []] and rows[0].hours_note is None


def test_a_state_without_a_chosen_set_keeps_the_default_and_says_so(make_csv):
    sheet = read_sheet(make_csv("Name,State,FirstPhone\nA,QLD,0733211234\n"))
    rows = validate(sheet, auto_map(sheet.headers, None, {"FirstPhone"}), contact_hours={"WA": "Perth"})
    assert rows[0].lead.get("njContactHours") is None
    assert "no Contact Hours set is chosen for QLD" in rows[0].warnings[0].message


def test_callback_outside_the_leads_hours_is_a_warning_and_still_sent(make_csv):
    sheet = read_sheet(make_csv("Name,State,FirstPhone,njCallBackDate\nA,WA,0893211234,2027/03/07 11:00\n"
                                "B,WA,0893211235,2027/03/08 11:00\n"))
    rows = validate(sheet, auto_map(sheet.headers, None, {"FirstPhone"}), now=datetime(2027, 1, 1, 12, 0))
    assert rows[0].sendable and rows[0].lead["njCallBackDate"] == "2027/03/07 11:00"
    assert "Sunday" in rows[0].warnings[0].message and rows[1].issues == []


def test_a_callback_is_in_the_past_by_the_leads_own_clock(make_csv):
    # 10:00 in Sydney is 07:00 in Perth: a Perth callback at 08:30 that day is still to come
    sheet = read_sheet(make_csv("Name,State,FirstPhone,njCallBackDate\nA,WA,0893211234,2027/03/03 08:30\n"
                                "B,NSW,0293211234,2027/03/03 08:30\n"))
    now = datetime.fromisoformat("2027-03-03T10:00:00+11:00")
    rows = validate(sheet, auto_map(sheet.headers, None, {"FirstPhone"}), now=now)
    assert not any("in the past" in i.message for i in rows[0].issues)
    assert any("in the past (it is 2027/03/03 10:00 in NSW)" in i.message for i in rows[1].issues)


def test_contact_hours_options_and_their_mistakes():
    assert ContactHours.from_options(["wa=Perth Business", "Queensland= Brisbane "]).names == {
        "WA": "Perth Business", "QLD": "Brisbane"}
    with pytest.raises(ValueError, match="STATE=NAME"):
        ContactHours.from_options(["WA"])
    with pytest.raises(ValueError, match="'Kent' is not a state"):
        ContactHours.from_options(["Kent=Evenings"])


def test_the_store_keeps_each_templates_setting_and_every_name_typed(tmp_path, expect_log):
    store = ContactHoursStore(tmp_path / "ch.json")
    store.save(1, {"WA": "Perth Business", "QLD": "Brisbane"}, template_name="Solar Leads")
    store.save(2, {"WA": "Perth Evenings"})
    again = ContactHoursStore(tmp_path / "ch.json")
    assert again.get(1).names == {"WA": "Perth Business", "QLD": "Brisbane"}
    assert again.find("solar leads").names == again.get(1).names and again.find("2").names == {"WA": "Perth Evenings"}
    assert not again.find("Other")
    assert again.names() == ["Perth Evenings", "Perth Business", "Brisbane"]
    # template ids are each dialler's own: another server's template 1 has no setting
    again.use_server("https://other.example.com")
    assert not again.get(1) and not again.find("Solar Leads")
    again.save(1, {"NT": "Darwin"})
    mine = ContactHoursStore(tmp_path / "ch.json")
    mine.use_server("https://other.example.com")
    assert mine.get(1).names == {"NT": "Darwin"}
    (tmp_path / "ch.json").write_text("{broken")
    with expect_log(r"saved contact hours were damaged", logger="noojee_desktop.core.hours"):
        assert not ContactHoursStore(tmp_path / "ch.json").get(1)
    assert (tmp_path / "ch.json.bad").exists()
