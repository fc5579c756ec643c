"""Update mode of the engine against the sandbox dialler: updateLeadFast by external id, the
update codes in the results, 110 never sent again, lost replies resent, journaled and resumable."""

from __future__ import annotations

import asyncio
import csv
import threading

import pytest

from noojee_desktop.core.api import NoojeeClient
from noojee_desktop.core.codes import Category
from noojee_desktop.core.engine import MODE_UPDATE, JobSpec, RetryPolicy, UploadEngine
from noojee_desktop.core.journal import Journal
from noojee_desktop.core.ratecontrol import RateSettings
from noojee_desktop.core.sheet import auto_map, read_sheet, validate, validate_update
from helpers.sandbox import SOLAR

POLICY = RetryPolicy(max_attempts=6, backoff_base=0.01, backoff_max=0.05, outage_tolerance=8.0,
                     probe_base=0.05, probe_max=0.2)
RATE = RateSettings(busy_pause=0.05, error_pause=0.01)
PHONES = {"FirstPhone", "SecondPhone"}


def _write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


async def _job(server, sheet, rows, journal=None, concurrency="auto", **spec):
    async with NoojeeClient(server.url, server.api_key) as client:
        job = JobSpec(server=client.base_url, template=(1, "Solar Leads"), campaign=(11, "Solar VIC"),
                      allocation=(111, "VIC Week 1"), file_path=str(sheet.path), fingerprint=sheet.fingerprint,
                      **spec)
        engine = UploadEngine(client, job, rows, journal or Journal(), concurrency=concurrency, policy=POLICY,
                              rate=RATE)
        summary = await engine.run()
        return engine, summary


async def _load(server, tmp_path, n=10, concurrency="auto"):
    path = _write(tmp_path / "leads.csv", ["njExternalLeadId", "Name", "FirstPhone", "SecondPhone", "City"],
                  [[f"ACC-{i}", f"Lead {i}", f"03832180{i:02d}", f"04123450{i:02d}", "Melbourne"] for i in range(n)])
    sheet = read_sheet(path)
    _, summary = await _job(server, sheet, validate(sheet, auto_map(sheet.headers, None, PHONES)),
                            concurrency=concurrency)
    assert summary.all_inserted
    return path


def _update_sheet(tmp_path, rows, name="changes.csv"):
    path = _write(tmp_path / name, ["njExternalLeadId", "njDisposition", "FirstPhone", "SecondPhone",
                                    "njCallBackDate", "City"], rows)
    sheet = read_sheet(path)
    return sheet, validate_update(sheet, auto_map(sheet.headers, None, PHONES))


async def test_update_half_the_list_codes_per_row_and_the_dialler_holds_the_changes(sandbox_factory, tmp_path):
    server = sandbox_factory(slots=3, service_time=0.005)
    await _load(server, tmp_path)
    sheet, rows = _update_sheet(tmp_path, [
        ["ACC-0", "Sale", "<No Change>", "0412999000", "2030/05/01 10:30", "<no change>"],
        ["ACC-1", "Call Back", "0383219991", "<NO CHANGE>", "01/06/2030 9:15 am", "Geelong"],
        ["ACC-2", "Not Interested", "<No Change>", "", "", "Ballarat"],
        ["NOPE-9", "Sale", "0383218003", "", "", ""],
        ["ACC-4", "Maybe Later", "0383218004", "", "", ""],
    ])
    assert all(r.sendable for r in rows)
    journal = Journal()
    engine, summary = await _job(server, sheet, rows, journal, mode=MODE_UPDATE)

    o = summary.outcomes
    assert [x.code for x in o] == [0, 0, 0, 101, 106]
    assert [x.category for x in o[:3]] == [Category.UPDATED] * 3
    assert o[3].message == "Not found (no lead with this external id)."
    assert o[4].message.startswith("Unknown disposition")
    leads = {lead["external_id"]: lead for lead in server.leads(11)}
    a0, a1, a2 = leads["ACC-0"], leads["ACC-1"], leads["ACC-2"]
    assert (a0["disposition"], a0["lead"]["FirstPhone"], a0["lead"]["SecondPhone"]) == ("Sale", "0383218000",
                                                                                        "0412999000")
    assert a0["lead"]["njCallBackDate"] == "2030/05/01 10:30" and a0["lead"]["City"] == "Melbourne"
    assert (a1["disposition"], a1["lead"]["FirstPhone"], a1["lead"]["SecondPhone"]) == ("Call Back", "0383219991",
                                                                                        "0412345001")
    assert a1["lead"]["njCallBackDate"] == "2030/06/01 09:15" and a1["lead"]["City"] == "Geelong"
    assert (a2["disposition"], a2["lead"]["City"]) == ("Not Interested", "Ballarat")
    # untouched: the lead with the unknown disposition, and the other half of the list
    assert leads["ACC-4"]["disposition"] is None and leads["ACC-4"]["updates"] == 0
    assert all(leads[f"ACC-{i}"]["updates"] == 0 for i in range(5, 10))
    assert len(server.leads(11)) == 10          # an update never inserts
    job = journal.job(summary.job_id)
    assert job.settings["mode"] == "update" and job.unfinished == 0


async def test_a_110_is_final_and_not_sent_again_even_by_retry_failed(sandbox_factory, tmp_path):
    server = sandbox_factory(slots=2, service_time=0.005)
    await _load(server, tmp_path, n=3)
    server.agent_editing("ACC-1")
    sheet, rows = _update_sheet(tmp_path, [[f"ACC-{i}", "Sale", "<No Change>", "", "", ""] for i in range(3)])
    engine, summary = await _job(server, sheet, rows, mode=MODE_UPDATE)
    o = summary.outcomes
    assert [x.code for x in o] == [0, 110, 0]
    assert o[1].message == "Someone was editing this lead: check it in Noojee." and o[1].attempts == 1
    assert o[1].category is Category.REJECTED
    calls = server.stats()["calls"]

    server.agent_editing("ACC-1", editing=False)
    async with NoojeeClient(server.url, server.api_key) as client:
        engine.client = client
        again = await engine.retry_failed(include_rejections=True)
    assert again.outcomes[1].code == 110 and again.outcomes[1].attempts == 1
    assert server.stats()["calls"] == calls, "a 110 row was sent again"
    assert {lead["external_id"]: lead["disposition"] for lead in server.leads(11)}["ACC-1"] is None


async def test_a_lost_reply_of_an_update_is_sent_again(sandbox_factory, tmp_path):
    server = sandbox_factory(slots=2, service_time=0.005)
    await _load(server, tmp_path, n=4)
    sheet, rows = _update_sheet(tmp_path, [[f"ACC-{i}", "Sale", "<No Change>", "", "", "Perth"] for i in range(4)])
    server.drop_next(2)
    _, summary = await _job(server, sheet, rows, mode=MODE_UPDATE)
    assert [x.category for x in summary.outcomes] == [Category.UPDATED] * 4
    resent = [x for x in summary.outcomes if x.attempts == 2]
    assert len(resent) == 2 and all("harmless" in x.note for x in resent)
    assert all(lead["disposition"] == "Sale" and lead["lead"]["City"] == "Perth" for lead in server.leads(11))


@pytest.mark.allow_log(r"dialler unreachable", logger="noojee_desktop.core.engine")
async def test_an_interrupted_update_job_resumes_from_the_journal(sandbox_factory, tmp_path):
    server = sandbox_factory(slots=1, service_time=0.01)
    await _load(server, tmp_path, n=10)
    sheet, rows = _update_sheet(tmp_path, [[f"ACC-{i}", "Sale", "<No Change>", "", "", "Perth"] for i in range(10)])
    policy = RetryPolicy(outage_tolerance=0.3, probe_base=0.05, probe_max=0.1, backoff_base=0.01)

    def go_down():
        for _ in range(2000):
            if sum(lead["updates"] for lead in server.leads()) >= 3:
                break
            threading.Event().wait(0.005)
        server.set_down(1.5)

    threading.Thread(target=go_down, daemon=True).start()
    journal = Journal()
    async with NoojeeClient(server.url, server.api_key) as client:
        job = JobSpec(server=client.base_url, template=(1, ""), campaign=(11, ""), allocation=(111, ""),
                      file_path=str(sheet.path), fingerprint=sheet.fingerprint, mode=MODE_UPDATE)
        first = await UploadEngine(client, job, rows, journal, policy=policy, rate=RATE).run()
        assert first.stopped == "unreachable"
        assert journal.job(first.job_id).unfinished > 0
        for _ in range(200):
            if not server.is_down:
                break
            await asyncio.sleep(0.05)
        found = journal.find_resumable(sheet.fingerprint, client.base_url, *SOLAR)
        assert found.id == first.job_id and found.settings["mode"] == "update"
        job.resume_job_id = found.id
        again = await UploadEngine(client, job, rows, journal, policy=policy, rate=RATE).run()
    assert again.all_succeeded and again.counts == {Category.UPDATED: 10}
    assert all(lead["disposition"] == "Sale" and lead["updates"] >= 1 for lead in server.leads(11))


async def test_a_resumed_update_job_stays_an_update_whatever_the_caller_says(sandbox_factory, tmp_path):
    """The app resuming an interrupted job from the journal must not send an update as an insert."""
    server = sandbox_factory(slots=1, service_time=0.005)
    await _load(server, tmp_path, n=3)
    sheet, rows = _update_sheet(tmp_path, [[f"ACC-{i}", "Sale", "<No Change>", "", "", ""] for i in range(3)])
    journal = Journal()
    job_id = journal.create_job(file_path=str(sheet.path), fingerprint=sheet.fingerprint, server=server.url,
                                template=(1, ""), campaign=(11, ""), allocation=(111, ""),
                                settings={"mode": "update"})
    journal.add_rows(job_id, [(r.index, r.row_number, r.lead, r.lead["njExternalLeadId"], None) for r in rows])
    _, summary = await _job(server, sheet, rows, journal, resume_job_id=job_id)   # mode left at insert
    assert summary.counts == {Category.UPDATED: 3}
    assert len(server.leads(11)) == 3 and all(lead["disposition"] == "Sale" for lead in server.leads(11))


async def test_an_update_job_opens_up_after_its_first_replies(sandbox_factory, tmp_path):
    """The cautious start (at most a couple of calls until replies show the rows get through) ends for
    updates as for inserts."""
    server = sandbox_factory(slots=8, service_time=0.02)
    await _load(server, tmp_path, n=40, concurrency=1)
    assert server.peak_concurrency == 1
    sheet, rows = _update_sheet(tmp_path, [[f"ACC-{i}", "Sale", "<No Change>", "", "", ""] for i in range(40)])
    _, summary = await _job(server, sheet, rows, concurrency=4, mode=MODE_UPDATE)
    assert summary.counts == {Category.UPDATED: 40}
    assert server.peak_concurrency == 4, f"peak {server.peak_concurrency}: stuck at the cautious start"
