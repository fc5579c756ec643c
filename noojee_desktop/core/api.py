"""Async client for the Noojee Campaign REST API (Qt-free; httpx).

One :class:`NoojeeClient` per dialler. It builds
``https://<host>/servicemanager/rest/CampaignAPI/<method>?...&apiKey=<key>`` for the three
list calls and for ``insertLeadFast`` / ``updateLeadFast`` (one lead per call, a JSON object).

What comes back:

* The lists return ``list[Entity]`` in the order the server sent them.
* A lead call returns a :class:`LeadReply` for *every* reply that is the Noojee envelope,
  whatever its code (0, 105, 109, 113, 999...), with the policy from :mod:`codes`. A 5xx page
  that is not the envelope (a proxy's "502 Bad Gateway") is a ``LeadReply`` too, with
  ``code=None``, so the upload engine can retry it like a server error.
* Only whole-connection problems raise an :class:`ApiError`: the key refused, the host
  unreachable, TLS trouble, a timeout, a dropped connection, a wrong address (an HTML 404).
  ``str(error)`` is what a team leader reads (what happened, then what to do); ``details``
  is the technical story for the log. None of them contain the key: httpx exceptions carry
  the request URL (key included), so they are translated and never chained.

Contract: ``shared/noojee-api.md``.
"""

from __future__ import annotations

import asyncio
import html
import ipaddress
import json
import logging
import os
import re
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from noojee_desktop.core.codes import CodeInfo, categorise_http_failure, lookup
from noojee_desktop.core.secrets import MASK, install_log_masking, mask, register_key
from noojee_desktop.core.tlsinfo import (
    CertificateNames,
    certificate_names,
    describe_verify_failure,
    fetch_peer_certificate,
)

log = logging.getLogger(__name__)

API_PATH = "/servicemanager/rest/CampaignAPI"

__all__ = [
    "API_PATH",
    "ApiError",
    "AuthError",
    "ConnectFailed",
    "ConnectionDropped",
    "Entity",
    "InsecureUrlError",
    "LeadReply",
    "ListError",
    "NoojeeClient",
    "NotNoojeeReply",
    "RequestTimeout",
    "Timeouts",
    "TlsError",
    "is_loopback_host",
    "normalise_server",
]


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Entity:
    """A template, campaign or allocation as the lists return it."""

    id: int
    name: str


@dataclass(frozen=True)
class Timeouts:
    """Seconds. The vendor requires a read timeout above 60 s (a call may queue a minute)."""

    connect: float = 10.0
    read: float = 90.0
    write: float = 30.0
    pool: float = 30.0

    def to_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


@dataclass(frozen=True)
class LeadReply:
    """A reply to insertLeadFast / updateLeadFast."""

    code: int | None      # None: the reply was not the Noojee envelope
    message: str          # as received, or a short description of a non-envelope reply
    http_status: int
    info: CodeInfo        # policy: codes.lookup() or codes.categorise_http_failure()
    elapsed: float        # seconds, request sent -> reply read

    @property
    def ok(self) -> bool:
        return self.code == 0


# --------------------------------------------------------------------------- errors


class ApiError(Exception):
    """A call that produced no usable reply. ``str()`` is a plain sentence, key masked.

    ``user_message`` says what happened, ``hint`` what to do, ``str()`` is both;
    ``details`` is technical (exception type, masked URL, status) for the log.
    """

    default_hint = ""

    def __init__(
        self,
        user_message: str,
        *,
        hint: str | None = None,
        details: str = "",
        may_have_landed: bool = False,
        retryable: bool = False,
        http_status: int | None = None,
    ) -> None:
        self.user_message = mask(user_message)
        self.hint = mask(self.default_hint if hint is None else hint)
        self.details = mask(details)
        self.may_have_landed = may_have_landed
        self.retryable = retryable
        self.http_status = http_status
        text = self.user_message if not self.hint else f"{self.user_message} {self.hint}"
        super().__init__(text)

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __reduce__(self):  # pickling must not re-run __init__ (it would add the hint twice)
        return (_restore_error, (type(self), self.args, dict(self.__dict__)))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.user_message!r}, details={self.details!r}, "
            f"may_have_landed={self.may_have_landed}, retryable={self.retryable})"
        )


def _restore_error(cls: type[ApiError], args: tuple, state: dict) -> ApiError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class AuthError(ApiError):
    """401/403 or a non-JSON error body: the key refused, or this workstation's IP not whitelisted."""

    default_hint = (
        "Check the API key in Settings and ask the dialler's administrator to whitelist "
        "this workstation's IP address."
    )


class ConnectFailed(ApiError):
    """Connection refused, host unreachable, name lookup failed, proxy refused."""

    default_hint = (
        "Check the server address and the network connection, that the dialler is up, and "
        "that this workstation's IP address is whitelisted on the dialler."
    )


class TlsError(ApiError):
    """The secure (TLS) connection could not be set up: certificate not trusted, and the like.

    ``refused_certificate``: subject and issuer of the certificate the server offered, when it
    was refused and could be read (also in the message, for IT)."""

    default_hint = (
        "The app trusts the certificates in this computer's certificate store. If your company's "
        "network inspects secure traffic, ask IT to install the issuer's root certificate there "
        "(the headless commands also take a CA file with --ca-bundle); otherwise ask IT to check "
        "the dialler's certificate."
    )
    certificate_refused: bool = False
    refused_certificate: "CertificateNames | None" = None


class RequestTimeout(ApiError):
    """No answer in time. ``may_have_landed`` is True once the request was sent."""


class ConnectionDropped(ApiError):
    """The connection closed before the reply came."""


class NotNoojeeReply(ApiError):
    """The address answered, but not as the Noojee API (an HTML 404, a redirect, a web page)."""

    default_hint = (
        "Check the server address: it should be the dialler's host name, for example "
        "dialler.example.com."
    )


class ListError(ApiError):
    """A list call that came back without a list (a non-zero code, a broken reply)."""

    def __init__(self, user_message: str, *, code: int | None = None, message: str = "", **kw: Any):
        self.code = code
        self.message = mask(message)
        super().__init__(user_message, **kw)


class InsecureUrlError(ApiError):
    """Plain http to a host that is not this computer, without the insecure opt-in."""


# --------------------------------------------------------------------------- addresses

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_loopback_host(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost (this computer)."""
    h = host.strip().strip("[]").lower().rstrip(".")
    if h in _LOOPBACK_NAMES or h.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def normalise_server(server: str, *, allow_insecure_http: bool = False) -> str:
    """The API base URL for what a user typed as the server address.

    Accepts ``dialler.example.com``, ``https://dialler.example.com/``,
    ``dialler.example.com:8443``, and a URL that already ends in
    ``/servicemanager/rest/CampaignAPI`` (or even names a method, with a query): the query,
    fragment and any user:password part are dropped, so a pasted URL with its key in it is
    harmless. ``https`` is the default scheme, except for this computer's own addresses
    (``127.0.0.1:8089``), where it is ``http``.
    """
    raw = (server or "").strip()
    if not raw:
        raise ApiError(
            "No server address is set.",
            hint="Enter the dialler's address, for example dialler.example.com.",
        )
    typed_scheme = "://" in raw
    if not typed_scheme:
        raw = "https://" + raw.lstrip("/")
    try:
        parts = urlsplit(raw)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        raise ApiError(
            f"The server address '{mask(server.strip())}' is not valid.",
            hint="Enter the dialler's host name, for example dialler.example.com or dialler.example.com:8443.",
        ) from None
    scheme = parts.scheme.lower()
    if not typed_scheme and is_loopback_host(host):
        # This computer (the built-in sandbox): nothing crosses the network, and a local
        # test server rarely has a certificate, so "127.0.0.1:8089" means plain http.
        scheme = "http"
    if scheme not in ("http", "https") or not host or any(c.isspace() for c in host):
        raise ApiError(
            f"The server address '{mask(server.strip())}' is not valid.",
            hint="Enter the dialler's host name, for example dialler.example.com or dialler.example.com:8443.",
        )
    shown_host = f"[{host}]" if ":" in host else host
    netloc = shown_host if port is None else f"{shown_host}:{port}"
    if scheme == "http" and not allow_insecure_http and not is_loopback_host(host):
        raise InsecureUrlError(
            f"The address http://{netloc} uses plain http, which would send the API key and "
            "the leads over the network unencrypted.",
            hint=f"Use https://{netloc} instead (the dialler requires https), or allow insecure "
            "http in Settings if you really must.",
        )
    path = parts.path.rstrip("/")
    idx = path.lower().find(API_PATH.lower())
    if idx >= 0:
        path = path[:idx]
    path = path.rstrip("/")
    return f"{scheme}://{netloc}{path}{API_PATH}"


# --------------------------------------------------------------------------- reply parsing

_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"<[^>]+>")
_SPACE_RE = re.compile(r"\s+")


def _looks_like_html(text: str, content_type: str) -> bool:
    head = text.lstrip()[:200].lower()
    return "html" in content_type.lower() or head.startswith(("<!doctype", "<html", "<head", "<body"))


def _page_title(text: str) -> str:
    m = _TITLE_RE.search(text)
    if not m:
        return ""
    return _SPACE_RE.sub(" ", html.unescape(_TAG_RE.sub("", m.group(1)))).strip()[:200]


def _describe_body(body: bytes, content_type: str) -> str:
    """A short, masked description of a reply that is not the envelope, for a user."""
    text = body.decode("utf-8", errors="replace")
    if not text.strip():
        return "an empty reply"
    if _looks_like_html(text, content_type):
        title = _page_title(text)
        return f'a web page titled "{mask(title)}"' if title else "a web page"
    snippet = _SPACE_RE.sub(" ", text).strip()
    cut = len(snippet) > 200
    snippet = mask(snippet[:200]) + ("..." if cut else "")
    if snippet.startswith(("{", "[")):
        return f"an incomplete or unexpected JSON reply ({snippet})"
    return f"a reply that is not the Noojee format ({snippet})"


def _parse_envelope(body: bytes) -> dict[str, Any] | None:
    """The reply as a dict when it is the Noojee envelope (an object with an integer code)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or "code" not in data:
        return None
    code = data["code"]
    if isinstance(code, bool):
        return None
    if isinstance(code, str) and re.fullmatch(r"\s*-?\d+\s*", code):
        code = int(code)
    if not isinstance(code, int):
        return None
    message = data.get("message")
    data = dict(data)
    data["code"] = code
    data["message"] = "" if message is None else mask(message)  # as received, but never the key
    return data


def _find_cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, kind):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return None


# --------------------------------------------------------------------------- TLS


def default_ssl_context() -> ssl.SSLContext:
    """Certificates are checked against the operating system's store (Windows certificate store,
    macOS keychain, the distribution's CA bundle and SSL_CERT_FILE/SSL_CERT_DIR on Linux), where
    IT installs the root of a proxy that inspects secure traffic. Python's own bundle (certifi)
    only when truststore is missing."""
    try:
        import truststore
    except ImportError:  # pragma: no cover - a dependency; kept working without it
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


# --------------------------------------------------------------------------- the client


class NoojeeClient:
    """The Campaign API of one dialler. Use ``async with`` or call :meth:`aclose`."""

    def __init__(
        self,
        server: str,
        api_key: str,
        *,
        timeouts: Timeouts = Timeouts(),
        verify: bool | str = True,
        allow_insecure_http: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 32,
    ) -> None:
        install_log_masking()  # httpx logs every URL, key included, at INFO
        register_key(api_key)
        self.base_url = normalise_server(server, allow_insecure_http=allow_insecure_http)
        self._host = urlsplit(self.base_url).hostname or ""
        self._netloc = urlsplit(self.base_url).netloc
        self._api_key = api_key or ""
        self.timeouts = timeouts
        self.max_connections = max(1, int(max_connections))
        self._transport = transport
        self._verify = self._ssl_context(verify)
        self._http: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- set-up

    @staticmethod
    def _ssl_context(verify: bool | str) -> bool | ssl.SSLContext:
        """True: the operating system's certificate store (:func:`default_ssl_context`); False:
        no verification; a CA bundle path (file or folder) becomes an SSLContext.

        The bundle is added to the usual trusted roots, so a file holding only the
        corporate proxy's root certificate works as well as a full bundle.
        """
        if verify is False:
            return False
        if verify is True:
            return default_ssl_context()
        path = os.fspath(verify)
        if not path:
            return default_ssl_context()
        if not os.path.exists(path):
            raise TlsError(
                f"The CA bundle '{path}' does not exist.",
                hint="Choose the CA certificate file (.pem or .crt) your IT department gave you, or clear the setting.",
            )
        try:
            import certifi

            ctx = ssl.create_default_context(cafile=certifi.where())
        except ImportError:  # pragma: no cover - certifi comes with httpx
            ctx = ssl.create_default_context()
        try:
            if os.path.isdir(path):
                ctx.load_verify_locations(capath=path)
            else:
                ctx.load_verify_locations(cafile=path)
        except (ssl.SSLError, OSError, ValueError) as exc:
            details = f"{type(exc).__name__}: {exc}"
            raise TlsError(
                f"The CA bundle '{path}' could not be read as certificates.",
                hint="Choose a PEM certificate file (text starting with -----BEGIN CERTIFICATE-----).",
                details=details,
            ) from None
        return ctx

    def _client(self) -> httpx.AsyncClient:
        """The connection pool, made on first use inside the running loop (qasync's in the GUI)."""
        loop = asyncio.get_running_loop()
        if self._http is not None and self._loop is not loop:
            # A pool belongs to the loop that opened its sockets; a new loop needs a new pool.
            log.debug("event loop changed; opening a new connection pool")
            self._http = None
        if self._http is None:
            limits = httpx.Limits(
                max_connections=self.max_connections,
                max_keepalive_connections=self.max_connections,
            )
            transport = self._transport
            if transport is None and is_loopback_host(self._host):
                # A system proxy cannot reach this computer's own 127.0.0.1: connect directly.
                # (An explicit transport turns off the environment's proxies only.)
                transport = httpx.AsyncHTTPTransport(verify=self._verify, limits=limits, trust_env=True)
            self._http = httpx.AsyncClient(
                timeout=self.timeouts.to_httpx(),
                limits=limits,
                verify=self._verify,
                trust_env=True,  # system proxy settings, SSL_CERT_FILE
                transport=transport,
                follow_redirects=False,
                headers={"Accept": "application/json"},
            )
            self._loop = loop
        return self._http

    async def aclose(self) -> None:
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()

    async def __aenter__(self) -> NoojeeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"NoojeeClient(base_url={self.base_url!r}, api_key={MASK!r})"

    # -- the calls

    async def list_templates(self) -> list[Entity]:
        return await self._list("getCampaignTemplateList", {}, "campaign templates")

    async def list_campaigns(self, template_id: int) -> list[Entity]:
        return await self._list("getCampaignList", {"fTemplateId": int(template_id)}, "campaigns")

    async def list_allocations(self, campaign_id: int) -> list[Entity]:
        return await self._list("getAllocationList", {"fCampaignId": int(campaign_id)}, "allocations")

    async def insert_lead(
        self,
        template_id: int,
        campaign_id: int,
        allocation_id: int,
        lead: dict[str, str],
        *,
        allow_duplicates: bool = False,
    ) -> LeadReply:
        params: dict[str, Any] = self._ids(template_id, campaign_id, allocation_id)
        if allow_duplicates:
            params["allowDuplicates"] = "true"
        return await self._lead_call("insertLeadFast", params, lead)

    async def update_lead(
        self, template_id: int, campaign_id: int, allocation_id: int, lead: dict[str, str]
    ) -> LeadReply:
        external_id = str(lead.get("njExternalLeadId") or "").strip()
        if not external_id:
            raise ValueError("Updating a lead needs its external id (njExternalLeadId).")
        params: dict[str, Any] = self._ids(template_id, campaign_id, allocation_id)
        params["njExternalLeadId"] = external_id  # older servers read it from the URL
        return await self._lead_call("updateLeadFast", params, lead)

    @staticmethod
    def _ids(template_id: int, campaign_id: int, allocation_id: int) -> dict[str, Any]:
        return {
            "fTemplateId": int(template_id),
            "fCampaignId": int(campaign_id),
            "fAllocationId": int(allocation_id),
        }

    # -- plumbing

    def _masked_url(self, method: str, params: dict[str, Any]) -> str:
        query = urlencode(list(params.items()) + [("apiKey", MASK)], safe="*")
        return f"{self.base_url}/{method}?{query}"

    async def _send(
        self, verb: str, method: str, params: dict[str, Any], body: bytes | None, shown: str
    ) -> tuple[httpx.Response, float]:
        """One HTTP exchange; httpx failures become ApiErrors (never chained: they hold the key).

        ``shown`` is the caller's masked URL for the same call (for the log and the error).
        """
        url = f"{self.base_url}/{method}"
        query = list(params.items()) + [("apiKey", self._api_key)]
        headers = {"Content-Type": "application/json"} if body is not None else None
        http = self._client()
        log.debug("%s %s", verb, shown)
        error: ApiError | None = None
        started = time.monotonic()
        try:
            response = await http.request(verb, url, params=query, content=body, headers=headers)
        except httpx.HTTPError as exc:
            elapsed = time.monotonic() - started
            error = self._translate(exc, verb, shown)
            log.info("%s %s failed after %.3f s: %s: %s", verb, shown, elapsed, type(exc).__name__, mask(exc))
        if isinstance(error, TlsError) and error.refused_certificate is None:
            error = await self._name_refused_certificate(error)
        if error is not None:
            raise error from None  # outside the except block: no __context__ either
        elapsed = time.monotonic() - started
        return response, elapsed

    def _translate(self, exc: httpx.HTTPError, verb: str, shown: str) -> ApiError:
        host = self._netloc
        details = mask(f"{verb} {shown} -> {type(exc).__name__}: {exc}")
        post = verb == "POST"
        if isinstance(exc, httpx.ConnectTimeout):
            return RequestTimeout(
                f"The dialler at {host} did not accept a connection within {self.timeouts.connect:g} seconds; "
                "nothing was sent.",
                hint="Check the server address and the network, and that this workstation's IP address is "
                "whitelisted on the dialler; then try again.",
                details=details, may_have_landed=False, retryable=True,
            )
        if isinstance(exc, httpx.PoolTimeout):
            return RequestTimeout(
                f"Too many calls were waiting for a connection to {host}; this one was not sent.",
                hint="Try again; if it keeps happening, lower the number of parallel uploads.",
                details=details, may_have_landed=False, retryable=True,
            )
        if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout)):
            limit = self.timeouts.read if isinstance(exc, httpx.ReadTimeout) else self.timeouts.write
            return RequestTimeout(
                f"The dialler at {host} did not answer within {limit:g} seconds after the request was sent"
                + (", so it is unknown whether it was applied." if post else "."),
                hint="The dialler may be very busy. Try again later"
                + ("; a lead with an external id can be resent safely." if post else "."),
                details=details, may_have_landed=post, retryable=True,
            )
        if isinstance(exc, httpx.TimeoutException):
            return RequestTimeout(
                f"The call to {host} timed out.", hint="Try again later.",
                details=details, may_have_landed=post, retryable=True,
            )
        if isinstance(exc, httpx.ProxyError):
            return ConnectFailed(
                f"The network proxy refused or failed to connect to {host}.",
                hint="Check this computer's proxy settings with IT, and that the dialler's address is right.",
                details=details, may_have_landed=False, retryable=True,
            )
        if isinstance(exc, httpx.ConnectError):
            if _find_cause(exc, ssl.SSLError) is not None or "SSL" in str(exc) or "CERTIFICATE" in str(exc):
                refused = "CERTIFICATE" in str(exc).upper()
                why = "its certificate is not trusted" if refused else "the secure handshake failed"
                reason = describe_verify_failure(_find_cause(exc, ssl.SSLCertVerificationError))
                if refused and reason:
                    why += f" ({reason})"
                error = TlsError(
                    f"Could not set up a secure connection to {host}: {why}.",
                    details=details, may_have_landed=False, retryable=False,
                )
                error.certificate_refused = refused
                return error
            if _find_cause(exc, socket.gaierror) is not None or "Name or service not known" in str(exc) \
                    or "nodename nor servname" in str(exc) or "getaddrinfo" in str(exc):
                what = f"Could not find the server {self._host} (the name could not be looked up)."
            elif _find_cause(exc, ConnectionRefusedError) is not None or "refused" in str(exc).lower():
                what = f"The dialler at {host} refused the connection."
            else:
                what = f"Could not connect to the dialler at {host}."
            proxy = self._system_proxy()
            if proxy:
                what = what[:-1] + f" (through this computer's network proxy {proxy})."
            return ConnectFailed(what, details=details, may_have_landed=False, retryable=True)
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, httpx.CloseError)):
            return ConnectionDropped(
                f"The connection to {host} closed before the dialler answered"
                + (", so it is unknown whether the lead was applied." if post else "."),
                hint="Try again" + ("; a lead with an external id can be resent safely." if post else "."),
                details=details, may_have_landed=post, retryable=True,
            )
        if isinstance(exc, httpx.UnsupportedProtocol):
            return ApiError(
                f"The address {host} cannot be used for the Noojee API.",
                hint="Check the server address in Settings (for example dialler.example.com).",
                details=details,
            )
        if isinstance(exc, httpx.TransportError):
            return ConnectionDropped(
                f"The call to {host} failed on the network.", hint="Try again.",
                details=details, may_have_landed=post, retryable=True,
            )
        return ApiError(
            f"The call to {host} failed" + (", and it is unknown whether the lead was applied." if post else "."),
            hint="Check the server address in Settings and try again.",
            details=details, may_have_landed=post,
        )

    async def _name_refused_certificate(self, error: TlsError) -> TlsError:
        """The same error, saying which certificate was refused and who issued it (fetched once
        more without verification, nothing sent, a few seconds at most). Not through a proxy: the
        certificate seen directly would not be the one the proxy showed."""
        if not error.certificate_refused or self._transport is not None or self._system_proxy():
            return error
        parts = urlsplit(self.base_url)
        der = await fetch_peer_certificate(parts.hostname or "", parts.port or 443,
                                           timeout=min(5.0, self.timeouts.connect))
        names = certificate_names(der) if der else None
        if names is None:
            return error
        text = (f"{error.user_message} The certificate it offered is "
                f"'{names.subject or 'without a name'}', issued by '{names.issuer or 'an unnamed authority'}'.")
        named = TlsError(text, hint=error.hint, details=error.details, may_have_landed=False, retryable=False)
        named.certificate_refused = True
        named.refused_certificate = names
        return named

    def _system_proxy(self) -> str:
        """host:port of the system proxy the calls go through ('' when none), for messages."""
        if self._transport is not None or is_loopback_host(self._host):
            return ""
        import urllib.request

        try:
            proxies = urllib.request.getproxies()
            if urllib.request.proxy_bypass(self._host):
                return ""
        except Exception:  # platform proxy lookup trouble must not hide the real error
            return ""
        scheme = urlsplit(self.base_url).scheme
        url = proxies.get(scheme) or proxies.get("all") or ""
        if not url:
            return ""
        try:
            parts = urlsplit(url if "://" in url else "http://" + url)
            return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else ""
        except ValueError:
            return ""

    def _not_envelope_error(self, response: httpx.Response, what: str, details: str) -> ApiError | None:
        """The error for a non-envelope reply that means the whole connection is wrong, else None.

        ``what`` is the reply's :func:`_describe_body`, ``details`` the log line made from it.
        """
        status = response.status_code
        host = self._netloc
        if status in (401, 403):
            return AuthError(
                f"The dialler at {host} refused access (HTTP {status}): the API key is wrong or this "
                "workstation's IP address is not whitelisted.",
                details=details, http_status=status,
            )
        if status == 404:
            kind = "a web page" if what.startswith("a web page") else what
            return NotNoojeeReply(
                f"The server at {host} answered with {kind} (HTTP 404 Not Found), not the Noojee API.",
                details=details, http_status=status,
            )
        if 300 <= status < 400:
            where = mask(response.headers.get("location", "")) or "another address"
            return NotNoojeeReply(
                f"The server at {host} redirected the call to {where} instead of answering as the Noojee API.",
                hint="Check the server address (the dialler needs https:// and its own host name).",
                details=details, http_status=status,
            )
        if 400 <= status < 500:
            # Contract ("Envelope"): a non-JSON error body is treated as access refused.
            return AuthError(
                f"The dialler at {host} refused the call (HTTP {status}, {what}): authentication or access "
                "refused.",
                details=details, http_status=status,
            )
        return None

    def _refused_with_envelope(self, status: int, env: dict[str, Any], shown: str) -> AuthError:
        """401/403 that still came as the Noojee envelope (lists and lead calls alike)."""
        return AuthError(
            f"The dialler at {self._netloc} refused access (HTTP {status}, '{env['message']}'): the API key "
            "is wrong or this workstation's IP address is not whitelisted.",
            details=f"{shown} -> HTTP {status} code {env['code']}", http_status=status,
        )

    async def _list(self, method: str, params: dict[str, Any], what: str) -> list[Entity]:
        shown = self._masked_url(method, params)
        response, elapsed = await self._send("GET", method, params, None, shown)
        status = response.status_code
        env = _parse_envelope(response.content)
        log.info(
            "GET %s -> HTTP %s code %s in %.3f s", shown, status,
            env["code"] if env is not None else "none", elapsed,
        )
        host = self._netloc
        if env is None:
            body_desc = _describe_body(response.content, response.headers.get("content-type", ""))
            details = f"{shown} -> HTTP {status}: {body_desc}"
            error = self._not_envelope_error(response, body_desc, details)
            if error is not None:
                raise error
            if status >= 500:
                raise ListError(
                    f"The dialler at {host} had a problem and did not send the {what} (HTTP {status}, {body_desc}).",
                    hint="Try again in a minute; if it persists, contact the dialler's administrator.",
                    details=details, http_status=status, retryable=True,
                )
            if body_desc.startswith("a web page"):
                raise NotNoojeeReply(
                    f"The server at {host} answered with {body_desc}, not the Noojee API.",
                    details=details, http_status=status,
                )
            raise ListError(
                f"The dialler at {host} sent a reply to the {what} request that this app does not understand "
                f"({body_desc}).",
                hint="Try again; if it persists, check the server address.",
                details=details, http_status=status, retryable=True,
            )
        if status in (401, 403):
            raise self._refused_with_envelope(status, env, shown)
        code, message = env["code"], env["message"]
        if code != 0:
            raise ListError(
                f"The dialler could not list the {what}: it answered code {code} ('{message}').",
                hint="Check the choice above and the API key's permissions; try again later if the dialler is busy.",
                code=code, message=message, details=f"{shown} -> HTTP {status} code {code}",
                http_status=status,
            )
        raw = env.get("entities")
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            raise ListError(
                f"The dialler's reply to the {what} request had no list in it.",
                hint="Try again; if it persists, check the server address.",
                code=code, message=message, details=f"{shown} -> HTTP {status}, entities is {type(raw).__name__}",
                http_status=status,
            )
        entities: list[Entity] = []
        for item in raw:
            if not isinstance(item, dict):
                continue
            try:
                ident = item.get("id")
                if isinstance(ident, bool):
                    raise ValueError
                ident = int(ident)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                log.warning("ignoring a %s entry without a numeric id: %s", what, mask(str(item)[:200]))
                continue
            name = item.get("name")
            entities.append(Entity(ident, "" if name is None else str(name)))
        return entities

    async def _lead_call(self, method: str, params: dict[str, Any], lead: dict[str, str]) -> LeadReply:
        shown = self._masked_url(method, params)
        body = json.dumps(lead, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        response, elapsed = await self._send("POST", method, params, body, shown)
        status = response.status_code
        env = _parse_envelope(response.content)
        if env is None:
            what = _describe_body(response.content, response.headers.get("content-type", ""))
            error = self._not_envelope_error(response, what, f"{shown} -> HTTP {status}: {what}")
            if error is not None:
                log.info("POST %s -> HTTP %s (not a Noojee reply) in %.3f s", shown, status, elapsed)
                raise error
            reply = LeadReply(
                None, f"HTTP {status}: {what}", status, categorise_http_failure(status), elapsed,
            )
        elif status in (401, 403):
            raise self._refused_with_envelope(status, env, shown)
        else:
            code, message = env["code"], env["message"]
            reply = LeadReply(code, message, status, lookup(code, message, status), elapsed)
        log.info(
            "POST %s -> HTTP %s code %s in %.3f s", shown, status,
            "none" if reply.code is None else reply.code, elapsed,
        )
        return reply
