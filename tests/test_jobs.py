"""core.jobs: the job rules both front-ends use -- which job resumes, one owner at a time,
already-loaded rows, and a journal that cannot be written. Plain pytest, no Qt."""

from __future__ import annotations

import collections
import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from noojee_desktop.core import jobs
from noojee_desktop.core.api import NoojeeClient
from noojee_desktop.core.codes import Category
from noojee_desktop.core.engine import RetryPolicy, UploadEngine
from noojee_desktop.core.journal import Journal, JournalError
from noojee_desktop.core.outcome import RowOutcome
from noojee_desktop.core.sheet import auto_map, read_sheet, validate
from helpers.sandbox import SOLAR

SERVER = "http://127.0.0.1:8080"
T, C, A = (1, "Solar Leads"), (11, "Solar VIC"), (111, "VIC Week 1")
POLICY = RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_max=0.05, outage_tolerance=5.0,
                     probe_base=0.05, probe_max=0.2)


def _prepared(path):
    sheet = read_sheet(path)
    return sheet, validate(sheet, auto_map(sheet.headers, None, {"FirstPhone"}), allow_duplicates=True)


def _write(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [["Name", "City", "FirstPhone"], *rows]) + "\n", "utf-8")
    return path


def _finished_job(journal: Journal, sheet, prepared, *, server=SERVER, campaign=C, generate_ids=False) -> int:
    """A job of ``prepared`` whose every sendable row was inserted."""
    from noojee_desktop.core.engine import journal_entry

    jid = journal.create_job(file_path=str(sheet.path), fingerprint=sheet.fingerprint, server=server,
                             template=T, campaign=campaign, allocation=A)
    journal.add_rows(jid, [journal_entry(p, sheet.fingerprint, generate_ids) for p in prepared])
    when = datetime(2026, 12, 2, 10, 14)
    for p in prepared:
        if p.sendable:
            journal.record(jid, p.index, RowOutcome(Category.INSERTED, 0, "OK", 1, when), final=True)
    journal.set_status(jid, "finished")
    return jid


def test_journaled_options_and_specs_resume_where_the_job_went():
    assert jobs.journaled_options({}) == {"allow_duplicates": False, "generate_external_ids": False}
    with Journal() as j:
        jid = j.create_job(file_path="/x/leads.csv", fingerprint="fp", server="https://Dialler.example.com",
                           template=T, campaign=C, allocation=A, settings={"allow_duplicates": True})
        j.add_rows(jid, [(0, 2, {"FirstPhone": "0383218199"}, None, None)])
        # the app names the server by its API base, an older job by the address as typed
        found = jobs.find_resumable(j, "fp", ["https://dialler.example.com/servicemanager/rest/CampaignAPI",
                                              "dialler.example.com"], *SOLAR)
        assert found is not None and found.id == jid
        assert jobs.find_resumable(j, "fp", ["https://dialler.example.com"], 1, 11, 112) is None
        spec = jobs.resume_spec(found, "https://dialler.example.com", "/x/leads.csv", "fp")
        assert (spec.resume_job_id, spec.allow_duplicates, spec.generate_external_ids) == (jid, True, False)
        assert spec.campaign == C
        fresh = jobs.new_spec("https://d", T, C, A, "/x/leads.csv", "fp", {"generate_external_ids": True})
        assert fresh.resume_job_id is None and fresh.generate_external_ids and not fresh.allow_duplicates


def test_second_owner_of_the_same_list_is_refused_with_who_and_since_when():
    with Journal() as j:
        first = jobs.job_lock(j, "fp", "https://dialler.example.com/servicemanager/rest/CampaignAPI", *SOLAR,
                              jobs.COMMAND).acquire()
        # a fresh start of the same list to the same place (server spelt differently) is the same job
        again = jobs.job_lock(j, "fp", "https://DIALLER.example.com", *SOLAR)
        with pytest.raises(jobs.JobBusy) as refused:
            again.acquire()
        text = str(refused.value)
        assert text.startswith(f"This list is being uploaded in another window (since {datetime.now():%H:%M}")
        assert f"process {os.getpid()}" in text
        # another allocation is another job
        jobs.job_lock(j, "fp", "https://dialler.example.com", 1, 11, 112).acquire().release()
        first.release()
        again.acquire()
        assert again.holder() is None
        again.release()


def test_the_lock_goes_with_a_process_killed_with_sigkill(tmp_path):
    journal_path = tmp_path / "data" / "journal.sqlite3"
    code = (
        "import sys, time\n"
        "from noojee_desktop.core import jobs\n"
        "from noojee_desktop.core.journal import Journal\n"
        f"j = Journal({str(journal_path)!r})\n"
        "lock = jobs.job_lock(j, 'fp', 'https://d.example.com', 1, 11, 111, jobs.COMMAND).acquire()\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with Journal(journal_path) as j:
            lock = jobs.job_lock(j, "fp", "https://d.example.com", *SOLAR)
            owner = lock.holder()
            assert owner is not None and owner.pid == proc.pid and owner.kind == jobs.COMMAND
            proc.kill()
            proc.wait(timeout=10)
            lock.acquire()          # at once: no stale lock to wait out
            lock.release()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def test_interrupted_list_never_offers_a_job_another_process_runs():
    with Journal() as j:
        ids = []
        for fp in ("fp-a", "fp-b"):
            jid = j.create_job(file_path=f"/x/{fp}.csv", fingerprint=fp, server="https://d.example.com",
                               template=T, campaign=C, allocation=A)
            j.add_rows(jid, [(0, 2, {"FirstPhone": "0383218199"}, None, None)])
            ids.append(jid)
        sandbox_job = j.create_job(file_path="/x/s.csv", fingerprint="fp-s", server="http://127.0.0.1:5555",
                                   template=T, campaign=C, allocation=A)
        j.add_rows(sandbox_job, [(0, 2, {"FirstPhone": "0383218199"}, None, None)])
        assert [x.id for x in jobs.interrupted_jobs(j)] == ids[::-1]
        running = jobs.record_lock(j, j.job(ids[1])).acquire()     # "another window" runs fp-b
        assert [x.id for x in jobs.interrupted_jobs(j)] == [ids[0]]
        assert jobs.running_elsewhere(j, j.job(ids[1])) is not None
        running.release()
        # a practice dialler's job only while connected to that very sandbox
        assert sandbox_job in [x.id for x in jobs.interrupted_jobs(j, ["http://127.0.0.1:5555"])]


def test_already_loaded_by_content_after_edits_and_reordering(tmp_path):
    rows = [[f"Lead {i}", "Melbourne", f"03{i:08d}"] for i in range(6)]
    sheet1, prep1 = _prepared(_write(tmp_path / "a.csv", rows))
    with Journal() as j:
        first = _finished_job(j, sheet1, prep1, generate_ids=True)
        # the edited file: two new rows at the top, the old ones in another order, one row blank-padded
        edited = [["New 1", "Geelong", "0355550001"], ["New 2", "Geelong", "0355550002"]] + rows[::-1]
        edited[2] = [edited[2][0] + "  ", edited[2][1], edited[2][2]]
        sheet2, prep2 = _prepared(_write(tmp_path / "b.csv", edited))
        assert sheet2.fingerprint != sheet1.fingerprint
        found = jobs.check_already_loaded(j, SERVER + "/servicemanager/rest/CampaignAPI", C, prep2)
        assert sorted(found.outcomes) == list(range(2, 8))          # every old row, not the new ones
        o = found.outcomes[2]
        assert o.category is Category.ALREADY_LOADED and f"#{first}" in o.message
        assert "Solar VIC on 2 Dec 2026 at 10:14" in o.message
        assert found.sentence() == "6 of these rows were inserted into Solar VIC on 2 Dec at 10:14."
        # other campaign, other server: nothing
        assert not jobs.check_already_loaded(j, SERVER, (12, "Solar NSW"), prep2)
        assert not jobs.check_already_loaded(j, "https://other.example.com", C, prep2)
        # rows that were refused or never answered do not count
        sheet3, prep3 = _prepared(_write(tmp_path / "c.csv", [["Late", "Perth", "0899990000"]]))
        jid = j.create_job(file_path=str(sheet3.path), fingerprint=sheet3.fingerprint, server=SERVER,
                           template=T, campaign=C, allocation=A)
        j.add_rows(jid, [(0, 2, dict(prep3[0].lead), None, None)])
        j.record(jid, 0, RowOutcome(Category.DNC, 104, "DNC", 1), final=True)
        assert not jobs.check_already_loaded(j, SERVER, C, prep3)


def test_already_loaded_by_the_users_own_external_id(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("Name,FirstPhone,ExternalLeadId\nAnn,0383218199,ACC-1\nBob,0383218100,ACC-2\n", "utf-8")
    sheet, prep = _prepared(path)
    with Journal() as j:
        _finished_job(j, sheet, prep)
        # Ann's phone changed since, but ACC-1 is the same lead for the dialler
        path.write_text("Name,FirstPhone,ExternalLeadId\nAnn,0383219999,ACC-1\nCid,0383218101,ACC-3\n", "utf-8")
        sheet2, prep2 = _prepared(path)
        assert sorted(jobs.check_already_loaded(j, SERVER, C, prep2).outcomes) == [0]


def test_an_old_journal_is_migrated_and_its_inserted_leads_count(tmp_path):
    db = tmp_path / "old.sqlite3"
    old = sqlite3.connect(db)
    old.executescript("""
        CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, created TEXT NOT NULL, updated TEXT NOT NULL,
            file_path TEXT NOT NULL, fingerprint TEXT NOT NULL, server TEXT NOT NULL,
            template_id INTEGER NOT NULL, template_name TEXT NOT NULL DEFAULT '',
            campaign_id INTEGER NOT NULL, campaign_name TEXT NOT NULL DEFAULT '',
            allocation_id INTEGER NOT NULL, allocation_name TEXT NOT NULL DEFAULT '',
            settings TEXT NOT NULL DEFAULT '{}', status TEXT NOT NULL, message TEXT NOT NULL DEFAULT '');
        CREATE INDEX jobs_lookup ON jobs (fingerprint, server, status);
        CREATE TABLE rows (job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
            row_index INTEGER NOT NULL, row_number INTEGER, state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0, maybe_landed INTEGER NOT NULL DEFAULT 0,
            category TEXT, code INTEGER, message TEXT, note TEXT, sent_at TEXT, external_id TEXT, lead TEXT,
            PRIMARY KEY (job_id, row_index)) WITHOUT ROWID;
    """)
    old.execute("INSERT INTO jobs VALUES (1, '2026-11-30T09:00:00', '2026-11-30T09:05:00', '/x/a.csv', 'fp',"
                " 'http://127.0.0.1:8080', 1, 'Solar Leads', 11, 'Solar VIC', 111, 'VIC Week 1', '{}', 'running', '')")
    lead = {"Name": "Ann", "City": "Melbourne", "FirstPhone": "0383218199"}
    old.execute("INSERT INTO rows VALUES (1, 0, 2, 'done', 1, 0, 'inserted', 0, 'OK', '', '2026-11-30T09:01:00',"
                " NULL, ?)", (json.dumps(lead),))
    old.execute("INSERT INTO rows VALUES (1, 1, 3, 'pending', 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, ?)",
                (json.dumps({"Name": "Bob", "FirstPhone": "0383218100"}),))
    old.commit()
    old.close()

    with Journal(db) as j:
        assert j.find_resumable("fp", SERVER, *SOLAR).unfinished == 1     # still resumable
        path = _write(tmp_path / "again.csv", [["Ann", "Melbourne", "0383218199"], ["Cid", "Perth", "0899990000"]])
        _sheet, prep = _prepared(path)
        found = jobs.check_already_loaded(j, SERVER, C, prep)
        assert sorted(found.outcomes) == [0] and "30 Nov 2026 at 09:01" in found.outcomes[0].message
    with Journal(db) as j:   # opening again: nothing to migrate, still fine
        assert len(j.rows(1)) == 2


def test_a_data_folder_blocked_by_a_file_is_a_sentence(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    with pytest.raises(JournalError) as failed:
        Journal(blocker / "journal.sqlite3")
    assert failed.value.reason == "blocked"
    assert str(failed.value) == (f"The upload journal in {blocker} could not be opened: something that is not "
                                 "a folder is in its place (a file with that name?); move it away.")


@pytest.mark.allow_log(r"journal write failed: .* the disk is full", logger="noojee_desktop.core.engine")
async def test_disk_full_mid_job_stops_sending_and_the_job_resumes_cleanly(sandbox_factory, lead_csv, tmp_path):
    server = sandbox_factory(slots=2, service_time=0.01)
    n = 300
    sheet, prepared = _prepared(lead_csv(n))
    db = tmp_path / "journal.sqlite3"
    conns: list[sqlite3.Connection] = []

    def connect(*args, **kw):
        conns.append(sqlite3.connect(*args, **kw))
        return conns[-1]

    journal = Journal(db, connect=connect)
    capped = []

    def on_progress(batch):
        # the first results are in, and the disk fills up: the database cannot grow by one page more
        # (each finished row makes its journal row longer, so the next page split fails)
        if not capped:
            pages = conns[0].execute("PRAGMA page_count").fetchone()[0]
            conns[0].execute(f"PRAGMA max_page_count={pages}")
            capped.append(pages)

    async with NoojeeClient(server.url, server.api_key) as client:
        spec = jobs.new_spec(client.base_url, T, C, A, sheet.path, sheet.fingerprint, {})
        engine = UploadEngine(client, spec, prepared, journal, concurrency=2, policy=POLICY,
                              on_progress=on_progress, progress_interval=0.01)
        summary = await engine.run()
    journal.close()
    assert capped, "the cap should come mid-job"
    assert summary.stopped == "journal"
    assert "the disk is full" in summary.message and "resume the upload" in summary.message
    stored = len(server.leads())
    assert 0 < stored < n, "sending should stop, not run to the end"

    # space is back (a new connection has no cap): the job resumes and every lead is in once
    with Journal(db) as j:
        job = jobs.find_resumable(j, sheet.fingerprint, [server.url], *SOLAR)
        assert job is not None and job.unfinished > 0
        async with NoojeeClient(server.url, server.api_key) as client:
            spec = jobs.resume_spec(job, client.base_url, sheet.path, sheet.fingerprint)
            summary = await UploadEngine(client, spec, prepared, j, policy=POLICY).run()
    assert summary.stopped is None
    phones = collections.Counter(r["lead"]["FirstPhone"] for r in server.leads())
    assert len(phones) == n and set(phones.values()) == {1}
    assert summary.counts.get(Category.INSERTED, 0) == n


def test_retry_job_keeps_finished_rows_and_sends_only_the_retried(tmp_path):
    sheet, prep = _prepared(_write(tmp_path / "r.csv", [["A", "X", "0383218199"], ["B", "X", "0383218100"]]))
    with Journal() as j:
        old = jobs.new_spec(SERVER, T, C, A, sheet.path, sheet.fingerprint, {})
        outcomes = [RowOutcome(Category.INSERTED, 0, "OK", 1), RowOutcome(Category.SERVER_ERROR, 103, "EXC", 4)]
        first = j.create_job(file_path=str(sheet.path), fingerprint=sheet.fingerprint, server=SERVER,
                             template=T, campaign=C, allocation=A)
        jid = jobs.create_retry_job(j, old, first, sheet.path, sheet.fingerprint, prep, outcomes, [1],
                                    {"generate_external_ids": True})
        rows = j.rows(jid)
        assert [r.state for r in rows] == ["done", "pending"]
        assert rows[1].external_id and rows[1].external_id.startswith("NJL-")
        assert j.job(first).status == "abandoned" and j.job(jid).settings["generate_external_ids"]


def test_bench_already_loaded_runs(tmp_path):
    """The benchmark script works (its figures are for the report, not asserted here)."""
    bench = Path(__file__).resolve().parent.parent / "bench" / "already_loaded.py"
    out = subprocess.run([sys.executable, str(bench), "--rows", "2000"], capture_output=True, text=True,
                         timeout=120, env=dict(os.environ))
    assert out.returncode == 0, out.stderr
    assert "ratio" in out.stdout
