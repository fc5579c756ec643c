"""The upload journal: what survives a killed process, and what a resume finds."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from noojee_desktop.core.codes import Category
from noojee_desktop.core.journal import DONE, INFLIGHT, PENDING, Journal, default_path
from noojee_desktop.core.outcome import RowOutcome
from helpers.sandbox import SOLAR


def _job(j: Journal, fingerprint="fp1", server="https://dialler.example.com/servicemanager?apiKey=SECRETKEY1"):
    return j.create_job(file_path="/tmp/leads.xlsx", fingerprint=fingerprint, server=server,
                        template=(1, "Solar Leads"), campaign=(11, "Solar VIC"), allocation=(111, "VIC Week 1"),
                        settings={"allow_duplicates": False})


def test_lives_in_the_user_data_dir_and_never_stores_the_key(tmp_path):
    path = default_path()
    assert "noojee-desktop" in str(path) and path.name == "journal.sqlite3"
    with Journal() as j:
        jid = _job(j)
        assert j.job(jid).server == "https://dialler.example.com"
    assert path.exists()
    dump = "\n".join(sqlite3.connect(path).iterdump())
    assert "SECRETKEY1" not in dump


def test_row_states_survive_reopening_and_resume_finds_the_job(tmp_path):
    db = tmp_path / "j.sqlite3"
    j = Journal(db)
    jid = _job(j)
    invalid = RowOutcome(Category.INVALID, None, "FirstPhone: no phone number")
    j.add_rows(jid, [(0, 2, {"Name": "A", "FirstPhone": "0383218199"}, None, None),
                     (1, 3, {"Name": "B"}, None, invalid),
                     (2, 4, {"Name": "C", "FirstPhone": "0383218100"}, "NJL-1", None)])
    sent = datetime(2026, 1, 2, 3, 4, 5)
    j.mark_inflight(jid, 0, 1, sent)
    j.record(jid, 0, RowOutcome(Category.INSERTED, 0, "OK", 1, sent), final=True)
    j.mark_inflight(jid, 2, 1, sent)        # and then the process dies
    j._db.close()                           # no orderly shutdown

    j2 = Journal(db)
    rows = j2.rows(jid)
    assert [r.state for r in rows] == [DONE, DONE, INFLIGHT]
    assert rows[0].outcome == RowOutcome(Category.INSERTED, 0, "OK", 1, sent)
    assert rows[1].outcome.category is Category.INVALID
    assert rows[2].attempts == 1 and rows[2].external_id == "NJL-1"
    assert rows[2].lead == {"Name": "C", "FirstPhone": "0383218100"}

    found = j2.find_resumable("fp1", "https://DIALLER.example.com", *SOLAR)
    assert found is not None and found.id == jid and found.unfinished == 1
    assert "leads.xlsx" in found.describe() and "2 of 3" in found.describe()
    assert [x.id for x in j2.list_interrupted()] == [jid]
    # another file, another allocation: not this job
    assert j2.find_resumable("other", "https://dialler.example.com", *SOLAR) is None
    assert j2.find_resumable("fp1", "https://dialler.example.com", 1, 11, 112) is None


def test_finished_and_abandoned_jobs_are_not_offered_for_resume(tmp_path):
    j = Journal(tmp_path / "j.sqlite3")
    a = _job(j)
    j.add_rows(a, [(0, 2, {"x": "1"}, None, None)])
    j.record(a, 0, RowOutcome(Category.INSERTED, 0, "OK", 1), final=True)
    j.set_status(a, "finished")
    b = _job(j)
    j.add_rows(b, [(0, 2, {"x": "1"}, None, None)])
    j.abandon(b)
    c = _job(j)
    j.add_rows(c, [(0, 2, {"x": "1"}, None, None)])
    j.record(c, 0, RowOutcome(Category.SERVER_ERROR, None, "server unreachable", 1), final=False,
             maybe_landed=True)
    j.set_status(c, "stopped", "server unreachable")
    assert [x.id for x in j.list_interrupted()] == [c]
    row = j.rows(c)[0]
    assert row.state == PENDING and row.maybe_landed
    j.reopen(a, [0])
    assert j.rows(a)[0].state == PENDING
    assert {x.id for x in j.list_interrupted()} == {a, c}


def test_a_failed_reopen_changes_nothing_and_the_journal_stays_usable(tmp_path):
    j = Journal(tmp_path / "j.sqlite3")
    jid = _job(j)
    j.add_rows(jid, [(0, 2, {"FirstPhone": "0383218199"}, None, None),
                     (1, 3, {"FirstPhone": "0383218100"}, None, None)])
    for i in (0, 1):
        j.mark_inflight(jid, i, 1, datetime(2026, 1, 2))
        j.record(jid, i, RowOutcome(Category.SERVER_ERROR, 103, "EXCEPTION", 1), final=True)

    def indexes():
        yield 0
        raise OSError("disk full")   # half-way through "Retry failed rows"

    try:
        j.reopen(jid, indexes())
    except OSError:
        pass
    assert [r.state for r in j.rows(jid)] == [DONE, DONE]      # row 0 not half-reopened
    j.reopen(jid, [1])                                         # and the next call works
    assert [r.state for r in j.rows(jid)] == [DONE, PENDING]
