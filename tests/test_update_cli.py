"""``noojee-desktop update``: change loaded leads from a second sheet, headless, against the sandbox."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from noojee_desktop.commands import main as dispatch
from noojee_desktop.commands.update import main
from helpers.sandbox import SOLAR_ARGS

IDS = SOLAR_ARGS


def _write(path: Path, header, rows) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def _results(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _load_ten(sandbox, tmp_path) -> Path:
    path = _write(tmp_path / "leads.csv", ["ExternalLeadId", "Name", "FirstPhone", "City"],
                  [[f"ACC-{i}", f"Lead {i}", f"03832180{i:02d}", "Melbourne"] for i in range(10)])
    assert dispatch(["upload", str(path), "--server", sandbox.url, *IDS]) == 0
    return path


def test_update_from_a_second_sheet_results_per_row(sandbox, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    _load_ten(sandbox, tmp_path)
    sandbox.agent_editing("ACC-3")
    changes = _write(tmp_path / "changes.csv", ["External ID", "Disposition", "FirstPhone", "Call Back Date"], [
        ["ACC-0", "Sale", "<No Change>", "2030/05/01 10:30"],
        ["ACC-1", "Call Back", "0383219991", "<no change>"],
        ["NOPE", "Sale", "0383218002", ""],
        ["ACC-3", "Sale", "<NO CHANGE>", ""],
        ["ACC-4", "Maybe Later", "<No Change>", ""],
    ])
    out = tmp_path / "changes-results.csv"
    code = dispatch(["update", str(changes), "--server", sandbox.url, *IDS, "--results", str(out),
                     "--concurrency", "2"])
    err = capsys.readouterr().err
    assert code == 1
    rows = _results(out)
    assert [(r["Result"], r["Code"]) for r in rows] == [("Updated", "0"), ("Updated", "0"), ("Rejected", "101"),
                                                       ("Rejected", "110"), ("Bad data", "106")]
    assert rows[2]["Message"].startswith("Not found (no lead with this external id)")
    assert rows[3]["Message"].startswith("Someone was editing this lead: check it in Noojee")
    assert all(r["Attempts"] == "1" for r in rows)          # nothing retried, the 110 least of all
    leads = {lead["external_id"]: lead for lead in sandbox.leads(11)}
    assert leads["ACC-0"]["disposition"] == "Sale" and leads["ACC-0"]["lead"]["FirstPhone"] == "0383218000"
    assert leads["ACC-0"]["lead"]["njCallBackDate"] == "2030/05/01 10:30"
    assert leads["ACC-1"]["lead"]["FirstPhone"] == "0383219991" and leads["ACC-1"]["disposition"] == "Call Back"
    assert leads["ACC-3"]["disposition"] is None and leads["ACC-4"]["disposition"] is None
    assert "disposition's actions fire on the dialler" in err
    assert "someone was editing them" in err and "row 5: external id ACC-3" in err
    assert "Updated" in err and len(sandbox.leads(11)) == 10


def test_one_disposition_for_every_row(sandbox, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    _load_ten(sandbox, tmp_path)
    changes = _write(tmp_path / "wrong.csv", ["njExternalLeadId", "FirstPhone"],
                     [[f"ACC-{i}", "<No Change>"] for i in range(5)])
    assert main([str(changes), "--server", sandbox.url, *IDS, "--disposition", "Wrong Number"]) == 0
    assert [lead["disposition"] for lead in sandbox.leads(11)] == ["Wrong Number"] * 5 + [None] * 5


def test_update_without_external_id_or_disposition_is_refused(sandbox, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    no_ext = _write(tmp_path / "a.csv", ["Name", "FirstPhone", "njDisposition"], [["Ann", "0383218000", "Sale"]])
    assert main([str(no_ext), "--server", sandbox.url, *IDS]) == 2
    assert "external id" in capsys.readouterr().err
    no_disp = _write(tmp_path / "b.csv", ["njExternalLeadId", "FirstPhone"], [["ACC-1", "0383218000"]])
    assert main([str(no_disp), "--server", sandbox.url, *IDS]) == 2
    err = capsys.readouterr().err
    assert "--disposition NAME" in err and "Nothing was sent." in err
    assert sandbox.request_log() == []


@pytest.mark.allow_log(r"halting the upload: The dialler does not know the disposition", logger="noojee_desktop.core.engine")
def test_a_misspelt_disposition_stops_the_update_early_and_resume_sends_every_row(sandbox, tmp_path, monkeypatch,
                                                                                 capsys):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    _load_ten(sandbox, tmp_path)
    changes = _write(tmp_path / "all.csv", ["njExternalLeadId", "FirstPhone"],
                     [[f"ACC-{i}", "<No Change>"] for i in range(10)])
    capsys.readouterr()
    calls = sandbox.stats()["calls"]
    assert main([str(changes), "--server", sandbox.url, *IDS, "--disposition", "Wrong number"]) == 1
    err = capsys.readouterr().err
    assert "does not know the disposition 'Wrong number' (code 106" in err and "--resume" in err
    assert sandbox.stats()["calls"] - calls <= 5, "the job went on sending a disposition every row gets 106 for"
    assert main([str(changes), "--server", sandbox.url, *IDS, "--disposition", "Wrong Number", "--resume"]) == 0
    assert [lead["disposition"] for lead in sandbox.leads(11)] == ["Wrong Number"] * 10
