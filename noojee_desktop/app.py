"""The desktop app: ``build_window(argv)`` builds the main window as ``noojee-desktop ARGV``
would (tests drive it), ``main(argv)`` runs it on qasync's event loop.

    noojee-desktop [FILE] [--sandbox] [--server URL] [--self-test]

One app per user (``ui/single_instance.py``): launched again (a double-click, or
``noojee-desktop FILE`` from a file manager), it brings the running window to the front,
hands it the file and exits.

``--server URL`` with the environment variable ``NOOJEE_API_KEY`` presets the connection
(scripted roll-outs, tests): no first-start dialog, and nothing is saved unless the user
saves it in the Connection dialog.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from noojee_desktop import APP_ID, APP_NAME, ORG_NAME, __version__, resources_path

log = logging.getLogger(__name__)

SAMPLE_FILE = "sample-leads.csv"
GIL_SWITCH_INTERVAL = 0.001   # seconds


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="noojee-desktop", description=f"{APP_NAME}: the desktop app.")
    parser.add_argument("file", nargs="?", help="a lead list to open in the Import tab")
    parser.add_argument("--sandbox", action="store_true",
                        help="start the built-in practice dialler and connect to it")
    parser.add_argument("--server", help="dialler address; the API key comes from NOOJEE_API_KEY")
    parser.add_argument("--self-test", action="store_true", help="check this installation and exit")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser.parse_args(argv)


def build_window(argv: list[str] | None = None):
    """The main window, connected as the arguments say. Needs a QApplication and, for the
    network calls, a running qasync loop (they start when the loop runs)."""
    from PySide6.QtWidgets import QApplication

    from noojee_desktop.ui.main_window import MainWindow

    args = parse_args(list(argv or []))
    # Reading a big file runs Python on a pool thread; with the default 5 ms GIL switch interval
    # every hand-over to the GUI thread can wait up to 5 ms, and one repaint needs many (the
    # window stalled ~190 ms while reading 100k rows). 1 ms keeps it under 30 ms.
    sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL))
    app = QApplication.instance()
    if app is not None:
        app.setOrganizationName(ORG_NAME)
        app.setApplicationName(APP_ID)
        app.setApplicationDisplayName(APP_NAME)
        app.setApplicationVersion(__version__)
    sandbox = None
    if args.sandbox:
        from noojee_desktop.sandbox import SandboxConfig, SandboxServer

        sandbox = SandboxServer(SandboxConfig(host="127.0.0.1", port=0)).start()
    try:
        window = MainWindow(sandbox=sandbox)
    except Exception:
        if sandbox is not None:
            sandbox.stop()
        raise
    env_key = os.environ.get("NOOJEE_API_KEY", "").strip()
    if sandbox is not None:
        window.connect_to(sandbox.url, sandbox.api_key, sandbox=True)
        sample = resources_path(SAMPLE_FILE)
        if sample.exists():
            window.import_tab.offer_sample(sample)
            window.tabs.setCurrentWidget(window.import_tab)
    elif args.server and env_key:
        window.connect_to(args.server, env_key)   # preset: nothing saved
    elif args.server:
        from noojee_desktop.ui.settings import load_key

        key = load_key(args.server)
        if key:
            window.connect_to(args.server, key)
        else:
            window.expect_connection(args.server)
    else:
        window.start_saved_connection()
    if args.file:
        window.open_path(Path(args.file))
    # "A previous upload was interrupted: resume?" (a banner in the Import tab, not a modal box)
    if window.import_tab.check_interrupted() and not args.file:
        window.tabs.setCurrentWidget(window.import_tab)
    return window


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.self_test:
        try:
            from noojee_desktop.commands.selftest import run_self_test
        except ImportError:
            print("The self-test is not part of this build.", file=sys.stderr)
            return 2
        return int(run_self_test())

    import qasync
    from PySide6.QtWidgets import QApplication

    from noojee_desktop.core.secrets import install_log_masking
    from noojee_desktop.ui.errors import setup_logging

    install_log_masking()
    log_path = setup_logging()
    log.info("%s %s starting; log file %s", APP_NAME, __version__, log_path)
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else APP_ID])
    app.setQuitOnLastWindowClosed(False)   # the window closes itself after an async shutdown
    from noojee_desktop.ui.single_instance import SingleInstance

    instance = SingleInstance(parent=app)
    if not instance.claim():
        if instance.hand_over(args.file):
            print(f"{APP_NAME} is already open: its window was brought to the front"
                  + (f" with {args.file}." if args.file else "."), file=sys.stderr)
            log.info("handed over to the running instance (file: %s)", args.file or "none")
            return 0
        log.warning("another instance holds the lock but did not answer; starting anyway")
    _install_excepthook()
    from noojee_desktop.ui.gc_guard import GuiGarbageCollector

    collector = GuiGarbageCollector(app)   # cycles holding Qt objects die on this thread only

    async def run() -> None:
        window = build_window(argv)
        instance.handedOver.connect(lambda file: bring_to_front(window, file))
        done = asyncio.Event()
        window.shutDown.connect(done.set)
        window.show()
        await done.wait()

    # An explicit loop, not qasync.run(): on Python < 3.12 that installs an event loop *policy*
    # that hands a Qt loop to every thread calling asyncio.new_event_loop() (the sandbox's
    # server thread would then run QApplication.exec off the main thread).
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            loop.run_until_complete(run())
    except (KeyboardInterrupt, asyncio.CancelledError):
        return 130
    finally:
        collector.stop()
        instance.release()
        asyncio.set_event_loop(None)
    return 0


def bring_to_front(window, file: str = "") -> None:
    """A later launch asked for the window (and maybe gave a file): show it on top, open the file."""
    if window.isMinimized():
        window.showNormal()
    else:
        window.show()
    window.raise_()
    window.activateWindow()
    log.info("a second launch raised the window%s", f" and handed it {file}" if file else "")
    if file:
        window.open_path(Path(file))


def _install_excepthook() -> None:
    """An unexpected error becomes a plain dialog and a log entry, never a silent crash."""
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            return previous(exc_type, exc, tb)
        log.error("unexpected error", exc_info=(exc_type, exc, tb))
        try:
            from PySide6.QtWidgets import QApplication

            from noojee_desktop.ui.errors import show_exception

            parent = QApplication.activeWindow()
            show_exception(parent, "Something went wrong", exc.with_traceback(tb))
        except Exception:  # never let the hook itself crash
            previous(exc_type, exc, tb)

    sys.excepthook = hook
