"""Sandbox load rules, fault injection, down/up, the CLI and log masking, over real HTTP.

Times are scaled down (service 0.05 s, queue timeout 0.2 s) and every loop is bounded.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import threading

import httpx
import pytest

from noojee_desktop.commands.sandbox import main as cli_main
from helpers.sandbox import KEY, SOLAR_PARAMS, api_url, insert
from helpers.wait import wait_until


def insert_url(sb) -> str:
    return api_url(sb, "insertLeadFast")


def phone(i: int) -> str:
    return f"03832{i:05d}"


# ------------------------------------------------------------------ load rules


async def test_concurrency_capped_at_slots_and_109_after_queue_timeout(sandbox_factory):
    sb = sandbox_factory(slots=2, service_time=0.05, queue_timeout=0.2)
    n = 20  # at best 10 rounds of 0.05 s: the last calls must wait well over 0.2 s

    async with httpx.AsyncClient(timeout=10) as client:
        async def one(i):
            return await client.post(insert_url(sb), params={**SOLAR_PARAMS, "apiKey": KEY},
                                     json={"FirstPhone": phone(i)})
        replies = await asyncio.gather(*(one(i) for i in range(n)))

    codes = [r.json()["code"] for r in replies]
    assert set(codes) <= {0, 109}
    ok, busy = codes.count(0), codes.count(109)
    assert ok >= 2 and busy >= 1
    assert all(r.status_code == 400 for r in replies if r.json()["code"] == 109)
    stats = sb.stats()
    assert stats["peak_concurrency"] == 2
    assert stats["count_109"] == busy and stats["calls"] == n
    assert stats["max_queue_wait"] >= 0.2 and stats["mean_queue_wait"] > 0
    # A 109 applied nothing: exactly the OK calls are stored.
    stored = {lead["lead"]["FirstPhone"] for lead in sb.leads()}
    assert stored == {phone(i) for i, c in enumerate(codes) if c == 0}


async def test_list_calls_take_no_slot(sandbox_factory):
    sb = sandbox_factory(slots=1, service_time=0.3, queue_timeout=5)
    async with httpx.AsyncClient(timeout=10) as client:
        busy = asyncio.create_task(client.post(insert_url(sb), params={**SOLAR_PARAMS, "apiKey": KEY},
                                               json={"FirstPhone": phone(1)}))
        while sb.stats()["active"] == 0 and not busy.done():
            await asyncio.sleep(0.01)
        # The only slot is taken; a list call still answers while the insert is in progress.
        r = await client.get(f"{sb.url}/servicemanager/rest/CampaignAPI/getCampaignTemplateList",
                             params={"apiKey": KEY})
        assert r.json()["code"] == 0
        assert not busy.done()
        assert (await busy).json()["code"] == 0


# ------------------------------------------------------------------ random faults


def test_fail_rate_gives_103_500_and_stores_nothing(sandbox_factory):
    sb = sandbox_factory(fail_rate=0.5, service_time=0.0, seed=7)
    replies = [insert(sb, {"FirstPhone": phone(i)}) for i in range(20)]
    failed = [i for i, r in enumerate(replies) if r.json()["code"] == 103]
    assert 0 < len(failed) < 20
    assert all(replies[i].status_code == 500 and replies[i].json()["message"] == "EXCEPTION" for i in failed)
    stored = {lead["lead"]["FirstPhone"] for lead in sb.leads()}
    assert stored == {phone(i) for i in range(20) if i not in failed}

    # The same seed gives the same faults: a run can be repeated.
    again = sandbox_factory(fail_rate=0.5, service_time=0.0, seed=7)
    assert [insert(again, {"FirstPhone": phone(i)}).json()["code"] for i in range(20)] == \
        [r.json()["code"] for r in replies]


def test_drop_stores_lead_but_client_gets_no_reply(sandbox_factory):
    sb = sandbox_factory(drop_rate=1.0, service_time=0.0)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        insert(sb, {"FirstPhone": phone(1), "njExternalLeadId": "ACC-1"})
    assert [lead["external_id"] for lead in sb.leads()] == ["ACC-1"]
    assert sb.request_log()[-1]["status"] is None
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        insert(sb, {"FirstPhone": phone(2), "njExternalLeadId": "ACC-2"})
    # Only calls that store a lead are dropped; a retry of the first call is answered,
    # and its 112 is how a client learns that the first try had landed.
    r = insert(sb, {"FirstPhone": phone(3), "njExternalLeadId": "ACC-1"})
    assert r.json()["code"] == 112
    assert sb.stats()["codes"] == {"dropped": 2, "112": 1}


def test_slow_reply_outlasts_a_short_client_timeout(sandbox_factory):
    sb = sandbox_factory(slow_rate=1.0, slow_time=1.0, service_time=0.0)
    with pytest.raises(httpx.ReadTimeout):
        insert(sb, {"FirstPhone": phone(1)}, timeout=httpx.Timeout(5, read=0.1))
    # The lead was applied even though the client gave up waiting (on a busy machine the call may
    # not even have started when the client gave up: wait for the lead too).
    wait_until(lambda: not sb.stats()["active"] and sb.leads(), 5, "the slow call never finished on the sandbox")
    assert len(sb.leads()) == 1


# ------------------------------------------------------------------ forced outcomes


def test_fail_next_forces_codes_then_normal_service(sandbox):
    sandbox.fail_next(2, 109)
    sandbox.fail_next(1, 113, message="SOMETHING_NEW")
    sandbox.fail_next(1, 103)
    sandbox.fail_next(1, 110)
    got = [insert(sandbox, {"FirstPhone": phone(i)}) for i in range(6)]
    assert [(r.status_code, r.json()["code"]) for r in got] == [
        (400, 109), (400, 109), (400, 113), (500, 103), (400, 110), (200, 0)]
    assert got[2].json()["message"] == "SOMETHING_NEW"
    assert [lead["lead"]["FirstPhone"] for lead in sandbox.leads()] == [phone(5)]
    assert sandbox.stats()["count_109"] == 2


def test_drop_next(sandbox):
    sandbox.drop_next(1)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        insert(sandbox, {"FirstPhone": phone(1)})
    assert insert(sandbox, {"FirstPhone": phone(1)}).json()["code"] == 105
    assert insert(sandbox, {"FirstPhone": phone(2)}).json()["code"] == 0


# ------------------------------------------------------------------ down / up


def wait_until_up(sb, client, limit=5.0):
    def answer():
        try:
            return client.get(api_url(sb, "getCampaignTemplateList"), params={"apiKey": KEY})
        except httpx.ConnectError:
            return None

    return wait_until(answer, limit, "the sandbox did not come back", interval=0.05)


def test_set_down_refuses_connections_then_recovers_on_same_port(sandbox):
    port = sandbox.port
    with httpx.Client(timeout=5) as client:  # keeps its connection alive between calls
        assert insert(sandbox, {"FirstPhone": phone(1)}, client=client).json()["code"] == 0
        sandbox.set_down(0.4)
        assert sandbox.is_down
        with pytest.raises(httpx.ConnectError):
            insert(sandbox, {"FirstPhone": phone(2)}, client=client)
        assert wait_until_up(sandbox, client).json()["code"] == 0
        assert sandbox.port == port and not sandbox.is_down
        # The state survived: the first lead is still there, so its phone is a duplicate.
        assert insert(sandbox, {"FirstPhone": phone(1)}, client=client).json()["code"] == 105
    assert len(sandbox.leads()) == 1


def test_restart_keeps_port_and_leads(sandbox):
    with httpx.Client(timeout=5) as client:
        assert insert(sandbox, {"FirstPhone": phone(1)}, client=client).json()["code"] == 0
        port = sandbox.port
        sandbox.restart()
        assert sandbox.port == port
        assert insert(sandbox, {"FirstPhone": phone(1)}, client=client).json()["code"] == 105


def test_comes_back_once_its_port_is_free_again(sandbox, expect_log):
    sandbox.set_down(0.1)
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", sandbox.port))  # someone else holds the port when it wants it back
    with expect_log("cannot listen on port .* address already in use", logger="noojee_desktop.sandbox") as tried:
        wait_until(lambda: tried, 5, "the sandbox never tried to take its port back")
    assert sandbox.is_down
    squatter.close()
    with httpx.Client(timeout=5) as client:
        assert wait_until_up(sandbox, client).json()["code"] == 0


def test_down_until_at_start(sandbox_factory):
    sb = sandbox_factory(down_until=0.3, service_time=0.0)
    with httpx.Client(timeout=5) as client:
        with pytest.raises(httpx.ConnectError):
            client.get(f"{sb.url}/servicemanager/rest/CampaignAPI/getCampaignTemplateList", params={"apiKey": KEY})
        assert wait_until_up(sb, client).json()["code"] == 0


def test_down_after_goes_down_by_itself_then_returns(sandbox_factory):
    sb = sandbox_factory(down_after=0.2, down_for=0.4, service_time=0.0)
    url = f"{sb.url}/servicemanager/rest/CampaignAPI/getCampaignTemplateList"
    with httpx.Client(timeout=5) as client:
        assert client.get(url, params={"apiKey": KEY}).json()["code"] == 0

        def refused() -> bool:
            try:
                client.get(url, params={"apiKey": KEY})
            except httpx.ConnectError:
                return True
            except (httpx.RemoteProtocolError, httpx.ReadError):
                pass  # a kept-alive connection cut as the server went down; the next try connects anew
            return False

        assert wait_until(refused, 5, "the sandbox never went down by itself")
        assert wait_until_up(sb, client).json()["code"] == 0


# ------------------------------------------------------------------ logs and CLI


def test_access_log_never_shows_the_key(sandbox_factory, caplog):
    secret = "S3cret-sandbox-Key-771"
    sb = sandbox_factory(api_key=secret, service_time=0.0)

    def access():
        return [r for r in caplog.records if r.name == "noojee_desktop.sandbox.access"]

    with caplog.at_level(logging.DEBUG):
        insert(sb, {"FirstPhone": phone(1)})
        httpx.get(api_url(sb, "getCampaignTemplateList"), params={"apiKey": secret})
        httpx.get(api_url(sb, "getCampaignTemplateList"), params={"apiKey": "wrong"})
        # aiohttp writes an access line after the reply has gone, so the last may still be coming
        wait_until(lambda: len(access()) >= 3, 5, lambda: f"access log lines: {[r.getMessage() for r in access()]}")
    access = access()
    assert any("apiKey=***" in r.getMessage() for r in access)
    assert secret not in caplog.text
    assert secret not in repr(sb.request_log())


def test_cli_refuses_remote_host_and_bad_data(tmp_path, capsys):
    assert cli_main(["--host", "0.0.0.0", "--port", "0"]) == 2
    assert "--allow-remote" in capsys.readouterr().err
    bad = tmp_path / "data.json"
    bad.write_text("{\"templates\": [", encoding="utf-8")
    assert cli_main(["--data", str(bad), "--port", "0"]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert cli_main(["--port", str(busy.getsockname()[1]), "--quiet"]) == 2
    assert "Try another --port" in capsys.readouterr().err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_subprocess_serves_and_stops_on_ctrl_c():
    port = free_port()
    secret = "Cli-Key-5519"
    proc = subprocess.Popen(
        [sys.executable, "-m", "noojee_desktop", "sandbox", "--port", str(port), "--api-key", secret,
         "--service-time", "0.01"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: list[str] = []
    ready = threading.Event()

    def read():
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl+C" in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(20), f"sandbox did not start: {lines} {proc.poll()}"
        out = "".join(lines)
        assert f"http://127.0.0.1:{port}" in out and secret in out and "curl" in out
        base = f"http://127.0.0.1:{port}/servicemanager/rest/CampaignAPI"
        r = httpx.get(f"{base}/getCampaignTemplateList", params={"apiKey": secret})
        assert r.json()["entities"][0]["name"] == "Solar Leads"
        # The printed curl line's request: OK, then the same phone is a duplicate.
        r = httpx.post(f"{base}/insertLeadFast", params={**SOLAR_PARAMS, "apiKey": secret},
                       json={"Name": "Ann Lee", "FirstPhone": "0383218199"})
        assert r.json() == {"code": 0, "message": "OK"}
        r = httpx.post(f"{base}/insertLeadFast", params={**SOLAR_PARAMS, "apiKey": secret},
                       json={"Name": "Ann Lee", "FirstPhone": "0383218199"})
        assert r.json() == {"code": 105, "message": "DUPLICATE"}
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    assert "Traceback" not in err
    assert "apiKey=***" in err and secret not in err


def test_cli_takes_a_conflict_rate():
    from noojee_desktop.commands.sandbox import build_parser

    assert build_parser().parse_args(["--conflict-rate", "0.25"]).conflict_rate == 0.25
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--conflict-rate", "2"])
