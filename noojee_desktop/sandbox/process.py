"""The sandbox dialler in a process of its own, as a real dialler would be.

Benchmarks use it so that the server's work does not share the measured interpreter (and
its GIL) with the client. Started with ``--port 0``; the URL and key are read from the
lines the sandbox prints on start.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time


class SandboxProcess:
    """``with SandboxProcess("--slots", "8") as sb: sb.url, sb.api_key`` — stopped on exit."""

    def __init__(self, *args: str, start_timeout: float = 30.0) -> None:
        self.args = [str(a) for a in args]
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.api_key = ""

    def start(self) -> "SandboxProcess":
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "noojee_desktop", "sandbox", "--port", "0", *self.args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline and not (self.url and self.api_key):
            line = self.proc.stdout.readline()
            if not line:
                break
            if not self.url and (m := re.search(r"http://127\.0\.0\.1:\d+", line)):
                self.url = m.group(0)
            if not self.api_key and (m := re.match(r"Demo key:\s*(\S+)", line)):
                self.api_key = m.group(1)
        if not (self.url and self.api_key):
            self.stop()
            raise RuntimeError("The sandbox process did not start.")
        # keep reading its output, or a full pipe would stall the server
        stdout = self.proc.stdout
        threading.Thread(target=lambda: [None for _ in stdout], daemon=True).start()
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> "SandboxProcess":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
