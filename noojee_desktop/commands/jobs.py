"""``noojee-desktop jobs``: what this computer loaded (uploads, updates, withdrawals), newest first.

    noojee-desktop jobs [--json] [--limit N]

Reads the journal only (nothing is sent, no key needed). Each job has an id, which
``noojee-desktop withdraw JOB_ID`` takes. ``--json`` prints a list of objects for scripts:
``id``, ``when``, ``file``, ``server``, ``template``/``campaign``/``allocation`` (``id``, ``name``),
``mode`` (insert, update, withdraw), ``status``, ``finished``, ``counts`` (result -> rows),
``total``, ``results_path``, ``withdraws_job``, ``disposition``.

Exit status: 0 listed (also when there is no job yet); 2 the journal cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="noojee-desktop jobs",
        description="List the uploads, updates and withdrawals this computer made, newest first, "
        "from its journal (the dialler itself cannot list what was loaded).")
    p.add_argument("--json", action="store_true", help="print JSON for scripts instead of a table")
    p.add_argument("--limit", type=int, metavar="N", help="only the newest N jobs")
    return p


def table(entries) -> str:
    if not entries:
        return "No jobs yet: nothing has been loaded from this computer (under this user)."
    head = ["Job", "When", "Mode", "State", "Rows", "File", "Template / campaign / allocation", "Results"]
    body = [[str(e.id), f"{e.when:%Y-%m-%d %H:%M}", e.mode_label, e.state_label, str(e.total), e.file_name,
             e.target(), e.counts_text()] for e in entries]
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(head, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for e, r in zip(entries, body):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if e.results_path:
            lines.append(f"{'':{widths[0]}}  results file: {e.results_path}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as e:
        return 2 if e.code not in (0, None) else 0
    from noojee_desktop.core.history import history
    from noojee_desktop.core.journal import Journal

    try:
        with Journal() as journal:
            entries = history(journal, args.limit)
    except Exception as e:  # noqa: BLE001 - an unreadable journal is explained, not a traceback
        print(f"The journal of this computer's uploads cannot be read: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([e.to_json() for e in entries], indent=2, ensure_ascii=False))
    else:
        print(table(entries))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
