"""A sandbox Noojee dialler: the Campaign API of ``shared/noojee-api.md`` on 127.0.0.1.

It lets the app be tried, demonstrated and tested without a Noojee account. It runs an
aiohttp application on its own asyncio loop in a daemon thread, so sync code, pytest-asyncio
tests and Qt/qasync GUI tests can all use it the same way::

    with SandboxServer(SandboxConfig(service_time=0.01)) as sb:
        httpx.get(f"{sb.url}/servicemanager/rest/CampaignAPI/getCampaignTemplateList",
                  params={"apiKey": sb.api_key})

Endpoints (``/servicemanager/rest/CampaignAPI/<method>``): ``getCampaignTemplateList``,
``getCampaignList?fTemplateId=``, ``getAllocationList?fCampaignId=``, ``insertLeadFast``
(POST, one JSON object) and ``updateLeadFast`` (POST). An unknown path answers HTTP 404
with an HTML page, as a real server does.

Sandbox choices where the contract says "unknown" (also in ``docs/sandbox.md``):

* A wrong or missing ``apiKey`` gets **HTTP 401 with an HTML page** (not the JSON envelope),
  on every Campaign API path, before anything else is looked at.
* ``njPriority`` that is not a whole number 0..100 gets code **113** with message
  ``INVALID_PRIORITY`` (113 is unpublished; the client shows it as received).
* A body that is not one JSON object (broken JSON, an array) gets **103 EXCEPTION / HTTP 500**,
  as a Java server throwing on it would.
* Update: a missing ``njExternalLeadId`` is 101; a missing disposition is 106; a lead that an
  agent is editing (``agent_editing``, ``conflict_rate``) answers 110 once every other rule passed.
* Phone numbers are compared (DNC and duplicates) with spaces removed.
* The list reply ``type`` is ``CampaignTemplate``, ``Campaign`` and ``Allocation``.

Load rules: ``slots`` insert/update calls run at once (list calls take no slot); each holds
its slot at least ``service_time``; a call that waits longer than ``queue_timeout`` for a
slot gets 109 and nothing is applied. Fault injection: ``fail_rate`` (103/500, nothing
stored), ``drop_rate`` (the lead IS stored, then the connection is cut without a reply),
``slow_rate``/``slow_time`` (the call holds its slot ``slow_time`` instead of
``service_time``), ``conflict_rate`` (a valid update answers 110 and changes nothing, as if an
agent were editing the lead; drawn only for updates and only when the rate is set, so seeded
insert runs repeat as before), :meth:`SandboxServer.agent_editing` (updates of one lead answer
110 until it is released), :meth:`SandboxServer.set_down` (listening socket closed: connection
refused, then back on the same port), :meth:`SandboxServer.fail_next` and
:meth:`SandboxServer.drop_next` (force the next calls' outcome). Random faults use one
``random.Random(seed)``, so a seeded run is repeatable.

The key never reaches a log line: the access log masks ``apiKey`` itself, and the request
log keeps the query with ``apiKey`` replaced by ``***``.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import html
import json
import logging
import random
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from noojee_desktop.core.codes import CODES
from noojee_desktop.core.secrets import mask
from noojee_desktop.sandbox.data import check_data, default_data

log = logging.getLogger("noojee_desktop.sandbox")

API_PREFIX = "/servicemanager/rest/CampaignAPI"
NO_CHANGE = "<no change>"
SYSTEM_FIELDS = ("njExternalLeadId", "njCallBackDate", "njPriority", "njContactHours", "njDisposition")
_CALLBACK_RE = re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}$")
_ENTRY: contextvars.ContextVar[dict] = contextvars.ContextVar("sandbox_log_entry")

#: Codes the sandbox itself can produce, with the message as the server spells it.
MESSAGES: dict[int, str] = {code: info.name for code, info in CODES.items()}
MESSAGES[113] = "INVALID_PRIORITY"


def http_status_for(code: int) -> int:
    """HTTP status of a reply with this result code (contract table: 0->200, 103->500, else 400)."""
    if code == 0:
        return 200
    if code == 103:
        return 500
    return 400


@dataclass
class SandboxConfig:
    host: str = "127.0.0.1"
    port: int = 0                  # 0: pick a free port
    api_key: str = "demo-key"
    slots: int = 4                 # insert/update calls served at once
    service_time: float = 0.1      # seconds each insert/update holds its slot, at least
    queue_timeout: float = 60.0    # seconds a call may wait for a slot before 109
    fail_rate: float = 0.0         # fraction of calls answered 103 / HTTP 500 (nothing stored)
    drop_rate: float = 0.0         # fraction of successful calls: stored, then connection cut
    slow_rate: float = 0.0         # fraction of calls that take slow_time instead of service_time
    slow_time: float = 2.0
    conflict_rate: float = 0.0     # fraction of valid updates answered 110 (an agent is editing the lead)
    down_until: float = 0.0        # unreachable (connection refused) this many seconds after start
    down_after: float | None = None  # optional: go down this many seconds after start ...
    down_for: float = 0.0            # ... for this long (the CLI's --down-after/--down-for)
    introspection: bool = False    # /sandbox/* endpoints
    seed: int | None = None        # seeds the fault-injection random generator
    data: dict | None = None       # demo data (see sandbox.data); None: the built-in data

    def __repr__(self) -> str:  # the key is a demo key, but keep the habit of never showing keys
        fields = ", ".join(
            f"{k}={'***' if k == 'api_key' else ('<data>' if k == 'data' and v is not None else repr(v))}"
            for k, v in self.__dict__.items()
        )
        return f"SandboxConfig({fields})"


class _MaskingAccessLogger(AbstractAccessLogger):
    """aiohttp access log line without the key, whatever log handlers are installed."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %s %.3fs',
            request.remote,
            request.method,
            mask(request.path_qs),
            response.status,
            time,
        )


class _Reply(Exception):
    """Raised inside a handler to answer with a result code."""

    def __init__(self, code: int, message: str | None = None, http_status: int | None = None):
        super().__init__(code)
        self.code = code
        self.message = message if message is not None else MESSAGES.get(code, "UNKNOWN")
        self.http_status = http_status if http_status is not None else http_status_for(code)


class SandboxServer:
    """The sandbox dialler, running in a background thread. See the module docstring."""

    def __init__(self, config: SandboxConfig | None = None):
        self.config = config or SandboxConfig()
        self.api_key = self.config.api_key
        self._data = check_data(self.config.data if self.config.data is not None else default_data())
        self._index_data()
        self._rng = random.Random(self.config.seed)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._port: int | None = None
        self._sem: asyncio.Semaphore | None = None
        self._up_handle: asyncio.TimerHandle | None = None
        self._timers: list[asyncio.TimerHandle] = []
        self._started = False
        self._stopped = False
        self._forced: list[tuple[int, str | None, int | None]] = []
        self._drops_forced = 0
        self._reset_state()

    # ------------------------------------------------------------------ data
    def _index_data(self) -> None:
        self._templates: dict[int, dict] = {}
        self._campaigns: dict[int, tuple[dict, int]] = {}      # id -> (campaign, template id)
        self._allocations: dict[int, tuple[dict, int]] = {}    # id -> (allocation, campaign id)
        for t in self._data["templates"]:
            self._templates[t["id"]] = t
            for c in t["campaigns"]:
                self._campaigns[c["id"]] = (c, t["id"])
                for a in c["allocations"]:
                    self._allocations[a["id"]] = (a, c["id"])
        self._dnc = {_norm_phone(n) for n in self._data["dnc"]}
        self._contact_hours = set(self._data["contact_hours"])

    def _reset_state(self) -> None:
        with self._lock:
            self._leads: list[dict] = []
            # per campaign: external id -> lead, and phone -> how many of its leads have it
            # (an insert checks these instead of walking every stored lead)
            self._by_ext: dict[int, dict[str, dict]] = {}
            self._phone_counts: dict[int, dict[str, int]] = {}
            self._log: list[dict] = []
            self._active = 0
            self._peak = 0
            self._served = 0
            self._count_109 = 0
            self._waits: list[float] = []
            self._holds: list[float] = []     # how long each served call held its slot
            self._codes: dict[str, int] = {}

    @property
    def data(self) -> dict:
        """A copy of the demo data in use (templates with fields and phone fields, DNC, contact hours)."""
        return copy.deepcopy(self._data)

    # ------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("The sandbox is not started.")
        return f"http://{self.config.host}:{self._port}"

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("The sandbox is not started.")
        return self._port

    @property
    def api_url(self) -> str:
        """``url`` + ``/servicemanager/rest/CampaignAPI``."""
        return self.url + API_PREFIX

    def start(self) -> "SandboxServer":
        if self._started:
            return self
        if self._stopped:
            raise RuntimeError("A stopped sandbox cannot be started again; make a new one.")
        self._started = True
        loop = asyncio.new_event_loop()
        self._loop = loop
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="noojee-sandbox", daemon=True)
        self._thread.start()
        ready.wait()
        try:
            self._call(self._astart())
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop serving and end the thread. Idempotent."""
        if self._stopped or not self._started:
            self._stopped = True
            return
        self._stopped = True
        loop = self._loop
        assert loop is not None and self._thread is not None
        try:
            if loop.is_running():
                asyncio.run_coroutine_threadsafe(self._astop(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                loop.close()

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._port is not None else "not started"
        return f"<SandboxServer {where}>"

    def _call(self, coro, timeout: float = 10.0):
        if self._loop is None or self._stopped:
            coro.close()
            raise RuntimeError("The sandbox is not running.")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=timeout)

    async def _astart(self) -> None:
        self._sem = asyncio.Semaphore(max(1, self.config.slots))
        app = web.Application(middlewares=[self._mw_log])
        app.router.add_get(API_PREFIX + "/getCampaignTemplateList", self._h_templates)
        app.router.add_get(API_PREFIX + "/getCampaignList", self._h_campaigns)
        app.router.add_get(API_PREFIX + "/getAllocationList", self._h_allocations)
        app.router.add_post(API_PREFIX + "/insertLeadFast", self._h_insert)
        app.router.add_post(API_PREFIX + "/updateLeadFast", self._h_update)
        if self.config.introspection:
            app.router.add_get("/sandbox/leads", self._h_sb_leads)
            app.router.add_get("/sandbox/requests", self._h_sb_requests)
            app.router.add_get("/sandbox/stats", self._h_sb_stats)
            app.router.add_get("/sandbox/templates", self._h_sb_templates)
            app.router.add_post("/sandbox/reset", self._h_sb_reset)
        self._runner = web.AppRunner(
            app,
            access_log_class=_MaskingAccessLogger,
            access_log=logging.getLogger("noojee_desktop.sandbox.access"),
            shutdown_timeout=0.5,
            handle_signals=False,
        )
        await self._runner.setup()
        await self._listen(self.config.port)
        loop = asyncio.get_running_loop()
        if self.config.down_until > 0:
            await self._go_down(self.config.down_until)
        if self.config.down_after is not None and self.config.down_for > 0:
            self._timers.append(
                loop.call_later(self.config.down_after,
                                lambda: asyncio.ensure_future(self._go_down(self.config.down_for)))
            )

    async def _listen(self, port: int) -> None:
        assert self._runner is not None
        site = web.TCPSite(self._runner, self.config.host, port, reuse_address=True)
        try:
            await site.start()
        except OSError:
            await site.stop()  # unregister the failed site from the runner
            raise
        self._site = site
        self._port = site.port

    async def _astop(self) -> None:
        for h in self._timers:
            h.cancel()
        if self._up_handle is not None:
            self._up_handle.cancel()
        if self._runner is not None:
            # Stop listening first, then give a connection accepted just before a moment to reach
            # aiohttp (accept -> transport -> connection_made takes a few loop turns; CPython
            # gh-109564), so that cleanup closes it too instead of leaving it to the garbage
            # collector ("unclosed transport"). Afterwards let the closed transports finish.
            for site in list(self._runner.sites):
                await site.stop()
            await asyncio.sleep(0.01)
            await self._runner.cleanup()
            await asyncio.sleep(0.01)
        self._site = None
        # Handlers still sleeping through a slow reply or a queue wait would otherwise be
        # destroyed pending when the loop closes ("Task was destroyed but it is pending").
        me = asyncio.current_task()
        rest = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
        for task in rest:
            task.cancel()
        if rest:
            await asyncio.gather(*rest, return_exceptions=True)

    # ------------------------------------------------------------- down/up
    async def _go_down(self, seconds: float | None) -> None:
        if self._up_handle is not None:
            self._up_handle.cancel()
            self._up_handle = None
        if self._site is not None:
            await self._site.stop()
            self._site = None
            log.info("sandbox down: not listening on port %s", self._port)
        # Cut the open connections too (a server that went down keeps no keep-alive sockets).
        if self._runner is not None and self._runner.server is not None:
            for conn in self._runner.server.connections:
                if conn.transport is not None:
                    conn.transport.abort()
        if seconds is not None:
            self._up_handle = asyncio.get_running_loop().call_later(
                seconds, lambda: asyncio.ensure_future(self._come_up())
            )

    async def _come_up(self) -> None:
        self._up_handle = None
        if self._site is not None or self._stopped:
            return
        try:
            await self._listen(self._port or 0)
        except OSError as exc:
            # Someone took the port while we were down; keep trying rather than stay down silently.
            log.warning("sandbox cannot listen on port %s again (%s); retrying", self._port, exc)
            self._up_handle = asyncio.get_running_loop().call_later(
                0.2, lambda: asyncio.ensure_future(self._come_up())
            )
            return
        log.info("sandbox up again on port %s", self._port)

    def set_down(self, seconds: float) -> None:
        """Become unreachable (connection refused) for ``seconds``, then listen again on the
        same port. Returns once the listening socket is closed. Stored leads are kept."""
        self._call(self._go_down(max(0.0, seconds)))

    def restart(self) -> None:
        """Go down and come straight back on the same port (open connections are cut). State kept."""
        self._call(self._go_down(None))
        self._call(self._come_up())

    @property
    def is_down(self) -> bool:
        return self._site is None

    # ---------------------------------------------------- forced outcomes
    def fail_next(self, n: int = 1, code: int = 103, *, message: str | None = None,
                  http_status: int | None = None) -> None:
        """Answer the next ``n`` insert/update calls with ``code`` (nothing is applied).

        The message defaults to the contract's spelling (``"UNKNOWN"`` for codes it lacks),
        the HTTP status to the contract's (0->200, 103->500, else 400)."""
        with self._lock:
            self._forced.extend([(code, message, http_status)] * n)

    def drop_next(self, n: int = 1) -> None:
        """The next ``n`` insert/update calls that succeed store the lead, then the connection
        is cut without a reply."""
        with self._lock:
            self._drops_forced += n

    def agent_editing(self, external_id: str, campaign_id: int | None = None, editing: bool = True) -> int:
        """Pretend an agent has the lead with this external id open (in ``campaign_id``, or in every
        campaign): its updates answer 110 and change nothing until called with ``editing=False``.
        Returns how many stored leads were marked."""
        marked = 0
        with self._lock:
            for cid, by_ext in self._by_ext.items():
                if campaign_id is not None and cid != campaign_id:
                    continue
                lead = by_ext.get(external_id)
                if lead is not None:
                    lead["editing"] = bool(editing)
                    marked += 1
        return marked

    def reset(self) -> None:
        """Forget stored leads, the request log, stats and forced outcomes (demo data stays)."""
        self._reset_state()
        with self._lock:
            self._forced.clear()
            self._drops_forced = 0

    # ------------------------------------------------------ test accessors
    def leads(self, campaign_id: int | None = None) -> list[dict]:
        """Stored leads (copies): ``template_id``, ``campaign_id``, ``allocation_id``,
        ``external_id``, ``disposition`` (None until an update sets one), ``lead`` (the fields as
        stored), ``updates`` (updates applied), ``editing`` (an agent has it open: updates get 110)."""
        with self._lock:
            return [copy.deepcopy(r) for r in self._leads
                    if campaign_id is None or r["campaign_id"] == campaign_id]

    def stats(self) -> dict:
        """``peak_concurrency``, ``active``, ``calls`` (insert/update calls answered or
        dropped), ``count_109``, ``mean_queue_wait``/``max_queue_wait`` (s), ``codes``
        (result code -> count, plus ``"dropped"``), ``leads``, ``mean_service`` (s a call held
        its slot: ``service_time`` plus the oversleep of a busy machine)."""
        with self._lock:
            waits = list(self._waits)
            holds = self._holds
            return {
                "peak_concurrency": self._peak,
                "active": self._active,
                "calls": self._served,
                "count_109": self._count_109,
                "mean_queue_wait": (sum(waits) / len(waits)) if waits else 0.0,
                "max_queue_wait": max(waits) if waits else 0.0,
                "mean_service": (sum(holds) / len(holds)) if holds else 0.0,
                "codes": dict(self._codes),
                "leads": len(self._leads),
            }

    @property
    def peak_concurrency(self) -> int:
        with self._lock:
            return self._peak

    def request_log(self) -> list[dict]:
        """Every request: ``method``, ``path``, ``query`` (apiKey shown as ``***``), ``status``
        (None when the connection was cut), ``code``, ``queue_wait``, ``at`` (epoch seconds)."""
        with self._lock:
            return copy.deepcopy(self._log)

    # -------------------------------------------------------------- plumbing
    @web.middleware
    async def _mw_log(self, request: web.Request, handler):
        entry: dict[str, Any] = {
            "method": request.method,
            "path": request.path,
            "query": {k: ("***" if k.lower() == "apikey" else v) for k, v in request.query.items()},
            "status": None,
            "code": None,
            "queue_wait": None,
            "at": time.time(),
        }
        _ENTRY.set(entry)
        try:
            resp = await handler(request)
            entry["status"] = resp.status
            return resp
        except web.HTTPException as exc:
            entry["status"] = exc.status
            if exc.status == 404:
                return _html_page(404, "Not Found", f"The requested resource ({html.escape(request.path)}) is not available.")
            if exc.status == 405:
                return _html_page(405, "Method Not Allowed", f"{html.escape(request.method)} is not supported here.")
            raise
        finally:
            with self._lock:
                self._log.append(entry)

    def _auth(self, request: web.Request) -> None:
        if request.query.get("apiKey") != self.config.api_key:
            raise _AuthFailed()

    def _envelope(self, request: web.Request, code: int, message: str, http_status: int,
                  extra: dict | None = None) -> web.Response:
        _ENTRY.get()["code"] = code
        body: dict[str, Any] = dict(extra or {})
        body["code"] = code
        body["message"] = message
        return web.json_response(body, status=http_status)

    async def _list(self, request: web.Request, kind: str, entities_fn) -> web.Response:
        try:
            self._auth(request)
        except _AuthFailed:
            return _unauthorised(request)
        try:
            entities = entities_fn()
        except _Reply as r:
            return self._envelope(request, r.code, r.message, r.http_status, {"type": kind, "entities": []})
        return self._envelope(request, 0, "OK", 200, {"type": kind, "entities": entities})

    # --------------------------------------------------------- list routes
    async def _h_templates(self, request: web.Request) -> web.Response:
        return await self._list(request, "CampaignTemplate", lambda: [
            {"id": t["id"], "name": t["name"]} for t in self._data["templates"]
        ])

    async def _h_campaigns(self, request: web.Request) -> web.Response:
        def entities():
            tid = _int_or_none(request.query.get("fTemplateId"))
            if tid is None or tid not in self._templates:
                raise _Reply(116)
            return [{"id": c["id"], "name": c["name"]} for c in self._templates[tid]["campaigns"]]
        return await self._list(request, "Campaign", entities)

    async def _h_allocations(self, request: web.Request) -> web.Response:
        def entities():
            cid = _int_or_none(request.query.get("fCampaignId"))
            if cid is None or cid not in self._campaigns:
                raise _Reply(117)
            return [{"id": a["id"], "name": a["name"]} for a in self._campaigns[cid][0]["allocations"]]
        return await self._list(request, "Allocation", entities)

    # ------------------------------------------------------- lead routes
    async def _h_insert(self, request: web.Request) -> web.StreamResponse:
        return await self._lead_call(request, self._apply_insert)

    async def _h_update(self, request: web.Request) -> web.StreamResponse:
        return await self._lead_call(request, self._apply_update)

    async def _lead_call(self, request: web.Request, apply) -> web.StreamResponse:
        try:
            self._auth(request)
        except _AuthFailed:
            return _unauthorised(request)
        try:
            raw = await request.read()
        except (ConnectionResetError, RuntimeError):
            # the caller went away mid-body (or we went down under it; aiohttp then says
            # RuntimeError "Connection closed."): like a real server, drop the call quietly
            # instead of aiohttp's "Error handling request" traceback
            if request.transport is not None and not request.transport.is_closing():
                raise
            log.debug("lead call cut off before its body arrived")
            return web.Response(status=400)
        entry = _ENTRY.get()
        with self._lock:
            forced = self._forced.pop(0) if self._forced else None
        if forced is not None:
            code, message, status = forced
            return self._finish(request, _Reply(code, message, status))

        assert self._sem is not None
        queued = time.monotonic()
        try:
            async with asyncio.timeout(self.config.queue_timeout):
                await self._sem.acquire()
        except TimeoutError:
            wait = time.monotonic() - queued
            entry["queue_wait"] = wait
            with self._lock:
                self._waits.append(wait)
            return self._finish(request, _Reply(109))
        wait = time.monotonic() - queued
        entry["queue_wait"] = wait
        with self._lock:
            self._waits.append(wait)
            self._active += 1
            self._peak = max(self._peak, self._active)
            fail = self._rng.random() < self.config.fail_rate
            drop = self._rng.random() < self.config.drop_rate
            slow = self._rng.random() < self.config.slow_rate
        began = time.monotonic()
        try:
            if fail:
                result = _Reply(103)
            else:
                try:
                    body = json.loads(raw.decode("utf-8")) if raw else None
                except (UnicodeDecodeError, json.JSONDecodeError):
                    body = None
                if not isinstance(body, dict):
                    result = _Reply(103)
                else:
                    body = {str(k): _text(v) for k, v in body.items()}
                    with self._lock:
                        result = apply(request, body)
                        if result.code == 0 and self._drops_forced > 0:
                            self._drops_forced -= 1
                            drop = True
            hold = self.config.slow_time if slow else self.config.service_time
            remaining = hold - (time.monotonic() - began)
            if remaining > 0:
                await asyncio.sleep(remaining)
        finally:
            with self._lock:
                self._active -= 1
                self._holds.append(time.monotonic() - began)
            self._sem.release()
        if drop and result.code == 0:
            with self._lock:
                self._served += 1
                self._codes["dropped"] = self._codes.get("dropped", 0) + 1
            entry["code"] = 0
            if request.transport is not None:
                request.transport.abort()
            # No reply: aiohttp sends nothing once the handler is cancelled and the transport is gone.
            raise asyncio.CancelledError()
        return self._finish(request, result)

    def _finish(self, request: web.Request, r: _Reply) -> web.Response:
        with self._lock:
            self._served += 1
            if r.code == 109:
                self._count_109 += 1
            self._codes[str(r.code)] = self._codes.get(str(r.code), 0) + 1
        return self._envelope(request, r.code, r.message, r.http_status)

    def _check_ids(self, request: web.Request) -> tuple[int, int, int]:
        q = request.query
        tid = _int_or_none(q.get("fTemplateId"))
        if tid is None or tid not in self._templates:
            raise _Reply(116)
        cid = _int_or_none(q.get("fCampaignId"))
        if cid is None or cid not in self._campaigns or self._campaigns[cid][1] != tid:
            raise _Reply(117)
        aid = _int_or_none(q.get("fAllocationId"))
        if aid is None or aid not in self._allocations or self._allocations[aid][1] != cid:
            raise _Reply(115)
        return tid, cid, aid

    def _check_common(self, body: dict[str, str]) -> None:
        """111 contact hours, 114 callback date, 113 priority (values of '<No Change>' skipped)."""
        ch = body.get("njContactHours")
        if ch is not None and ch.strip() and not _is_no_change(ch) and ch.strip() not in self._contact_hours:
            raise _Reply(111)
        cb = body.get("njCallBackDate")
        if cb is not None and cb.strip() and not _is_no_change(cb) and not _valid_callback(cb.strip()):
            raise _Reply(114)
        pr = body.get("njPriority")
        if pr is not None and pr.strip() and not _is_no_change(pr):
            p = _int_or_none(pr)
            if p is None or not 0 <= p <= 100:
                raise _Reply(113)

    def _apply_insert(self, request: web.Request, body: dict[str, str]) -> _Reply:
        """Insert rules, in the server's order. Called with the state lock held."""
        try:
            tid, cid, aid = self._check_ids(request)
            if any(_is_no_change(v) for v in body.values()):
                raise _Reply(108)
            template = self._templates[tid]
            phones = [_norm_phone(body[f]) for f in template["phone_fields"] if body.get(f, "").strip()]
            if not phones:
                raise _Reply(102)
            self._check_common(body)
            ext = body.get("njExternalLeadId", "").strip()
            if ext and ext in self._by_ext.get(cid, ()):
                raise _Reply(112)
            if any(p in self._dnc for p in phones):
                raise _Reply(104)
            allow = request.query.get("allowDuplicates", "").lower() == "true"
            if not allow:
                known = self._phone_counts.get(cid, {})
                if any(p in known for p in phones):
                    raise _Reply(105)
        except _Reply as r:
            return r
        lead = {
            "template_id": tid,
            "campaign_id": cid,
            "allocation_id": aid,
            "external_id": ext or None,
            "disposition": None,
            "lead": dict(body),
            "phones": phones,
            "updates": 0,
            "editing": False,
            "inserted_at": time.time(),
        }
        self._leads.append(lead)
        if ext:
            self._by_ext.setdefault(cid, {})[ext] = lead
        self._count_phones(cid, phones, 1)
        return _Reply(0)

    def _count_phones(self, cid: int, phones: list[str], step: int) -> None:
        """Add (``step`` 1) or remove (-1) one lead's phones in its campaign's phone counts."""
        counts = self._phone_counts.setdefault(cid, {})
        for p in set(phones):
            n = counts.get(p, 0) + step
            if n:
                counts[p] = n
            else:
                del counts[p]

    def _apply_update(self, request: web.Request, body: dict[str, str]) -> _Reply:
        """Update rules. Called with the state lock held."""
        try:
            tid, cid, aid = self._check_ids(request)
            ext = (body.get("njExternalLeadId") or request.query.get("njExternalLeadId") or "").strip()
            lead = self._by_ext.get(cid, {}).get(ext) if ext else None
            if lead is None:
                raise _Reply(101)
            template = self._templates[tid]
            disp = (body.get("njDisposition") or "").strip()
            if _is_no_change(disp):
                if lead["disposition"] is None:
                    raise _Reply(107)
            elif disp not in template["dispositions"]:
                raise _Reply(106)
            if not any(body.get(f, "").strip() for f in template["phone_fields"]):
                raise _Reply(102)
            self._check_common(body)
            if lead["editing"] or (self.config.conflict_rate > 0
                                   and self._rng.random() < self.config.conflict_rate):
                raise _Reply(110)
        except _Reply as r:
            return r
        for key, value in body.items():
            if key in ("njExternalLeadId", "njDisposition") or _is_no_change(value):
                continue
            lead["lead"][key] = value
        if not _is_no_change(disp):
            lead["disposition"] = disp
        self._count_phones(cid, lead["phones"], -1)
        lead["phones"] = [_norm_phone(lead["lead"][f]) for f in template["phone_fields"]
                          if lead["lead"].get(f, "").strip()]
        self._count_phones(cid, lead["phones"], 1)
        lead["updates"] += 1
        return _Reply(0)

    # ------------------------------------------------------ introspection
    async def _h_sb_leads(self, request: web.Request) -> web.Response:
        cid = _int_or_none(request.query.get("campaignId"))
        return web.json_response({"leads": self.leads(cid)})

    async def _h_sb_requests(self, request: web.Request) -> web.Response:
        return web.json_response({"requests": self.request_log()})

    async def _h_sb_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def _h_sb_templates(self, request: web.Request) -> web.Response:
        return web.json_response({"templates": [
            {"id": t["id"], "name": t["name"], "fields": t["fields"], "phone_fields": t["phone_fields"],
             "dispositions": t["dispositions"]} for t in self._data["templates"]
        ], "contact_hours": self._data["contact_hours"], "dnc": self._data["dnc"]})

    async def _h_sb_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"reset": True})


class _AuthFailed(Exception):
    pass


def _html_page(status: int, title: str, text: str) -> web.Response:
    page = (
        f"<!doctype html><html lang=\"en\"><head><title>HTTP Status {status} \u2013 {title}</title></head>"
        f"<body><h1>HTTP Status {status} \u2013 {title}</h1><hr><p>{text}</p>"
        f"<hr><h3>Noojee sandbox dialler</h3></body></html>"
    )
    return web.Response(status=status, text=page, content_type="text/html")


def _unauthorised(request: web.Request) -> web.Response:
    return _html_page(401, "Unauthorized", "The apiKey is missing or not valid for this server.")


def _int_or_none(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _is_no_change(value: str) -> bool:
    return value.strip().lower() == NO_CHANGE


def _norm_phone(value: str) -> str:
    return "".join(value.split())


def _valid_callback(value: str) -> bool:
    if not _CALLBACK_RE.match(value):
        return False
    try:
        datetime.strptime(value, "%Y/%m/%d %H:%M")
    except ValueError:
        return False
    return True
