"""Benchmark: reading + mapping + validating a 100k-row x 10-column xlsx against raw python-calamine.

    /work/venv/bin/python bench/load.py [--rows N] [--fresh]

Prints the raw python-calamine parse time (open + to_python of the sheet), our
read_sheet + auto_map + validate time, their ratio (goal <= 1.3), and the memory held by
the prepared rows (Sheet + PreparedRows) above the idle process (goal <= 150 MB), measured
as the growth of the process's resident set (VmRSS) and by tracemalloc in a second pass.
The workbook is cached in the temp dir between runs (--fresh rebuilds it).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HEADERS = ["Name", "StreetAddress", "City", "State", "PostCode", "FirstPhone", "SecondPhone", "Email",
           "njExternalLeadId", "njPriority"]
TEMPLATE = HEADERS[:8]
STATES = [("Melbourne", "VIC", 3000, "03"), ("Sydney", "NSW", 2000, "02"), ("Brisbane", "QLD", 4000, "07"),
          ("Perth", "WA", 6000, "08"), ("Adelaide", "SA", 5000, "08"), ("Hobart", "TAS", 7000, "03")]
FIRST = ["Olivia", "Jack", "Charlotte", "William", "Amelia", "Noah", "Isla", "Oliver", "Mia", "Leo"]
LAST = ["Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Martin", "Lee", "Kelly"]


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def make_workbook(path: Path, rows: int) -> None:
    """Realistic lead data: text landlines, mobiles stored as numbers (lost zero), mixed types."""
    from openpyxl import Workbook

    rnd = random.Random(42)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Leads")
    ws.append(HEADERS)
    for i in range(rows):
        city, state, pc, area = STATES[i % len(STATES)]
        name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        ws.append([
            name, f"{rnd.randrange(1, 400)} {rnd.choice(LAST)} Street", city, state, pc + rnd.randrange(0, 200),
            f"{area} {10000000 + i:08d}"[:3] + f"{10000000 + i:08d}"[:4] + " " + f"{10000000 + i:08d}"[4:],
            float(400000000 + i),      # a mobile that Excel stored as a number: 0 lost
            f"{name.replace(' ', '.').lower()}{i}@example.com.au", f"CRM-{i:07d}", rnd.randrange(0, 20),
        ])
    wb.save(path)


def time_raw(path: Path) -> float:
    import python_calamine as pc

    t = time.perf_counter()
    wb = pc.CalamineWorkbook.from_path(str(path))
    data = wb.get_sheet_by_index(0).to_python()
    wb.close()
    elapsed = time.perf_counter() - t
    assert len(data) > 1
    del data
    return elapsed


def ours(path: Path):
    from noojee_desktop.core.sheet import auto_map, read_sheet, validate

    sheet = read_sheet(path)
    mapping = auto_map(sheet.headers, TEMPLATE, {"FirstPhone", "SecondPhone"})
    prepared = validate(sheet, mapping)
    return sheet, prepared


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    path = Path(tempfile.gettempdir()) / f"noojee-bench-{args.rows}x10.xlsx"
    if args.fresh or not path.exists():
        t = time.perf_counter()
        make_workbook(path, args.rows)
        print(f"made {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")

    # warm the imports and the file cache, then alternate the two to share any drift
    import noojee_desktop.core.sheet  # noqa: F401
    import python_calamine  # noqa: F401

    time_raw(path)
    gc.collect()
    idle = rss_mb()
    sheet, prepared = ours(path)
    gc.collect()
    held = rss_mb() - idle
    sendable = sum(r.sendable for r in prepared)
    warnings = sum(1 for r in prepared if r.issues)
    del sheet, prepared
    gc.collect()

    raw_t, our_t = [], []
    for _ in range(args.repeat):
        raw_t.append(time_raw(path))
        gc.collect()
        t = time.perf_counter()
        s, p = ours(path)
        our_t.append(time.perf_counter() - t)
        del s, p
        gc.collect()

    tracemalloc.start()
    s, p = ours(path)
    traced, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del s, p

    raw, our = statistics.median(raw_t), statistics.median(our_t)
    print(f"rows: {args.rows:,} x {len(HEADERS)} columns; sendable {sendable:,}, rows with warnings {warnings:,}")
    print(f"raw python-calamine parse : {raw:6.3f} s  (median of {args.repeat})")
    print(f"read + map + validate     : {our:6.3f} s")
    print(f"ratio                     : {our / raw:6.2f}   (goal <= 1.3)")
    print(f"memory held (RSS growth)  : {held:6.1f} MB (goal <= 150 MB)")
    print(f"memory held (tracemalloc) : {traced / 1e6:6.1f} MB, peak while loading {peak / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
