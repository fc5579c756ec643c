"""Benchmark: reading + mapping + validating a 100k-row x 10-column xlsx against raw python-calamine.

    /work/venv/bin/python bench/load.py [--rows N] [--repeat R] [--fresh]

Goal 1, speed: our read_sheet + auto_map + validate time over the raw python-calamine parse
time (open the workbook, get the sheet, ``to_python()``: what calamine must do anyway),
at most 1.3. Both run on the same cached file, alternately, ``--repeat`` times each after
a warm-up; the medians are compared. Printed for information as well: the raw parse with
the garbage collector paused (ours pauses it while building rows), and the ratio to it.

Goal 2, memory: what the prepared table (Sheet + PreparedRows) holds above the idle
process, at most 150 MB: growth of the resident set (VmRSS) after loading and a full
collection, in two fresh child processes that have imported everything, one having parsed
nothing yet and one having parsed the file once with raw calamine (as a process that has
loaded a file before); the larger growth counts. tracemalloc's count of the Python
objects held is printed too.

Goal 3, the whole process as a user runs it: ``noojee-desktop upload FILE --dry-run`` (start
Python, import, read, map, validate with the phone checks of core.phones, print the summary)
against a process that only parses the same file with python-calamine, at most 1.5. Both run
``--repeat`` times, alternately, after a warm-up; medians compared.

The workbook is cached in the temp dir between runs (--fresh rebuilds it). Figures
depend on the machine's load, which is printed with them.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HEADERS = ["Name", "StreetAddress", "City", "State", "PostCode", "FirstPhone", "SecondPhone", "Email",
           "njExternalLeadId", "njPriority"]
TEMPLATE = HEADERS[:8]
# (city, state, postcode, area code and the first digit of its local numbers: real ranges)
STATES = [("Melbourne", "VIC", 3000, "039"), ("Sydney", "NSW", 2000, "029"), ("Brisbane", "QLD", 4000, "073"),
          ("Perth", "WA", 6000, "089"), ("Adelaide", "SA", 5000, "088"), ("Hobart", "TAS", 7000, "0362")]
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
        local = 10 - len(area)
        phone = area + f"{i:0{local}d}"[-local:]
        name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        ws.append([
            name, f"{rnd.randrange(1, 400)} {rnd.choice(LAST)} Street", city, state, pc + rnd.randrange(0, 200),
            f"{phone[:2]} {phone[2:6]} {phone[6:]}",      # 03 9000 0001
            float(400000000 + i),      # a mobile that Excel stored as a number: 0 lost
            f"{name.replace(' ', '.').lower()}{i}@example.com.au", f"CRM-{i:07d}", rnd.randrange(0, 20),
        ])
    wb.save(path)


def time_raw(path: Path, *, paused: bool = False) -> float:
    """Open + get the sheet + to_python, as any caller of python-calamine must."""
    import python_calamine as pc

    if paused:
        gc.disable()
    try:
        t = time.perf_counter()
        wb = pc.CalamineWorkbook.from_path(str(path))
        data = wb.get_sheet_by_index(0).to_python()
        wb.close()
        elapsed = time.perf_counter() - t
    finally:
        gc.enable()
    assert len(data) > 1
    del data
    gc.collect()
    return elapsed


def ours(path: Path):
    from noojee_desktop.core.sheet import auto_map, read_sheet, validate

    sheet = read_sheet(path)
    mapping = auto_map(sheet.headers, TEMPLATE, {"FirstPhone", "SecondPhone"})
    prepared = validate(sheet, mapping)
    return sheet, prepared


def time_ours(path: Path) -> float:
    t = time.perf_counter()
    s, p = ours(path)
    elapsed = time.perf_counter() - t
    assert len(p) == len(s.rows) > 0
    del s, p
    gc.collect()
    return elapsed


def memory_child(path: str, warm: bool) -> None:
    """In a fresh process: print RSS growth, tracemalloc total, and counts, as one line.

    ``warm``: parse the file once with raw calamine before taking the idle figure (as a
    process that has loaded something before; the allocator then holds freed memory).
    """
    import noojee_desktop.core.sheet  # noqa: F401
    import python_calamine  # noqa: F401

    if warm:
        time_raw(Path(path))
    gc.collect()
    idle = rss_mb()
    sheet, prepared = ours(Path(path))
    gc.collect()
    held = rss_mb() - idle
    sendable = sum(r.sendable for r in prepared)
    warned = sum(1 for r in prepared if r.issues)
    del sheet, prepared
    gc.collect()
    tracemalloc.start()
    sheet, prepared = ours(Path(path))
    gc.collect()
    traced, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{held} {traced} {peak} {sendable} {warned}")


_RAW_PROCESS = ("import sys, python_calamine as pc\n"
                "wb = pc.CalamineWorkbook.from_path(sys.argv[1])\n"
                "data = wb.get_sheet_by_index(0).to_python()\n"
                "assert len(data) > 1\n")
_OUR_PROCESS = "import sys\nfrom noojee_desktop.commands import main\nsys.exit(main())\n"


def time_process(cmd: list[str], env: dict) -> float:
    t = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    elapsed = time.perf_counter() - t
    if done.returncode not in (0, 1):     # 1: some rows need fixing (still a complete check)
        raise SystemExit(f"{cmd[:4]} failed with exit status {done.returncode}")
    return elapsed


def whole_process(path: Path, repeat: int) -> tuple[float, float, list[float], list[float]]:
    """Medians of the bare calamine process and of ``upload --dry-run``, alternately."""
    env = dict(os.environ)
    home = tempfile.mkdtemp(prefix="noojee-bench-home-")   # no saved mapping or settings
    env.update(XDG_DATA_HOME=home, XDG_CONFIG_HOME=home, XDG_STATE_HOME=home, XDG_CACHE_HOME=home)
    raw_cmd = [sys.executable, "-c", _RAW_PROCESS, str(path)]
    our_cmd = [sys.executable, "-c", _OUR_PROCESS, "upload", str(path), "--template", "1", "--campaign", "1",
               "--allocation", "1", "--dry-run", "--phone-fields", "FirstPhone,SecondPhone"]
    time_process(raw_cmd, env)
    time_process(our_cmd, env)
    raw_t, our_t = [], []
    for _ in range(repeat):
        raw_t.append(time_process(raw_cmd, env))
        our_t.append(time_process(our_cmd, env))
    return statistics.median(raw_t), statistics.median(our_t), raw_t, our_t


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--memory-child", help=argparse.SUPPRESS)
    ap.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.warm)
        return 0

    path = Path(tempfile.gettempdir()) / f"noojee-bench-{args.rows}x10-v3.xlsx"   # v3: real number ranges
    if args.fresh or not path.exists():
        t = time.perf_counter()
        make_workbook(path, args.rows)
        print(f"made {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")

    load_before = os.getloadavg()
    # memory first, in fresh child processes: one that has parsed nothing yet, one that
    # parsed the file with raw calamine first; the goal holds for the larger growth
    figures = []
    for warm in (False, True):
        cmd = [sys.executable, __file__, "--rows", str(args.rows), "--memory-child", str(path)]
        out = subprocess.run(cmd + (["--warm"] if warm else []), check=True, capture_output=True,
                             text=True).stdout.split()
        figures.append(out)
    held_fresh, held_warm = float(figures[0][0]), float(figures[1][0])
    held = max(held_fresh, held_warm)
    traced, peak = int(figures[0][1]) / 1e6, int(figures[0][2]) / 1e6
    sendable, warned = int(figures[0][3]), int(figures[0][4])

    # speed: warm the imports and the file cache, then alternate so any drift hits all alike
    import noojee_desktop.core.sheet  # noqa: F401
    import python_calamine  # noqa: F401

    time_raw(path)
    time_ours(path)
    raw_t, paused_t, our_t = [], [], []
    for _ in range(args.repeat):
        raw_t.append(time_raw(path))
        our_t.append(time_ours(path))
        paused_t.append(time_raw(path, paused=True))
    proc_raw, proc_our, proc_raw_t, proc_our_t = whole_process(path, args.repeat)
    load_after = os.getloadavg()

    raw, paused, our = (statistics.median(x) for x in (raw_t, paused_t, our_t))
    proc_ratio = proc_our / proc_raw
    ratio = our / raw
    print(f"rows: {args.rows:,} x {len(HEADERS)} columns; sendable {sendable:,}, rows with warnings {warned:,}")
    print(f"machine load (1-min average): {load_before[0]:.2f} before, {load_after[0]:.2f} after "
          f"({os.cpu_count()} CPUs)")
    print(f"raw python-calamine parse : {raw:6.3f} s  (median of {args.repeat}; "
          f"runs {', '.join(f'{x:.3f}' for x in raw_t)})")
    print(f"read + map + validate     : {our:6.3f} s  (runs {', '.join(f'{x:.3f}' for x in our_t)})")
    print(f"ratio                     : {ratio:6.2f}   goal <= 1.3  {verdict(ratio <= 1.3)}")
    print(f"  for information: raw parse with the collector paused {paused:.3f} s, ratio to it "
          f"{our / paused:.2f}")
    print(f"memory held (RSS growth)  : {held:6.1f} MB  goal <= 150 MB  {verdict(held <= 150)}  "
          f"(fresh process {held_fresh:.1f} MB, after a raw parse {held_warm:.1f} MB)")
    print(f"  for information: tracemalloc {traced:.1f} MB held, peak while loading {peak:.1f} MB")
    print(f"whole process, bare calamine parse   : {proc_raw:6.3f} s  (runs {', '.join(f'{x:.3f}' for x in proc_raw_t)})")
    print(f"whole process, upload --dry-run      : {proc_our:6.3f} s  (runs {', '.join(f'{x:.3f}' for x in proc_our_t)};"
          " phone checks on)")
    print(f"whole-process ratio                  : {proc_ratio:6.2f}   goal <= 1.5  {verdict(proc_ratio <= 1.5)}")
    return 0 if ratio <= 1.3 and held <= 150 and proc_ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
