"""``noojee-desktop sandbox``: run the sandbox dialler until Ctrl+C.

    noojee-desktop sandbox --port 8089
    noojee-desktop sandbox --slots 2 --service-time 0.5 --fail-rate 0.05 --introspection

Prints the base URL, the demo key and a ready ``curl`` line, then serves on 127.0.0.1
until Ctrl+C (or SIGTERM) and stops cleanly with exit status 0. It is a demo server: it
refuses to listen on anything but a loopback address unless ``--allow-remote`` is given.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import shlex
import signal
import sys
import threading

from noojee_desktop.sandbox.data import DemoDataError, load_data
from noojee_desktop.sandbox.server import API_PREFIX, SandboxConfig, SandboxServer


def _parse(text: str, convert, what: str):
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None


def _fraction(text: str) -> float:
    value = _parse(text, float, "a number")
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} must be between 0 and 1 (a fraction of calls, e.g. 0.05)")
    return value


def _seconds(text: str) -> float:
    value = _parse(text, float, "a number of seconds")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must not be negative")
    return value


def _positive_int(text: str) -> int:
    value = _parse(text, int, "a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def _port(text: str) -> int:
    value = _parse(text, int, "a port number")
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port number (0 to 65535; 0 picks a free one)")
    return value


def build_parser() -> argparse.ArgumentParser:
    d = SandboxConfig()
    p = argparse.ArgumentParser(
        prog="noojee-desktop sandbox",
        description="Run a sandbox Noojee dialler (Campaign API with demo data) on this computer.",
    )
    p.add_argument("--port", type=_port, default=8089, help="port to listen on (default 8089; 0 picks a free port)")
    p.add_argument("--host", default=d.host, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--allow-remote", action="store_true",
                   help="allow a non-loopback --host (other computers could then reach this demo server)")
    p.add_argument("--api-key", default=d.api_key, help=f"the key clients must send (default {d.api_key})")
    p.add_argument("--slots", type=_positive_int, default=d.slots,
                   help=f"insert/update calls served at once (default {d.slots})")
    p.add_argument("--service-time", type=_seconds, default=d.service_time,
                   help=f"seconds each insert/update takes at least (default {d.service_time})")
    p.add_argument("--queue-timeout", type=_seconds, default=d.queue_timeout,
                   help=f"seconds a call may wait for a slot before code 109 (default {d.queue_timeout:g})")
    p.add_argument("--fail-rate", type=_fraction, default=0.0, help="fraction of calls answered 103 / HTTP 500")
    p.add_argument("--drop-rate", type=_fraction, default=0.0,
                   help="fraction of calls whose lead is stored but whose connection is cut without a reply")
    p.add_argument("--slow-rate", type=_fraction, default=0.0, help="fraction of calls that take --slow-time")
    p.add_argument("--slow-time", type=_seconds, default=d.slow_time, help=f"seconds of a slow call (default {d.slow_time:g})")
    p.add_argument("--conflict-rate", type=_fraction, default=0.0,
                   help="fraction of valid updates answered 110, as if an agent were editing the lead")
    p.add_argument("--down-after", type=_seconds, default=None,
                   help="become unreachable this many seconds after start (with --down-for)")
    p.add_argument("--down-for", type=_seconds, default=0.0, help="seconds to stay unreachable (with --down-after)")
    p.add_argument("--data", metavar="FILE", help="demo data JSON file (see docs/sandbox.md)")
    p.add_argument("--introspection", action="store_true",
                   help="enable /sandbox/leads, /sandbox/requests, /sandbox/stats, /sandbox/templates, /sandbox/reset")
    p.add_argument("--seed", type=int, default=None, help="seed for the fault injection (repeatable runs)")
    p.add_argument("--quiet", action="store_true", help="do not log each request")
    return p


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _example_curl(server: SandboxServer) -> str:
    t = server.data["templates"][0]
    c = t["campaigns"][0] if t["campaigns"] else None
    a = c["allocations"][0] if c and c["allocations"] else None
    if c is None or a is None:
        return ""
    url = (f"{server.url}{API_PREFIX}/insertLeadFast?fTemplateId={t['id']}&fCampaignId={c['id']}"
           f"&fAllocationId={a['id']}&apiKey={server.api_key}")
    lead = {t["fields"][0]: "Ann Lee"} if t["fields"][0] not in t["phone_fields"] else {}
    lead[t["phone_fields"][0]] = "0383218199"
    return (f"curl -s -X POST {shlex.quote(url)} -H 'Content-Type: application/json' "
            f"-d {shlex.quote(json.dumps(lead))}")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not _is_loopback(args.host) and not args.allow_remote:
        print(f"Refusing to listen on {args.host}: the sandbox is a demo server for this computer only. "
              "Use --allow-remote if other computers really should reach it.", file=sys.stderr)
        return 2
    data = None
    if args.data:
        try:
            data = load_data(args.data)
        except DemoDataError as exc:
            print(f"Sandbox not started: {exc}", file=sys.stderr)
            return 2
    if not args.quiet and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    config = SandboxConfig(
        host=args.host, port=args.port, api_key=args.api_key, slots=args.slots,
        service_time=args.service_time, queue_timeout=args.queue_timeout, fail_rate=args.fail_rate,
        drop_rate=args.drop_rate, conflict_rate=args.conflict_rate, slow_rate=args.slow_rate,
        slow_time=args.slow_time,
        down_after=args.down_after, down_for=args.down_for, introspection=args.introspection,
        seed=args.seed, data=data,
    )
    server = SandboxServer(config)
    try:
        server.start()
    except OSError as exc:
        print(f"Sandbox not started: cannot listen on {args.host}:{args.port} ({exc.strerror or exc}). "
              "Is another sandbox already running? Try another --port.", file=sys.stderr)
        return 2

    stop = threading.Event()

    def on_signal(signum, frame):  # noqa: ARG001
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(f"Noojee sandbox dialler running at {server.url}", flush=True)
        print(f"API base:  {server.api_url}", flush=True)
        print(f"Demo key:  {server.api_key}", flush=True)
        print(f"Templates: {server.url}{API_PREFIX}/getCampaignTemplateList?apiKey={server.api_key}", flush=True)
        curl = _example_curl(server)
        if curl:
            print(f"Try:       {curl}", flush=True)
        if args.introspection:
            print(f"Inspect:   {server.url}/sandbox/leads  /sandbox/requests  /sandbox/stats", flush=True)
        print("Press Ctrl+C to stop.", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
    print("Sandbox stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
