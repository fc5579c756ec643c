"""NoojeeClient over real HTTP against the sandbox dialler on 127.0.0.1.

Every result code of the contract the sandbox can produce, the wrong key, a dropped
connection, a slow reply, a dead server, and a grep of every log line of a session for
the key.
"""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from noojee_desktop.core.api import (
    AuthError,
    ConnectFailed,
    ConnectionDropped,
    Entity,
    ListError,
    NoojeeClient,
    NotNoojeeReply,
    RequestTimeout,
    Timeouts,
)
from noojee_desktop.core.codes import CODES, Category, Retry

from conftest import LEAKY_KEY
from helpers.sandbox import SOLAR

T, C, A = SOLAR  # sandbox demo data: "Solar Leads" / "Solar VIC" / "VIC Week 1"
OTHER_C, OTHER_A = 12, 121


def lead(phone="0383218199", **extra):
    return {"Name": "Ann Example", "FirstPhone": phone, **extra}


async def settle(sb, requests: int) -> None:
    """Wait (bounded) until the sandbox finished ``requests`` calls, so a slow handler the client
    gave up on is not still running when the sandbox stops."""
    for _ in range(100):
        if len(sb.request_log()) >= requests and sb.stats()["active"] == 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"sandbox did not finish {requests} requests: {sb.request_log()}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- lists

async def test_the_three_lists_follow_the_chain(sandbox, sandbox_client):
    data = sandbox.data
    templates = await sandbox_client.list_templates()
    assert templates == [Entity(t["id"], t["name"]) for t in data["templates"]]
    for t in data["templates"]:
        campaigns = await sandbox_client.list_campaigns(t["id"])
        assert campaigns == [Entity(c["id"], c["name"]) for c in t["campaigns"]]
        for c in t["campaigns"]:
            allocations = await sandbox_client.list_allocations(c["id"])
            assert allocations == [Entity(a["id"], a["name"]) for a in c["allocations"]]


async def test_list_for_an_unknown_template_is_a_list_error_with_the_code(sandbox_client):
    with pytest.raises(ListError) as caught:
        await sandbox_client.list_campaigns(99999)
    assert caught.value.code == 116 and caught.value.message == "TEMPLATE_ID_REQUIRED"
    with pytest.raises(ListError) as caught:
        await sandbox_client.list_allocations(99999)
    assert caught.value.code == 117


async def test_wrong_key_is_an_auth_error_for_lists_and_leads(sandbox):
    wrong = "wrong-key-Zq81x"
    async with NoojeeClient(sandbox.url, wrong) as client:
        for call in (client.list_templates(), client.insert_lead(T, C, A, lead())):
            with pytest.raises(AuthError) as caught:
                await call
            assert "API key" in str(caught.value) and "whitelisted" in str(caught.value)
            assert wrong not in str(caught.value) and wrong not in caught.value.details
    assert sandbox.leads() == []


async def test_wrong_address_path_is_not_a_noojee_reply(sandbox):
    async with NoojeeClient(sandbox.url + "/some/portal", sandbox.api_key) as client:
        with pytest.raises(NotNoojeeReply) as caught:
            await client.list_templates()
    assert "server address" in str(caught.value) and caught.value.http_status == 404


# --------------------------------------------------------------------------- result codes

async def test_insert_then_the_same_phone_is_a_duplicate(sandbox, sandbox_client):
    first = await sandbox_client.insert_lead(T, C, A, lead())
    assert (first.code, first.message, first.http_status, first.ok) == (0, "OK", 200, True)
    assert first.info.category is Category.INSERTED and first.elapsed > 0
    again = await sandbox_client.insert_lead(T, C, A, lead(Name="Someone Else"))
    assert (again.code, again.message, again.http_status, again.ok) == (105, "DUPLICATE", 400, False)
    assert again.info.category is Category.DUPLICATE
    assert len(sandbox.leads(C)) == 1


async def test_allow_duplicates_lets_the_same_phone_in(sandbox, sandbox_client):
    assert (await sandbox_client.insert_lead(T, C, A, lead())).ok
    reply = await sandbox_client.insert_lead(T, C, A, lead(), allow_duplicates=True)
    assert reply.ok and len(sandbox.leads(C)) == 2


INSERT_CASES = [
    # (code, template, campaign, allocation, lead)
    (102, T, C, A, {"Name": "No Phone", "City": "Melbourne"}),
    (104, T, C, A, lead("0299999999")),
    (108, T, C, A, lead(City="<No Change>")),
    (111, T, C, A, lead(njContactHours="Lunchtime Only")),
    (113, T, C, A, lead(njPriority="high")),
    (114, T, C, A, lead(njCallBackDate="31/12/2025 9am")),
    (115, T, C, 99999, lead()),
    (116, 99999, C, A, lead()),
    (117, T, 99999, A, lead()),
]


@pytest.mark.parametrize(("code", "t", "c", "a", "body"), INSERT_CASES, ids=[str(c[0]) for c in INSERT_CASES])
async def test_insert_rejections_come_back_as_lead_replies(sandbox, sandbox_client, code, t, c, a, body):
    reply = await sandbox_client.insert_lead(t, c, a, body)
    assert reply.code == code and reply.http_status == 400 and not reply.ok
    if code in CODES:
        assert reply.message == CODES[code].name and reply.info is CODES[code]
    else:  # 113 is unpublished: shown as received
        assert reply.info.category is Category.UNKNOWN and reply.message in reply.info.meaning
    assert sandbox.leads() == []


async def test_duplicate_external_id_is_112(sandbox, sandbox_client):
    assert (await sandbox_client.insert_lead(T, C, A, lead("0383218199", njExternalLeadId="ACC-1"))).ok
    reply = await sandbox_client.insert_lead(T, C, A, lead("0383218100", njExternalLeadId="ACC-1"))
    assert (reply.code, reply.message) == (112, "DUPLICATE_EXTERNAL_ID")
    assert reply.info.category is Category.DUPLICATE


async def test_update_codes_101_106_107_and_success(sandbox, sandbox_client):
    missing = await sandbox_client.update_lead(T, C, A, {"njExternalLeadId": "NOPE", "njDisposition": "Sale",
                                                         "FirstPhone": "0383218199"})
    assert (missing.code, missing.message) == (101, "COULDNT_FIND_THE_LEAD")
    assert missing.info.category is Category.REJECTED

    assert (await sandbox_client.insert_lead(T, C, A, lead(njExternalLeadId="ACC-7", City="Geelong"))).ok
    no_disp_yet = await sandbox_client.update_lead(T, C, A, {"njExternalLeadId": "ACC-7",
                                                             "njDisposition": "<No Change>",
                                                             "FirstPhone": "0383218199"})
    assert (no_disp_yet.code, no_disp_yet.message) == (107, "DISPOSTION_ISNT_SET_AND_NOCHANGE_SPECIFIED")
    bad_disp = await sandbox_client.update_lead(T, C, A, {"njExternalLeadId": "ACC-7", "njDisposition": "Maybe",
                                                          "FirstPhone": "0383218199"})
    assert (bad_disp.code, bad_disp.message) == (106, "INVALID_DISPOSTION")

    ok = await sandbox_client.update_lead(T, C, A, {"njExternalLeadId": "ACC-7", "njDisposition": "Sale",
                                                    "FirstPhone": "0383218199", "City": "<No Change>",
                                                    "Name": "Ann Updated"})
    assert ok.ok
    stored = sandbox.leads(C)[0]
    assert stored["disposition"] == "Sale"
    assert stored["lead"]["City"] == "Geelong" and stored["lead"]["Name"] == "Ann Updated"
    assert sandbox.request_log()[-1]["query"]["njExternalLeadId"] == "ACC-7"


async def test_server_error_103_is_a_reply_to_retry_with_backoff(sandbox_factory):
    sb = sandbox_factory(fail_rate=1.0, service_time=0.01)
    async with NoojeeClient(sb.url, sb.api_key) as client:
        reply = await client.insert_lead(T, C, A, lead())
    assert (reply.code, reply.message, reply.http_status) == (103, "EXCEPTION", 500)
    assert reply.info.category is Category.SERVER_ERROR and reply.info.retry is Retry.BACKOFF
    assert sb.leads() == []


async def test_too_busy_109_when_the_queue_times_out(sandbox_factory):
    sb = sandbox_factory(slots=1, service_time=0.4, queue_timeout=0.05)
    async with NoojeeClient(sb.url, sb.api_key) as client:
        replies = await asyncio.gather(
            client.insert_lead(T, C, A, lead("0383218101")),
            client.insert_lead(T, C, A, lead("0383218102")),
        )
    assert sorted(r.code for r in replies) == [0, 109]
    busy = next(r for r in replies if r.code == 109)
    assert busy.message == "TIMEOUT_TOO_MANY_CONCURRENT_REQUESTS"
    assert busy.info.category is Category.RETRYABLE and busy.info.retry is Retry.SLOW_DOWN
    assert len(sb.leads()) == 1


@pytest.mark.parametrize(("code", "status"), [(999, 400), (113, 200), (42, 500)])
async def test_unknown_codes_are_shown_as_received(sandbox, sandbox_client, code, status):
    sandbox.fail_next(code=code, message="SOMETHING_NEW", http_status=status)
    reply = await sandbox_client.insert_lead(T, C, A, lead())
    assert (reply.code, reply.message, reply.http_status) == (code, "SOMETHING_NEW", status)
    assert reply.info.category is Category.UNKNOWN and reply.info.retry is Retry.NEVER
    assert str(code) in reply.info.meaning and "SOMETHING_NEW" in reply.info.meaning


async def test_every_contract_code_the_sandbox_produces_is_covered(sandbox):
    """Guard: the code table and these tests stay in step (110 needs a person editing a lead)."""
    covered = {0, 101, 102, 103, 104, 105, 106, 107, 108, 109, 111, 112, 113, 114, 115, 116, 117}
    assert set(CODES) - covered == {110}
    assert {c[0] for c in INSERT_CASES} <= covered


# --------------------------------------------------------------------------- faults

async def test_dropped_connection_after_storing_may_have_landed(sandbox, sandbox_client):
    sandbox.drop_next(1)
    with pytest.raises(ConnectionDropped) as caught:
        await sandbox_client.insert_lead(T, C, A, lead(njExternalLeadId="ACC-9"))
    err = caught.value
    assert err.may_have_landed is True and err.retryable
    assert "unknown whether" in str(err)
    assert len(sandbox.leads(C)) == 1  # it did land
    # The retry with the same external id says so: 112.
    retry = await sandbox_client.insert_lead(T, C, A, lead(njExternalLeadId="ACC-9"))
    assert retry.code == 112
    # And the pool recovered: the next call works.
    assert (await sandbox_client.insert_lead(T, C, A, lead("0383218177"))).ok


async def test_slow_reply_with_short_read_timeout_may_have_landed(sandbox_factory):
    sb = sandbox_factory(slow_rate=1.0, slow_time=0.8, service_time=0.01)
    async with NoojeeClient(sb.url, sb.api_key, timeouts=Timeouts(read=0.2)) as client:
        with pytest.raises(RequestTimeout) as caught:
            await client.insert_lead(T, C, A, lead())
    err = caught.value
    assert err.may_have_landed is True and err.retryable
    assert "0.2 seconds" in str(err) and "unknown whether" in str(err)
    assert len(sb.leads()) == 1
    await settle(sb, 1)


async def test_dead_server_is_connect_failed_and_nothing_landed():
    port = free_port()
    async with NoojeeClient(f"http://127.0.0.1:{port}", LEAKY_KEY, timeouts=Timeouts(connect=2)) as client:
        for call in (client.list_templates(), client.insert_lead(T, C, A, lead())):
            with pytest.raises(ConnectFailed) as caught:
                await call
            err = caught.value
            assert err.may_have_landed is False and err.retryable
            text = str(err)
            assert f"127.0.0.1:{port}" in text and "refused" in text
            assert "address" in text and "whitelisted" in text


async def test_server_down_for_a_while_then_back(sandbox, sandbox_client):
    assert (await sandbox_client.insert_lead(T, C, A, lead("0383218111"))).ok
    sandbox.set_down(30)
    try:
        with pytest.raises(ConnectFailed):
            await sandbox_client.insert_lead(T, C, A, lead("0383218112"))
    finally:
        sandbox.restart()
    assert (await sandbox_client.insert_lead(T, C, A, lead("0383218112"))).ok
    assert len(sandbox.leads()) == 2


# --------------------------------------------------------------------------- the key never leaks

async def test_no_log_line_of_a_whole_session_contains_the_key(sandbox_factory, caplog):
    """Lists, inserts, rejections, a drop, a timeout, a wrong key, a dead server: grep everything."""
    caplog.set_level(logging.DEBUG)
    sb = sandbox_factory(api_key=LEAKY_KEY, service_time=0.01)
    texts: list[str] = []
    async with NoojeeClient(sb.url, LEAKY_KEY, timeouts=Timeouts(read=0.5)) as client:
        texts.append(repr(client))
        for t in await client.list_templates():
            for c in await client.list_campaigns(t.id):
                await client.list_allocations(c.id)
        for body in (lead(), lead(), lead("0299999999"), {"Name": "x"}):
            texts.append(repr(await client.insert_lead(T, C, A, body)))
        sb.fail_next(code=777, message=f"echo apiKey={LEAKY_KEY}")
        texts.append(repr(await client.insert_lead(T, C, A, lead("0383218155"))))
        sb.drop_next(1)
        try:
            await client.insert_lead(T, C, A, lead("0383218156"))
        except ConnectionDropped as exc:
            texts += [str(exc), repr(exc), exc.details]
        try:
            await client.list_campaigns(424242)
        except ListError as exc:
            texts += [str(exc), repr(exc), exc.details]
    async with NoojeeClient(sb.url + "/nowhere", LEAKY_KEY) as client:
        try:
            await client.list_templates()
        except NotNoojeeReply as exc:
            texts += [str(exc), repr(exc), exc.details]
    async with NoojeeClient(sb.url, LEAKY_KEY + "x") as client:
        try:
            await client.list_templates()
        except AuthError as exc:
            texts += [str(exc), repr(exc), exc.details]
    async with NoojeeClient(f"http://127.0.0.1:{free_port()}", LEAKY_KEY) as client:
        try:
            await client.list_templates()
        except ConnectFailed as exc:
            texts += [str(exc), repr(exc), exc.details]
    slow = sandbox_factory(api_key=LEAKY_KEY, slow_rate=1.0, slow_time=0.6, service_time=0.01)
    async with NoojeeClient(slow.url, LEAKY_KEY, timeouts=Timeouts(read=0.2)) as client:
        try:
            await client.insert_lead(T, C, A, lead())
        except RequestTimeout as exc:
            texts += [str(exc), repr(exc), exc.details]
    await settle(slow, 1)

    assert len(texts) >= 12
    for text in texts:
        assert LEAKY_KEY not in text, text
    names = {r.name for r in caplog.records}
    assert "noojee_desktop.core.api" in names and "httpx" in names  # the grep saw real traffic
    assert sum("apiKey=***" in r.getMessage() for r in caplog.records) >= 20
    assert LEAKY_KEY not in caplog.text
    for record in caplog.records:
        assert LEAKY_KEY not in record.getMessage()
        assert LEAKY_KEY not in (record.exc_text or "")


def test_one_client_works_across_event_loops(sandbox):
    """The pool is made lazily inside the running loop, so a closed client can be used again later."""
    import asyncio as aio

    client = NoojeeClient(sandbox.url, sandbox.api_key)

    async def first():
        assert (await client.insert_lead(T, C, A, lead("0383218121"))).ok
        await client.aclose()

    async def second():
        try:
            assert (await client.insert_lead(T, C, A, lead("0383218122"))).ok
        finally:
            await client.aclose()

    aio.run(first())
    aio.run(second())
    assert len(sandbox.leads()) == 2
