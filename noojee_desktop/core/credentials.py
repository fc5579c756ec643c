"""Where the API key is kept: the system keyring, never a settings file.

One entry per dialler: service ``noojee-desktop``, user name the server's host as typed
(lower case, with ``:port`` when one is given). The desktop app saves it there and the
headless ``upload`` command reads the same entry, so both must go through this module.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from noojee_desktop.core.secrets import register_key

log = logging.getLogger(__name__)

KEYRING_SERVICE = "noojee-desktop"


def server_host(server: str) -> str:
    """The host (with port, if any) of what the user typed: 'dialler.example.com' or a URL."""
    text = server.strip()
    if not text:
        return ""
    parts = urlsplit(text if "://" in text else f"https://{text}")
    return (parts.netloc or parts.path).lower().rstrip("/")


def keyring_usable() -> bool:
    """False when keyring has no real backend (it would refuse to store anything)."""
    try:
        import keyring
        from keyring.backends import fail

        return not isinstance(keyring.get_keyring(), fail.Keyring)
    except Exception:  # a broken backend is as good as none
        log.warning("keyring backend failed to load", exc_info=True)
        return False


def load_key(server: str) -> str | None:
    """The saved key for this server, or None (none saved, or no usable keyring)."""
    host = server_host(server)
    if not host or not keyring_usable():
        return None
    import keyring

    try:
        key = (keyring.get_password(KEYRING_SERVICE, host) or "").strip() or None
    except Exception:
        log.warning("could not read the API key from the keyring", exc_info=True)
        return None
    register_key(key)
    return key


def save_key(server: str, key: str) -> None:
    """Store the key in the keyring; raises RuntimeError with a plain message if impossible."""
    import keyring

    register_key(key)
    try:
        keyring.set_password(KEYRING_SERVICE, server_host(server), key)
    except Exception as exc:
        raise RuntimeError("The system keyring refused to store the API key.") from exc
