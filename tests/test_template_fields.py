"""A template's fields, known or taught: kept per server and template, never made up, shared as a
small file, and columns mapped onto them with the spellings people use; the headless command
says when it cannot know the phone fields, and sends right once told."""

from __future__ import annotations

import csv
import json

import pytest

from noojee_desktop.core.sheet import (
    PHONES_UNKNOWN, FieldFileError, Mapping, TemplateFieldStore, auto_map, phone_check, read_sheet, validate,
)

SOLAR = ["Name", "StreetAddress", "City", "State", "PostCode", "FirstPhone", "SecondPhone", "Email"]
SOLAR_PHONES = {"FirstPhone", "SecondPhone"}
INSURANCE = ["FirstName", "LastName", "PolicyNumber", "RenewalDate", "MobilePhone", "HomePhone", "Suburb", "Postcode"]
EXCEL_EXPORT = ["Full Name", "Phone Number", "Mobile No.", "Suburb", "Postcode"]
A, B = "https://dialler-a.example.com", "https://dialler-b.example.com:8443"


def store_for(server, path=None):
    store = TemplateFieldStore(path)
    store.use_server(server)
    return store


# --- known or not ----------------------------------------------------------------------

def test_nothing_taught_is_unknown_and_never_made_up(tmp_path):
    tf = store_for(A, tmp_path / "f.json").get(1)
    assert not tf.known and tf.fields == [] and not tf.phones_known


def test_fields_are_kept_per_server_and_template(tmp_path):
    path = tmp_path / "f.json"
    store_for(A, path).remember(1, SOLAR, SOLAR_PHONES, name="Solar Leads")
    again = store_for("dialler-a.example.com", path)        # typed without https://: the same server
    assert again.get(1).fields == SOLAR and again.get(1).phone_fields == SOLAR_PHONES and again.get(1).known
    assert not again.get(2).known                           # another template of the same server
    assert not store_for(B, path).get(1).known              # the same template id on another dialler


def test_an_earlier_versions_file_is_adopted_by_the_first_server_that_uses_it(tmp_path):
    path = tmp_path / "f.json"
    path.write_text(json.dumps({"version": 1, "templates": {"1": {
        "fields": SOLAR, "phone_fields": sorted(SOLAR_PHONES), "confirmed": True,
        "mappings": [{"key": ["mob", "name"], "columns": {"Name": "Name", "Mob": "FirstPhone"},
                      "phone_fields": ["FirstPhone"]}]}}}))
    first = store_for(A, path)
    assert first.get(1).fields == SOLAR                      # adopted on first use...
    assert first.suggest(1, ["Name", "Mob"]).columns == {"Name": "Name", "Mob": "FirstPhone"}
    saved = json.loads(path.read_text())
    assert saved["version"] == 2 and "1" in saved["servers"][A]["templates"] and "unclaimed" not in saved
    assert not store_for(B, path).get(1).known               # ...by that server only
    assert store_for(A, path).get(1).known                   # and still there in the next session


def test_sandbox_presets_are_known_only_for_that_server_and_never_saved(tmp_path):
    path = tmp_path / "f.json"
    store = store_for("http://127.0.0.1:5000", path)
    store.set_presets("http://127.0.0.1:5000", {1: (SOLAR, SOLAR_PHONES)})
    assert store.get(1).known and store.get(1).source == "sandbox"
    store.use_server("http://127.0.0.1:5001")                # another sandbox, or a real server on that host
    assert not store.get(1).known
    assert not path.exists()


def test_export_and_import_a_field_file_so_an_admin_sets_up_a_team_once(tmp_path):
    admin = store_for(A, tmp_path / "admin.json")
    admin.remember(1, SOLAR, SOLAR_PHONES, name="Solar Leads")
    admin.remember(2, INSURANCE, {"MobilePhone", "HomePhone"})
    shared = tmp_path / "team fields.json"
    assert admin.export_file(shared, names={2: "Insurance Renewals"}) == 2
    member = store_for(A, tmp_path / "member.json")
    assert sorted(member.import_file(shared)) == ["Insurance Renewals", "Solar Leads"]
    assert member.get(2).fields == INSURANCE and member.get(2).phone_fields == {"MobilePhone", "HomePhone"}
    assert store_for(A, tmp_path / "member.json").get(1).known     # kept


@pytest.mark.parametrize("content, says", [
    ("{not json", "not JSON"),
    ('{"templates": []}', "not a field file"),
    ('{"kind": "noojee-lead-loader-template-fields", "templates": [{"id": 1, "fields": [3]}]}', "nothing was imported"),
])
def test_a_file_that_is_not_a_field_file_is_refused_and_teaches_nothing(tmp_path, content, says):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    store = store_for(A, tmp_path / "f.json")
    with pytest.raises(FieldFileError, match=says):
        store.import_file(bad)
    assert not store.get(1).known


# --- mapping onto them -----------------------------------------------------------------

def test_an_ordinary_excel_export_maps_onto_the_taught_fields():
    m = auto_map(EXCEL_EXPORT, SOLAR, SOLAR_PHONES)
    assert m.columns == {"Full Name": "Name", "Phone Number": "FirstPhone", "Mobile No.": "SecondPhone",
                         "Suburb": "City", "Postcode": "PostCode"}
    assert m.phones_known and phone_check(m) is None
    m = auto_map(EXCEL_EXPORT, INSURANCE, {"MobilePhone", "HomePhone"})
    assert m.columns == {"Full Name": None, "Phone Number": "HomePhone", "Mobile No.": "MobilePhone",
                         "Suburb": "Suburb", "Postcode": "Postcode"}
    m = auto_map(["Name", "Ph", "Post Code", "Address", "Mob", "Notes"], SOLAR, SOLAR_PHONES)
    assert m.columns == {"Name": "Name", "Ph": "FirstPhone", "Post Code": "PostCode", "Address": "StreetAddress",
                         "Mob": "SecondPhone", "Notes": None}


def test_unknown_fields_send_each_column_as_its_heading_and_the_check_cannot_know():
    m = auto_map(EXCEL_EXPORT)
    assert m.columns == {h: h for h in EXCEL_EXPORT}
    assert m.phone_fields == {"Phone Number", "Mobile No."} and not m.phones_known
    assert phone_check(m).startswith(PHONES_UNKNOWN) and "'Phone Number'" in phone_check(m)
    # told the phone field (headless --phone-field), a phone column goes to it
    m = auto_map(EXCEL_EXPORT, None, {"FirstPhone"})
    assert m.columns["Phone Number"] == "FirstPhone" and m.phones_known


def test_after_teaching_a_saved_mapping_to_own_headings_is_mapped_afresh(tmp_path):
    store = store_for(A, tmp_path / "f.json")
    store.save_mapping(1, EXCEL_EXPORT, store.suggest(1, EXCEL_EXPORT))       # sent as its own headings
    store.remember(1, SOLAR, SOLAR_PHONES)
    m = store.suggest(1, EXCEL_EXPORT)
    assert m.columns["Phone Number"] == "FirstPhone" and m.columns["Full Name"] == "Name"
    assert m.phone_fields == SOLAR_PHONES and m.phones_known
    # a column the user left out stays out
    store.save_mapping(1, EXCEL_EXPORT, Mapping({**m.columns, "Suburb": None}, SOLAR_PHONES))
    assert store.suggest(1, EXCEL_EXPORT).columns["Suburb"] is None


def test_rows_are_checked_against_the_known_phone_fields(make_csv):
    sheet = read_sheet(make_csv("Full Name,Phone Number,Suburb\nAnn,0383218199,Richmond\nBob,,Kew\n"))
    rows = validate(sheet, auto_map(sheet.headers, SOLAR, SOLAR_PHONES))
    assert [r.sendable for r in rows] == [True, False]
    assert rows[0].lead == {"Name": "Ann", "FirstPhone": "0383218199", "City": "Richmond"}


# --- headless ---------------------------------------------------------------------------

def _excel_export(path, n=30):
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(EXCEL_EXPORT)
        for i in range(n):
            w.writerow([f"Lead {i}", f"03{i:08d}", f"041{i:07d}", "Richmond", "3121"])
    return path


def _inserts(sandbox):
    return [r for r in sandbox.request_log() if r["path"].endswith("/insertLeadFast")]


@pytest.mark.allow_log(r"halting the upload: The dialler found no phone field", logger="noojee_desktop.core.engine")
def test_headless_unknown_template_warns_then_stops_after_a_handful_of_102s(sandbox, tmp_path, monkeypatch, capsys):
    from noojee_desktop.commands.upload import main

    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    path = _excel_export(tmp_path / "export.csv")
    code = main([str(path), "--server", sandbox.url, "--template", "1", "--campaign", "11", "--allocation", "111"])
    err = capsys.readouterr().err
    assert code == 1
    assert f"Warning: {PHONES_UNKNOWN}" in err and "--phone-field" in err
    assert "30 rows: cannot check" in err and "can be sent" not in err
    assert "The dialler found no phone field" in err and "this template's phone fields" in err
    assert 1 <= len(_inserts(sandbox)) <= 5 and sandbox.leads() == []


@pytest.mark.parametrize("how", ["--phone-field", "taught", "taught, template by name"])
def test_headless_sends_right_when_told_or_taught_the_phone_fields(sandbox, tmp_path, monkeypatch, capsys, how):
    from noojee_desktop.commands.upload import main

    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    path = _excel_export(tmp_path / "export.csv", 6)
    extra = ["--phone-field", "FirstPhone", "--phone-field", "SecondPhone"]
    template = "1"
    if how.startswith("taught"):      # as the app's teach dialog keeps them (same server, same template)
        store_for(sandbox.url).remember(1, SOLAR, SOLAR_PHONES, name="Solar Leads")
        extra = []
        template = "solar leads" if how.endswith("by name") else "1"
    code = main([str(path), "--server", sandbox.url, "--template", template, "--campaign", "11",
                 "--allocation", "111", *extra])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Warning" not in err and "6 can be sent" in err
    leads = sandbox.leads()
    assert len(leads) == 6 and leads[0]["lead"]["FirstPhone"] == "0300000000"
    assert leads[0]["lead"]["SecondPhone"] == "0410000000"
    if how.startswith("taught"):
        assert leads[0]["lead"]["Name"] == "Lead 0" and leads[0]["lead"]["City"] == "Richmond"
