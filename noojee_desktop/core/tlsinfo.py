"""Which certificate a server offered, in words IT can act on ("CN=..., O=..." and its issuer).

Used when a secure connection was refused: the refused certificate is fetched once more,
without verification and with a short time limit, only to name it in the error message.
Nothing is sent over that second connection. The DER walk below reads just the subject and
issuer names of the leaf certificate (the standard library gives no parsed fields for an
unverified certificate, and the ``cryptography`` package is not part of the app's bundle).
"""

from __future__ import annotations

import asyncio
import ssl
from typing import NamedTuple

_NAME_OIDS = {
    bytes.fromhex("550403"): "CN",
    bytes.fromhex("55040a"): "O",
    bytes.fromhex("55040b"): "OU",
}
_MAX_TEXT = 200


class CertificateNames(NamedTuple):
    subject: str   # "CN=dialler.example.com, O=Example Pty Ltd" ('' when it has none of CN/O/OU)
    issuer: str


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of the value, end of the value) of the DER element at ``pos``."""
    if pos + 2 > len(data):
        raise ValueError("truncated")
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        if not 1 <= n <= 4 or pos + n > len(data):
            raise ValueError("bad length")
        length = int.from_bytes(data[pos:pos + n], "big")
        pos += n
    end = pos + length
    if end > len(data):
        raise ValueError("truncated")
    return tag, pos, end


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    while start < end and len(out) < 64:
        tag, vstart, vend = _tlv(data, start)
        out.append((tag, vstart, vend))
        start = vend
    return out


def _clean(text: str) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "..."


def _name(data: bytes, start: int, end: int) -> str:
    parts = []
    for set_tag, s_start, s_end in _children(data, start, end):
        if set_tag != 0x31:
            continue
        for seq_tag, a_start, a_end in _children(data, s_start, s_end):
            if seq_tag != 0x30:
                continue
            fields = _children(data, a_start, a_end)
            if len(fields) < 2 or fields[0][0] != 0x06:
                continue
            label = _NAME_OIDS.get(data[fields[0][1]:fields[0][2]])
            if label is None:
                continue
            tag, v_start, v_end = fields[1]
            raw = data[v_start:v_end]
            value = raw.decode("utf-16-be", "replace") if tag == 0x1E else raw.decode("utf-8", "replace")
            parts.append(f"{label}={_clean(value)}")
    return ", ".join(parts)


def certificate_names(der: bytes) -> CertificateNames | None:
    """Subject and issuer of a DER certificate; None when it cannot be read."""
    try:
        tag, start, end = _tlv(der, 0)
        if tag != 0x30:
            return None
        tbs_tag, tbs_start, tbs_end = _children(der, start, end)[0]
        if tbs_tag != 0x30:
            return None
        fields = _children(der, tbs_start, tbs_end)
        if fields and fields[0][0] == 0xA0:   # [0] version
            fields = fields[1:]
        # serial, signature algorithm, issuer, validity, subject
        if len(fields) < 5 or fields[2][0] != 0x30 or fields[4][0] != 0x30:
            return None
        issuer = _name(der, fields[2][1], fields[2][2])
        subject = _name(der, fields[4][1], fields[4][2])
        return CertificateNames(subject, issuer)
    except (ValueError, IndexError):
        return None


async def fetch_peer_certificate(host: str, port: int, *, timeout: float = 5.0) -> bytes | None:
    """The leaf certificate ``host:port`` offers (DER), fetched without verifying it; None on
    any failure. One connection, closed at once, bounded by ``timeout`` seconds."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    writer = None
    try:
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=ctx, server_hostname=host or None,
                                    ssl_handshake_timeout=timeout), timeout)
        ssl_object = writer.get_extra_info("ssl_object")
        return ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    except (OSError, ssl.SSLError, asyncio.TimeoutError, ValueError):
        return None
    finally:
        if writer is not None:
            writer.close()
            try:
                await asyncio.wait_for(writer.wait_closed(), 1.0)
            except (OSError, ssl.SSLError, asyncio.TimeoutError):
                pass


def describe_verify_failure(exc: BaseException | None) -> str:
    """OpenSSL's reason for refusing a certificate, in plain words ('' when unknown)."""
    message = str(getattr(exc, "verify_message", "") or "")
    low = message.lower()
    if not low:
        return ""
    if "expired" in low:
        return "it has expired"
    if "not yet valid" in low:
        return "it is not valid yet"
    if "mismatch" in low:
        return "it was made out for a different name"
    if "self-signed" in low or "self signed" in low or "issuer" in low:
        return "it was issued by a certificate authority this computer does not trust"
    return _clean(message)
