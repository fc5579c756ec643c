"""``noojee-desktop watch INBOX``: real watch processes over a temporary inbox and the sandbox."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from noojee_desktop.commands.watch import Settler, file_away, held_by_an_editor, is_ignored
from helpers.leads import numbered, write_leads
from helpers.sandbox import SOLAR, SOLAR_ARGS
from helpers.wait import wait_until

IDS = SOLAR_ARGS


def _wait_for(condition, timeout: float, what: str, proc: subprocess.Popen | None = None, out: Path | None = None):
    """wait_until, failing with what the watch printed (``out`` and its .err file)."""
    def told() -> str:
        extra = ""
        if out is not None:
            extra = "\nstdout:\n" + out.read_text(encoding="utf-8", errors="replace")
            err = out.with_suffix(".err")
            if err.exists():
                extra += "\nstderr:\n" + err.read_text(encoding="utf-8", errors="replace")[-3000:]
        return f"timed out waiting for {what}{extra}"

    return wait_until(condition, timeout, told, interval=0.05, process=proc)


class WatchProcess:
    def __init__(self, inbox: Path, server, logs: Path, *extra: str) -> None:
        logs.mkdir(parents=True, exist_ok=True)
        n = len(list(logs.glob("*.out")))
        self.out = logs / f"watch{n}.out"
        self.err = logs / f"watch{n}.err"
        env = dict(os.environ, NOOJEE_API_KEY=server.api_key)
        with open(self.out, "w") as out, open(self.err, "w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "noojee_desktop", "watch", str(inbox), "--server", server.url, *IDS, *extra],
                env=env, stdout=out, stderr=err)

    def lines(self) -> list[str]:
        return self.out.read_text(encoding="utf-8").splitlines()

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            raise AssertionError("the watch did not exit:\n" + self.out.read_text() + self.err.read_text()[-3000:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def watches():
    started: list[WatchProcess] = []

    def start(*args, **kw) -> WatchProcess:
        w = WatchProcess(*args, **kw)
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()


def _phones(server) -> list[str]:
    return [r["lead"]["FirstPhone"] for r in server.leads()]


def _results_column(path: Path) -> list[str]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    col = list(rows[0]).index("Result")
    return [r[col] for r in rows[1:]]


# --------------------------------------------------------------------------- real processes


@pytest.mark.parametrize("how", [[], ["--poll", "--poll-interval", "0.2"]], ids=["folder-events", "polling"])
def test_a_file_written_in_three_chunks_is_taken_once_after_it_settled(sandbox, tmp_path, watches, how):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    watch = watches(inbox, sandbox, tmp_path / "logs", "--settle", "2.5", *how)
    _wait_for(lambda: any("watching" in line for line in watch.lines()), 30, "the watch to start",
              watch.proc, watch.out)
    target = inbox / "leads.csv"
    with open(target, "w", newline="", encoding="utf-8") as fh:   # a slow copy: three chunks
        w = csv.writer(fh)
        w.writerow(["Name", "City", "FirstPhone"])
        w.writerows(numbered(10, start=0))
        fh.flush()
        time.sleep(0.8)
        w.writerows(numbered(10, start=10))
        fh.flush()
        time.sleep(0.8)
        w.writerows(numbered(10, start=20))
    last_write = time.time()

    done = inbox / "done" / "leads.csv"
    _wait_for(done.exists, 60, "done/leads.csv", watch.proc, watch.out)
    phones = _phones(sandbox)
    assert sorted(phones) == sorted(f"03{i:08d}" for i in range(30))        # each lead once
    inserts = [r["at"] for r in sandbox.request_log() if "insertLead" in r["path"]]
    assert len(inserts) == 30 and min(inserts) >= last_write + 1.0, "taken before the file settled"
    assert _results_column(inbox / "done" / "leads - results.xlsx") == ["Inserted"] * 30
    assert not target.exists()
    mine = [line for line in watch.lines() if "leads.csv:" in line]
    assert len(mine) == 1 and "30 rows: inserted 30 -> done/leads.csv" in mine[0]

    watch.proc.send_signal(signal.SIGTERM)
    assert watch.wait(30) == 0
    assert watch.lines()[-1].endswith("watch stopped")
    assert sandbox.api_key not in watch.out.read_text() + watch.err.read_text()


def test_once_over_a_full_inbox_files_each_kind_where_it_belongs(sandbox, tmp_path, make_xlsx, watches):
    inbox = tmp_path / "inbox"
    (inbox / "done").mkdir(parents=True)
    (inbox / "done" / "good.csv").write_text("an older file of the same name\n", encoding="utf-8")
    write_leads(inbox / "good.csv", numbered(5, start=0))
    xlsx = make_xlsx([["Name", "City", "FirstPhone"]] + numbered(5, start=100), name="good.xlsx")
    os.replace(xlsx, inbox / "good.xlsx")
    (inbox / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not really a workbook")
    write_leads(inbox / "small.csv", numbered(2, start=200))
    small_bytes = (inbox / "small.csv").read_bytes()
    write_leads(inbox / "nothing.csv", [["No phone", "Sydney", ""]] * 3)
    for name in ("~$other.xlsx", "notes.tmp", "upload.part", ".~lock.sheet.ods#"):
        (inbox / name).write_text("x", encoding="utf-8")

    watch = watches(inbox, sandbox, tmp_path / "logs", "--once", "--poll", "--poll-interval", "0.2",
                    "--settle", "0.3", "--min-rows", "3")
    assert watch.wait(90) == 0

    done, failed = inbox / "done", inbox / "failed"
    # a good CSV and xlsx: done, with their results, never overwriting the older good.csv
    assert (done / "good.csv").read_text(encoding="utf-8") == "an older file of the same name\n"
    assert _results_column(done / "good (2) - results.xlsx") == ["Inserted"] * 5
    assert (done / "good (2).csv").exists() and (done / "good.xlsx").exists()
    assert _results_column(done / "good - results.xlsx") == ["Inserted"] * 5
    # a broken file: failed/, with its reason
    assert (failed / "broken.xlsx").exists()
    assert "not read" in (failed / "broken.xlsx.reason.txt").read_text(encoding="utf-8")
    # outside --min-rows: failed/ untouched, reason beside it, nothing sent
    assert (failed / "small.csv").read_bytes() == small_bytes
    assert "fewer than --min-rows 3" in (failed / "small.csv.reason.txt").read_text(encoding="utf-8")
    # nothing sendable: failed/ with results that say why
    assert "none can be sent" in (failed / "nothing.csv.reason.txt").read_text(encoding="utf-8")
    assert _results_column(failed / "nothing - results.xlsx") == ["Fix before sending"] * 3
    # temporary and lock files are left alone
    for name in ("~$other.xlsx", "notes.tmp", "upload.part", ".~lock.sheet.ods#"):
        assert (inbox / name).read_text(encoding="utf-8") == "x"
    # the sandbox holds each lead once
    assert sorted(_phones(sandbox)) == sorted([f"03{i:08d}" for i in range(5)] + [f"03{i:08d}" for i in range(100, 105)])
    lines = watch.lines()
    for name, where in (("good.csv", "done/good (2).csv"), ("good.xlsx", "done/good.xlsx"),
                        ("broken.xlsx", "failed/broken.xlsx"), ("small.csv", "failed/small.csv"),
                        ("nothing.csv", "failed/nothing.csv")):
        mine = [line for line in lines if f" {name}: " in line]
        assert len(mine) == 1 and mine[0].endswith(f"-> {where}"), lines


def test_sigterm_mid_file_then_restart_finishes_it_with_each_lead_once(sandbox_factory, tmp_path, watches):
    server = sandbox_factory(slots=2, service_time=0.02)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    n = 200
    write_leads(inbox / "big.csv", numbered(n))
    watch = watches(inbox, server, tmp_path / "logs", "--settle", "0.3", "--concurrency", "2")
    _wait_for(lambda: len(server.leads()) >= 30, 60, "the upload to get going", watch.proc, watch.out)
    watch.proc.send_signal(signal.SIGTERM)
    assert watch.wait(30) == 0
    stored = len(server.leads())
    assert stored < n, "the stop should land mid-file"
    assert (inbox / "big.csv").exists() and not (inbox / "done").exists()
    assert any("big.csv: stopped" in line and "next start" in line for line in watch.lines())

    again = watches(inbox, server, tmp_path / "logs", "--settle", "0.3", "--once")
    assert again.wait(90) == 0
    phones = _phones(server)
    assert len(phones) == n and len(set(phones)) == n                     # each lead once
    assert _results_column(inbox / "done" / "big - results.xlsx") == ["Inserted"] * n
    assert any("big.csv: 200 rows: inserted 200 -> done/big.csv" in line for line in again.lines())
    assert "Resuming:" in again.err.read_text(encoding="utf-8")


def test_no_key_or_no_folder_is_bad_usage(sandbox, tmp_path, monkeypatch, capsys):
    from noojee_desktop.commands.watch import main

    assert main([str(tmp_path), "--server", sandbox.url, *IDS]) == 2
    assert "No API key" in capsys.readouterr().err
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    assert main([str(tmp_path / "missing"), "--server", sandbox.url, *IDS]) == 2
    assert "does not exist" in capsys.readouterr().err


# --------------------------------------------------------------------------- the parts


def test_temporary_and_lock_files_are_ignored():
    for name in ("~$leads.xlsx", ".~lock.leads.ods#", "leads.tmp", "leads.csv.part", "Thumbs.db", ".hidden.csv"):
        assert is_ignored(name), name
    for name in ("leads.csv", "leads.xlsx", "week 1.ods"):
        assert not is_ignored(name), name


def test_a_file_excel_holds_open_is_not_taken(tmp_path):
    clock = [0.0]
    settler = Settler(tmp_path, 5.0, clock=lambda: clock[0])
    (tmp_path / "leads.xlsx").write_bytes(b"data")
    (tmp_path / "~$leads.xlsx").write_bytes(b"owner")
    assert held_by_an_editor(tmp_path / "leads.xlsx")
    assert settler.scan() == []
    clock[0] = 10.0
    assert settler.scan() == [] and settler.held == {tmp_path / "leads.xlsx"}
    (tmp_path / "~$leads.xlsx").unlink()
    assert settler.scan() == [tmp_path / "leads.xlsx"]


def test_settling_restarts_when_the_file_changes_and_oldest_comes_first(tmp_path):
    clock = [0.0]
    settler = Settler(tmp_path, 5.0, clock=lambda: clock[0])
    new, old = tmp_path / "new.csv", tmp_path / "old.csv"
    new.write_text("a")
    old.write_text("a")
    os.utime(old, (1_000_000, 1_000_000))
    assert settler.scan() == [] and settler.wait_hint() == pytest.approx(5.0)
    clock[0] = 4.0
    new.write_text("ab")            # still being written
    assert settler.scan() == []
    clock[0] = 6.0
    assert settler.scan() == [old]  # new.csv changed at 4 s: it waits till 9 s
    clock[0] = 9.5
    assert settler.scan() == [old, new]


def test_filing_never_overwrites(tmp_path):
    dest = tmp_path / "done"
    dest.mkdir()
    (dest / "leads.csv").write_text("first")
    src = tmp_path / "leads.csv"
    src.write_text("second")
    results = tmp_path / "r.xlsx"
    results.write_text("results")
    target = file_away(src, dest, results=results)
    assert target == dest / "leads (2).csv" and target.read_text() == "second"
    assert (dest / "leads.csv").read_text() == "first"
    assert (dest / "leads (2) - results.xlsx").read_text() == "results"
    assert not src.exists() and not results.exists()


def test_a_dialler_that_is_down_pauses_the_watch_then_the_file_goes_through(sandbox_factory, tmp_path, watches):
    server = sandbox_factory(service_time=0.01, down_until=3.0)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_leads(inbox / "leads.csv", numbered(5))
    watch = watches(inbox, server, tmp_path / "logs", "--settle", "0.2", "--once", "--outage-tolerance", "60")
    assert watch.wait(90) == 0
    assert (inbox / "done" / "leads.csv").exists()
    assert len(_phones(server)) == 5
    assert "Trying again" in watch.err.read_text(encoding="utf-8")


def test_a_dialler_down_for_longer_leaves_the_file_in_the_inbox(sandbox_factory, tmp_path, watches):
    server = sandbox_factory(service_time=0.01, down_until=600.0)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_leads(inbox / "leads.csv", numbered(5))
    watch = watches(inbox, server, tmp_path / "logs", "--settle", "0.2", "--once", "--outage-tolerance", "1")
    assert watch.wait(90) == 3
    assert (inbox / "leads.csv").exists() and not (inbox / "failed").exists()
    assert any("leads.csv: dialler unavailable; left in the inbox" in line for line in watch.lines())
    assert server.leads() == []


def test_a_second_watch_on_the_same_inbox_refuses_to_start(sandbox, tmp_path, watches):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first = watches(inbox, sandbox, tmp_path / "logs")
    _wait_for(lambda: any("watching" in line for line in first.lines()), 30, "the first watch",
              first.proc, first.out)
    second = watches(inbox, sandbox, tmp_path / "logs")
    assert second.wait(30) == 4
    assert "Another watch is already working on" in second.err.read_text(encoding="utf-8")
    assert first.proc.poll() is None
    first.proc.send_signal(signal.SIGINT)
    assert first.wait(30) == 0


def test_sigterm_while_waiting_for_a_down_dialler_stops_at_once_and_sends_nothing(sandbox_factory, tmp_path,
                                                                                  watches):
    server = sandbox_factory(service_time=0.01, down_until=600.0)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_leads(inbox / "leads.csv", numbered(5))
    watch = watches(inbox, server, tmp_path / "logs", "--settle", "0.2", "--outage-tolerance", "600")
    _wait_for(lambda: "Trying again" in watch.err.read_text(encoding="utf-8"), 60, "the wait for the dialler",
              watch.proc, watch.out)
    watch.proc.send_signal(signal.SIGTERM)
    assert watch.wait(15) == 0      # not after --outage-tolerance
    assert any("leads.csv: stopped before any lead was sent" in line for line in watch.lines())
    assert (inbox / "leads.csv").exists() and server.leads() == []


def test_a_refusal_every_row_would_get_halts_the_file_into_failed_with_the_fix(sandbox, tmp_path, watches):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with open(inbox / "leads.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Name", "Phone No."])
        w.writerows([[f"Lead {i}", f"03{i:08d}"] for i in range(60)])
    watch = watches(inbox, sandbox, tmp_path / "logs", "--settle", "0.2", "--once",
                    "--map", "Phone No.=Phone Number", "--phone-fields", "Phone Number")
    assert watch.wait(60) == 0
    reason = (inbox / "failed" / "leads.csv.reason.txt").read_text(encoding="utf-8")
    assert "no phone field" in reason and "put the file back into the inbox" in reason
    assert any("leads.csv: halted" in line and "-> failed/leads.csv" in line for line in watch.lines())
    assert len(sandbox.request_log()) < 60 and sandbox.leads() == []


def test_watch_stop_asks_the_running_watch_to_stop_cleanly_mid_file(sandbox_factory, tmp_path, watches):
    """Where no signal can be sent (the windowed Windows build), `watch INBOX --stop` does it."""
    server = sandbox_factory(slots=2, service_time=0.02)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_leads(inbox / "big.csv", numbered(150))
    env = dict(os.environ)
    stop_cmd = [sys.executable, "-m", "noojee_desktop", "watch", str(inbox), "--stop", "--stop-wait", "30"]
    none = subprocess.run(stop_cmd, env=env, capture_output=True, text=True, timeout=60)
    assert none.returncode == 1 and "No watch is running" in none.stderr

    watch = watches(inbox, server, tmp_path / "logs", "--settle", "0.2", "--concurrency", "2")
    _wait_for(lambda: len(server.leads()) >= 20, 60, "the upload to get going", watch.proc, watch.out)
    stopped = subprocess.run(stop_cmd, env=env, capture_output=True, text=True, timeout=60)
    assert stopped.returncode == 0 and "The watch stopped." in stopped.stderr, stopped.stderr
    assert watch.wait(10) == 0
    assert len(server.leads()) < 150 and (inbox / "big.csv").exists()
    assert any("big.csv: stopped" in line for line in watch.lines())
    again = watches(inbox, server, tmp_path / "logs", "--settle", "0.2", "--once")
    assert again.wait(90) == 0
    phones = _phones(server)
    assert len(phones) == 150 and len(set(phones)) == 150


def test_the_same_list_dropped_again_is_done_without_sending_a_lead_twice(sandbox, tmp_path, watches):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_leads(inbox / "leads.csv", numbered(5))
    first = watches(inbox, sandbox, tmp_path / "logs", "--settle", "0.2", "--once")
    assert first.wait(60) == 0
    write_leads(inbox / "leads.csv", numbered(5))   # the vendor sends the same list again
    again = watches(inbox, sandbox, tmp_path / "logs", "--settle", "0.2", "--once")
    assert again.wait(60) == 0
    assert (inbox / "done" / "leads (2).csv").exists()
    assert _results_column(inbox / "done" / "leads (2) - results.xlsx") == ["Already loaded"] * 5
    assert len(_phones(sandbox)) == 5                                       # each lead once


def test_a_list_another_process_is_uploading_is_left_for_later(sandbox, tmp_path, watches):
    from noojee_desktop.core import jobs
    from noojee_desktop.core.journal import Journal
    from noojee_desktop.core.sheet import read_sheet

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_leads(inbox / "leads.csv", numbered(5))
    journal = Journal()
    fingerprint = read_sheet(inbox / "leads.csv").fingerprint
    lock = jobs.job_lock(journal, fingerprint, f"{sandbox.url}/servicemanager/rest/CampaignAPI", *SOLAR,
                         jobs.APP)
    lock.acquire()
    try:
        watch = watches(inbox, sandbox, tmp_path / "logs", "--settle", "0.2", "--once")
        assert watch.wait(60) == 3
    finally:
        lock.release()
        journal.close()
    assert (inbox / "leads.csv").exists() and not (inbox / "failed").exists()
    assert any("leads.csv: not taken now; left in the inbox" in line for line in watch.lines())
    assert sandbox.leads() == []
