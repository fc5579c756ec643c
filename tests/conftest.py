"""Shared test set-up. Strict by design: warnings are errors (pyproject), Qt warnings fail.

Every test runs with its own data, config and keyring so nothing touches the user's files.
Sections below belong to the part of the app they name; keep edits inside your section.
"""

from __future__ import annotations

import os

# Qt must never need a screen in tests; set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_ACCESSIBILITY", "0")


import pytest

from noojee_desktop.core.secrets import install_log_masking

# tests/helpers/: any WARNING-or-worse log record fails its test unless declared (allow_log,
# expect_log); the bounded poll (wait.wait_until), lead files (leads), sandbox constants (sandbox).
pytest_plugins = ["helpers.logfail", "pytester"]

install_log_masking()


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Data dir (journal, field lists), config dir and keyring of a fresh user per test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    # An in-memory keyring (tests/keyring_memory.py) instead of the desktop's.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring_memory.MemoryKeyring")
    monkeypatch.delenv("NOOJEE_API_KEY", raising=False)
    yield home


# --- sandbox fixtures (owner: sandbox) -------------------------------------------------
# A live sandbox dialler on 127.0.0.1 (own thread and loop): usable from sync, asyncio and
# Qt tests. `sandbox.url` is http://127.0.0.1:PORT, `sandbox.api_key` the key; see
# noojee_desktop/sandbox/server.py for leads(), stats(), request_log(), fail_next(), set_down().


@pytest.fixture
def sandbox(sandbox_factory):
    """A started sandbox with introspection on, fast service time, seeded faults."""
    return sandbox_factory(service_time=0.01)


@pytest.fixture
def sandbox_factory():
    """``sandbox_factory(**SandboxConfig kwargs)`` -> a started SandboxServer; all stopped at teardown."""
    from noojee_desktop.sandbox import SandboxConfig, SandboxServer

    servers = []

    def make(**kwargs):
        kwargs.setdefault("introspection", True)
        kwargs.setdefault("seed", 1)
        server = SandboxServer(SandboxConfig(**kwargs)).start()
        servers.append(server)
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.stop()


# --- API client fixtures (owner: client) ------------------------------------------------

#: A key distinctive enough that finding it anywhere (a log line, an error text) is a leak.
LEAKY_KEY = "K3y-LEAK-8f2c9d71e6a4b05"


@pytest.fixture
def leaky_key() -> str:
    return LEAKY_KEY


@pytest.fixture
async def mock_client_factory():
    """``make(handler, server="dialler.example.com", **kw)``: a NoojeeClient on httpx.MockTransport.

    ``handler(request) -> httpx.Response`` (or raises an httpx exception). Clients are
    closed at the end of the test.
    """
    import httpx

    from noojee_desktop.core.api import NoojeeClient

    made: list = []

    def make(handler, server="dialler.example.com", api_key=LEAKY_KEY, **kw):
        client = NoojeeClient(server, api_key, transport=httpx.MockTransport(handler), **kw)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
async def sandbox_client(sandbox):
    """A real-HTTP NoojeeClient for the ``sandbox`` fixture's dialler (its own key)."""
    from noojee_desktop.core.api import NoojeeClient

    async with NoojeeClient(sandbox.url, sandbox.api_key) as client:
        yield client


# --- spreadsheet fixtures (owner: spreadsheet) -----------------------------------------


@pytest.fixture
def make_xlsx(tmp_path):
    """make_xlsx(rows, name="leads.xlsx", sheets=None) -> Path: a workbook written by openpyxl.

    ``rows``: list of lists (any cell type openpyxl takes). ``sheets``: {title: rows} for
    several sheets; a title starting with "hidden:" makes a hidden sheet.
    """
    from openpyxl import Workbook

    def make(rows=None, name="leads.xlsx", sheets=None):
        wb = Workbook()
        wb.remove(wb.active)
        for title, data in (sheets or {"Leads": rows}).items():
            hidden = title.startswith("hidden:")
            ws = wb.create_sheet(title.removeprefix("hidden:"))
            if hidden:
                ws.sheet_state = "hidden"
            for r in data:
                ws.append(r)
        path = tmp_path / name
        wb.save(path)
        return path

    return make


@pytest.fixture
def make_csv(tmp_path):
    """make_csv(text, name="leads.csv", encoding="utf-8") -> Path (text written as given)."""

    def make(text, name="leads.csv", encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return make


# --- upload engine fixtures (owner: engine) --------------------------------------------


@pytest.fixture
def lead_csv(tmp_path):
    """``lead_csv(n, *, external_ids=False, extra=(), name="leads.csv")`` -> path of a CSV lead
    list with n rows (Name, City, FirstPhone [, ExternalLeadId]; helpers.leads.numbered) plus
    ``extra`` raw rows appended."""
    from helpers.leads import HEADER, numbered, write_leads

    def make(n, *, external_ids=False, extra=(), name="leads.csv"):
        header = HEADER + (("ExternalLeadId",) if external_ids else ())
        return write_leads(tmp_path / name, numbered(n, external_ids=external_ids) + list(extra), header=header)

    return make

# --- GUI fixtures (owner: ui) ----------------------------------------------------------


@pytest.fixture
def qt_settings_dir(tmp_path, qapp):
    """QSettings (INI, user scope) in a temp dir; Qt caches XDG paths, so set it explicitly."""
    from PySide6.QtCore import QSettings

    path = tmp_path / "qsettings"
    path.mkdir()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(path))
    yield path


@pytest.fixture
def qloop(qapp):
    """A qasync loop installed as the running asyncio loop while pytest-qt spins Qt events.

    At teardown every task still pending is cancelled and allowed to finish, then the loop is
    closed, so nothing leaks into the next test (warnings are errors here).
    """
    import asyncio

    import qasync
    from PySide6.QtCore import QCoreApplication, QDeadlineTimer

    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        deadline = QDeadlineTimer(5000)
        while any(not t.done() for t in pending) and not deadline.hasExpired():
            QCoreApplication.processEvents()
        for _ in range(5):
            QCoreApplication.processEvents()
        try:
            qapp.aboutToQuit.disconnect(loop._after_run_forever)
        except (RuntimeError, TypeError):
            pass
        # not loop.stop(): that calls QApplication.exit(), which would end pytest-qt's waits
        # in later tests; mark the loop stopped instead, then close it.
        loop._QEventLoop__is_running = False  # name-mangled in qasync._QEventLoop
        asyncio.events._set_running_loop(None)
        loop.close()
        asyncio.set_event_loop(None)


@pytest.fixture
def make_window(qtbot, qloop, qt_settings_dir, monkeypatch, sandbox_factory):
    """``make_window(argv)`` -> the real main window as ``noojee-desktop ARGV`` builds it, shown;
    closed (client closed, sandbox stopped) at teardown. It needs ``sandbox_factory`` so that
    the test's sandboxes stop after its windows have closed their connections, not under them."""
    from noojee_desktop.app import build_window

    windows = []

    def make(argv=(), show=True):
        window = build_window(list(argv))
        qtbot.addWidget(window)
        windows.append(window)
        if show:
            window.show()
            qtbot.waitExposed(window)
        return window

    yield make
    # every window and dialog still open at the end of a GUI test: no Alt+letter used twice
    from mnemonics import open_windows_clashes

    clashing = open_windows_clashes()
    for window in windows:
        if not window.is_shut_down:
            window.begin_shutdown()
            qtbot.waitUntil(lambda w=window: w.is_shut_down, timeout=10000)
    # Collect the windows' reference cycles here, on the GUI thread. Left to chance, a later
    # collection may run on a reading or upload thread and destroy QObjects (with their
    # timers) there: "QObject::~QObject: Timers cannot be stopped from another thread".
    import gc

    windows.clear()
    gc.collect()
    assert not clashing, "mnemonics used twice (tests/mnemonics.py):\n" + "\n".join(clashing)


@pytest.fixture
def open_window(make_window, qtbot, monkeypatch):
    """``open_window(server, *files, rows=None, choice=SOLAR_NAMES, teach=True)`` -> the real window
    connected to sandbox ``server`` (its key in NOOJEE_API_KEY) with ``files`` on the command line.
    With ``teach`` the sandbox's template fields are taught first (helpers.sandbox.teach_sandbox_fields:
    a real dialler's fields are known only once taught). Given files (or ``rows``), it picks
    ``choice`` (template, campaign, allocation names); given files, it waits until their ``rows``
    rows are loaded, checked and can be sent."""
    from helpers.sandbox import SOLAR_NAMES, teach_sandbox_fields
    from helpers.ui import pick_choice

    def open_(server, *files, rows=None, choice=SOLAR_NAMES, timeout=10000, teach=True):
        monkeypatch.setenv("NOOJEE_API_KEY", server.api_key)
        if teach:
            teach_sandbox_fields(server)
        win = make_window(["--server", server.url, *map(str, files)])
        if files or rows is not None:
            pick_choice(qtbot, win, choice)
        if files:
            tab = win.import_tab
            qtbot.waitUntil(lambda: tab.model.rowCount() == rows and not tab.loading and tab.upload_button.isEnabled(),
                            timeout=timeout)
        return win

    return open_
