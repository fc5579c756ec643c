"""``noojee-desktop upload``: the headless upload (same engine as the app; for scheduled imports).

    noojee-desktop upload FILE --server URL --template T --campaign C --allocation A
        [--sheet NAME] [--map COLUMN=FIELD ...] [--phone-field NAME ...] [--allow-duplicates]
        [--no-external-ids] [--results PATH] [--concurrency N|auto] [--timeout SECONDS]
        [--dry-run] [--resume | --new-upload] [--send-again] [--insecure-http] [--ca-bundle FILE]
        [--outage-tolerance SECONDS] [--contact-hours STATE=NAME ...]

The API key is read from the environment variable ``NOOJEE_API_KEY``, else from the system
keyring entry the app saved: service ``noojee-desktop``, user name the server's host as typed
(lower-case, with ``:port`` when one is given), e.g. ``keyring.get_password("noojee-desktop",
"dialler.example.com")``. Never from the command line (it would show in process lists).

The dialler cannot list a template's fields. The columns map onto the fields the app was taught
for this server and template (or an imported field file), else each column is sent under its own
heading; ``--phone-field NAME`` (repeatable) names the template's phone fields, and a phone column
then goes to one of them. With neither, the phone fields are a guess and the command says so.

Rows without an external id get a stable generated one (``NJL-``...) unless ``--no-external-ids``:
it makes every retry safe, and it is what lets ``update`` and ``withdraw`` reach the leads later.

Rows an earlier upload on this computer already inserted into the same campaign (same lead,
whatever row or file it is in now) are not sent again: they end "Already loaded". ``--send-again``
sends them anyway. Only one process at a time uploads a list to an allocation: a second one
exits 2 with "This list is being uploaded in another window (since 10:14)." and sends nothing.
The job rules are core.jobs', shared with the app.

Exit status: 0 every row inserted (now or already before); 1 some rows rejected or failed (the
results file says which), or the upload stopped on a refusal every row would get (e.g. 102: the
phone column is not one of the template's phone fields; the message says what to change, the rows
not sent are kept for ``--resume``); 2 bad usage, unreadable input, the data folder cannot be
written, or the list is being uploaded by another process: nothing sent; 3 server unreachable or
key refused; 4 the journal could not be written mid-upload (disk full): sending stopped, resume
when fixed.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from typing import Sequence

from noojee_desktop.core.codes import Category
from noojee_desktop.core.credentials import load_key, server_host
from noojee_desktop.core.secrets import install_log_masking, register_key

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_SERVER, EXIT_JOURNAL = 0, 1, 2, 3, 4
ENV_KEY = "NOOJEE_API_KEY"


class UsageError(Exception):
    """Bad usage or unreadable input: exit 2, nothing sent."""


class BusyError(UsageError):
    """Nothing sent and nothing wrong with the file: the list is being uploaded by another
    process, or the journal cannot be written now. ``upload`` exits 2 as for any usage error;
    ``watch`` tries the file again later."""


class ServerError(Exception):
    """Server unreachable or key refused: exit 3."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="noojee-desktop upload",
        description="Upload a spreadsheet of leads to a Noojee dialler, without the window. "
        f"The API key comes from the {ENV_KEY} environment variable or the key the app saved in the "
        "system keyring.",
        epilog="Exit status: 0 every row inserted (now or by an earlier upload); 1 some rows rejected or "
        "failed; 2 bad usage, unreadable input, data folder not writable, or the list is being uploaded "
        "by another process (nothing sent); 3 server unreachable or key refused; 4 the journal could not "
        "be written mid-upload (disk full): resume once fixed.")
    p.add_argument("file", metavar="FILE", help="the lead list (.xlsx, .xls, .ods, .csv ...)")
    add_job_options(p)
    p.add_argument("--results", metavar="PATH", help="results file (.xlsx or .csv); default: next to FILE")
    p.add_argument("--dry-run", action="store_true", help="read and check the file; send nothing")
    p.add_argument("--resume", action="store_true", help="finish an interrupted upload of this same file")
    p.add_argument("--new-upload", action="store_true",
                   help="start a new upload of this file instead of resuming the interrupted one (which is "
                   "then forgotten; rows it inserted are Already loaded unless --send-again)")
    return p


def add_job_options(p: argparse.ArgumentParser, *, server_required: bool = False) -> None:
    """The options of an upload job that ``upload`` and ``watch`` share."""
    p.add_argument("--server", metavar="URL", required=server_required,
                   help="the dialler's address" if server_required
                   else "the dialler's address (needed except for --dry-run with numeric ids)")
    p.add_argument("--template", required=True, metavar="T", help="campaign template: id or exact name")
    p.add_argument("--campaign", required=True, metavar="C", help="campaign: id or exact name")
    p.add_argument("--allocation", required=True, metavar="A", help="allocation: id or exact name")
    p.add_argument("--sheet", metavar="NAME", help="which sheet of a workbook (default: the first with data)")
    p.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                   help="send COLUMN as template field FIELD (FIELD empty: leave the column out); repeatable")
    p.add_argument("--phone-field", action="append", default=[], metavar="NAME",
                   help="a phone field of the template, spelt as in Noojee (repeatable). Default: those taught "
                   "in the app for this server and template; else guessed from the column names, with a warning")
    p.add_argument("--phone-fields", metavar="F1,F2", help=argparse.SUPPRESS)   # (older scripts)
    p.add_argument("--allow-duplicates", action="store_true", help="let the dialler insert duplicate phone numbers")
    p.add_argument("--contact-hours", action="append", default=[], metavar="STATE=NAME",
                   help="the Contact Hours set (its name on the dialler) for the leads of a state or territory, "
                   "e.g. WA=\"Business Hours WA\"; repeatable. Each row's state comes from its Contact Hours "
                   "cell, State column, postcode or landline. Default: what the app saved for the template")
    p.add_argument("--no-external-ids", action="store_true",
                   help="do not give rows without an external id one of their own. By default they get a "
                   "stable one (NJL- and 16 characters, the same for the same row of the same file), so that "
                   "a lost reply can be retried without inserting twice, and the leads can later be "
                   "updated or withdrawn (the dialler finds a lead only by its external id)")
    p.add_argument("--generate-external-ids", action="store_true",
                   help="give rows without an external id a stable one (the default; kept for old scripts)")
    p.add_argument("--concurrency", default="auto", metavar="N|auto",
                   help="calls at once: auto (finds what the dialler takes) or a number")
    p.add_argument("--timeout", type=float, default=90.0, metavar="SECONDS",
                   help="how long to wait for each reply (the vendor asks for more than 60)")
    p.add_argument("--outage-tolerance", type=float, default=600.0, metavar="SECONDS",
                   help="how long to keep retrying while the dialler is down (default 600)")
    p.add_argument("--send-again", action="store_true",
                   help="also send the rows an earlier upload already inserted into this campaign "
                   "(by default they are skipped and shown as Already loaded)")
    p.add_argument("--insecure-http", action="store_true", help="allow plain http to a remote dialler")
    p.add_argument("--ca-bundle", metavar="FILE",
                   help="extra CA certificates to trust (the operating system's store is used anyway)")


def _err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def check_job_options(args) -> int | str:
    """The numbers of :func:`add_job_options` checked (UsageError); the concurrency to use."""
    concurrency = _concurrency(args.concurrency)
    if args.timeout <= 0 or args.outage_tolerance < 0:
        raise UsageError("--timeout must be positive and --outage-tolerance zero or more.")
    if args.no_external_ids and args.generate_external_ids:
        raise UsageError("--no-external-ids and --generate-external-ids contradict each other: give one.")
    args.generate_external_ids = not args.no_external_ids
    contact_hours_setting(args)     # a mistyped --contact-hours is said at once
    return concurrency


def contact_hours_setting(args):
    """The Contact Hours set of each state: --contact-hours, else the one saved for the template."""
    from noojee_desktop.core.hours import ContactHours, ContactHoursStore

    items = getattr(args, "contact_hours", None) or []
    if items:
        try:
            return ContactHours.from_options(items)
        except ValueError as e:
            raise UsageError(str(e)) from None
    try:
        store = ContactHoursStore()
        store.use_server(getattr(args, "server", None) or "")
        return store.find(args.template)
    except Exception:   # noqa: BLE001 - an unreadable saved setting: the template's default hours
        return ContactHours()


def _concurrency(value: str) -> int | str:
    if value.strip().lower() == "auto":
        return "auto"
    try:
        n = int(value)
    except ValueError:
        raise UsageError(f"--concurrency must be 'auto' or a number, not '{value}'.") from None
    if not 1 <= n <= 64:
        raise UsageError("--concurrency must be between 1 and 64.")
    return n


def _read_and_validate(args):
    from noojee_desktop.core.sheet import validate

    sheet, mapping = _read_and_map(args)
    hours = contact_hours_setting(args)
    if hours:
        _err("Contact hours by state: " + ", ".join(f"{k} '{v}'" for k, v in hours.names.items())
             + "; other states and rows whose state is not known get the template's default.")
    rows = validate(sheet, mapping, allow_duplicates=args.allow_duplicates, contact_hours=hours)
    return sheet, rows, mapping


def _read_and_map(args):
    """The file as read, and its columns mapped (saved mapping, --map, --phone-fields); shared by
    ``upload`` and ``update``."""
    from noojee_desktop.core.sheet import SpreadsheetError, auto_map, phone_check, read_sheet

    try:
        sheet = read_sheet(args.file, args.sheet)
    except SpreadsheetError as e:
        raise UsageError(str(e)) from None
    if args.sheet is None and len(sheet.sheet_names) > 1:
        _err(f"Reading sheet '{sheet.sheet_name}' (use --sheet to pick another).")
    for note in sheet.notes:
        _err(f"Note: {note}")
    given = [*getattr(args, "phone_field", []), *(args.phone_fields or "").split(",")]
    phones = {f.strip() for f in given if f.strip()} or None
    store, template = _field_store(args)
    tf = store.get(template) if store is not None else None
    if tf is not None and not args.map and not phones:
        mapping = store.suggest(template, sheet.headers)     # a saved mapping, or onto the taught fields
    else:
        known_phones = tf.phone_fields if tf is not None and tf.phones_known else None
        mapping = auto_map(sheet.headers, tf.fields if tf is not None else None, phones or known_phones)
    for item in args.map:
        column, sep, field = item.partition("=")
        column, field = column.strip(), field.strip()
        if not sep or not column:
            raise UsageError(f"--map needs COLUMN=FIELD, not '{item}'.")
        if column not in sheet.headers:
            raise UsageError(f"--map: the file has no column '{column}'. Its columns are: "
                             + ", ".join(sheet.headers) + ".")
        mapping.columns[column] = field or None
    unknown = phone_check(mapping)
    if unknown:
        _err(f"Warning: {unknown}. The dialler refuses a lead without one of the template's phone fields (102); "
             "if it does, the upload stops after a few rows. Give --phone-field NAME (as spelt in Noojee) or "
             "teach the template's fields in the app.")
    problems = mapping.problems(sheet.headers)
    if problems:
        raise UsageError("The columns cannot be sent as they are mapped:\n  " + "\n  ".join(problems)
                         + "\nUse --map COLUMN=FIELD and --phone-field NAME to fix the mapping.")
    return sheet, mapping


def _field_store(args):
    """The field store for ``--server`` and ``--template`` (an id, or the name the app taught the
    fields under); (None, None) when there is none or it cannot be read: then nothing is known."""
    from noojee_desktop.core.sheet import TemplateFieldStore

    try:
        store = TemplateFieldStore()
        store.use_server(args.server or "")
    except Exception:  # noqa: BLE001 - an unreadable store only means nothing is known
        return None, None
    template = store.find(args.template)
    return (store, template) if template is not None else (None, None)


def _print_validation(rows, mapping=None) -> None:
    from noojee_desktop.core.sheet import phone_check, summarise

    s = summarise(rows)
    unknown = phone_check(mapping)
    can = f"{unknown}, {s['sendable']} pass the other checks" if unknown else f"{s['sendable']} can be sent"
    _err(f"{s['rows']} rows: {can}, {s['errors']} need fixing, {s['warnings']} with warnings.")
    shown = 0
    for r in rows:
        for issue in r.issues:
            if shown >= 10:
                break
            where = f"row {r.row_number}" + (f", {issue.column}" if issue.column else "")
            _err(f"  {where}: {issue.severity}: {issue.message}")
            shown += 1
    more = sum(len(r.issues) for r in rows) - shown
    if more > 0:
        _err(f"  ... and {more} more (see the results file)")


def _get_key(server: str) -> str:
    key = os.environ.get(ENV_KEY, "").strip()
    if key:
        register_key(key)
        return key
    key = load_key(server)
    if not key:
        raise UsageError(
            f"No API key for {server_host(server)}. Set the environment variable {ENV_KEY}, or save the key for this "
            "server in the Noojee Lead Loader app (it keeps it in the system keyring).")
    return key


async def _resolve(client, kind: str, value: str, fetch) -> tuple[int, str]:
    """An id or an exact name -> (id, name)."""
    from noojee_desktop.core.api import ListError

    value = value.strip()
    try:
        entities = await fetch()
    except ListError:
        if value.isdigit():   # the list is not available to this key; the id is still usable
            return int(value), ""
        raise
    if value.isdigit():
        for e in entities:
            if e.id == int(value):
                return e.id, e.name
        return int(value), ""
    exact = [e for e in entities if e.name == value]
    if not exact:
        exact = [e for e in entities if e.name.strip().casefold() == value.casefold()]
    if len(exact) == 1:
        return exact[0].id, exact[0].name
    names = ", ".join(f"'{e.name}' ({e.id})" for e in entities) or "none visible to this key"
    if len(exact) > 1:
        raise UsageError(f"More than one {kind} is called '{value}': use its id. The {kind}s are: {names}.")
    raise UsageError(f"There is no {kind} called '{value}'. The {kind}s are: {names}.")


async def _resolve_choice(client, args, patience: float = 0.0
                          ) -> tuple[tuple[int, str], tuple[int, str], tuple[int, str]]:
    """--template, --campaign and --allocation as (id, name) each. A refused key is a ServerError
    (exit 3) at once; a dialler that cannot be reached is tried again with backoff for up to
    ``patience`` seconds (a scheduled import may start inside a maintenance window), then a
    ServerError; any other answer is a UsageError (exit 2)."""
    import asyncio

    from noojee_desktop.core.api import ApiError, AuthError

    deadline = time.monotonic() + patience
    delay = 1.0
    while True:
        try:
            template = await _resolve(client, "template", args.template, client.list_templates)
            campaign = await _resolve(client, "campaign", args.campaign,
                                      lambda: client.list_campaigns(template[0]))
            allocation = await _resolve(client, "allocation", args.allocation,
                                        lambda: client.list_allocations(campaign[0]))
            return template, campaign, allocation
        except AuthError as e:
            raise ServerError(str(e)) from None
        except ApiError as e:
            if not e.retryable:
                raise UsageError(str(e)) from None
            left = deadline - time.monotonic()
            if left <= 0:
                raise ServerError(str(e)) from None
            wait = min(delay, left)
            _err(f"{e.user_message} Trying again in {wait:.0f} s (giving up in {left:.0f} s; "
                 "see --outage-tolerance).")
            await asyncio.sleep(wait)
            delay = min(delay * 2, 30.0)


class _ProgressPrinter:
    def __init__(self, engine, stream=None) -> None:
        self.engine = engine
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = 0.5 if self.tty else 5.0
        self._last_len = 0

    def line(self) -> str:
        p = self.engine.progress()
        parts = [f"{p.done}/{p.total} rows"]
        if p.run_total != p.total:      # a resume: this run's own rows
            parts.append(f"this run {p.run_done}/{p.run_total}")
        from noojee_desktop.core.engine import summarise

        parts += [f"{cat.label.lower()} {n}" for cat, n in summarise(p.counts)]
        if p.rate > 0:
            parts.append(f"{p.rate:.1f}/s")
        if p.eta is not None and p.run_done < p.run_total:
            eta = int(p.eta)
            parts.append(f"ETA {eta // 60}:{eta % 60:02d}")
        parts.append(p.concurrency)
        if p.waiting_for_server:
            parts.append("WAITING FOR THE DIALLER")
        return ", ".join(parts)

    def show(self, final: bool = False) -> None:
        text = self.line()
        if self.tty:
            pad = max(0, self._last_len - len(text))
            self.stream.write("\r" + text + " " * pad + ("\n" if final else ""))
            self._last_len = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    async def run(self) -> None:
        import asyncio

        while True:
            await asyncio.sleep(self.interval)
            self.show()


def _summary_table(counts: dict[Category, int], total: int) -> str:
    from noojee_desktop.core.engine import summarise

    width = max(len(c.label) for c in Category)
    lines = [f"{'Result'.ljust(width)}  Rows", f"{'-' * width}  ----"]
    lines += [f"{cat.label.ljust(width)}  {n:>4}" for cat, n in summarise(counts)]
    lines.append(f"{'Total'.ljust(width)}  {total:>4}")
    return "\n".join(lines)


def _write_results(args, sheet, outcomes, rows=None) -> Path | None:
    """The results file; ``rows`` (the checked rows) add their warnings to it."""
    from noojee_desktop.core.sheet import default_results_path, warnings_text, write_results

    path = Path(args.results) if args.results else default_results_path(sheet.path)
    warnings = warnings_text(rows) if rows is not None and len(rows) == len(outcomes) else None
    try:
        written = write_results(path, sheet, outcomes, overwrite=bool(args.results), warnings=warnings)
    except (OSError, ValueError) as e:
        _err(f"The results file {path} could not be written: {e}")
        return None
    _err(f"Results: {written}")
    return written


def _remember_results(job_id: int, path: Path) -> None:
    """The job history shows where each job's results file is; failing to note it loses nothing."""
    from noojee_desktop.core.journal import Journal

    try:
        with Journal() as journal:
            journal.update_settings(job_id, results_path=str(Path(path).resolve()))
    except Exception as e:  # noqa: BLE001 - the upload itself is done and its results written
        _err(f"(The job history could not note the results file: {e})")


def _open_journal():
    from noojee_desktop.core.journal import Journal, JournalError

    try:
        return Journal()
    except JournalError as e:
        raise BusyError(str(e)) from None


def _job_spec(args, journal, server: str, sheet, rows, template, campaign, allocation, mode: str = "insert",
              extra: dict | None = None):
    """The job this run is: a resume of the interrupted one, or a new one without the rows an
    earlier job already inserted (core.jobs decides; this only talks). ``mode`` insert, update or
    withdraw: only a job of the same mode is resumed, and only inserts skip already-loaded rows
    (an update's rows are all in the dialler already: that is the point)."""
    from noojee_desktop.core import jobs

    options = {"allow_duplicates": args.allow_duplicates, "generate_external_ids": args.generate_external_ids}
    earlier = jobs.find_resumable(journal, sheet.fingerprint, [server, args.server], template[0], campaign[0],
                                  allocation[0], mode)
    if args.resume and earlier is not None:
        _err(f"Resuming: {earlier.describe()}.")
        spec = jobs.resume_spec(earlier, server, sheet.path, sheet.fingerprint)
        spec.mode = mode
        return spec
    if args.resume:
        _err("No interrupted upload of this file to this allocation was found: starting a new one.")
    elif earlier is not None and not args.new_upload:
        # Sending every row again would insert the finished ones twice when duplicates
        # are allowed (and bury them under 105s when not): make the user choose.
        raise UsageError(
            f"An earlier upload of this file to this allocation was interrupted ({earlier.describe()}). "
            "Nothing was sent. Run again with --resume to finish it (rows already sent are not sent "
            "again), or with --new-upload to send every row again.")
    if earlier is not None and args.new_upload:
        journal.abandon(earlier.id)      # not offered again; what it inserted still counts below
    skip = {}
    if mode == "insert" and not getattr(args, "send_again", False):
        already = jobs.check_already_loaded(journal, server, campaign, rows)
        if already:
            _err(f"{already.sentence()} They are not sent again (Already loaded); use --send-again to send "
                 "them anyway.")
            skip = already.outcomes
    if mode == "insert":
        size = jobs.check_allocation_size(journal, server, campaign, allocation,
                                          sum(1 for r in rows if r.sendable and r.index not in skip))
        if size.too_big:
            _err(f"Warning: {size.sentence()}")
    spec = jobs.new_spec(server, template, campaign, allocation, sheet.path, sheet.fingerprint, options, skip)
    spec.mode, spec.extra = mode, extra
    return spec


def invalid_outcomes(rows) -> list:
    """Per row: None (sendable) or its INVALID outcome with the reasons, for a results file."""
    from noojee_desktop.core.engine import issues_text
    from noojee_desktop.core.outcome import RowOutcome

    return [None if r.sendable else RowOutcome(Category.INVALID, None, issues_text(r.issues)) for r in rows]


def exit_code(summary) -> int:
    from noojee_desktop.core import jobs

    if summary.stopped == "journal":
        return EXIT_JOURNAL
    if summary.stopped in ("refused", "unreachable"):
        return EXIT_SERVER
    return EXIT_OK if jobs.all_done(summary) else EXIT_SOME_FAILED


async def _upload(args, sheet, rows, concurrency, mapping=None, *, mode: str = "insert",
                  extra: dict | None = None, on_summary=None) -> int:
    summary, _results = await run_upload(args, sheet, rows, concurrency, mapping, mode=mode, extra=extra,
                                         on_summary=on_summary)
    return exit_code(summary)


async def run_upload(args, sheet, rows, concurrency, mapping=None, *, on_engine=None, mode: str = "insert",
                     extra: dict | None = None, on_summary=None):
    """Resolve the names, take the job's lock, run the engine with the journal, print the summary,
    write the results: (JobSummary, results path or None). ``mode``: insert, update or withdraw
    (see JobSpec). ``on_engine(engine)``, when given, is called once the engine exists and takes
    over stopping it (the caller's own signal handling); otherwise Ctrl+C / SIGTERM cancel it here.
    ``on_summary(summary)`` is called once it is done."""
    from noojee_desktop.core import jobs
    from noojee_desktop.core.api import ApiError, NoojeeClient, Timeouts
    from noojee_desktop.core.engine import RetryPolicy, UploadEngine
    from noojee_desktop.core.journal import JournalError

    journal = _open_journal()      # a data folder that cannot be written: said before anything else
    try:
        key = _get_key(args.server)
        timeouts = Timeouts(read=args.timeout)
        try:
            client = NoojeeClient(args.server, key, timeouts=timeouts, allow_insecure_http=args.insecure_http,
                                  verify=args.ca_bundle or True,
                                  max_connections=max(32, concurrency if isinstance(concurrency, int) else 0))
        except ApiError as e:
            raise UsageError(str(e)) from None
        async with client:
            template, campaign, allocation = await _resolve_choice(client, args, patience=args.outage_tolerance)
            lock = jobs.job_lock(journal, sheet.fingerprint, client.base_url, template[0], campaign[0],
                                 allocation[0], jobs.COMMAND)
            try:
                lock.acquire()
            except (jobs.JobBusy, JournalError) as e:
                raise BusyError(str(e)) from None
            try:
                spec = _job_spec(args, journal, client.base_url, sheet, rows, template, campaign, allocation,
                                 mode, extra)
                if mapping is not None:     # names for a halt message (102 names the phone fields)
                    spec.name_mapping(mapping)
                    if spec.resume_job_id is not None and mode == "insert":    # (cells fixed in the app)
                        rows = jobs.with_job_fixes(journal, spec, sheet, rows, mapping)
                engine = UploadEngine(client, spec, rows, journal, concurrency=concurrency,
                                      policy=RetryPolicy(outage_tolerance=args.outage_tolerance))
                try:
                    summary = await _run_engine(engine, on_engine)
                except JournalError as e:     # the job could not even be written down
                    raise BusyError(str(e)) from None
            finally:
                lock.release()
    finally:
        journal.close()
    _err("")
    _err(_summary_table(summary.counts, summary.total))
    if summary.message:
        _err(summary.message)
    if summary.stopped == "halted" and on_engine is None:
        _err("Then run the same command with --resume (and the fix, e.g. --map) to send the rows not sent.")
    results = _write_results(args, sheet, summary.outcomes, rows)
    if results is not None and summary.job_id is not None:
        _remember_results(summary.job_id, results)
    if on_summary is not None:
        on_summary(summary)
    return summary, results


async def _run_engine(engine, on_engine=None):
    """Run the engine with progress lines; Ctrl+C (or SIGTERM) stops it gracefully, twice at once
    (or ``on_engine(engine)`` hands stopping to the caller)."""
    import asyncio

    printer = _ProgressPrinter(engine)
    loop = asyncio.get_running_loop()
    interrupted = {"n": 0}

    def on_interrupt() -> None:
        interrupted["n"] += 1
        if interrupted["n"] == 1:
            _err("\nStopping: waiting for the calls in flight (press Ctrl+C again to quit at once).")
            engine.cancel()
        else:
            os._exit(130)

    try:
        if on_engine is not None:
            on_engine(engine)
        else:
            loop.add_signal_handler(signal.SIGINT, on_interrupt)
            loop.add_signal_handler(signal.SIGTERM, on_interrupt)
    except (NotImplementedError, RuntimeError):  # Windows
        pass
    ticker = asyncio.create_task(printer.run())
    try:
        summary = await engine.run()
    finally:
        ticker.cancel()
        await asyncio.gather(ticker, return_exceptions=True)
        try:
            if on_engine is None:
                loop.remove_signal_handler(signal.SIGINT)
                loop.remove_signal_handler(signal.SIGTERM)
        except (NotImplementedError, RuntimeError):
            pass
    printer.show(final=True)
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    import asyncio

    install_log_masking()
    parser = _parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as e:
        return EXIT_USAGE if e.code not in (0, None) else EXIT_OK
    started = time.monotonic()
    try:
        concurrency = check_job_options(args)
        numeric = all(v.strip().isdigit() for v in (args.template, args.campaign, args.allocation))
        if not args.server and not (args.dry_run and numeric):
            raise UsageError("--server URL is needed (only --dry-run with numeric template, campaign and "
                             "allocation ids can do without).")
        sheet, rows, mapping = _read_and_validate(args)
        _print_validation(rows, mapping)
        if args.dry_run:
            if not numeric:
                # names need the server to be resolved; check them, send nothing
                asyncio.run(_check_names(args))
            if args.results:
                _write_results(args, sheet, invalid_outcomes(rows), rows)
            _err("Dry run: nothing was sent.")
            return EXIT_OK if all(r.sendable for r in rows) else EXIT_SOME_FAILED
        if not any(r.sendable for r in rows):
            raise UsageError("No row can be sent: fix the rows above and try again.")
        code = asyncio.run(_upload(args, sheet, rows, concurrency, mapping))
    except UsageError as e:
        _err(str(e))
        _err("Nothing was sent.")
        return EXIT_USAGE
    except ServerError as e:
        _err(str(e))
        return EXIT_SERVER
    _err(f"Took {time.monotonic() - started:.1f} s.")
    return code


async def _check_names(args) -> None:
    from noojee_desktop.core.api import ApiError, NoojeeClient

    key = _get_key(args.server)
    try:
        client = NoojeeClient(args.server, key, allow_insecure_http=args.insecure_http,
                              verify=args.ca_bundle or True)
    except ApiError as e:   # the address itself (never retryable)
        raise UsageError(str(e)) from None
    async with client:
        await _resolve_choice(client, args)


if __name__ == "__main__":
    raise SystemExit(main())
