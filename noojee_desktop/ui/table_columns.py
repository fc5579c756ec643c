"""The import table's own columns (then the file's), and a helper for runs of rows."""

from __future__ import annotations

from collections.abc import Iterable

ROW, RESULT, CODE, MESSAGE = range(4)
FIXED_HEADERS = ["Row", "Result", "Code", "Message"]
FIXED = len(FIXED_HEADERS)


def contiguous_runs(indexes: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted, merged (first, last) runs of row indexes: [3,1,2,7] -> [(1,3),(7,7)]."""
    runs: list[tuple[int, int]] = []
    for i in sorted(set(indexes)):
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs
