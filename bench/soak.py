"""Soak: 10,000 leads through the sandbox; is memory flat (no growth per lead)?

    /work/venv/bin/python bench/soak.py [--leads 10000] [--service-time 0.002] [--slots 8]

The sandbox runs in a separate process (its stored leads are its memory, not ours). Every
1,000 finished leads this samples the process RSS and the tracemalloc total, then prints the
growth per lead over the second half of the run (after warm-up) against the first sample.
The engine keeps one outcome per row (the results file needs them) and the rows themselves,
so the baseline is taken with all rows loaded; what must stay flat is everything else.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import tracemalloc
from pathlib import Path

from noojee_desktop.core.api import NoojeeClient
from noojee_desktop.sandbox.process import SandboxProcess
from noojee_desktop.core.engine import JobSpec, UploadEngine
from noojee_desktop.core.journal import Journal
from noojee_desktop.core.sheet import PreparedRow


def rss_kib() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def start_sandbox(slots: int, service: float) -> SandboxProcess:
    """The sandbox in its own process, as a real dialler would be (no shared interpreter)."""
    return SandboxProcess("--slots", str(slots), "--service-time", str(service)).start()


async def soak(n: int, url: str, key: str, workdir: Path) -> list[tuple[int, int, int]]:
    rows = [PreparedRow(i, i + 2, {"Name": f"Lead {i}", "City": "Melbourne", "FirstPhone": f"03{i:08d}"})
            for i in range(n)]
    samples: list[tuple[int, int, int]] = []
    snapshots: list = []
    next_mark = [1000]

    async with NoojeeClient(url, key) as client:
        job = JobSpec(server=client.base_url, template=(1, ""), campaign=(11, ""), allocation=(111, ""),
                      file_path="soak.csv", fingerprint="soak")
        with Journal(workdir / "journal.sqlite3") as journal:
            engine: UploadEngine

            def on_progress(batch):
                done = sum(engine.counts.values())
                while done >= next_mark[0]:
                    samples.append((next_mark[0], rss_kib(), tracemalloc.get_traced_memory()[0]))
                    if next_mark[0] == n // 2:
                        snapshots.append(tracemalloc.take_snapshot())
                    next_mark[0] += 1000

            engine = UploadEngine(client, job, rows, journal, concurrency="auto", on_progress=on_progress)
            summary = await engine.run()
            if snapshots:
                later = tracemalloc.take_snapshot()
                print(f"where traced memory grew in the second half ({n - n // 2} leads), top sites:")
                for stat in later.compare_to(snapshots[0], "lineno")[:6]:
                    frame = stat.traceback[0]
                    print(f"  {stat.size_diff / (n - n // 2):7.1f} B/lead  {Path(frame.filename).name}:{frame.lineno}")
            print(f"inserted {summary.inserted}/{n} in {summary.elapsed:.1f} s "
                  f"({n / summary.elapsed:.0f} leads/s), window at end {engine.controller.describe()}")
    return samples


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leads", type=int, default=10_000)
    ap.add_argument("--service-time", type=float, default=0.002)
    ap.add_argument("--slots", type=int, default=8)
    args = ap.parse_args(argv)
    sandbox = start_sandbox(args.slots, args.service_time)
    url, key = sandbox.url, sandbox.api_key
    try:
        tracemalloc.start()
        with tempfile.TemporaryDirectory() as tmp:
            samples = asyncio.run(soak(args.leads, url, key, Path(tmp)))
    finally:
        sandbox.stop()
    print(f"{'leads':>7} {'RSS KiB':>9} {'traced KiB':>11}")
    for done, rss, traced in samples:
        print(f"{done:>7} {rss:>9} {traced // 1024:>11}")
    if len(samples) >= 4:
        half = len(samples) // 2
        # From the first sample AFTER the tracemalloc snapshot taken at n/2: the snapshot itself
        # costs tens of MB of RSS, which would otherwise read as growth per lead.
        (d0, r0, t0), (d1, r1, t1) = samples[half], samples[-1]
        per_lead_rss = (r1 - r0) * 1024 / (d1 - d0)
        per_lead_traced = (t1 - t0) / (d1 - d0)
        print(f"growth per lead from {d0} to {d1} leads: RSS {per_lead_rss:.1f} B/lead, "
              f"traced Python memory {per_lead_traced:.1f} B/lead")
        (e0, _, te0) = samples[0]
        print(f"traced growth per lead over the whole run (from {e0}): {(t1 - te0) / (d1 - e0):.1f} B/lead "
              "(includes one RowOutcome per finished row, kept for the results file)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
