"""Any WARNING-or-worse log record fails the test that caused it, unless the test declares it.

The idea is qutebrowser's ``tests/helpers/logfail.py``; the code is ours. A handler on the root
logger keeps every record of level WARNING or above made while a test's setup, call or teardown
runs (on any thread: the sandbox's, the upload thread, the reading pool). When the phase ends,
each record the test did not declare fails it, with the records listed.

A test declares what it expects in one of two ways:

* ``@pytest.mark.allow_log(r"regex", logger="noojee_desktop.x", level="WARNING")``: records
  whose message matches (``re.search``), from that logger or one below it, at that level or
  above, are allowed (zero or more of them). Every argument is optional.
* the ``expect_log`` fixture, as a context manager: ``with expect_log(r"regex", logger=...)``
  allows the same records while the block runs and FAILS if none arrived, so the test also
  proves the warning is given. It returns the list of matching records for further asserts.

Qt's own warnings are failed by pytest-qt (``qt_log_level_fail = "WARNING"`` in pyproject),
declared with ``@pytest.mark.qt_log_ignore(...)``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from dataclasses import dataclass, field

import pytest

_LEVELS = logging.getLevelNamesMapping()


@dataclass
class Allowance:
    """Which records a test declared: message regex, logger (and its children), lowest level."""

    pattern: str = ""
    logger: str = ""
    level: int = logging.WARNING
    seen: list[logging.LogRecord] = field(default_factory=list)

    def matches(self, record: logging.LogRecord) -> bool:
        if record.levelno < self.level:
            return False
        if self.logger and not (record.name == self.logger or record.name.startswith(self.logger + ".")):
            return False
        return re.search(self.pattern, record.getMessage()) is not None


def _allowance(pattern: str = "", *, logger: str = "", level: int | str = logging.WARNING) -> Allowance:
    if isinstance(level, str):
        level = _LEVELS[level.upper()]
    return Allowance(pattern, logger, level)


class _Keeper(logging.Handler):
    """Keeps WARNING-or-worse records until the running phase ends; thread-safe."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self._records: list[logging.LogRecord] = []
        self._guard = threading.Lock()
        self.watchers: list[Allowance] = []     # the running test's expect_log blocks

    def emit(self, record: logging.LogRecord) -> None:
        with self._guard:
            self._records.append(record)
            for watcher in self.watchers:
                if watcher.matches(record):
                    watcher.seen.append(record)

    def take(self) -> list[logging.LogRecord]:
        with self._guard:
            records, self._records = self._records, []
        return records


_keeper = _Keeper()
_ACTIVE = pytest.StashKey[list]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "allow_log(pattern='', *, logger='', level='WARNING'): this test may log matching "
        "WARNING-or-worse records (tests/helpers/logfail.py)")
    logging.getLogger().addHandler(_keeper)


def pytest_unconfigure(config: pytest.Config) -> None:
    logging.getLogger().removeHandler(_keeper)


def _describe(record: logging.LogRecord) -> str:
    return f"{record.levelname} {record.name}: {record.getMessage()}"


def _check(item: pytest.Item, phase: str) -> None:
    records = _keeper.take()
    if not records:
        return
    declared = [_allowance(*m.args, **m.kwargs) for m in item.iter_markers("allow_log")]
    declared += item.stash.get(_ACTIVE, [])
    unexpected = []
    for record in records:
        if not any(a.matches(record) for a in declared):
            unexpected.append(record)
    if unexpected:
        lines = "\n  ".join(_describe(r) for r in unexpected)
        pytest.fail(f"undeclared log record(s) during {phase} (declare them with "
                    f"@pytest.mark.allow_log or expect_log):\n  {lines}", pytrace=False)


def _phase(name: str):
    @pytest.hookimpl(wrapper=True)
    def hook(item: pytest.Item):
        _keeper.take()      # whatever came between tests (another test's stragglers) is not ours
        try:
            result = yield
        except BaseException:
            _keeper.take()  # the phase failed already; its own error is the one to read
            raise
        _check(item, name)
        return result
    return hook


pytest_runtest_setup = _phase("setup")
pytest_runtest_call = _phase("call")
pytest_runtest_teardown = _phase("teardown")


@pytest.fixture
def expect_log(request: pytest.FixtureRequest):
    """``with expect_log(r"regex", logger="...", level="WARNING") as records:`` the block must
    log at least one matching record; such records are allowed for the rest of the test.
    ``records`` fills as they arrive (from any thread), so a test can wait on one:
    ``wait_until(lambda: records, 5, "no warning")``."""
    active = request.node.stash.setdefault(_ACTIVE, [])

    @contextlib.contextmanager
    def expect(pattern: str = "", *, logger: str = "", level: int | str = logging.WARNING):
        allowance = _allowance(pattern, logger=logger, level=level)
        active.append(allowance)
        with _keeper._guard:
            _keeper.watchers.append(allowance)
        try:
            yield allowance.seen
        finally:
            with _keeper._guard:
                _keeper.watchers.remove(allowance)
        assert allowance.seen, (
            f"expected a log record matching {pattern!r} (logger {logger or 'any'}, "
            f"level >= {logging.getLevelName(allowance.level)}); none was logged")

    return expect
