"""Keeping the API key out of logs, error texts, reprs and results files.

The Noojee key travels as the query parameter ``apiKey`` on every call, so any URL that
reaches a log line or an exception must be masked. :func:`mask` is the one place that
does it; :class:`MaskingFilter` applies it to every log record (httpx logs each request
URL at INFO level, key included, so the filter sits on its loggers as well as ours).
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"
_PARAM_RE = re.compile(r"(?i)(apiKey=)[^&\s\"'<>#]*")
_known_keys: tuple[str, ...] = ()   # longest first; replaced whole, never changed in place
_lock = threading.Lock()


def register_key(key: str | None) -> None:
    """Remember a key so that its bare value is masked too, wherever it turns up."""
    global _known_keys
    if key and len(key) >= 4:
        with _lock:
            if key not in _known_keys:
                _known_keys = tuple(sorted((*_known_keys, key), key=len, reverse=True))


def mask(text: object) -> str:
    """``text`` with every ``apiKey=...`` value and every registered key replaced by ***."""
    s = str(text)
    s = _PARAM_RE.sub(r"\1" + MASK, s)
    for key in _known_keys:   # sorted once in register_key, not on every log record
        if key in s:
            s = s.replace(key, MASK)
    return s


class MaskingFilter(logging.Filter):
    """Rewrites a record's message (arguments merged in) with the key masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string still must not leak
            message = f"{record.msg} {record.args}"
        masked = mask(message)
        if masked != message or record.args:
            record.msg = masked
            record.args = None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


_FILTER = MaskingFilter()
_installed = False


def install_log_masking() -> None:
    """Mask the key in every log record of every logger, whichever handler gets it.

    Logger filters only see records created on that very logger, and handlers come and
    go (pytest's caplog, the log file), so the masking happens where records are made:
    a log record factory. Idempotent.
    """
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        _FILTER.filter(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


def masking_filter() -> MaskingFilter:
    """The shared filter, for handlers that want belt and braces (log file, GUI log view)."""
    return _FILTER
