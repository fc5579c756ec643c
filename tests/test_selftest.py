"""`noojee-desktop --self-test`: what support staff see when they check a workstation."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import keyring
import pytest
from keyring.backends import fail

import noojee_desktop
from noojee_desktop.commands import selftest


def run() -> tuple[int, dict[str, tuple[str, str]], str]:
    out = io.StringIO()
    rc = selftest.run_self_test(out)
    text = out.getvalue()
    lines = {}
    for name, _ in selftest.CHECKS:
        line = next(line for line in text.splitlines() if line[6:].startswith(name + " "))
        lines[name] = (line[:4].strip(), line[6:].removeprefix(name).strip())
    return rc, lines, text


@pytest.fixture
def restore_keyring():
    before = keyring.get_keyring()
    yield
    keyring.set_keyring(before)


def test_healthy_installation_passes_with_one_line_per_check(_isolated_user_dirs):
    rc, lines, text = run()
    assert rc == 0, text
    assert set(lines) == {name for name, _ in selftest.CHECKS}
    assert all(status in ("OK", "WARN") for status, _ in lines.values()), text
    assert lines["version"] == ("OK", lines["version"][1])
    assert noojee_desktop.__version__ in lines["version"][1]
    assert "offscreen" in lines["qt platform"][1]  # tests run without a screen
    assert "MemoryKeyring" in lines["keyring"][1]  # conftest's in-memory store is named
    assert str(_isolated_user_dirs) in lines["data directory"][1]
    assert "CAs" in lines["tls certificates"][1]
    assert text.rstrip().endswith("self-test passed: 0 failed, 0 warnings, 9 checks")


def test_data_dir_probe_leaves_no_file_behind(_isolated_user_dirs):
    rc, _, _ = run()
    assert rc == 0
    assert list(selftest.data_dir().iterdir()) == []


def test_unwritable_data_dir_fails_and_says_where(_isolated_user_dirs, monkeypatch):
    blocker = _isolated_user_dirs / "not-a-folder"
    blocker.write_text("a file where the data folder should go")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    rc, lines, text = run()
    assert rc == 1
    status, detail = lines["data directory"]
    assert status == "FAIL"
    assert detail.startswith(f"cannot write to {blocker}")
    assert "self-test FAILED: 1 failed" in text
    assert blocker.read_text() == "a file where the data folder should go"


def test_no_password_store_is_a_warning_not_a_failure(restore_keyring):
    keyring.set_keyring(fail.Keyring())
    rc, lines, _ = run()
    assert rc == 0
    assert lines["keyring"][0] == "WARN"
    assert "typed each time" in lines["keyring"][1]


def test_missing_module_is_named(monkeypatch):
    monkeypatch.setattr(selftest, "THIRD_PARTY_MODULES", ("httpx", "noojee_no_such_module"))
    rc, lines, _ = run()
    assert rc == 1
    status, detail = lines["python modules"]
    assert status == "FAIL"
    assert "noojee_no_such_module" in detail and "httpx" not in detail


def test_unknown_version_fails(monkeypatch):
    # What a frozen bundle built without the package metadata would report.
    monkeypatch.setattr(noojee_desktop, "__version__", "0+unknown")
    rc, lines, _ = run()
    assert rc == 1
    assert lines["version"][0] == "FAIL"
    assert "metadata" in lines["version"][1]


def test_a_crashing_check_fails_and_the_rest_still_run(monkeypatch):
    def boom():
        raise RuntimeError("certificate store exploded")

    monkeypatch.setattr(
        selftest, "CHECKS", tuple((n, boom if n == "tls certificates" else c) for n, c in selftest.CHECKS)
    )
    rc, lines, _ = run()
    assert rc == 1
    assert lines["tls certificates"] == ("FAIL", "RuntimeError: certificate store exploded")
    assert lines["data directory"][0] == "OK"


def test_runs_as_a_command_without_a_screen(_isolated_user_dirs):
    # A fresh process: Qt is started by the self-test itself, off screen when there is no display.
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    proc = subprocess.run(
        [sys.executable, "-m", "noojee_desktop.commands.selftest"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "platform 'offscreen'" in proc.stdout
