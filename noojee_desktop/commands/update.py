"""``noojee-desktop update``: change leads already in the dialler from a spreadsheet (updateLeadFast).

    noojee-desktop update FILE --server URL --template T --campaign C --allocation A
        [--disposition NAME] [--sheet NAME] [--map COLUMN=FIELD ...] [--phone-field NAME ...]
        [--results PATH] [--concurrency N|auto] [--timeout SECONDS] [--outage-tolerance SECONDS]
        [--dry-run] [--resume | --new-upload] [--insecure-http]

Each row is matched by its ``njExternalLeadId`` (required). ``njDisposition`` comes from a
column or from ``--disposition`` for every row. ``<No Change>`` (any case) in a cell keeps that
field as it is in the dialler. The key, progress, journal, resume and results work as for
``upload`` (same code).

Exit status: 0 every row updated; 1 some rows not updated (not found, unknown disposition,
someone editing the lead, ...: the results file says which); 2 bad usage or unreadable input,
nothing sent; 3 server unreachable or key refused.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Sequence

from noojee_desktop.commands import upload as up
from noojee_desktop.core.codes import Category, never_resend
from noojee_desktop.core.secrets import install_log_masking

DISPOSITION_WARNING = (
    "Warning: a disposition's actions fire on the dialler as if an agent had set it (a callback, "
    "a Do Not Call entry, an email ...), and a lead may already have been called: the dialler picks "
    "up new leads within about two minutes.")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="noojee-desktop update",
        description="Change leads that are already in a Noojee dialler, from a spreadsheet. Each row is "
        "found by its external id (njExternalLeadId); a cell that says <No Change> keeps that field as it is. "
        f"The API key comes from the {up.ENV_KEY} environment variable or the key the app saved in the "
        "system keyring.",
        epilog="Exit status: 0 every row updated; 1 some rows not updated (see the results file); 2 bad usage "
        "or unreadable input (nothing sent); 3 server unreachable or key refused. Note: " + DISPOSITION_WARNING[9:])
    p.add_argument("file", metavar="FILE", help="the list of changes (.xlsx, .xls, .ods, .csv ...)")
    p.add_argument("--server", required=True, metavar="URL", help="the dialler's address")
    p.add_argument("--template", required=True, metavar="T", help="campaign template: id or exact name")
    p.add_argument("--campaign", required=True, metavar="C", help="campaign: id or exact name")
    p.add_argument("--allocation", required=True, metavar="A", help="allocation: id or exact name")
    p.add_argument("--disposition", metavar="NAME",
                   help="one disposition for every row (instead of a disposition column); "
                   "'<No Change>' keeps each lead's")
    p.add_argument("--sheet", metavar="NAME", help="which sheet of a workbook (default: the first with data)")
    p.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                   help="send COLUMN as template field FIELD (FIELD empty: leave the column out); repeatable")
    p.add_argument("--phone-field", action="append", default=[], metavar="NAME",
                   help="a phone field of the template, spelt as in Noojee (repeatable; default: those taught "
                   "in the app, else guessed from the column names)")
    p.add_argument("--phone-fields", metavar="F1,F2", help=argparse.SUPPRESS)   # (older scripts)
    p.add_argument("--results", metavar="PATH", help="results file (.xlsx or .csv); default: next to FILE")
    p.add_argument("--concurrency", default="auto", metavar="N|auto",
                   help="calls at once: auto (finds what the dialler takes) or a number")
    p.add_argument("--timeout", type=float, default=90.0, metavar="SECONDS",
                   help="how long to wait for each reply (the vendor asks for more than 60)")
    p.add_argument("--outage-tolerance", type=float, default=600.0, metavar="SECONDS",
                   help="how long to keep retrying while the dialler is down (default 600)")
    p.add_argument("--dry-run", action="store_true", help="read and check the file; send nothing")
    p.add_argument("--resume", action="store_true", help="finish an interrupted update from this same file")
    p.add_argument("--new-upload", action="store_true",
                   help="send every row again even though an update from this file was interrupted")
    p.add_argument("--insecure-http", action="store_true", help="allow plain http to a remote dialler")
    p.add_argument("--ca-bundle", metavar="FILE",
                   help="a CA certificate file to trust instead of the system's certificate store (rarely needed)")
    p.set_defaults(allow_duplicates=False, generate_external_ids=False)
    return p


def report_conflicts(summary, describe) -> None:
    """List the rows that got 110 (someone was editing the lead): a person has to look at them.
    ``describe(index)`` names a row (row number and external id)."""
    rows = [i for i, o in enumerate(summary.outcomes) if o is not None and never_resend(o.code)]
    if not rows:
        return
    up._err(f"{len(rows)} lead(s) were not changed because someone was editing them at the same time. "
            "They are not sent again automatically: check each one in Noojee.")
    for i in rows[:50]:
        up._err(f"  {describe(i)}")
    if len(rows) > 50:
        up._err(f"  ... and {len(rows) - 50} more (see the results file)")


def _check_mapping(args, sheet, mapping) -> None:
    from noojee_desktop.core.sheet import DISPOSITION, EXTERNAL_ID

    used = {f: h for h in sheet.headers if (f := mapping.columns.get(h))}
    if EXTERNAL_ID not in used:
        raise up.UsageError(
            "Updating leads needs a column with each lead's external id (njExternalLeadId): it is how the "
            f"dialler finds the lead. Use --map COLUMN={EXTERNAL_ID}. The file's columns are: "
            + ", ".join(sheet.headers) + ".")
    if args.disposition is None and DISPOSITION not in used:
        raise up.UsageError(
            "Updating leads needs a disposition: a column mapped to njDisposition "
            f"(--map COLUMN={DISPOSITION}), or --disposition NAME for every row.")
    if args.disposition is not None and DISPOSITION in used:
        up._err(f"Note: --disposition '{args.disposition}' is used for every row; the column "
                f"'{used[DISPOSITION]}' is left out.")


def main(argv: Sequence[str] | None = None) -> int:
    install_log_masking()
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as e:
        return up.EXIT_USAGE if e.code not in (0, None) else up.EXIT_OK
    started = time.monotonic()
    try:
        from noojee_desktop.core.sheet import validate_update

        concurrency = up._concurrency(args.concurrency)
        if args.timeout <= 0 or args.outage_tolerance < 0:
            raise up.UsageError("--timeout must be positive and --outage-tolerance zero or more.")
        if args.disposition is not None and not args.disposition.strip():
            raise up.UsageError("--disposition needs a name (or '<No Change>' to keep each lead's).")
        sheet, mapping = up._read_and_map(args)
        _check_mapping(args, sheet, mapping)
        rows = validate_update(sheet, mapping, disposition=args.disposition)
        up._print_validation(rows, mapping)
        if args.dry_run:
            from noojee_desktop.core.engine import issues_text
            from noojee_desktop.core.outcome import RowOutcome

            if not all(v.strip().isdigit() for v in (args.template, args.campaign, args.allocation)):
                asyncio.run(up._check_names(args))
            outcomes = [None if r.sendable else RowOutcome(Category.INVALID, None, issues_text(r.issues))
                        for r in rows]
            if args.results:
                up._write_results(args, sheet, outcomes, rows)
            up._err("Dry run: nothing was sent.")
            return up.EXIT_OK if all(r.sendable for r in rows) else up.EXIT_SOME_FAILED
        if not any(r.sendable for r in rows):
            raise up.UsageError("No row can be sent: fix the rows above and try again.")
        up._err(DISPOSITION_WARNING)

        def describe(i: int) -> str:
            return f"row {rows[i].row_number}: external id {rows[i].lead.get('njExternalLeadId', '?')}"

        extra = {"disposition": args.disposition} if args.disposition is not None else None
        code = asyncio.run(up._upload(args, sheet, rows, concurrency, mapping, mode="update", extra=extra,
                                      on_summary=lambda s: report_conflicts(s, describe)))
    except up.UsageError as e:
        up._err(str(e))
        up._err("Nothing was sent.")
        return up.EXIT_USAGE
    except up.ServerError as e:
        up._err(str(e))
        return up.EXIT_SERVER
    up._err(f"Took {time.monotonic() - started:.1f} s.")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
