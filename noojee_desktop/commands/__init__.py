"""The commands above core: ``noojee-desktop`` runs the GUI by default, or a sub-command.

    noojee-desktop [FILE] [--sandbox] [--server URL] [--self-test]   the desktop app
    noojee-desktop sandbox [--port N] ...                              the built-in sandbox dialler
    noojee-desktop upload FILE --server URL ...                        headless upload
    noojee-desktop watch INBOX --server URL ...                        upload what arrives in a folder
    noojee-desktop update FILE --server URL ...                        headless update of loaded leads
    noojee-desktop jobs [--json]                                       what this computer loaded
    noojee-desktop withdraw JOB_ID --disposition NAME --yes            take back an upload

Each sub-command is a module of this package (``upload``, ``watch``, ``update``, ``jobs``,
``withdraw``, ``templates``, ``sandbox``, ``selftest``) and owns its own argument parser; this only dispatches, and keeps
imports lazy so the headless commands never load Qt.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from noojee_desktop.core.secrets import install_log_masking

    install_log_masking()
    if argv and argv[0] == "sandbox":
        from noojee_desktop.commands.sandbox import main as sandbox_main

        return sandbox_main(argv[1:])
    if argv and argv[0] == "upload":
        from noojee_desktop.commands.upload import main as upload_main

        return upload_main(argv[1:])
    if argv and argv[0] == "watch":
        from noojee_desktop.commands.watch import main as watch_main

        return watch_main(argv[1:])
    if argv and argv[0] in ("update", "jobs", "withdraw"):
        import importlib

        return importlib.import_module(f"noojee_desktop.commands.{argv[0]}").main(argv[1:])
    if argv and argv[0] == "templates":
        from noojee_desktop.commands.templates import main as templates_main

        return templates_main(argv[1:])
    from noojee_desktop.app import main as app_main

    return app_main(argv)

