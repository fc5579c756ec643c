"""The test suite's own strictness (tests/helpers/): an undeclared warning fails its test, a
declared one does not, and a bounded wait fails with its message when its deadline passes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from helpers.wait import wait_steady, wait_until

TESTS = Path(__file__).parent

CASES = '''
import logging, threading
import pytest

log = logging.getLogger("noojee_desktop.demo")

def test_undeclared_warning():
    log.warning("the disk is nearly full")

def test_undeclared_error_from_another_thread():
    t = threading.Thread(target=lambda: log.error("worker gave up"))
    t.start(); t.join()

@pytest.mark.allow_log("nearly full", logger="noojee_desktop")
def test_declared_with_the_marker():
    log.warning("the disk is nearly full")

@pytest.mark.allow_log("nearly full", logger="noojee_desktop.other")
def test_declared_for_another_logger():
    log.warning("the disk is nearly full")

def test_expected_and_given(expect_log):
    with expect_log("nearly full", level="WARNING") as records:
        log.error("the disk is nearly full")
    assert records[0].levelname == "ERROR"

def test_expected_but_never_given(expect_log):
    with expect_log("nearly full"):
        log.info("all fine")

def test_info_is_not_a_warning():
    log.info("loaded 5 rows")
'''


def test_undeclared_warnings_fail_their_test_and_declared_ones_pass(pytester):
    pytester.makeconftest('pytest_plugins = ["helpers.logfail"]\n')
    pytester.makepyfile(test_cases=CASES)
    result = pytester.runpytest_subprocess("-rA", "-p", "no:cacheprovider", "-p", "no:qt",
                                           "-o", "pythonpath=" + str(TESTS))
    outcomes = {line.split("::")[1].split()[0]: line.split()[0]
                for line in result.outlines if line.startswith(("PASSED ", "FAILED ")) and "::" in line}
    assert outcomes == {
        "test_undeclared_warning": "FAILED",
        "test_undeclared_error_from_another_thread": "FAILED",
        "test_declared_with_the_marker": "PASSED",
        "test_declared_for_another_logger": "FAILED",
        "test_expected_and_given": "PASSED",
        "test_expected_but_never_given": "FAILED",
        "test_info_is_not_a_warning": "PASSED",
    }
    text = result.stdout.str()
    assert "undeclared log record(s) during call" in text
    assert "WARNING noojee_desktop.demo: the disk is nearly full" in text
    assert "ERROR noojee_desktop.demo: worker gave up" in text
    assert "expected a log record matching 'nearly full'" in text


def test_wait_until_returns_the_first_truthy_value():
    started = time.monotonic()
    assert wait_until(lambda: time.monotonic() - started > 0.05 and "ready", 5, "never ready") == "ready"


def test_wait_until_fails_with_its_message_when_the_deadline_passes():
    started = time.monotonic()
    with pytest.raises(pytest.fail.Exception, match=r"the file never arrived \(waited 0.2 s; last value None\)"):
        wait_until(lambda: None, 0.2, lambda: "the file never arrived")
    assert 0.2 <= time.monotonic() - started < 2


def test_wait_steady_returns_the_value_once_it_stops_changing():
    started = time.monotonic()
    assert wait_steady(lambda: min(3, int((time.monotonic() - started) / 0.05)), 0.2, 5) == 3
