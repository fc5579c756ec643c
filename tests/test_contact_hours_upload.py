"""Must show (issue 13), end to end against the sandbox on 127.0.0.1: a national list gets each lead
its own state's Contact Hours set; premium, short and 1300 numbers; the allocation size warning."""

from __future__ import annotations

import csv
from pathlib import Path

from noojee_desktop.commands.upload import main
from noojee_desktop.core.hours import STATES, ContactHoursStore

IDS = ["--template", "1", "--campaign", "11", "--allocation", "111"]
EVERY_STATE = [a for s in STATES for a in ("--contact-hours", f"{s}=Business Hours {s}")]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _results(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


NATIONAL = [
    ["Name", "State", "PostCode", "FirstPhone", "SecondPhone", "njExternalLeadId", "njContactHours"],
    ["By state name", "Western Australia", "", "0412 000 001", "", "N1", ""],
    ["By abbreviation", "q.l.d.", "", "0412 000 002", "", "N2", ""],
    ["By postcode", "", "0800", "0412 000 003", "", "N3", ""],
    ["Broken Hill", "", "2880", "0412 000 004", "", "N4", ""],
    ["By landline", "", "", "0412 000 005", "(03) 6234 5678", "N5", ""],
    ["Canberra landline", "", "", "02 6234 5678", "", "N6", ""],
    ["Own cell", "NSW", "", "0412 000 007", "", "N7", "Evenings"],
    ["Mobile only", "", "", "0412 000 008", "", "N8", ""],
]


def _stored(sandbox) -> dict[str, str | None]:
    return {r["external_id"]: r["lead"].get("njContactHours") for r in sandbox.leads()}


def test_a_national_list_gets_each_lead_the_set_its_state_gives(sandbox, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    path = _write(tmp_path / "national.csv", NATIONAL)
    out = tmp_path / "results.csv"
    code = main([str(path), "--server", sandbox.url, *IDS, *EVERY_STATE, "--results", str(out)])
    assert code == 0, capsys.readouterr().err
    assert _stored(sandbox) == {
        "N1": "Business Hours WA", "N2": "Business Hours QLD", "N3": "Business Hours NT",
        "N4": "Business Hours SA", "N5": "Business Hours TAS", "N6": "Business Hours ACT",
        "N7": "Evenings", "N8": None,
    }
    rows = _results(out)
    assert all(r["Result"] == "Inserted" for r in rows)
    assert "state is not known" in rows[7]["Warnings"] and "default contact hours" in rows[7]["Warnings"]
    assert not any(r["Warnings"] for r in rows[:7])


def test_the_saved_setting_of_the_template_is_used_without_options(sandbox, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    store = ContactHoursStore()           # as the app saved it, connected to this dialler
    store.use_server(sandbox.url)
    store.save(1, {"WA": "Business Hours WA"}, template_name="Solar Leads")
    path = _write(tmp_path / "perth.csv", [["Name", "State", "FirstPhone", "njExternalLeadId"],
                                          ["Perth", "WA", "0893211234", "P1"]])
    assert main([str(path), "--server", sandbox.url, "--template", "Solar Leads", "--campaign", "11",
                 "--allocation", "111"]) == 0
    assert "Contact hours by state: WA 'Business Hours WA'" in capsys.readouterr().err
    assert _stored(sandbox) == {"P1": "Business Hours WA"}


def test_an_unknown_set_name_is_refused_by_the_dialler_with_111(sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    path = _write(tmp_path / "wa.csv", [["Name", "State", "FirstPhone", "njExternalLeadId"],
                                       ["Perth", "WA", "0893211234", "P1"]])
    out = tmp_path / "results.csv"
    assert main([str(path), "--server", sandbox.url, *IDS, "--contact-hours", "WA=Perth Nights",
                 "--results", str(out)]) == 1
    assert _results(out)[0]["Code"] == "111" and sandbox.leads() == []


def test_a_mistyped_contact_hours_option_sends_nothing(sandbox, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    path = _write(tmp_path / "wa.csv", [["Name", "FirstPhone"], ["Perth", "0893211234"]])
    assert main([str(path), "--server", sandbox.url, *IDS, "--contact-hours", "Perth=Business Hours WA"]) == 2
    err = capsys.readouterr().err
    assert "'Perth' is not a state or territory" in err and "Nothing was sent." in err
    assert sandbox.leads() == []


def test_premium_short_and_1300_numbers_end_as_error_error_and_sent_with_a_warning(sandbox, tmp_path,
                                                                                 monkeypatch):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    path = _write(tmp_path / "numbers.csv", [["Name", "FirstPhone", "njExternalLeadId"],
                                            ["Premium", "1900 123 456", "X1"],
                                            ["Short", "03 8321 819", "X2"],
                                            ["Business", "1300 123 456", "X3"]])
    out = tmp_path / "results.csv"
    assert main([str(path), "--server", sandbox.url, *IDS, "--results", str(out)]) == 1
    rows = _results(out)
    assert [r["Result"] for r in rows] == ["Fix before sending", "Fix before sending", "Inserted"]
    assert "premium-rate" in rows[0]["Message"] and "has 9 digits" in rows[1]["Message"]
    assert "business number" in rows[2]["Warnings"]
    assert [(r["external_id"], r["lead"]["FirstPhone"]) for r in sandbox.leads()] == [("X3", "1300123456")]


def test_an_allocation_that_would_pass_the_advised_size_is_warned_about(sandbox, lead_csv, monkeypatch, capsys):
    from noojee_desktop.core import jobs

    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    monkeypatch.setattr(jobs, "ALLOCATION_ADVICE", 6)
    assert main([str(lead_csv(4, name="first.csv")), "--server", sandbox.url, *IDS]) == 0
    assert "advises keeping an allocation" not in capsys.readouterr().err
    assert main([str(lead_csv(4, external_ids=True, name="second.csv")), "--server", sandbox.url, *IDS,
                 "--allow-duplicates"]) == 0
    err = capsys.readouterr().err
    assert ("Allocation 'VIC Week 1' already has 4 leads loaded from this computer and this file adds 4: "
            "8 in all. The vendor advises keeping an allocation under about 6 leads") in err
    assert len(sandbox.leads()) == 8     # a warning: still sent
