"""Entry script of the frozen app (PyInstaller): the same as the `noojee-desktop` command.

`--self-test` is answered here, before the GUI module is imported, so a bundle whose GUI
cannot even load still tells support staff what is wrong.
"""

from __future__ import annotations

import sys


def _console_for_windowed_windows() -> None:
    """A windowed Windows build has no stdout: borrow the console it was started from."""
    if sys.platform != "win32" or sys.stdout is not None:
        return
    import ctypes

    if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
        sys.stdout = open("CONOUT$", "w", encoding="utf-8", errors="replace")  # noqa: SIM115
        sys.stderr = sys.stdout


def main() -> int:
    argv = sys.argv[1:]
    if "--self-test" in argv:
        _console_for_windowed_windows()
        from noojee_desktop.commands.selftest import run_self_test

        return run_self_test()
    from noojee_desktop.commands import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
