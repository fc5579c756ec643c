"""``noojee-desktop upload``: what a team leader running it (or a scheduled task) sees and gets."""

from __future__ import annotations

import collections
import csv
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from noojee_desktop.commands.upload import main
from helpers.sandbox import SOLAR_ARGS
from helpers.wait import wait_steady, wait_until

IDS = SOLAR_ARGS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _results(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_all_inserted_exit_0_results_next_to_the_file(sandbox, lead_csv, monkeypatch, capsys):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    path = lead_csv(25)
    code = main([str(path), "--server", sandbox.url, "--template", "Solar Leads", "--campaign", "Solar VIC",
                 "--allocation", "VIC Week 1"])
    err = capsys.readouterr().err
    assert code == 0
    assert len(sandbox.leads()) == 25 and {r["allocation_id"] for r in sandbox.leads()} == {111}
    assert "Inserted" in err and "25" in err and "Total" in err
    written = list(path.parent.glob("leads - results *.xlsx"))
    assert len(written) == 1 and str(written[0]) in err
    # its Summary says where the rows went, when and by what
    from openpyxl import load_workbook

    from noojee_desktop import __version__

    summary = {r[0]: r[1] for r in load_workbook(written[0])["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Server"] == sandbox.url and summary["Template"] == "Solar Leads (id 1)"
    assert summary["Campaign"] == "Solar VIC (id 11)" and summary["Allocation"] == "VIC Week 1 (id 111)"
    assert summary["App version"] == __version__ and summary["Uploaded"][:2] == "20"


def test_rejections_and_invalid_rows_exit_1_and_csv_results_say_which(sandbox, lead_csv, monkeypatch, capsys,
                                                                     tmp_path):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    path = lead_csv(5, extra=[["DNC person", "Sydney", "0299999999"], ["No phone", "Sydney", ""]])
    out = tmp_path / "out.csv"
    code = main([str(path), "--server", sandbox.url, *IDS, "--results", str(out), "--concurrency", "2"])
    assert code == 1
    rows = _results(out)
    assert [r["Result"] for r in rows] == ["Inserted"] * 5 + ["Do Not Call", "Fix before sending"]
    assert rows[5]["Code"] == "104" and rows[6]["Attempts"] == "0"
    assert len(sandbox.leads()) == 5
    assert "2 at once (fixed)" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--concurrency", "lots"], "--concurrency must be"),
    (["--template", "No Such Template"], "There is no template called 'No Such Template'"),
    (["--map", "Nope=FirstPhone"], "the file has no column 'Nope'"),
    (["--map", "FirstPhone="], "No column goes to a phone field"),
])
def test_bad_usage_exit_2_and_nothing_sent(sandbox, lead_csv, monkeypatch, capsys, args, message):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    base = {"--template": "1", "--campaign": "11", "--allocation": "111"}
    cmd = [str(lead_csv(3)), "--server", sandbox.url]
    for k, v in base.items():
        if k not in args:
            cmd += [k, v]
    assert main(cmd + args) == 2
    err = capsys.readouterr().err
    assert message in err and "Nothing was sent." in err
    assert sandbox.leads() == []


def test_unreadable_file_and_missing_key_exit_2(sandbox, tmp_path, lead_csv, capsys):
    assert main([str(tmp_path / "missing.xlsx"), "--server", sandbox.url, *IDS]) == 2
    assert "was not found" in capsys.readouterr().err
    assert main([str(lead_csv(2)), "--server", sandbox.url, *IDS]) == 2
    assert "NOOJEE_API_KEY" in capsys.readouterr().err
    assert sandbox.leads() == []


def test_key_from_the_apps_keyring_entry(sandbox, lead_csv, capsys):
    import keyring

    from noojee_desktop.ui.settings import save_key   # exactly what the app's Save does

    host = sandbox.url.split("://", 1)[1]
    save_key(sandbox.url, sandbox.api_key)
    try:
        assert main([str(lead_csv(3)), "--server", sandbox.url, *IDS]) == 0
    finally:
        keyring.delete_password("noojee-desktop", host)
    assert len(sandbox.leads()) == 3


def test_key_refused_or_server_unreachable_exit_3(sandbox, lead_csv, monkeypatch, capsys):
    monkeypatch.setenv("NOOJEE_API_KEY", "wrong-key-123")
    assert main([str(lead_csv(3)), "--server", sandbox.url, *IDS]) == 3
    assert "key" in capsys.readouterr().err.lower()
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    assert main([str(lead_csv(3)), "--server", f"http://127.0.0.1:{_free_port()}", *IDS,
                 "--outage-tolerance", "0.5"]) == 3
    err = capsys.readouterr().err
    assert "refused the connection" in err and "Trying again" in err
    assert sandbox.leads() == []


def test_dialler_down_when_the_job_starts_is_waited_for(sandbox, lead_csv, monkeypatch, capsys):
    """A scheduled import that starts inside a maintenance window waits for the dialler."""
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    sandbox.set_down(1.5)
    assert main([str(lead_csv(3)), "--server", sandbox.url, "--template", "Solar Leads", "--campaign",
                 "Solar VIC", "--allocation", "VIC Week 1", "--outage-tolerance", "20"]) == 0
    assert "Trying again" in capsys.readouterr().err
    assert len(sandbox.leads()) == 3


def test_dry_run_needs_no_server_with_numeric_ids(lead_csv, tmp_path, capsys):
    path = lead_csv(4, extra=[["No phone", "Sydney", ""]])
    out = tmp_path / "check.csv"
    code = main([str(path), *IDS, "--phone-field", "FirstPhone", "--dry-run", "--results", str(out)])  # no --server
    err = capsys.readouterr().err
    assert code == 1   # one row needs fixing
    assert "5 rows: 4 can be sent, 1 need fixing" in err and "Dry run: nothing was sent." in err
    assert [r["Result"] for r in _results(out)] == ["Not sent"] * 4 + ["Fix before sending"]
    assert main([str(lead_csv(2, name="ok.csv")), "--server", "dialler.example.com", *IDS, "--dry-run"]) == 0
    assert not list(tmp_path.glob("ok - results*"))   # no results file unless asked
    assert main([str(lead_csv(2, name="ok.csv")), *IDS]) == 2     # sending does need it
    assert "--server URL is needed" in capsys.readouterr().err


def test_dry_run_with_names_checks_them_on_the_dialler_and_sends_nothing(sandbox, lead_csv, monkeypatch, capsys):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    names = ["--template", "Solar Leads", "--campaign", "Solar VIC", "--allocation", "VIC Week 1"]
    assert main([str(lead_csv(3)), "--server", sandbox.url, *names, "--dry-run"]) == 0
    assert "Dry run: nothing was sent." in capsys.readouterr().err
    wrong = names[:5] + ["No Such Allocation"]
    assert main([str(lead_csv(3)), "--server", sandbox.url, *wrong, "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "There is no allocation called 'No Such Allocation'" in err and "Nothing was sent." in err
    monkeypatch.setenv("NOOJEE_API_KEY", "wrong-key-123")
    assert main([str(lead_csv(3)), "--server", sandbox.url, *names, "--dry-run"]) == 3
    assert "key" in capsys.readouterr().err.lower()
    assert main([str(lead_csv(3)), "--server", "http://dialler.example.com", *names, "--dry-run"]) == 2
    assert "plain http" in capsys.readouterr().err
    assert sandbox.leads() == []


def _run_cli(args, env, **kw):
    return subprocess.Popen([sys.executable, "-m", "noojee_desktop", "upload", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_killed_mid_job_then_resumed_every_lead_once_and_key_never_shown(sandbox_factory, lead_csv, leaky_key,
                                                                         tmp_path):
    server = sandbox_factory(slots=2, service_time=0.02, api_key=leaky_key)
    n = 200
    path = lead_csv(n)
    out = tmp_path / "results.csv"
    env = dict(os.environ, NOOJEE_API_KEY=leaky_key)
    args = [str(path), "--server", server.url, *IDS, "--results", str(out)]
    proc = _run_cli(args, env)
    wait_until(lambda: len(server.leads()) >= 40, 30, "the upload never got 40 leads in", interval=0.01, process=proc)
    proc.send_signal(signal.SIGKILL)
    out1, err1 = proc.communicate(timeout=10)
    # calls already inside the dialler when the process died still finish there
    stored_at_kill = wait_steady(lambda: len(server.leads()), 0.3, 5, "leads kept arriving after the kill")
    assert 40 <= stored_at_kill < n, "the kill should land mid-job"

    # Running the same command again without --resume must not send everything again.
    proc = _run_cli(args, env)
    out_again, err_again = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "--resume" in err_again and "interrupted" in err_again
    assert len(server.leads()) == stored_at_kill

    proc = _run_cli(args + ["--resume"], env)
    out2, err2 = proc.communicate(timeout=60)
    assert proc.returncode == 0, err2
    assert "Resuming:" in err2
    phones = [r["lead"]["FirstPhone"] for r in server.leads()]
    assert len(phones) == n and len(set(phones)) == n          # every lead exactly once
    rows = _results(out)
    assert [r["Result"] for r in rows] == ["Inserted"] * n
    # rows finished before the kill were not sent again
    assert sum(1 for r in rows if r["Attempts"] == "1") >= stored_at_kill - 4
    for text in (out1, err1, out_again, err_again, out2, err2, out.read_text(encoding="utf-8-sig")):
        assert leaky_key not in text
    data_dir = Path(os.environ["XDG_DATA_HOME"]) / "noojee-desktop"
    assert (data_dir / "journal.sqlite3").exists()
    for f in data_dir.glob("journal.sqlite3*"):
        assert leaky_key.encode() not in f.read_bytes()


def test_two_uploads_of_one_file_at_once_the_second_refuses_and_each_lead_goes_in_once(
        sandbox_factory, lead_csv, tmp_path):
    """The daily accident: a scheduled upload runs while someone starts (or resumes) the same list
    by hand. Duplicates allowed, no external ids: only the lock stands between them and doubles."""
    server = sandbox_factory(slots=1, service_time=0.05)     # about 20 leads a second: ~8 s for the list
    n = 160
    path = lead_csv(n)
    env = dict(os.environ, NOOJEE_API_KEY=server.api_key)
    args = [str(path), "--server", server.url, *IDS, "--allow-duplicates", "--concurrency", "2"]
    first = _run_cli(args + ["--results", str(tmp_path / "first.csv")], env)
    try:
        wait_until(lambda: len(server.leads()) >= 5 or first.poll() is not None, 60, "the first upload never started")
        assert first.poll() is None, "the first upload should still be running"
        # the same command again, a resume, a fresh start: all at once, all while the first runs
        others = [_run_cli(args + extra, env) for extra in ([], ["--resume"], ["--new-upload"])]
        for second in others:
            out, err = second.communicate(timeout=60)
            assert second.returncode == 2, err
            assert "This list is being uploaded in another window (since " in err
            assert f"noojee-desktop upload command (process {first.pid})" in err and "Nothing was sent." in err
            assert "Traceback" not in err
        assert first.poll() is None, "the refusals should come while the first upload runs"
        out1, err1 = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert first.returncode == 0, err1
    phones = collections.Counter(r["lead"]["FirstPhone"] for r in server.leads())
    assert len(phones) == n and set(phones.values()) == {1}

    # and once it is done, the same command again sends nothing new: every row is Already loaded
    again = _run_cli(args + ["--results", str(tmp_path / "again.csv")], env)
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    assert f"{n} of these rows were inserted into Solar VIC on " in err
    assert [r["Result"] for r in _results(tmp_path / "again.csv")] == ["Already loaded"] * n
    assert len(server.leads()) == n


def test_edited_file_sends_only_the_new_rows_and_send_again_sends_all(sandbox, lead_csv, tmp_path, monkeypatch,
                                                                        capsys):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    n = 12
    path = lead_csv(n)
    common = ["--server", sandbox.url, "--template", "Solar Leads", "--campaign", "Solar VIC",
              "--allocation", "VIC Week 1", "--allow-duplicates"]
    assert main([str(path), *common]) == 0
    assert len(sandbox.leads()) == n
    # the team leader adds three leads at the top and sorts the rest the other way round
    lines = path.read_text(encoding="utf-8").splitlines()
    new = ["New one,Geelong,0355550001", "New two,Geelong,0355550002", "New three,Ballarat,0353330003"]
    path.write_text("\n".join([lines[0], *new, *reversed(lines[1:])]) + "\n", encoding="utf-8")
    out = tmp_path / "second.csv"
    capsys.readouterr()
    assert main([str(path), *common, "--results", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"{n} of these rows were inserted into Solar VIC on " in err and "--send-again" in err
    assert "Already loaded" in err        # in the summary table
    assert len(sandbox.leads()) == n + 3
    rows = _results(out)
    assert [r["Result"] for r in rows] == ["Inserted"] * 3 + ["Already loaded"] * n
    assert "by upload #1" in rows[3]["Message"]
    # asked to, it sends them all again (duplicates allowed: the dialler now has them twice), as long as
    # no external id is generated: a generated id is the same for the same row of the same file, so the
    # dialler would refuse the three rows it already has from this very file (112)
    assert main([str(path), *common, "--send-again", "--no-external-ids"]) == 0
    assert len(sandbox.leads()) == 2 * n + 6


def test_unwritable_data_folder_exits_2_with_a_sentence_and_sends_nothing(sandbox, lead_csv):
    data = Path(os.environ["XDG_DATA_HOME"])
    data.mkdir(parents=True, exist_ok=True)
    (data / "noojee-desktop").write_text("a file where the data folder should be")
    env = dict(os.environ, NOOJEE_API_KEY=sandbox.api_key)
    proc = _run_cli([str(lead_csv(5)), "--server", sandbox.url, *IDS], env)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert (f"The upload journal in {data / 'noojee-desktop'} could not be opened: something that is not a "
            "folder is in its place") in err
    assert "Nothing was sent." in err and "Traceback" not in err + out
    assert sandbox.leads() == []


def test_disk_filling_up_mid_upload_stops_with_exit_4_and_a_resume_sends_the_rest_once(
        sandbox_factory, lead_csv, tmp_path):
    """A real process whose files cannot grow past 300 kB (RLIMIT_FSIZE, like a nearly full disk):
    the journal's write-ahead log hits the limit mid-job. Sending stops with a sentence and exit 4;
    once there is room, --resume sends the rest and every lead is in the dialler once."""
    server = sandbox_factory(slots=2, service_time=0.005)
    n = 150
    path = lead_csv(n)
    env = dict(os.environ, NOOJEE_API_KEY=server.api_key)
    args = [str(path), "--server", server.url, *IDS, "--results", str(tmp_path / "results.csv")]
    small_disk = ("import resource, runpy, signal, sys\n"
                  "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
                  "resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))\n"
                  "sys.argv = ['noojee-desktop', 'upload', *sys.argv[1:]]\n"
                  "runpy.run_module('noojee_desktop', run_name='__main__')\n")
    proc = subprocess.Popen([sys.executable, "-c", small_disk, *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 4, err
    assert "The upload journal in " in err and "could not be written" in err and "Sending stopped" in err
    assert "Traceback" not in err + out
    stored = len(server.leads())
    assert 0 < stored < n, "it should stop part-way"

    proc = _run_cli(args + ["--resume"], env)          # room again
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    phones = collections.Counter(r["lead"]["FirstPhone"] for r in server.leads())
    assert len(phones) == n and set(phones.values()) == {1}
