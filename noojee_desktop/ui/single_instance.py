"""One app per user: a second launch hands its file to the running window and exits.

The first launch takes a ``QLockFile`` (Qt removes it when its holder died) and listens on a
``QLocalServer`` (user-only access). A later launch finds the lock taken, connects with a
``QLocalSocket``, sends one line of JSON (``{"file": path or null}``), waits for ``ok`` and
exits; the first one emits :attr:`SingleInstance.handedOver` with the file, and the app raises
its window and opens it. Nothing polls: the running app only reacts to a connection.

The name is per user *and* per data folder (a hash of ``platformdirs.user_data_dir``), so two
users, or tests with their own HOME/XDG folders, each get their own instance.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path

import platformdirs
from PySide6.QtCore import QDir, QLockFile, QObject, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

APP_DIR = "noojee-desktop"


def instance_key() -> str:
    data = platformdirs.user_data_dir(APP_DIR, appauthor=False)
    return "noojee-desktop-" + hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


class SingleInstance(QObject):
    handedOver = Signal(str)   # a later launch asked for the window; its file ("" when none)

    def __init__(self, key: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.key = key or instance_key()
        self._lock = QLockFile(str(Path(QDir.tempPath()) / f"{self.key}.lock"))
        self._lock.setStaleLockTime(0)   # stale only when its process is gone, never by age
        self._server: QLocalServer | None = None

    # -- the first launch ------------------------------------------------------------------------
    def claim(self) -> bool:
        """True: this is the only instance (and now listens for later launches); False: another runs."""
        if not self._lock.tryLock(0):
            return False
        QLocalServer.removeServer(self.key)     # a socket a crashed run left behind
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.key):
            log.warning("single instance: cannot listen on %s: %s", self.key, server.errorString())
            return True
        server.newConnection.connect(self._accept)
        self._server = server
        log.info("single instance: listening for other launches")
        return True

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.unlock()

    def _accept(self) -> None:
        while self._server is not None and self._server.hasPendingConnections():
            sock = self._server.nextPendingConnection()
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(sock.deleteLater)
            QTimer.singleShot(10000, sock, sock.abort)   # a client that never says anything

    def _read(self, sock: QLocalSocket) -> None:
        while sock.canReadLine():
            line = bytes(sock.readLine().data()).decode("utf-8", "replace").strip()
            try:
                file = json.loads(line).get("file") or ""
            except (ValueError, AttributeError):
                log.warning("single instance: ignored a message that is not ours")
                sock.abort()
                return
            sock.write(b"ok\n")
            sock.flush()
            self.handedOver.emit(str(file))

    # -- a later launch --------------------------------------------------------------------------
    def hand_over(self, file: str | None, timeout_ms: int = 15000) -> bool:
        """Give the running instance the file (or just ask for its window): True when it answered.
        Waits up to ``timeout_ms`` for it to listen and again to answer: a first launch that is
        still opening its window answers once it is up (better a short wait than two windows)."""
        sock = QLocalSocket()
        try:
            # the first launch may hold the lock a moment before it listens: bounded tries
            deadline = time.monotonic() + timeout_ms / 1000
            while True:
                sock.connectToServer(self.key)
                if sock.waitForConnected(250):
                    break
                sock.abort()
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.1)
            message = json.dumps({"file": str(Path(file).resolve()) if file else None}) + "\n"
            sock.write(message.encode("utf-8"))
            if not sock.waitForBytesWritten(timeout_ms):
                return False
            while not sock.canReadLine():
                if not sock.waitForReadyRead(timeout_ms):
                    return False
            return bytes(sock.readLine().data()).strip() == b"ok"
        finally:
            sock.abort()
