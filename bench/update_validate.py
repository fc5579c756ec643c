"""Benchmark: checking a 100k-row sheet of updates (validate_update) against the same sheet as inserts.

    python bench/update_validate.py [--rows N] [--repeat R]

validate_update adds to validate: a scan of the phone columns for <No Change>, a stand-in copy
of the rows that have one, a column for "one disposition for every row", and a pass over the
prepared rows. Goal: at most 2.0 x validate's time on the same sheet (one in ten rows with a
<No Change> phone, --disposition given). Medians of --repeat alternating runs after a warm-up;
figures depend on the machine's load, which is printed with them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from noojee_desktop.core.sheet import Mapping, Sheet, validate, validate_update

HEADERS = ["njExternalLeadId", "Name", "City", "FirstPhone", "SecondPhone", "njCallBackDate", "njPriority"]
PHONES = {"FirstPhone", "SecondPhone"}


def make_sheet(n: int) -> Sheet:
    rows = []
    for i in range(n):
        first = "<No Change>" if i % 10 == 0 else f"03{i:08d}"
        rows.append([f"ACC-{i}", f"Lead {i}", "Melbourne" if i % 3 else "<no change>", first,
                     f"04{i:08d}" if i % 2 else "", "2030/01/01 09:00" if i % 5 == 0 else "", str(i % 100)])
    return Sheet(path=Path("bench.csv"), sheet_name="", sheet_names=[], headers=list(HEADERS),
                 source_headers=list(HEADERS), rows=rows, row_numbers=list(range(2, n + 2)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    sheet = make_sheet(args.rows)
    mapping = Mapping({h: h for h in HEADERS}, set(PHONES))

    def plain():
        rows = validate(sheet, mapping, update=True)
        for r in rows[::97]:
            r.lead  # noqa: B018 - build some leads, as sending does
        return rows

    def update():
        rows = validate_update(sheet, mapping, disposition="Wrong Number")
        for r in rows[::97]:
            r.lead  # noqa: B018
        return rows

    plain(), update()   # warm-up
    a, b = [], []
    for _ in range(args.repeat):
        t = time.perf_counter(); plain(); a.append(time.perf_counter() - t)
        t = time.perf_counter(); update(); b.append(time.perf_counter() - t)
    ma, mb = statistics.median(a), statistics.median(b)
    rows = update()
    assert sum(r.sendable for r in rows) == args.rows, "every bench row should be sendable"
    print(f"rows {args.rows}, load average {os.getloadavg()[0]:.2f}")
    print(f"validate (update flag)   {ma * 1000:8.1f} ms")
    print(f"validate_update          {mb * 1000:8.1f} ms")
    print(f"ratio                    {mb / ma:8.2f}  (goal <= 2.0)")


if __name__ == "__main__":
    main()
