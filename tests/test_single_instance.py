"""One app per user, with real processes: a second launch raises the first window, hands it the
file, and exits; the first keeps running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from helpers.leads import write_leads
from helpers.wait import wait_until


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _app(args, env):
    return subprocess.Popen([sys.executable, "-m", "noojee_desktop", *args], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_second_launch_raises_the_first_window_and_hands_it_the_file(sandbox, tmp_path):
    env = dict(os.environ, NOOJEE_API_KEY=sandbox.api_key, QT_QPA_PLATFORM="offscreen")
    state = Path(env["XDG_STATE_HOME"])
    config = Path(env["XDG_CONFIG_HOME"])
    logs = lambda: "".join(_read(p) for p in state.rglob("noojee-desktop.log*"))  # noqa: E731
    recent = lambda: "".join(_read(p) for p in config.rglob("*.ini"))               # noqa: E731
    leads = write_leads(tmp_path / "handed over.csv", [("Ann", "Melbourne", "0383218199")])

    first = _app(["--server", sandbox.url], env)
    try:
        wait_until(lambda: "single instance: listening" in logs(), 60, "the first launch never got ready", process=first)

        second = _app([str(leads)], env)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 0, err
        assert "already open" in err
        wait_until(lambda: f"a second launch raised the window and handed it {leads}" in logs(), 30,
                   "the first window was never raised", process=first)
        # the first window really read the file (it is now its most recent file)
        wait_until(lambda: "handed over.csv" in recent(), 30, "the first window never opened the file", process=first)

        third = _app([], env)                 # a plain double-click: just the window to the front
        out, err = third.communicate(timeout=60)
        assert third.returncode == 0, err
        wait_until(lambda: logs().count("a second launch raised the window") >= 2, 30, "the window was not raised a second time", process=first)
        assert first.poll() is None, "the first app keeps running"
    finally:
        if first.poll() is None:
            first.send_signal(signal.SIGTERM)
        try:
            first.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            first.kill()
            first.communicate()


def test_each_user_data_folder_has_its_own_instance(monkeypatch, tmp_path):
    from noojee_desktop.ui.single_instance import instance_key

    mine = instance_key()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "someone-else"))
    assert instance_key() != mine and instance_key().startswith("noojee-desktop-")
