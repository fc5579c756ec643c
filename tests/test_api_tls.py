"""NoojeeClient over real TLS on 127.0.0.1: an untrusted certificate, and the CA bundle setting
that a company proxy which inspects secure traffic needs. Also: system proxy settings."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl

import pytest
from aiohttp import web

from noojee_desktop.core.api import ConnectFailed, Entity, NoojeeClient, TlsError

from conftest import LEAKY_KEY

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402


def _name(cn: str):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca_and_server_cert(tmp_path):
    """A CA ("Corp Proxy Root") and a server certificate for 127.0.0.1 signed by it (PEM files)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Corp Proxy Root")).issuer_name(_name("Corp Proxy Root"))
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("dialler.local")).issuer_name(ca_cert.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = tmp_path / "corp-ca.pem"
    ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_pem = tmp_path / "server.pem"
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem = tmp_path / "server.key"
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return ca_pem, cert_pem, key_pem


@pytest.fixture
async def tls_dialler(tmp_path):
    """A tiny HTTPS template-list endpoint on 127.0.0.1 (aiohttp, this loop); yields (url, ca_pem)."""
    ca_pem, cert_pem, key_pem = make_ca_and_server_cert(tmp_path)

    async def templates(request):
        if request.query.get("apiKey") != LEAKY_KEY:
            return web.Response(status=401, text="no")
        return web.json_response({"type": "CampaignTemplate", "entities": [{"id": 1, "name": "Solar"}],
                                  "code": 0, "message": "OK"})

    async def campaigns(request):
        return web.json_response({"type": "Campaign", "entities": [], "code": 0, "message": "OK"})

    app = web.Application()
    app.router.add_get("/servicemanager/rest/CampaignAPI/getCampaignTemplateList", templates)
    app.router.add_get("/servicemanager/rest/CampaignAPI/getCampaignList", campaigns)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert_pem, key_pem)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ctx)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        yield f"https://127.0.0.1:{port}", ca_pem
    finally:
        await runner.cleanup()


async def test_untrusted_certificate_is_a_tls_error_pointing_at_the_ca_bundle(tls_dialler):
    url, _ = tls_dialler
    async with NoojeeClient(url, LEAKY_KEY) as client:
        with pytest.raises(TlsError) as caught:
            await client.list_templates()
    err = caught.value
    assert "127.0.0.1" in str(err) and "not trusted" in str(err)
    # IT is told which certificate was refused and who issued it
    assert "'CN=dialler.local', issued by 'CN=Corp Proxy Root'" in str(err)
    assert "does not trust" in str(err)
    assert err.refused_certificate.issuer == "CN=Corp Proxy Root"
    assert "--ca-bundle" in err.hint and "certificate store" in err.hint and err.may_have_landed is False
    assert LEAKY_KEY not in str(err) + err.details + repr(err)


async def test_ca_bundle_setting_makes_the_corporate_certificate_trusted(tls_dialler):
    url, ca_pem = tls_dialler
    async with NoojeeClient(url, LEAKY_KEY, verify=str(ca_pem)) as client:
        assert await client.list_templates() == [Entity(1, "Solar")]


async def test_verification_can_be_turned_off_explicitly(tls_dialler):
    url, _ = tls_dialler
    async with NoojeeClient(url, LEAKY_KEY, verify=False) as client:
        assert await client.list_templates() == [Entity(1, "Solar")]


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_system_proxy_setting_is_used_for_remote_hosts(monkeypatch):
    """A proxy from the environment is honoured: with a dead proxy, a remote dialler fails at the proxy."""
    proxy = f"http://127.0.0.1:{_dead_port()}"
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(var, proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with NoojeeClient("dialler.invalid", LEAKY_KEY) as client:
        with pytest.raises(ConnectFailed) as caught:
            await client.list_templates()
    # The name dialler.invalid can never resolve, so reaching "refused" means the proxy was dialled.
    text = str(caught.value)
    assert "refused" in text and "looked up" not in text
    assert f"network proxy {proxy.removeprefix('http://')}" in text


async def test_this_computer_is_reached_directly_even_with_a_system_proxy(sandbox, monkeypatch):
    proxy = f"http://127.0.0.1:{_dead_port()}"
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(var, proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with NoojeeClient(sandbox.url, sandbox.api_key) as client:
        assert [t.id for t in await client.list_templates()] == [t["id"] for t in sandbox.data["templates"]]


# --------------------------------------------------------------------------- the system store
#
# On Linux the operating system's store is OpenSSL's default verify paths, which SSL_CERT_FILE
# and SSL_CERT_DIR point elsewhere; truststore reads them at each connection. A throw-away store
# holding only the test root stands in for "IT installed its root certificate in the system".


async def test_a_root_in_the_system_store_is_trusted_without_a_ca_bundle(tls_dialler, monkeypatch, tmp_path):
    url, ca_pem = tls_dialler
    store = tmp_path / "system-store"
    store.mkdir()
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_pem))
    monkeypatch.setenv("SSL_CERT_DIR", str(store))
    async with NoojeeClient(url, LEAKY_KEY) as client:
        assert await client.list_templates() == [Entity(1, "Solar")]


def test_the_default_context_is_the_operating_systems_store():
    truststore = pytest.importorskip("truststore")
    from noojee_desktop.core.api import default_ssl_context

    ctx = default_ssl_context()
    assert isinstance(ctx, truststore.SSLContext)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname


async def _run_templates_command(url: str, env: dict) -> tuple[int, str]:
    import asyncio
    import sys

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "noojee_desktop", "templates", "--server", url, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode, out.decode("utf-8", "replace")


async def test_headless_command_trusts_the_system_store_and_names_a_refused_certificate(tls_dialler, tmp_path):
    """A real process: reached through the (throw-away) system store, no --ca-bundle; with a
    store that lacks the root, refused with a message naming the certificate and its issuer."""
    import os

    url, ca_pem = tls_dialler
    empty_dir = tmp_path / "empty-store"
    empty_dir.mkdir()
    base = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    base.update(NOOJEE_API_KEY=LEAKY_KEY, NO_PROXY="*")

    code, out = await _run_templates_command(url, {**base, "SSL_CERT_FILE": str(ca_pem),
                                                   "SSL_CERT_DIR": str(empty_dir)})
    assert code == 0, out
    assert "[1] Solar" in out

    (tmp_path / "other").mkdir()
    other_root, _, _ = make_ca_and_server_cert(tmp_path / "other")  # a store without our root
    code, out = await _run_templates_command(url, {**base, "SSL_CERT_FILE": str(other_root),
                                                   "SSL_CERT_DIR": str(empty_dir)})
    assert code == 3, out
    assert "not trusted" in out and "'CN=dialler.local', issued by 'CN=Corp Proxy Root'" in out
    assert LEAKY_KEY not in out


def test_certificate_names_reads_subject_and_issuer_of_any_certificate():
    from noojee_desktop.core.tlsinfo import certificate_names

    now = datetime.datetime.now(datetime.timezone.utc)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "AU"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Zscaler Inc."),
                         x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Zscaler Inc."),
                         x509.NameAttribute(NameOID.COMMON_NAME, "Zscaler Intermediate Root CA (zscloud.net) (t)")])
    issuer = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Société Générale ✓")])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
            .serial_number(2 ** 150).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    names = certificate_names(cert.public_bytes(serialization.Encoding.DER))
    assert names.subject == "O=Zscaler Inc., OU=Zscaler Inc., CN=Zscaler Intermediate Root CA (zscloud.net) (t)"
    assert names.issuer == "O=Société Générale ✓"
    for junk in (b"", b"\x30", b"\x30\x84\xff\xff\xff\xff", b"not a certificate at all", bytes(range(256))):
        assert certificate_names(junk) is None
