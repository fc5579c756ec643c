"""``noojee-desktop withdraw``: take back an upload by giving every lead it inserted a disposition.

    noojee-desktop withdraw JOB_ID --disposition NAME --yes
        [--results PATH] [--concurrency N|auto] [--timeout SECONDS] [--outage-tolerance SECONDS]
        [--resume | --new-upload] [--server URL] [--insecure-http]

The Campaign API cannot delete a lead. Withdrawing sends ``updateLeadFast`` for every lead job
JOB_ID (see ``noojee-desktop jobs``) inserted, with the disposition NAME (for example one that
finalises a lead, such as "Do Not Call" or "Wrong List") and every other field ``<No Change>``.
Only leads with an external id (their own or one the upload generated) can be found; how many
cannot, and why, is said before anything is sent. Without ``--yes`` nothing is sent: it prints
what it would do (a scheduled run cannot confirm by typing). A withdraw is a job like any other:
journaled, resumable, with a results file; leads someone was editing (110) are listed for a person.

Exit status: 0 every lead of the upload withdrawn; 1 some could not be (no external id, not
found, someone editing it ...); 2 bad usage, unknown job, or no --yes: nothing sent; 3 server
unreachable or key refused.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
import time
from typing import Sequence

from noojee_desktop.commands import upload as up
from noojee_desktop.commands.update import report_conflicts
from noojee_desktop.core.secrets import install_log_masking


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="noojee-desktop withdraw",
        description="Take back an upload: give every lead it inserted the disposition NAME (the dialler "
        "cannot delete leads). Only leads with an external id can be reached. Nothing is sent without --yes.",
        epilog="Exit status: 0 every lead withdrawn; 1 some could not be; 2 bad usage, unknown job or no "
        "--yes (nothing sent); 3 server unreachable or key refused.")
    p.add_argument("job", type=int, metavar="JOB_ID", help="the upload's job id (see `noojee-desktop jobs`)")
    p.add_argument("--disposition", required=True, metavar="NAME",
                   help="the disposition every lead gets, e.g. 'Do Not Call' or 'Wrong List'")
    p.add_argument("--yes", action="store_true", help="really send it (without: only say what would be done)")
    p.add_argument("--server", metavar="URL", help="the dialler's address (default: the one the upload went to)")
    p.add_argument("--results", metavar="PATH", help="results file (.xlsx or .csv); default: next to the upload's file")
    p.add_argument("--concurrency", default="auto", metavar="N|auto",
                   help="calls at once: auto (finds what the dialler takes) or a number")
    p.add_argument("--timeout", type=float, default=90.0, metavar="SECONDS",
                   help="how long to wait for each reply (the vendor asks for more than 60)")
    p.add_argument("--outage-tolerance", type=float, default=600.0, metavar="SECONDS",
                   help="how long to keep retrying while the dialler is down (default 600)")
    p.add_argument("--resume", action="store_true", help="finish an interrupted withdraw of this job")
    p.add_argument("--new-upload", action="store_true",
                   help="send every lead again even though a withdraw of this job was interrupted")
    p.add_argument("--insecure-http", action="store_true", help="allow plain http to a remote dialler")
    p.add_argument("--ca-bundle", metavar="FILE",
                   help="a CA certificate file to trust instead of the system's certificate store (rarely needed)")
    p.set_defaults(allow_duplicates=False, generate_external_ids=False)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    install_log_masking()
    try:
        args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as e:
        return up.EXIT_USAGE if e.code not in (0, None) else up.EXIT_OK
    started = time.monotonic()
    from noojee_desktop.core.history import WITHDRAW_WARNING, WithdrawError, plan_withdraw
    from noojee_desktop.core.journal import Journal

    try:
        concurrency = up._concurrency(args.concurrency)
        if args.timeout <= 0 or args.outage_tolerance < 0:
            raise up.UsageError("--timeout must be positive and --outage-tolerance zero or more.")
        try:
            with Journal() as journal:
                plan = plan_withdraw(journal, args.job, args.disposition)
        except WithdrawError as e:
            raise up.UsageError(str(e)) from None
        except Exception as e:  # noqa: BLE001 - an unreadable journal
            raise up.UsageError(f"The journal of this computer's uploads cannot be read: {e}") from None
        for line in plan.sentences():
            up._err(line)
        if not plan.leads:
            up._err("Nothing to withdraw: no lead of this upload can be reached.")
            return up.EXIT_SOME_FAILED if plan.no_external_id else up.EXIT_OK
        up._err("Warning: " + WITHDRAW_WARNING)
        if not args.yes:
            again = f"noojee-desktop withdraw {args.job} --disposition {shlex.quote(plan.disposition)} --yes"
            up._err(f"Nothing was sent. This would send {len(plan.leads)} update(s) to {plan.job.server}. "
                    f"To send them, run: {again}")
            return up.EXIT_USAGE
        job = plan.job
        args.server = args.server or job.server
        args.template, args.campaign, args.allocation = (str(job.template[0]), str(job.campaign[0]),
                                                         str(job.allocation[0]))
        sheet = plan.sheet()

        def describe(i: int) -> str:
            w = plan.leads[i]
            return f"row {w.row_number} of {job.file_name}: external id {w.lead['njExternalLeadId']}"

        code = asyncio.run(up._upload(
            args, sheet, plan.leads, concurrency, mode="withdraw",
            extra={"withdraws_job": job.id, "disposition": plan.disposition},
            on_summary=lambda s: report_conflicts(s, describe)))
    except up.UsageError as e:
        up._err(str(e))
        up._err("Nothing was sent.")
        return up.EXIT_USAGE
    except up.ServerError as e:
        up._err(str(e))
        return up.EXIT_SERVER
    if plan.no_external_id:
        up._err(f"Not withdrawn: {plan.no_external_id} lead(s) without an external id (see above).")
        if code == up.EXIT_OK:
            code = up.EXIT_SOME_FAILED
    up._err(f"Took {time.monotonic() - started:.1f} s.")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
