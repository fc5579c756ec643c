"""Writing a job's results file again from the journal (core.history.write_job_results)."""

from __future__ import annotations

import csv

from noojee_desktop.commands import main as dispatch
from noojee_desktop.core.history import job_entry, write_job_results
from noojee_desktop.core.journal import Journal

IDS = ["--template", "1", "--campaign", "11", "--allocation", "111"]


def _rows(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def _upload(sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    path = tmp_path / "leads.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["External ID", "Name", "FirstPhone"])
        w.writerows([[f"ACC-{i}", f"Lead {i}", f"03832180{i:02d}"] for i in range(3)] + [["", "Bad", "12"]])
    assert dispatch(["upload", str(path), "--server", sandbox.url, *IDS, "--results", str(tmp_path / "r.csv")]) == 1
    return path


def test_results_written_again_from_the_unchanged_file(sandbox, tmp_path, monkeypatch):
    _upload(sandbox, tmp_path, monkeypatch)
    with Journal() as journal:
        out = write_job_results(journal, 1, tmp_path / "again.csv")
        assert job_entry(journal, 1).results_path == str(out)      # remembered
    rows = _rows(out)
    assert rows[0][:3] == ["External ID", "Name", "FirstPhone"]
    assert [r[3] for r in rows[1:]] == ["Inserted", "Inserted", "Inserted", "Fix before sending"]


def test_results_written_again_after_the_file_changed_come_from_the_journal(sandbox, tmp_path, monkeypatch):
    path = _upload(sandbox, tmp_path, monkeypatch)
    path.write_text("something else entirely\n", encoding="utf-8")     # edited since: not the same rows
    with Journal() as journal:
        out = write_job_results(journal, 1, tmp_path / "again.csv")
    rows = _rows(out)
    assert rows[0][0] == "Row in file" and "Name" in rows[0]
    name = rows[0].index("Name")
    assert [r[name] for r in rows[1:4]] == ["Lead 0", "Lead 1", "Lead 2"]
    assert [r[0] for r in rows[1:]] == ["2", "3", "4", "5"]
    assert rows[1][rows[0].index("Result")] == "Inserted"
