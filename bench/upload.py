"""Benchmark: does the upload use the dialler fully, in file order, without flooding it?

    python bench/upload.py [--cases 2:600 8:2000] [--service-time 0.05] [--quick]

For each case SLOTS:LEADS the sandbox dialler (its own process; slots hidden from the client)
serves LEADS inserts in these runs, each against a fresh sandbox:

* ``process``: the headless command ``noojee-desktop upload`` as a user runs it, in its own
  process, timed from launch to exit (Python start-up, reading and checking the file, the
  journal, the three name look-ups, the upload and the results workbook all included);
* ``engine``: the engine alone (``concurrency=auto``) in this process, timed around ``run()``;
* ``fixed``: the engine with a fixed concurrency equal to the slot count (a client that knows
  the server); ``flood``: twice the slot count (the sandbox's real ceiling on this machine).

Capacity is computed in the same run from the slots and the service time: nominal
``slots / service_time``, and ``slots / mean hold`` where the mean hold is what the sandbox
measured (service time plus the oversleep of a busy machine). Printed per run: throughput
against capacity, 109 replies, mean server-side queue wait against the service time, and how far
arrivals strayed from file order (the largest distance, in rows, between a lead's place in
arrival order and in the file). ``--quick`` skips the fixed and flood runs.
Targets for ``process`` and ``engine``: >= 90 % of nominal capacity, no 109, mean queue wait
< one service time, every lead stored, arrivals within the window of file order.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from noojee_desktop.core.api import NoojeeClient
from noojee_desktop.core.engine import JobSpec, UploadEngine
from noojee_desktop.core.journal import Journal
from noojee_desktop.core.sheet import PreparedRow
from noojee_desktop.sandbox.process import SandboxProcess


def lead(i: int) -> dict[str, str]:
    return {"Name": f"Lead {i}", "City": "Melbourne", "FirstPhone": f"03{i:08d}"}


def make_rows(n: int) -> list[PreparedRow]:
    return [PreparedRow(i, i + 2, lead(i)) for i in range(n)]


def write_csv(path: Path, n: int) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Name", "City", "FirstPhone"])
        for i in range(n):
            w.writerow(list(lead(i).values()))
    return path


def start_sandbox(slots: int, service: float) -> SandboxProcess:
    """The sandbox in its own process, as a real dialler would be (no shared interpreter)."""
    return SandboxProcess("--slots", str(slots), "--service-time", str(service), "--introspection",
                          "--seed", "1", "--quiet").start()


async def sandbox_figures(url: str) -> dict:
    async with httpx.AsyncClient() as http:
        stats = (await http.get(url + "/sandbox/stats")).json()
        leads = (await http.get(url + "/sandbox/leads")).json()
    leads = leads.get("leads", leads) if isinstance(leads, dict) else leads
    order = [int(r["lead"]["FirstPhone"][2:]) for r in leads]
    stats["stray"] = max((abs(pos - i) for pos, i in enumerate(order)), default=0)
    return stats


async def engine_run(url: str, key: str, n: int, concurrency, workdir: Path) -> tuple[float, str]:
    async with NoojeeClient(url, key) as client:
        job = JobSpec(server=client.base_url, template=(1, ""), campaign=(11, ""), allocation=(111, ""),
                      file_path="bench.csv", fingerprint=f"bench-{time.monotonic_ns()}")
        with Journal(workdir / f"journal-{time.monotonic_ns()}.sqlite3") as journal:
            engine = UploadEngine(client, job, make_rows(n), journal, concurrency=concurrency)
            t0 = time.perf_counter()
            await engine.run()
            elapsed = time.perf_counter() - t0
    return elapsed, f"{engine.controller.describe()}, max {engine.controller.max_cwnd}"


def process_run(url: str, key: str, n: int, workdir: Path) -> tuple[float, str]:
    home = Path(tempfile.mkdtemp(dir=workdir))
    path = write_csv(home / "leads.csv", n)
    env = dict(os.environ, NOOJEE_API_KEY=key, HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"))
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "noojee_desktop", "upload", str(path), "--server", url,
                           "--template", "Solar Leads", "--campaign", "Solar VIC", "--allocation", "VIC Week 1"],
                          env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
    took = [line for line in proc.stderr.splitlines() if line.startswith("Took")]
    return elapsed, f"exit {proc.returncode}; {took[-1] if took else 'no Took line'} (after imports)"


def one(kind: str, slots: int, service: float, n: int, workdir: Path) -> dict:
    sandbox = start_sandbox(slots, service)
    try:
        if kind == "process":
            elapsed, note = process_run(sandbox.url, sandbox.api_key, n, workdir)
        else:
            concurrency = {"engine": "auto", "fixed": slots, "flood": 2 * slots}[kind]
            elapsed, note = asyncio.run(engine_run(sandbox.url, sandbox.api_key, n, concurrency, workdir))
        stats = asyncio.run(sandbox_figures(sandbox.url))
    finally:
        sandbox.stop()
    return {"kind": kind, "elapsed": elapsed, "throughput": n / elapsed, "note": note, **stats}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", nargs="+", default=["2:600", "8:2000"], metavar="SLOTS:LEADS")
    ap.add_argument("--service-time", type=float, default=0.05)
    ap.add_argument("--quick", action="store_true", help="only the process and engine runs")
    args = ap.parse_args(argv)
    service = args.service_time
    ok = True
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"{os.cpu_count()} cores; load average at start {load}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.cases:
            slots, n = (int(x) for x in case.split(":"))
            nominal = slots / service
            kinds = ["process", "engine"] + ([] if args.quick else ["fixed", "flood"])
            results = {}
            for kind in kinds:
                r = results[kind] = one(kind, slots, service, n, Path(tmp))
                measured = slots / r["mean_service"] if r["mean_service"] else nominal
                print(f"slots={slots} leads={n} {kind:>7}: {r['throughput']:6.1f} leads/s = "
                      f"{100 * r['throughput'] / nominal:5.1f}% of capacity {nominal:.0f}/s "
                      f"({100 * r['throughput'] / measured:5.1f}% of {measured:.0f}/s with the measured "
                      f"hold {1000 * r['mean_service']:.1f} ms); 109s {r['count_109']}; mean queue wait "
                      f"{1000 * r['mean_queue_wait']:.1f} ms = {r['mean_queue_wait'] / service:.2f} x service; "
                      f"peak {r['peak_concurrency']} at once; stored {r['leads']}/{n} in {r['elapsed']:.2f} s; "
                      f"out of file order by at most {r['stray']} rows; {r['note']}", flush=True)
            p, e = results["process"], results["engine"]
            print(f"slots={slots} leads={n}: whole process {100 * p['throughput'] / nominal:.1f}% beside engine "
                  f"{100 * e['throughput'] / nominal:.1f}% of capacity; start-up and finishing cost "
                  f"{p['elapsed'] - e['elapsed']:.2f} s", flush=True)
            if "fixed" in results:
                f, flood = results["fixed"], results["flood"]
                print(f"slots={slots}: auto / fixed = {e['throughput'] / f['throughput']:.3f}; the sandbox's ceiling "
                      f"here (flooded with {2 * slots}) is {100 * flood['throughput'] / nominal:.1f}% of nominal",
                      flush=True)
            met = all(r["throughput"] >= 0.9 * nominal and r["count_109"] == 0 and r["mean_queue_wait"] < service
                      and r["leads"] == n and r["stray"] <= 2 * slots + 2 for r in (p, e))
            ok &= met
            print(f"slots={slots} leads={n}: targets {'MET' if met else 'NOT MET'}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
