"""``noojee-desktop watch``: upload every lead list that arrives in a folder (scheduled imports).

    noojee-desktop watch INBOX --server URL --template T --campaign C --allocation A
        [the upload options that apply: --sheet --map --phone-field --allow-duplicates
         --generate-external-ids --concurrency --timeout --outage-tolerance --ca-bundle ...]
        [--settle SECONDS] [--min-rows N] [--max-rows N] [--poll] [--poll-interval SECONDS] [--once]
    noojee-desktop watch INBOX --stop [--stop-wait SECONDS]     stop the watch on INBOX cleanly

Each file is uploaded exactly as ``noojee-desktop upload FILE --resume`` would (same reading,
checks, engine, journal and rules: commands/upload.py's own functions), one at a time, oldest
first, once it has stopped changing for ``--settle`` seconds. Then it moves, with its results
workbook, to ``INBOX/done/`` (every row inserted, now or already before) or ``INBOX/failed/`` (unreadable, nothing
sendable, outside --min-rows/--max-rows, or some rows not inserted; a ``NAME.reason.txt``
beside it says why). Names are never overwritten: " (2)", " (3)"... are added.

Ctrl+C, SIGTERM, closing the console window or ``watch INBOX --stop`` stop it cleanly: nothing new is sent, calls in
flight finish and are journaled, the half-done file stays in INBOX and the next start finishes
it. A dialler that cannot be reached, or refuses the key, a list the app is uploading right
now, or a journal that cannot be written leave the file where it is; it is tried again later.

Exit status: 0 stopped on request (or --once done); 2 bad usage (no key, INBOX missing);
3 (--once) a file was left for later, the dialler being unavailable; 4 another watch already
works on INBOX.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence

from noojee_desktop.commands import upload as up
from noojee_desktop.core import jobs
from noojee_desktop.core.codes import Category
from noojee_desktop.core.engine import summarise
from noojee_desktop.core.secrets import install_log_masking, mask

log = logging.getLogger("noojee_desktop.watch")

DONE, FAILED, WORK = "done", "failed", "processing"
REASON_SUFFIX = ".reason.txt"
_IGNORED_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}
_IGNORED_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".download", REASON_SUFFIX)
EXIT_BUSY = 4                             # another watch holds INBOX
EXIT_NOT_STOPPED = 1                      # --stop: no watch was running, or it did not stop in time
STOP_FILE = "stop-request"                # in INBOX/processing/: ``--stop`` asks the running watch to stop
STOP_FILE_CHECK = 1.0
RETRY_BASE, RETRY_MAX = 30.0, 300.0       # dialler unavailable: try the file again after this
IDLE_RESCAN = 60.0                        # native events: full rescan this often anyway


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="noojee-desktop watch",
        description="Upload each lead list that arrives in INBOX, one at a time, oldest first, then move it "
        "with its results to INBOX/done or INBOX/failed. The API key comes from the "
        f"{up.ENV_KEY} environment variable or the key the app saved in the system keyring.",
        epilog="Stops cleanly on Ctrl+C or SIGTERM: calls in flight finish, the next start finishes the file.")
    p.add_argument("inbox", metavar="INBOX", help="the folder lead lists are dropped into")
    up.add_job_options(p, server_required=True)
    p.add_argument("--settle", type=float, default=5.0, metavar="SECONDS",
                   help="take a file once its size and time have not changed for this long (default 5)")
    p.add_argument("--min-rows", type=int, default=None, metavar="N",
                   help="a file with fewer rows goes to failed/ untouched")
    p.add_argument("--max-rows", type=int, default=None, metavar="N",
                   help="a file with more rows goes to failed/ untouched")
    p.add_argument("--poll", action="store_true",
                   help="look at the folder every --poll-interval seconds instead of waiting for the "
                   "system's change notices (network shares often send none)")
    p.add_argument("--poll-interval", type=float, default=5.0, metavar="SECONDS",
                   help="how often to look when polling (default 5)")
    p.add_argument("--once", action="store_true",
                   help="take the files that are there (waiting for each to settle), then exit")
    _add_stop_options(p)
    return p


def _add_stop_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stop", action="store_true",
                   help="ask the watch running on INBOX to stop cleanly and wait for it (up to --stop-wait); "
                   "needs no other option")
    p.add_argument("--stop-wait", type=float, default=120.0, metavar="SECONDS",
                   help="how long --stop waits for the calls in flight to finish (default 120)")


def _stop_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="noojee-desktop watch INBOX --stop")
    p.add_argument("inbox", metavar="INBOX")
    _add_stop_options(p)
    return p


def _say(text: str) -> None:
    """The one plain line per file (stdout) and the log."""
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    print(f"{stamp} {text}", flush=True)
    log.info("%s", text)


# --------------------------------------------------------------------------- which files


def is_ignored(name: str) -> bool:
    """Temporary, lock and system files, and anything hidden."""
    low = name.lower()
    return (name.startswith(("~$", ".")) or low.endswith(_IGNORED_SUFFIXES) or low in _IGNORED_NAMES
            or (low.startswith(".~lock.") and low.endswith("#")))


def held_by_an_editor(path: Path) -> bool:
    """Excel (``~$name``, for long names ``~$`` + the name less its first two letters) or
    LibreOffice (``.~lock.name#``) has the file open."""
    name = path.name
    owners = {f"~${name}", f"~${name[2:]}" if len(name) > 2 else "", f".~lock.{name}#"} - {""}
    return any((path.parent / owner).exists() for owner in owners)


def open_elsewhere(path: Path) -> bool:
    """Windows: another program still has the file open (a copy in progress, Excel): opening it
    with no sharing fails. Elsewhere there is no such check (size and time have to do)."""
    if sys.platform != "win32":
        return False
    import ctypes  # pragma: no cover - Windows only
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.CreateFileW.restype = wintypes.HANDLE
    kernel32.CreateFileW.argtypes = [wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD, wintypes.LPVOID,
                                     wintypes.DWORD, wintypes.DWORD, wintypes.HANDLE]
    generic_read, open_existing, sharing_violation = 0x80000000, 3, 32
    handle = kernel32.CreateFileW(str(path), generic_read, 0, None, open_existing, 0, None)
    if handle == wintypes.HANDLE(-1).value:
        return ctypes.get_last_error() == sharing_violation
    kernel32.CloseHandle(handle)
    return False


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float


class Settler:
    """Files directly in ``folder`` whose size and modification time have not changed for
    ``settle`` seconds (by this process's clock, so a copy that keeps an old timestamp is
    still waited for)."""

    def __init__(self, folder: Path, settle: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.folder = folder
        self.settle = settle
        self.clock = clock
        self._seen: dict[Path, _Seen] = {}
        self._skip: dict[Path, tuple[int, int]] = {}   # left alone until it changes
        self.held: set[Path] = set()

    def skip(self, path: Path) -> None:
        """Do not take ``path`` again until it changes (it could not be moved away)."""
        try:
            st = path.stat()
        except OSError:
            return
        self._skip[path] = (st.st_size, st.st_mtime_ns)

    def scan(self) -> list[Path]:
        """The settled files, oldest first; remembers the others for :meth:`wait_hint`."""
        now = self.clock()
        present: set[Path] = set()
        ready: list[tuple[int, str, Path]] = []
        self.held = set()
        try:
            entries = list(os.scandir(self.folder))
        except OSError as e:
            log.warning("cannot list %s: %s", self.folder, e)
            entries = []
        for entry in entries:
            if is_ignored(entry.name):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            path = Path(entry.path)
            present.add(path)
            key = (st.st_size, st.st_mtime_ns)
            if self._skip.get(path) == key:
                continue
            self._skip.pop(path, None)
            seen = self._seen.get(path)
            if seen is None or (seen.size, seen.mtime_ns) != key:
                self._seen[path] = _Seen(st.st_size, st.st_mtime_ns, now)
                continue
            if now - seen.since < self.settle:
                continue
            if held_by_an_editor(path) or open_elsewhere(path):
                self.held.add(path)
                continue
            ready.append((st.st_mtime_ns, path.name, path))
        for gone in set(self._seen) - present:
            del self._seen[gone]
        for gone in set(self._skip) - present:
            del self._skip[gone]
        return [p for _m, _n, p in sorted(ready)]

    def wait_hint(self) -> float | None:
        """Seconds until the next unsettled file could settle; None when none is waiting."""
        now = self.clock()
        waits = [s.since + self.settle - now for p, s in self._seen.items()
                 if p not in self.held and self._skip.get(p) != (s.size, s.mtime_ns)
                 and now - s.since < self.settle]
        return max(0.05, min(waits)) if waits else None


# --------------------------------------------------------------------------- moving files


def _free_stem(folder: Path, stem: str, suffixes: Sequence[str]) -> str:
    """``stem`` or ``stem (2)``, ``stem (3)``... so that no ``<stem><suffix>`` exists in folder."""
    candidate, n = stem, 2
    while any((folder / f"{candidate}{s}").exists() for s in suffixes):
        candidate, n = f"{stem} ({n})", n + 1
        if n > 10_000:
            raise OSError(f"no free name for {stem} in {folder}")
    return candidate


def _move(src: Path, dst: Path) -> None:
    """Move without ever replacing an existing file."""
    if dst.exists():
        raise FileExistsError(dst)
    try:
        os.link(src, dst)        # fails if dst appeared meanwhile; same volume
    except OSError:
        if dst.exists():
            raise
        shutil.move(str(src), str(dst))
        return
    os.unlink(src)


def file_away(path: Path, folder: Path, *, results: Path | None = None, reason: str | None = None) -> Path:
    """Move ``path`` (and its results, and a reason text) into ``folder``; the new path."""
    folder.mkdir(parents=True, exist_ok=True)
    name_suffix = "".join(path.suffixes[-1:])
    stem = path.name[:-len(name_suffix)] if name_suffix else path.name
    results_tail = " - results" + (results.suffix if results is not None else ".xlsx")
    stem = _free_stem(folder, stem, [name_suffix, results_tail, name_suffix + REASON_SUFFIX])
    target = folder / f"{stem}{name_suffix}"
    _move(path, target)
    if results is not None and results.exists():
        _move(results, folder / f"{stem}{results_tail}")
    if reason:
        stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        (folder / f"{stem}{name_suffix}{REASON_SUFFIX}").write_text(
            f"{path.name} ({stamp}): {mask(reason)}\n", encoding="utf-8")
    return target


# --------------------------------------------------------------------------- the watch


class _Stop:
    """First request: stop taking files and cancel the upload in progress (in-flight calls
    finish, journaled). Second: quit at once (the journal still knows what was in flight)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.event = asyncio.Event()
        self.engine = None
        self.requests = 0

    def request(self) -> None:   # on the loop
        self.requests += 1
        if self.requests == 1:
            up._err("\nStopping: waiting for the calls in flight (press Ctrl+C again to quit at once).")
            log.info("stop requested")
            self.event.set()
            if self.engine is not None:
                self.engine.cancel()
        else:
            os._exit(130)

    def request_threadsafe(self) -> None:
        self.loop.call_soon_threadsafe(self.request)

    def install(self) -> Callable[[], None]:
        """Signal handlers (SIGINT, SIGTERM; on Windows also SIGBREAK and the console's close
        button via SetConsoleCtrlHandler); returns the undo."""
        undo: list[Callable[[], None]] = []
        if sys.platform != "win32":
            for sig in (signal.SIGINT, signal.SIGTERM):
                self.loop.add_signal_handler(sig, self.request)
                undo.append(lambda s=sig: self.loop.remove_signal_handler(s))
        else:  # pragma: no cover - Windows only
            for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
                sig = getattr(signal, name, None)
                if sig is not None:
                    old = signal.signal(sig, lambda *_: self.request_threadsafe())
                    undo.append(lambda s=sig, o=old: signal.signal(s, o))
            undo.append(self._console_close_handler())
        return lambda: [u() for u in reversed(undo)]

    def _console_close_handler(self) -> Callable[[], None]:  # pragma: no cover - Windows only
        """Closing the console window, logoff or shutdown (CTRL_CLOSE/LOGOFF/SHUTDOWN_EVENT): stop,
        and hold Windows off for the few seconds it allows while the calls in flight finish."""
        try:
            import ctypes
            from ctypes import wintypes

            kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
            routine = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.DWORD)
            finished = threading.Event()
            self.finished = finished

            def handler(event: int) -> bool:
                if event in (2, 5, 6):   # close, logoff, shutdown
                    self.request_threadsafe()
                    finished.wait(4.5)
                    return True
                return False            # Ctrl+C / Ctrl+Break: the signal handlers above

            callback = routine(handler)
            self._callback = callback   # keep it alive
            kernel32.SetConsoleCtrlHandler(callback, True)
            return lambda: kernel32.SetConsoleCtrlHandler(callback, False)
        except (OSError, AttributeError, ImportError):
            return lambda: None


def _start_observer(folder: Path, wake: Callable[[], None]):
    """A native folder watcher that calls ``wake`` on any change; None when it cannot start
    (no inotify watches left, a share that does not support it...): then the folder is polled."""
    try:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
    except ImportError as e:   # pragma: no cover - a dependency
        log.warning("watchdog unavailable (%s); polling", e)
        return None

    class _Wake(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            wake()

    observer = Observer()
    try:
        observer.schedule(_Wake(), str(folder), recursive=False)
        observer.start()
    except Exception as e:  # noqa: BLE001 - any failure to watch means: poll
        log.warning("the folder watcher could not start (%s); polling instead", e)
        try:
            observer.stop()
        except Exception:  # noqa: BLE001
            pass
        return None
    return observer


def _file_namespace(args, path: Path, results: Path) -> argparse.Namespace:
    ns = argparse.Namespace(**vars(args))
    ns.file, ns.results = str(path), str(results)
    ns.resume, ns.new_upload, ns.dry_run = True, False, False
    return ns


def _counts_text(summary) -> str:
    parts = [f"{cat.label.lower()} {n}" for cat, n in summarise(summary.counts)]
    return f"{summary.total} rows" + (": " + ", ".join(parts) if parts else "")


class Watch:
    def __init__(self, args, concurrency, stop: _Stop) -> None:
        self.args = args
        self.concurrency = concurrency
        self.stop = stop
        self.inbox = Path(args.inbox)
        self.work = self.inbox / WORK
        self.retry_delay = RETRY_BASE
        self.not_before = 0.0       # monotonic time before which no file is tried (dialler unavailable)
        self.exit = up.EXIT_OK      # --once: EXIT_SERVER when a file had to be left for later

    def _failed(self, path: Path, reason: str, *, results: Path | None = None, what: str = "") -> None:
        target = file_away(path, self.inbox / FAILED, results=results, reason=reason)
        _say(f"{path.name}: {what or reason} -> {FAILED}/{target.name}")

    async def take(self, path: Path) -> str:
        """Upload one settled file: 'moved', 'later' (left in INBOX, dialler unavailable) or
        'stopped' (a stop was requested while it ran; it is finished on the next start)."""
        self.work.mkdir(parents=True, exist_ok=True)
        results = self.work / f"{path.stem} - results.xlsx"
        ns = _file_namespace(self.args, path, results)
        up._err(f"--- {path.name}")
        try:
            sheet, rows, mapping = up._read_and_validate(ns)
        except up.UsageError as e:
            self._failed(path, f"not read: {e}")
            return "moved"
        except Exception as e:   # noqa: BLE001 - one bad file must not stop the watch
            log.exception("reading %s failed", path)
            self._failed(path, f"not read: {type(e).__name__}: {mask(e)}")
            return "moved"
        up._print_validation(rows, mapping)
        n = len(rows)
        if self.args.min_rows is not None and n < self.args.min_rows:
            self._failed(path, f"{n} rows, fewer than --min-rows {self.args.min_rows}; nothing was sent")
            return "moved"
        if self.args.max_rows is not None and n > self.args.max_rows:
            self._failed(path, f"{n} rows, more than --max-rows {self.args.max_rows}; nothing was sent")
            return "moved"
        if not any(r.sendable for r in rows):
            written = up._write_results(ns, sheet, up.invalid_outcomes(rows), rows)
            self._failed(path, f"{n} rows, none can be sent (see the results); nothing was sent",
                         results=written)
            return "moved"

        def adopt(engine) -> None:
            self.stop.engine = engine
            if self.stop.event.is_set():
                engine.cancel()

        try:
            outcome = await self._run_until_stopped(up.run_upload(ns, sheet, rows, self.concurrency, mapping,
                                                                  on_engine=adopt))
            if outcome is None:
                _say(f"{path.name}: stopped before any lead was sent; left in the inbox")
                return "stopped"
            summary, written = outcome
        except up.BusyError as e:   # uploaded by another process, or the journal cannot be written
            return self._later(path, str(e), what="not taken now")
        except up.UsageError as e:
            self._failed(path, f"not sent: {e}")
            return "moved"
        except up.ServerError as e:
            return self._later(path, str(e))
        finally:
            self.stop.engine = None
        if summary.stopped == "cancelled":
            _say(f"{path.name}: stopped, {_counts_text(summary)}; left in the inbox, finished on the next start")
            return "stopped"
        if summary.stopped in ("unreachable", "refused"):
            return self._later(path, summary.message, summary)
        if summary.stopped == "journal":   # the data folder could not be written: resumed later
            return self._later(path, summary.message, summary, what="journal not writable")
        self.retry_delay = RETRY_BASE
        if summary.stopped == "halted":   # a refusal every row would get: the job's settings need a fix
            self._failed(path, f"stopped: {summary.message} Fix the watch's options (e.g. --map) and put the "
                         "file back into the inbox: the rows not sent yet are sent then.",
                         results=written, what=f"halted, {_counts_text(summary)}")
            return "moved"
        if jobs.all_done(summary):   # inserted now, or Already loaded by an earlier upload
            target = file_away(path, self.inbox / DONE, results=written)
            _say(f"{path.name}: {_counts_text(summary)} -> {DONE}/{target.name}")
        else:
            not_in = summary.total - summary.inserted - summary.counts.get(Category.ALREADY_LOADED, 0)
            self._failed(path, f"{not_in} of {summary.total} rows were not inserted (see the results)",
                         results=written, what=_counts_text(summary))
        return "moved"

    async def _run_until_stopped(self, upload):
        """The upload's result; None when a stop came before its engine started (while names
        were being looked up or a down dialler waited for: list calls only, nothing sent)."""
        task = asyncio.ensure_future(upload)
        stopper = asyncio.ensure_future(self.stop.event.wait())
        try:
            while not task.done():
                await asyncio.wait([task, stopper], return_when=asyncio.FIRST_COMPLETED)
                if stopper.done() and self.stop.engine is None and not task.done():
                    task.cancel()
                    try:
                        await task
                    except asyncio.CancelledError:
                        return None
                if stopper.done() and not task.done():
                    await asyncio.wait([task])   # the engine was told to stop: let it finish
            return task.result()
        finally:
            stopper.cancel()
            await asyncio.gather(stopper, return_exceptions=True)

    def _later(self, path: Path, why: str, summary=None, what: str = "dialler unavailable") -> str:
        wait = self.retry_delay
        self.retry_delay = min(RETRY_MAX, self.retry_delay * 2)
        self.not_before = time.monotonic() + wait
        self.exit = up.EXIT_SERVER
        done = f" ({_counts_text(summary)})" if summary is not None else ""
        _say(f"{path.name}: {what}{done}; left in the inbox, trying again in {wait:.0f} s: {mask(why)}")
        return "later"

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        wake = asyncio.Event()
        settler = Settler(self.inbox, self.args.settle)
        observer = None if self.args.poll else _start_observer(self.inbox, lambda: loop.call_soon_threadsafe(wake.set))
        how = "polling every %g s" % self.args.poll_interval if observer is None else "watching for changes"
        _say(f"watching {self.inbox} ({how}; a file is taken {self.args.settle:g} s after it stops changing)")
        interval = self.args.poll_interval if observer is None else IDLE_RESCAN
        told_held: set[Path] = set()
        stop_file = self.work / STOP_FILE
        stop_file.unlink(missing_ok=True)      # a request meant for an earlier run
        stopper = asyncio.ensure_future(self._watch_stop_file(stop_file))
        try:
            while not self.stop.event.is_set():
                if time.monotonic() < self.not_before:
                    await self._wait(wake, self.not_before - time.monotonic())
                    continue
                ready = settler.scan()
                for held in settler.held - told_held:
                    _say(f"{held.name}: open in another program; left alone until it is closed")
                told_held = set(settler.held)
                if ready:
                    path = ready[0]
                    try:
                        result = await self.take(path)
                    except OSError as e:   # a move that failed (disk full, permissions)
                        log.exception("filing %s failed", path)
                        _say(f"{path.name}: could not be moved ({mask(e)}); left in the inbox until it changes")
                        settler.skip(path)
                        continue
                    except Exception as e:  # noqa: BLE001 - a bug must not end the watch or lose the file
                        log.exception("taking %s failed", path)
                        _say(f"{path.name}: unexpected error ({type(e).__name__}: {mask(e)}; see the log); "
                             "left in the inbox until it changes")
                        settler.skip(path)
                        continue
                    if result == "stopped":
                        break
                    if result == "later" and self.args.once:
                        break
                    continue
                hint = settler.wait_hint()
                if self.args.once and hint is None:
                    break
                await self._wait(wake, min(interval, hint) if hint is not None else interval)
        finally:
            stopper.cancel()
            await asyncio.gather(stopper, return_exceptions=True)
            if observer is not None:
                observer.stop()
                observer.join(5)
        _say("watch stopped")
        return self.exit if self.args.once else up.EXIT_OK

    async def _watch_stop_file(self, stop_file: Path) -> None:
        """``noojee-desktop watch INBOX --stop`` leaves this file: a clean stop where no signal can
        be sent (the windowed Windows build has no console; Task Scheduler's End kills)."""
        while not self.stop.event.is_set():
            await asyncio.sleep(STOP_FILE_CHECK)
            if stop_file.exists():
                stop_file.unlink(missing_ok=True)
                log.info("stop requested by %s", stop_file)
                self.stop.request()
                return

    async def _wait(self, wake: asyncio.Event, seconds: float) -> None:
        """Until ``seconds`` pass, the folder changes or a stop is requested."""
        wake.clear()
        waiters = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(self.stop.event.wait())]
        try:
            await asyncio.wait(waiters, timeout=max(0.05, seconds), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)


class InboxBusy(Exception):
    """Another watch works on this folder."""


def lock_inbox(inbox: Path):
    """The operating-system lock one watch holds on its INBOX (in ``INBOX/processing/``, so two
    computers watching one share are kept apart too, where the share supports locks); released
    by the OS when the process ends, however it ends."""
    from filelock import FileLock, Timeout

    work = inbox / WORK
    work.mkdir(parents=True, exist_ok=True)
    lock = FileLock(work / "watch.lock", thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise InboxBusy(f"Another watch is already working on {inbox}; this one stops.") from None
    return lock


def request_stop(inbox: Path, wait: float) -> int:
    """Leave the stop request for the watch on ``inbox`` and wait until it has let go of the folder."""
    from filelock import FileLock, Timeout

    work = inbox / WORK
    if not inbox.is_dir():
        up._err(f"The folder {inbox} does not exist.")
        return up.EXIT_USAGE
    work.mkdir(exist_ok=True)
    probe = FileLock(work / "watch.lock", thread_local=False)
    try:
        probe.acquire(timeout=0)
    except Timeout:
        pass
    else:
        probe.release()
        up._err(f"No watch is running on {inbox}.")
        return EXIT_NOT_STOPPED
    (work / STOP_FILE).write_text("stop\n", encoding="utf-8")
    up._err(f"Asked the watch on {inbox} to stop; waiting for the calls in flight to finish...")
    try:
        probe.acquire(timeout=max(0.0, wait))
    except Timeout:
        up._err(f"The watch has not stopped after {wait:g} s; it will stop once its calls in flight finish.")
        return EXIT_NOT_STOPPED
    probe.release()
    up._err("The watch stopped.")
    return up.EXIT_OK


async def _watch(args, concurrency) -> int:
    stop = _Stop(asyncio.get_running_loop())
    undo = stop.install()
    try:
        return await Watch(args, concurrency, stop).run()
    finally:
        finished = getattr(stop, "finished", None)
        if finished is not None:
            finished.set()
        undo()


def main(argv: Sequence[str] | None = None) -> int:
    install_log_masking()
    # A windowed build started by Task Scheduler has no console: the lines go to the log only.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _stop_parser() if "--stop" in argv else _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return up.EXIT_USAGE if e.code not in (0, None) else up.EXIT_OK
    if args.stop:
        return request_stop(Path(args.inbox), args.stop_wait)
    try:
        concurrency = up.check_job_options(args)
        if args.settle < 0 or args.poll_interval <= 0:
            raise up.UsageError("--settle must be zero or more and --poll-interval positive.")
        for name in ("min_rows", "max_rows"):
            if getattr(args, name) is not None and getattr(args, name) < 0:
                raise up.UsageError(f"--{name.replace('_', '-')} must be zero or more.")
        inbox = Path(args.inbox)
        if not inbox.is_dir():
            raise up.UsageError(f"The folder {inbox} does not exist.")
        up._get_key(args.server)   # no key: say so now, not at the first file
    except up.UsageError as e:
        up._err(str(e))
        return up.EXIT_USAGE
    from noojee_desktop.core.logfile import setup_logging

    log_path = setup_logging()
    try:
        lock = lock_inbox(inbox)
    except (InboxBusy, OSError) as e:
        up._err(str(e))
        return EXIT_BUSY
    up._err(f"Log file: {log_path}")
    try:
        return asyncio.run(_watch(args, concurrency))
    finally:
        lock.release()


if __name__ == "__main__":
    raise SystemExit(main())
