"""A refusal every row would get (102, 111 with the same name, 115-117, 401/403) pauses the upload
after a handful of calls with a reason saying what to change; nothing more is sent until the user
decides, and the rows not sent stay resumable."""

from __future__ import annotations

import asyncio
import csv
import os

import pytest

from test_engine import FAST, FAST_RATE, FakeDialler, Row, rows, spec

from noojee_desktop.commands.upload import main
from noojee_desktop.core import journal as jr
from noojee_desktop.core.api import NoojeeClient
from noojee_desktop.core.codes import Category
from noojee_desktop.core.engine import HALT_AFTER, JobSpec, UploadEngine
from noojee_desktop.core.journal import Journal
from helpers.sandbox import SOLAR_ARGS

HANDFUL = 5


def phone_number_rows(n):
    """Rows whose phone went to a field 'Phone Number', which is not the template's phone field."""
    return [Row(i, i + 2, {"Name": f"Lead {i}", "Phone Number": f"03{i:08d}"}) for i in range(n)]


def make(client, the_rows, *, journal=None, on_halt=None, concurrency="auto", **kw):
    return UploadEngine(client, spec(**kw), the_rows, journal, concurrency=concurrency, policy=FAST,
                        rate=FAST_RATE, progress_interval=0.01, on_halt=on_halt)


async def _settle(eng, client):
    """Until the calls in flight are back and nothing more goes out (bounded)."""
    for _ in range(200):
        before = client.calls
        for _ in range(20):
            await asyncio.sleep(0)
        if eng.controller.inflight == 0 and client.calls == before:
            return
    raise AssertionError("the engine kept sending while halted")


@pytest.mark.allow_log(r"halting the upload: The dialler found no phone field", logger="noojee_desktop.core.engine")
async def test_102_on_the_first_rows_pauses_after_a_handful_with_what_to_change():
    client = FakeDialler()
    halts = []
    j = Journal()
    eng = make(client, phone_number_rows(200), journal=j, on_halt=halts.append, concurrency=8,
               phone_fields=("Phone Number",), columns={"Phone Number": "Phone No."})
    task = asyncio.create_task(eng.run())
    await _settle(eng, client)
    assert len(halts) == 1 and not task.done()
    assert client.calls <= HANDFUL
    reason = halts[0]
    assert "no phone field" in reason and "'Phone Number' (column 'Phone No.') is not one of" in reason
    p = eng.progress()
    assert p.halted == reason and p.paused
    eng.cancel()
    summary = await task
    assert summary.stopped == "cancelled" and client.stored == []
    # every row can still be sent: the ones refused (nothing applied) and the ones never sent
    job = j.job(summary.job_id)
    assert job.unfinished == 200 and job.status == jr.CANCELLED


@pytest.mark.allow_log(r"halting the upload: The dialler found no phone field", logger="noojee_desktop.core.engine")
async def test_resuming_after_the_halt_sends_the_rest_as_it_is_and_does_not_halt_again():
    client = FakeDialler()
    halts = []
    j = Journal()
    eng = make(client, phone_number_rows(40), journal=j, on_halt=halts.append)
    task = asyncio.create_task(eng.run())
    await _settle(eng, client)
    assert len(halts) == 1
    eng.resume()
    summary = await task
    assert len(halts) == 1 and summary.stopped is None
    assert summary.counts == {Category.DATA_ERROR: 40} and client.calls == 40
    assert eng.progress().halted is None
    assert j.job(summary.job_id).status == jr.FINISHED and j.job(summary.job_id).unfinished == 0


@pytest.mark.allow_log(r"halting the upload: The dialler found no phone field", logger="noojee_desktop.core.engine")
async def test_without_a_halt_callback_the_run_stops_and_a_resume_with_the_fixed_mapping_sends_every_row():
    client = FakeDialler()
    j = Journal()
    summary = await make(client, phone_number_rows(200), journal=j, concurrency=8).run()
    assert summary.stopped == "halted" and "no phone field" in summary.message
    assert client.calls <= HANDFUL
    assert j.job(summary.job_id).unfinished == 200
    fixed = rows(200)                      # the same rows, the phone now mapped to FirstPhone
    resumed = make(client, fixed, journal=j, resume_job_id=summary.job_id)
    again = await resumed.run()
    assert again.all_inserted and len(client.stored) == 200
    order = [int(s["Name"].split()[1]) for s in client.stored]
    assert sorted(order) == list(range(200))
    assert max(abs(pos - i) for pos, i in enumerate(order)) <= resumed.controller.max_cwnd
    assert all("Phone Number" not in r.lead for r in j.rows(summary.job_id))


async def test_rows_with_a_phone_in_some_rows_only_are_not_a_halt():
    client = FakeDialler()
    the_rows = rows(30)
    for r in the_rows[1::2]:
        r.lead["Phone Number"] = r.lead.pop("FirstPhone")
    halts = []
    summary = await make(client, the_rows, on_halt=halts.append).run()
    assert halts == [] and summary.counts == {Category.INSERTED: 15, Category.DATA_ERROR: 15}


@pytest.mark.allow_log(r"halting the upload: The dialler does not know the Contact Hours", logger="noojee_desktop.core.engine")
async def test_the_same_unknown_contact_hours_name_halts_other_names_go_through():
    client = FakeDialler()
    the_rows = rows(60)
    for r in the_rows:
        r.lead["njContactHours"] = "Standard" if r.index % 2 == 0 else "Nowhere"
    halts = []
    eng = make(client, the_rows, on_halt=halts.append)
    task = asyncio.create_task(eng.run())
    await _settle(eng, client)
    assert len(halts) == 1 and "does not know the Contact Hours 'Nowhere'" in halts[0]
    refused = sum(1 for o in eng.outcomes if o is not None and o.code == 111)
    assert HALT_AFTER <= refused <= HANDFUL
    eng.cancel()
    await task


@pytest.mark.allow_log(r"halting the upload: The dialler refused the API key", logger="noojee_desktop.core.engine")
async def test_key_refused_pauses_and_resume_goes_on_once_it_is_fixed():
    client = FakeDialler({"Lead 0": ["auth"]})      # e.g. the IP was whitelisted meanwhile
    halts = []
    eng = make(client, rows(20), on_halt=halts.append)
    task = asyncio.create_task(eng.run())
    await _settle(eng, client)
    assert len(halts) == 1 and "refused the API key" in halts[0]
    assert client.calls <= HANDFUL and eng.progress().halted
    eng.resume()
    summary = await task
    assert summary.all_inserted and client.count("Lead 0") == 1
    assert summary.outcomes[0].attempts == 1


@pytest.mark.allow_log(r"halting the upload: The dialler does not accept the template", logger="noojee_desktop.core.engine")
async def test_a_template_the_dialler_refuses_halts_after_a_handful_of_calls(sandbox):
    async with NoojeeClient(sandbox.url, sandbox.api_key) as client:
        job = JobSpec(server=client.base_url, template=(99, "Gone"), campaign=(11, ""), allocation=(111, ""),
                      file_path="leads.csv", fingerprint="fp")
        summary = await UploadEngine(client, job, rows(100), Journal(), concurrency=6, policy=FAST,
                                     rate=FAST_RATE).run()
    inserts = [r for r in sandbox.request_log() if r["path"].endswith("/insertLeadFast")]
    assert len(inserts) <= HANDFUL and {r["code"] for r in inserts} == {116}
    assert summary.stopped == "halted" and "template 'Gone' (99)" in summary.message


@pytest.mark.allow_log(r"halting the upload: The dialler found no phone field", logger="noojee_desktop.core.engine")
def test_headless_stops_with_exit_1_and_the_message_then_resume_after_the_fix(sandbox, tmp_path, monkeypatch,
                                                                             capsys):
    monkeypatch.setenv("NOOJEE_API_KEY", sandbox.api_key)
    path = tmp_path / "export.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Full Name", "Phone Number", "Suburb"])
        for i in range(200):
            w.writerow([f"Lead {i}", f"03{i:08d}", "Richmond"])
    out = tmp_path / "results.csv"
    common = [str(path), "--server", sandbox.url, *SOLAR_ARGS,
              "--results", str(out), "--concurrency", "8"]
    code = main(common + ["--map", "Full Name=Name", "--map", "Phone Number=Phone Number",
                          "--phone-fields", "Phone Number"])
    err = capsys.readouterr().err
    assert code == 1
    assert "The dialler found no phone field" in err and "'Phone Number' is not one of" in err
    assert "--resume" in err
    inserts = [r for r in sandbox.request_log() if r["path"].endswith("/insertLeadFast")]
    assert 1 <= len(inserts) <= HANDFUL and sandbox.leads() == []

    code = main(common + ["--resume", "--map", "Full Name=Name", "--map", "Phone Number=FirstPhone",
                          "--phone-fields", "FirstPhone"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Resuming:" in err
    phones = sorted(r["lead"]["FirstPhone"] for r in sandbox.leads())
    assert phones == [f"03{i:08d}" for i in range(200)]
    with open(out, encoding="utf-8-sig", newline="") as fh:
        assert {r["Result"] for r in csv.DictReader(fh)} == {"Inserted"}
    assert os.environ["NOOJEE_API_KEY"] not in err
