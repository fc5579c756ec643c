"""``jobs`` and ``withdraw`` against the sandbox: what this computer loaded, and taking an upload back."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from noojee_desktop.commands import main as dispatch
from noojee_desktop.core.codes import Category
from noojee_desktop.core.history import history, plan_withdraw
from noojee_desktop.core.journal import Journal
from helpers.sandbox import SOLAR, SOLAR_ARGS

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


def _jobs_json(capsys) -> list[dict]:
    capsys.readouterr()
    assert dispatch(["jobs", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _first_upload(sandbox, tmp_path, *flags) -> Path:
    """8 leads with their own external id, 2 without, 1 on the Do Not Call list."""
    rows = [[f"ACC-{i}", f"Lead {i}", f"03832180{i:02d}"] for i in range(8)]
    rows += [["", "No id A", "0383218090"], ["", "No id B", "0383218091"], ["ACC-DNC", "Dnc", "0299999999"]]
    path = _write(tmp_path / "leads.csv", ["External ID", "Name", "FirstPhone"], rows)
    assert dispatch(["upload", str(path), "--server", sandbox.url, *IDS, *flags]) == 1   # the DNC row
    return path


def test_upload_update_jobs_then_withdraw_the_upload(sandbox, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    _first_upload(sandbox, tmp_path, "--no-external-ids")
    changes = _write(tmp_path / "changes.csv", ["njExternalLeadId", "njDisposition", "FirstPhone"],
                     [["ACC-0", "Sale", "<No Change>"], ["ACC-1", "Call Back", "<No Change>"], ["NOPE", "Sale", "0383218001"]])
    assert dispatch(["update", str(changes), "--server", sandbox.url, *IDS]) == 1

    jobs = _jobs_json(capsys)
    assert [(j["mode"], j["file"].rsplit("/", 1)[-1]) for j in jobs] == [("update", "changes.csv"),
                                                                         ("insert", "leads.csv")]
    upload, update = jobs[1], jobs[0]
    assert upload["counts"] == {"inserted": 10, "dnc": 1} and upload["finished"] and upload["total"] == 11
    assert update["counts"] == {"updated": 2, "rejected": 1} and update["finished"]
    assert (upload["template"]["name"], upload["campaign"]["name"], upload["allocation"]["name"]) == \
        ("Solar Leads", "Solar VIC", "VIC Week 1")
    assert Path(upload["results_path"]).exists() and Path(update["results_path"]).exists()
    assert upload["when"] <= update["when"]

    assert dispatch(["jobs"]) == 0
    table = capsys.readouterr().out
    assert "upload" in table and "update" in table and "Inserted 10, Do Not Call 1" in table
    assert table.index(f"\n{update['id']} ") < table.index(f"\n{upload['id']} ")   # newest first

    # without --yes: says what it would do, sends nothing
    calls = sandbox.stats()["calls"]
    assert dispatch(["withdraw", str(upload["id"]), "--disposition", "Wrong Number"]) == 2
    err = capsys.readouterr().err
    assert "2 of them cannot be withdrawn" in err and "without an external id" in err
    assert "8 lead(s) will get the disposition 'Wrong Number'" in err
    assert "actions fire on the dialler" in err and "may already have been called" in err
    assert "--yes" in err and "Nothing was sent" in err
    assert sandbox.stats()["calls"] == calls

    sandbox.agent_editing("ACC-5")
    out = tmp_path / "withdrawn.csv"
    code = dispatch(["withdraw", str(upload["id"]), "--disposition", "Wrong Number", "--yes", "--results", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    leads = {lead["external_id"] or lead["lead"]["Name"]: lead for lead in sandbox.leads(11)}
    assert {k: v["disposition"] for k, v in leads.items()} == {
        **{f"ACC-{i}": "Wrong Number" for i in range(8) if i != 5}, "ACC-5": None,
        "No id A": None, "No id B": None}
    assert leads["ACC-0"]["lead"]["Name"] == "Lead 0" and leads["ACC-0"]["lead"]["FirstPhone"] == "0383218000"
    assert "row 7 of leads.csv: external id ACC-5" in err and "check each one in Noojee" in err
    assert "Not withdrawn: 2 lead(s) without an external id" in err
    rows = _results(out)
    assert [(r["njExternalLeadId"], r["Result"], r["Code"]) for r in rows] == [
        (f"ACC-{i}", "Rejected" if i == 5 else "Updated", "110" if i == 5 else "0") for i in range(8)]
    assert rows[0]["Row in file"] == "2" and rows[0]["Name"] == "Lead 0"

    jobs = _jobs_json(capsys)
    assert jobs[0]["mode"] == "withdraw" and jobs[0]["withdraws_job"] == upload["id"]
    assert jobs[0]["disposition"] == "Wrong Number" and jobs[0]["counts"] == {"updated": 7, "rejected": 1}


def test_generated_ids_are_the_default_and_make_every_lead_reachable(sandbox, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    _first_upload(sandbox, tmp_path)
    ids = [lead["external_id"] for lead in sandbox.leads(11)]
    assert len(ids) == 10 and sum(1 for i in ids if i.startswith("NJL-")) == 2
    with Journal() as journal:
        job = history(journal)[0]
        plan = plan_withdraw(journal, job.id, "Do Not Contact")
    assert (len(plan.leads), plan.no_external_id, plan.not_inserted) == (10, 0, 1)
    assert dispatch(["withdraw", str(job.id), "--disposition", "Not Interested", "--yes"]) == 0
    assert {lead["disposition"] for lead in sandbox.leads(11)} == {"Not Interested"}


def test_withdraw_refuses_unknown_jobs_updates_and_no_change(sandbox, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    assert dispatch(["withdraw", "99", "--disposition", "Sale", "--yes"]) == 2
    assert "There is no job 99" in capsys.readouterr().err
    _first_upload(sandbox, tmp_path)
    changes = _write(tmp_path / "c.csv", ["njExternalLeadId", "FirstPhone"], [["ACC-0", "<No Change>"]])
    assert dispatch(["update", str(changes), "--server", sandbox.url, *IDS, "--disposition", "Sale"]) == 0
    with Journal() as journal:
        update_job, upload_job = [j.id for j in history(journal)]
        assert history(journal)[0].counts == {Category.UPDATED: 1}
    capsys.readouterr()
    assert dispatch(["withdraw", str(update_job), "--disposition", "Sale", "--yes"]) == 2
    assert "not an upload" in capsys.readouterr().err
    assert dispatch(["withdraw", str(upload_job), "--disposition", "<no change>", "--yes"]) == 2
    assert "needs a disposition" in capsys.readouterr().err


def test_jobs_with_an_empty_journal(capsys):
    assert dispatch(["jobs"]) == 0
    assert "No jobs yet" in capsys.readouterr().out
    assert dispatch(["jobs", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_history_of_a_job_from_before_modes_and_an_interrupted_one(tmp_path):
    from noojee_desktop.core.outcome import RowOutcome

    with Journal(tmp_path / "j.sqlite3") as journal:
        old = journal.create_job(file_path="/x/old.csv", fingerprint="f", server="https://d.example.com",
                                 template=(1, "T"), campaign=(11, "C"), allocation=(111, "A"),
                                 settings={"allow_duplicates": False})
        journal.add_rows(old, [(0, 2, {"FirstPhone": "0383218000"}, None, None),
                               (1, 3, None, None, RowOutcome(Category.INVALID, None, "bad"))])
        journal.record(old, 0, RowOutcome(Category.INSERTED, 0, "OK", 1), final=True)
        journal.set_status(old, "finished")
        cut = journal.create_job(file_path="/x/new.csv", fingerprint="g", server="https://d.example.com",
                                 template=(1, "T"), campaign=(11, "C"), allocation=(111, "A"),
                                 settings={"mode": "update"})
        journal.add_rows(cut, [(0, 2, {"njExternalLeadId": "A", "FirstPhone": "<No Change>"}, "A", None)])
        journal.update_settings(cut, results_path="/x/new - results.xlsx")
        newest, oldest = history(journal)
    assert (oldest.mode_label, oldest.state_label, oldest.counts_text()) == ("upload", "finished",
                                                                             "Fix before sending 1, Inserted 1")
    assert (newest.mode_label, newest.state_label, newest.finished) == ("update", "interrupted", False)
    assert newest.counts == {Category.PENDING: 1} and newest.results_path == "/x/new - results.xlsx"
    assert newest.settings["mode"] == "update"


def test_the_app_is_offered_interrupted_updates_but_not_withdrawals_to_resume(tmp_path):
    from noojee_desktop.core import jobs

    with Journal(tmp_path / "j.sqlite3") as journal:
        ids = {}
        for mode in ("insert", "update", "withdraw"):
            settings = {} if mode == "insert" else {"mode": mode}
            ids[mode] = journal.create_job(file_path="/x/l.csv",
                                           fingerprint="withdraw-of-job-1" if mode == "withdraw" else "same file",
                                           server="https://d.example.com", template=(1, ""), campaign=(11, ""),
                                           allocation=(111, ""), settings=settings)
            journal.add_rows(ids[mode], [(0, 2, {"FirstPhone": "0383218000"}, None, None)])
        assert [j.id for j in jobs.interrupted_jobs(journal)] == [ids["update"], ids["insert"]]
        found = jobs.find_resumable(journal, "same file", ["https://d.example.com"], *SOLAR, "update")
        assert found.id == ids["update"]
