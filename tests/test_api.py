"""NoojeeClient against httpx.MockTransport: replies a sandbox dialler cannot make.

HTML 404 pages, truncated JSON, 401/403, proxy error pages, address normalisation, the
insecure-http rule, the query string, and that the API key never shows up in a repr, an
error text or a log line.
"""

from __future__ import annotations

import json
import logging
import pickle
import ssl

import httpx
import pytest

from noojee_desktop.core.api import (
    API_PATH,
    ApiError,
    AuthError,
    ConnectFailed,
    ConnectionDropped,
    Entity,
    InsecureUrlError,
    LeadReply,
    ListError,
    NoojeeClient,
    NotNoojeeReply,
    RequestTimeout,
    Timeouts,
    TlsError,
    normalise_server,
)
from noojee_desktop.core.codes import CODES, Category, Retry

from conftest import LEAKY_KEY


def envelope(code=0, message="OK", status=200, **extra):
    return httpx.Response(status, json={"code": code, "message": message, **extra})


def html_page(status, title, body=""):
    page = f"<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    return httpx.Response(status, text=page, headers={"content-type": "text/html; charset=utf-8"})


LEAD = {"Name": "Ann Example", "FirstPhone": "0383218199", "njExternalLeadId": "A-1"}


# --------------------------------------------------------------------------- addresses

@pytest.mark.parametrize(
    ("typed", "base"),
    [
        ("dialler.example.com", "https://dialler.example.com" + API_PATH),
        ("dialler.example.com/", "https://dialler.example.com" + API_PATH),
        ("  dialler.example.com  ", "https://dialler.example.com" + API_PATH),
        ("https://dialler.example.com/", "https://dialler.example.com" + API_PATH),
        ("HTTPS://Dialler.Example.com", "https://dialler.example.com" + API_PATH),
        ("dialler.example.com:8443", "https://dialler.example.com:8443" + API_PATH),
        ("https://dialler.example.com:8443//", "https://dialler.example.com:8443" + API_PATH),
        ("dialler.example.com/servicemanager/rest/CampaignAPI", "https://dialler.example.com" + API_PATH),
        ("https://dialler.example.com/servicemanager/rest/CampaignAPI/", "https://dialler.example.com" + API_PATH),
        ("https://dialler.example.com/servicemanager/rest/campaignapi/getCampaignList?fTemplateId=3&apiKey=abc",
         "https://dialler.example.com" + API_PATH),
        ("https://dialler.example.com/noojee/", "https://dialler.example.com/noojee" + API_PATH),
        ("http://127.0.0.1:8089", "http://127.0.0.1:8089" + API_PATH),
        ("http://127.5.6.7:8089/", "http://127.5.6.7:8089" + API_PATH),
        ("http://localhost:8089", "http://localhost:8089" + API_PATH),
        ("http://[::1]:8089", "http://[::1]:8089" + API_PATH),
        # the sandbox on this computer, typed without a scheme: plain http, not a TLS error
        ("127.0.0.1:8089", "http://127.0.0.1:8089" + API_PATH),
        ("localhost:8089/", "http://localhost:8089" + API_PATH),
        ("https://127.0.0.1:8443", "https://127.0.0.1:8443" + API_PATH),
    ],
)
def test_server_address_forms_give_the_same_api_base(typed, base):
    assert normalise_server(typed) == base


def test_a_pasted_url_with_credentials_and_key_keeps_neither():
    base = normalise_server("https://user:pw@dialler.example.com/servicemanager/rest/CampaignAPI/x?apiKey=SEKRIT")
    assert base == "https://dialler.example.com" + API_PATH
    assert "SEKRIT" not in base and "pw" not in base


@pytest.mark.parametrize("typed", ["http://dialler.example.com", "http://10.0.0.5:8080", "http://[2001:db8::1]/"])
def test_plain_http_to_a_remote_host_is_refused_with_a_plain_message(typed):
    with pytest.raises(InsecureUrlError) as caught:
        NoojeeClient(typed, LEAKY_KEY)
    text = str(caught.value)
    assert "plain http" in text and "unencrypted" in text
    assert "https://" in caught.value.hint
    assert LEAKY_KEY not in text


def test_plain_http_to_a_remote_host_is_allowed_with_the_opt_in():
    client = NoojeeClient("http://dialler.example.com", LEAKY_KEY, allow_insecure_http=True)
    assert client.base_url == "http://dialler.example.com" + API_PATH


@pytest.mark.parametrize("typed", ["", "   ", "ftp://dialler.example.com", "https://", "dialler.example.com:notaport",
                                   "dialler example.com"])
def test_nonsense_addresses_are_refused_with_a_message(typed):
    with pytest.raises(ApiError) as caught:
        normalise_server(typed)
    assert "address" in str(caught.value).lower()


def test_missing_ca_bundle_is_a_tls_error_naming_the_file(tmp_path):
    with pytest.raises(TlsError) as caught:
        NoojeeClient("dialler.example.com", LEAKY_KEY, verify=str(tmp_path / "corp-ca.pem"))
    assert "corp-ca.pem" in str(caught.value)


def test_unreadable_ca_bundle_is_a_tls_error(tmp_path):
    bad = tmp_path / "corp-ca.pem"
    bad.write_text("this is not a certificate")
    with pytest.raises(TlsError) as caught:
        NoojeeClient("dialler.example.com", LEAKY_KEY, verify=str(bad))
    assert "could not be read" in str(caught.value)


def test_ca_bundle_path_becomes_an_ssl_context_without_deprecation_warning():
    import certifi

    client = NoojeeClient("dialler.example.com", LEAKY_KEY, verify=certifi.where())
    assert isinstance(client._verify, ssl.SSLContext)
    assert client._verify.verify_mode == ssl.CERT_REQUIRED


async def test_real_pool_uses_configured_timeouts_and_limits():
    client = NoojeeClient("dialler.example.com", LEAKY_KEY, timeouts=Timeouts(connect=3, read=75), max_connections=7)
    try:
        http = client._client()
        assert http.timeout.connect == 3 and http.timeout.read == 75
        assert http.trust_env is True
        assert http is client._client()  # one pool, reused
    finally:
        await client.aclose()


def test_default_timeouts_follow_the_vendor_rule():
    t = Timeouts()
    assert t.connect == 10 and t.read > 60


# --------------------------------------------------------------------------- query string and body

async def test_insert_sends_one_json_object_and_the_ids(mock_client_factory):
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return envelope()

    client = mock_client_factory(handler)
    reply = await client.insert_lead(3, 42, 7, LEAD)
    assert reply.ok and reply.code == 0 and reply.info.category is Category.INSERTED
    req = seen[0]
    assert req.method == "POST"
    assert req.url.path == API_PATH + "/insertLeadFast"
    q = req.url.params
    assert (q["fTemplateId"], q["fCampaignId"], q["fAllocationId"], q["apiKey"]) == ("3", "42", "7", LEAKY_KEY)
    assert "allowDuplicates" not in q
    assert req.headers["content-type"] == "application/json"
    assert json.loads(req.content) == LEAD


async def test_allow_duplicates_is_sent_only_when_asked(mock_client_factory):
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return envelope()

    client = mock_client_factory(handler)
    await client.insert_lead(3, 42, 7, LEAD, allow_duplicates=True)
    await client.insert_lead(3, 42, 7, LEAD, allow_duplicates=False)
    assert seen[0].url.params["allowDuplicates"] == "true"
    assert "allowDuplicates" not in seen[1].url.params


async def test_update_puts_the_external_id_in_url_and_body(mock_client_factory):
    seen: list[httpx.Request] = []

    def handler(request):
        seen.append(request)
        return envelope()

    client = mock_client_factory(handler)
    lead = {"njExternalLeadId": "ACC 7/1", "njDisposition": "<No Change>", "FirstPhone": "0383218199"}
    reply = await client.update_lead(3, 42, 7, lead)
    assert reply.ok
    req = seen[0]
    assert req.url.path == API_PATH + "/updateLeadFast"
    assert req.url.params["njExternalLeadId"] == "ACC 7/1"
    assert json.loads(req.content) == lead
    assert "allowDuplicates" not in req.url.params


async def test_update_without_external_id_is_refused_before_sending(mock_client_factory):
    client = mock_client_factory(lambda r: pytest.fail("must not send"))
    with pytest.raises(ValueError, match="external id"):
        await client.update_lead(3, 42, 7, {"FirstPhone": "0383218199"})


async def test_non_ascii_lead_values_arrive_intact(mock_client_factory):
    bodies = []

    def handler(request):
        bodies.append(json.loads(request.content.decode("utf-8")))
        return envelope()

    client = mock_client_factory(handler)
    lead = {"Name": "Zoë O'Brien – 東京", "FirstPhone": "0383218199"}
    await client.insert_lead(1, 2, 3, lead)
    assert bodies == [lead]


# --------------------------------------------------------------------------- lists

async def test_lists_keep_order_ignore_type_and_extra_fields(mock_client_factory):
    def handler(request):
        path = request.url.path.rsplit("/", 1)[1]
        if path == "getCampaignTemplateList":
            return envelope(type="CampaignTemplate", entities=[
                {"id": 9, "name": "Solar", "extra": True}, {"id": "2", "name": "Insurance", "teams": [1]},
            ])
        if path == "getCampaignList":
            assert request.url.params["fTemplateId"] == "9"
            return envelope(type="Campaign", entities=[{"id": 44, "name": "updatetest"}, {"id": 42, "name": "Jan16a"}])
        assert path == "getAllocationList" and request.url.params["fCampaignId"] == "44"
        return envelope(type="whatever", entities=[])

    client = mock_client_factory(handler)
    assert await client.list_templates() == [Entity(9, "Solar"), Entity(2, "Insurance")]
    assert await client.list_campaigns(9) == [Entity(44, "updatetest"), Entity(42, "Jan16a")]
    assert await client.list_allocations(44) == []


async def test_list_entries_without_an_id_are_skipped(mock_client_factory, expect_log):
    client = mock_client_factory(lambda r: envelope(entities=[{"name": "no id"}, "junk", {"id": 5, "name": None}]))
    with expect_log("entry without a numeric id", logger="noojee_desktop.core.api"):
        assert await client.list_templates() == [Entity(5, "")]


async def test_list_with_nonzero_code_is_a_list_error(mock_client_factory):
    client = mock_client_factory(lambda r: envelope(103, "EXCEPTION", status=500))
    with pytest.raises(ListError) as caught:
        await client.list_campaigns(1)
    err = caught.value
    assert err.code == 103 and err.message == "EXCEPTION"
    assert "campaigns" in str(err) and "103" in str(err)


async def test_list_502_proxy_page_is_a_retryable_list_error(mock_client_factory):
    client = mock_client_factory(lambda r: html_page(502, "502 Bad Gateway"))
    with pytest.raises(ListError) as caught:
        await client.list_templates()
    assert caught.value.retryable and caught.value.http_status == 502
    assert "502" in str(caught.value) and "Bad Gateway" in str(caught.value)


async def test_list_200_web_page_means_wrong_address(mock_client_factory):
    client = mock_client_factory(lambda r: html_page(200, "Welcome to nginx!"))
    with pytest.raises(NotNoojeeReply) as caught:
        await client.list_templates()
    assert "Welcome to nginx!" in str(caught.value) and "server address" in str(caught.value)


async def test_list_truncated_json_is_a_list_error(mock_client_factory):
    client = mock_client_factory(lambda r: httpx.Response(200, text='{"type":"Campaign","entities":[{"id":4'))
    with pytest.raises(ListError) as caught:
        await client.list_campaigns(1)
    assert "incomplete" in str(caught.value)


# --------------------------------------------------------------------------- replies that are not the envelope

async def test_html_404_says_check_the_server_address(mock_client_factory):
    client = mock_client_factory(lambda r: html_page(404, "404 Not Found", "<p>The requested URL was not found</p>"))
    for call in (client.list_templates(), client.insert_lead(1, 2, 3, LEAD)):
        with pytest.raises(NotNoojeeReply) as caught:
            await call
        text = str(caught.value)
        assert "web page" in text and "not the Noojee API" in text and "server address" in text
        assert "<" not in text  # HTML is not dumped on the user
        assert caught.value.http_status == 404


@pytest.mark.parametrize("status", [401, 403])
async def test_401_and_403_are_auth_errors_for_lists_and_leads(mock_client_factory, status):
    client = mock_client_factory(lambda r: httpx.Response(status, text="Unauthorized"))
    for call in (client.list_templates(), client.insert_lead(1, 2, 3, LEAD)):
        with pytest.raises(AuthError) as caught:
            await call
        text = str(caught.value)
        assert "API key" in text and "whitelisted" in text and str(status) in text
        assert caught.value.http_status == status


async def test_401_with_a_json_body_is_still_an_auth_error(mock_client_factory):
    client = mock_client_factory(lambda r: envelope(401, "Invalid apiKey", status=401))
    with pytest.raises(AuthError):
        await client.insert_lead(1, 2, 3, LEAD)


async def test_other_non_json_4xx_counts_as_access_refused(mock_client_factory):
    client = mock_client_factory(lambda r: httpx.Response(400, text="Bad Request"))
    with pytest.raises(AuthError) as caught:
        await client.insert_lead(1, 2, 3, LEAD)
    assert "access refused" in str(caught.value)


async def test_502_proxy_page_on_insert_is_a_retryable_server_error_reply(mock_client_factory):
    client = mock_client_factory(lambda r: html_page(502, "502 Bad Gateway", "<p>nginx</p>"))
    reply = await client.insert_lead(1, 2, 3, LEAD)
    assert isinstance(reply, LeadReply)
    assert reply.code is None and not reply.ok and reply.http_status == 502
    assert reply.info.category is Category.SERVER_ERROR and reply.info.retry is Retry.BACKOFF
    assert "502 Bad Gateway" in reply.message and "<" not in reply.message


async def test_200_html_on_insert_is_an_unknown_reply_naming_the_page(mock_client_factory):
    client = mock_client_factory(lambda r: html_page(200, "Login - Corporate Portal"))
    reply = await client.insert_lead(1, 2, 3, LEAD)
    assert reply.code is None and reply.http_status == 200
    assert reply.info.category is Category.UNKNOWN and reply.info.retry is Retry.NEVER
    assert "Login - Corporate Portal" in reply.message


async def test_truncated_json_on_insert_is_an_unknown_reply_not_a_crash(mock_client_factory):
    client = mock_client_factory(lambda r: httpx.Response(200, text='{"code":0,"mess'))
    reply = await client.insert_lead(1, 2, 3, LEAD)
    assert reply.code is None and not reply.ok
    assert reply.info.category is Category.UNKNOWN
    assert '{"code":0,"mess' in reply.message and "incomplete" in reply.message


async def test_long_plain_text_reply_is_cut_and_masked(mock_client_factory):
    text = f"error for apiKey={LEAKY_KEY} " + "x" * 1000
    client = mock_client_factory(lambda r: httpx.Response(200, text=text))
    reply = await client.insert_lead(1, 2, 3, LEAD)
    assert LEAKY_KEY not in reply.message and "apiKey=***" in reply.message
    assert len(reply.message) < 300


async def test_empty_200_reply_is_unknown(mock_client_factory):
    client = mock_client_factory(lambda r: httpx.Response(200))
    reply = await client.insert_lead(1, 2, 3, LEAD)
    assert reply.code is None and "empty" in reply.message


@pytest.mark.parametrize("code", sorted(CODES) + [113, 999])
async def test_every_envelope_code_is_a_lead_reply_with_its_policy(mock_client_factory, code):
    name = CODES[code].name if code in CODES else "SOMETHING_NEW"
    status = 200 if code == 0 else (500 if code == 103 else 400)
    client = mock_client_factory(lambda r: envelope(code, name, status=status))
    reply = await client.insert_lead(1, 2, 3, LEAD)
    assert (reply.code, reply.message, reply.http_status) == (code, name, status)
    if code in CODES:
        assert reply.info is CODES[code]
    else:
        assert reply.info.category is Category.UNKNOWN and str(code) in reply.info.meaning
    assert reply.elapsed >= 0


async def test_redirect_is_not_followed_and_explained(mock_client_factory):
    client = mock_client_factory(
        lambda r: httpx.Response(302, headers={"location": "https://sso.example.com/login"}))
    with pytest.raises(NotNoojeeReply) as caught:
        await client.list_templates()
    assert "sso.example.com/login" in str(caught.value)


# --------------------------------------------------------------------------- transport failures

def raising(exc_type, message="boom"):
    def handler(request):
        raise exc_type(message, request=request)
    return handler


@pytest.mark.parametrize(
    ("exc_type", "message", "error_type", "landed"),
    [
        (httpx.ConnectError, "[Errno 111] Connection refused", ConnectFailed, False),
        (httpx.ConnectError, "[Errno -2] Name or service not known", ConnectFailed, False),
        (httpx.ConnectTimeout, "timed out", RequestTimeout, False),
        (httpx.PoolTimeout, "timed out", RequestTimeout, False),
        (httpx.ReadTimeout, "timed out", RequestTimeout, True),
        (httpx.WriteTimeout, "timed out", RequestTimeout, True),
        (httpx.RemoteProtocolError, "Server disconnected without sending a response.", ConnectionDropped, True),
        (httpx.ReadError, "[Errno 104] Connection reset by peer", ConnectionDropped, True),
        (httpx.ProxyError, "407 Proxy Authentication Required", ConnectFailed, False),
        (httpx.ConnectError, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", TlsError, False),
    ],
)
async def test_transport_failures_map_to_errors_that_say_what_to_do(
    mock_client_factory, exc_type, message, error_type, landed
):
    client = mock_client_factory(raising(exc_type, f"{message} for https://x/?apiKey={LEAKY_KEY}"))
    with pytest.raises(error_type) as caught:
        await client.insert_lead(1, 2, 3, LEAD)
    err = caught.value
    assert err.may_have_landed is landed
    assert err.hint and err.hint in str(err)
    assert "dialler.example.com" in str(err)
    assert err.__cause__ is None and err.__context__ is None
    assert LEAKY_KEY not in err.details and exc_type.__name__ in err.details
    if error_type is ConnectFailed:
        assert err.retryable and "address" in str(err)
        if exc_type is not httpx.ProxyError:
            assert "whitelisted" in str(err)
        else:
            assert "proxy" in str(err)
    if error_type is TlsError:
        assert "certificate store" in str(err) and "--ca-bundle" in str(err)


async def test_read_timeout_on_a_list_did_not_land_anything(mock_client_factory):
    client = mock_client_factory(raising(httpx.ReadTimeout))
    with pytest.raises(RequestTimeout) as caught:
        await client.list_templates()
    assert caught.value.may_have_landed is False and caught.value.retryable


# --------------------------------------------------------------------------- the key never leaks

async def test_key_is_masked_in_repr_errors_and_logs(mock_client_factory, caplog):
    caplog.set_level(logging.DEBUG)
    echo_key_page = html_page(404, f"Not Found: /x?apiKey={LEAKY_KEY}", f"<p>{LEAKY_KEY}</p>")
    scenarios = [
        lambda r: echo_key_page,
        lambda r: httpx.Response(401, text=f"bad key {LEAKY_KEY}"),
        lambda r: httpx.Response(403, json={"code": 1, "message": f"key {LEAKY_KEY} refused"}),
        lambda r: httpx.Response(302, headers={"location": f"https://x/login?apiKey={LEAKY_KEY}"}),
        lambda r: httpx.Response(200, json={"code": 5, "message": f"list refused {LEAKY_KEY}"}),
        lambda r: httpx.Response(502, text=f"upstream {LEAKY_KEY}"),
        lambda r: httpx.Response(200, text=f"{{\"broken\": \"{LEAKY_KEY}"),
        raising(httpx.ConnectError, f"refused {LEAKY_KEY}"),
        raising(httpx.ConnectError, f"[SSL] bad cert {LEAKY_KEY}"),
        raising(httpx.ConnectTimeout, f"slow {LEAKY_KEY}"),
        raising(httpx.ReadTimeout, f"slow {LEAKY_KEY}"),
        raising(httpx.RemoteProtocolError, f"dropped {LEAKY_KEY}"),
        raising(httpx.ReadError, f"reset {LEAKY_KEY}"),
        raising(httpx.ProxyError, f"proxy {LEAKY_KEY}"),
        raising(httpx.UnsupportedProtocol, f"odd {LEAKY_KEY}"),
    ]
    errors: list[ApiError] = []
    replies: list[LeadReply] = []
    for handler in scenarios:
        client = mock_client_factory(handler)
        assert LEAKY_KEY not in repr(client) and "***" in repr(client)
        for call in (client.list_templates, lambda c=client: c.insert_lead(1, 2, 3, LEAD)):
            try:
                result = await call()
            except ApiError as exc:
                errors.append(exc)
            else:
                if isinstance(result, LeadReply):
                    replies.append(result)
    kinds = {type(e) for e in errors}
    assert {NotNoojeeReply, AuthError, ListError, ConnectFailed, TlsError, RequestTimeout,
            ConnectionDropped, ApiError} <= kinds
    assert errors and replies
    for err in errors:
        for text in (str(err), repr(err), err.details, err.hint, err.user_message, *map(str, err.args)):
            assert LEAKY_KEY not in text, (type(err), text)
        assert err.__cause__ is None and err.__context__ is None
        assert LEAKY_KEY not in pickle.dumps(err).decode("latin-1")
        copy = pickle.loads(pickle.dumps(err))
        assert type(copy) is type(err) and str(copy) == str(err) and copy.hint == err.hint
        for value in vars(err).values():
            assert LEAKY_KEY not in str(value)
    for reply in replies:
        assert LEAKY_KEY not in repr(reply)
    # Our own log lines (method, masked URL, status, code, elapsed) and httpx's.
    assert any(r.name == "noojee_desktop.core.api" and "apiKey=***" in r.getMessage() for r in caplog.records)
    assert any(r.name == "noojee_desktop.core.api" and "HTTP 502" in r.getMessage() for r in caplog.records)
    assert LEAKY_KEY not in caplog.text
    for record in caplog.records:
        assert LEAKY_KEY not in record.getMessage()
        assert LEAKY_KEY not in (record.exc_text or "")


async def test_log_lines_name_method_status_code_and_elapsed(mock_client_factory, caplog):
    caplog.set_level(logging.INFO, logger="noojee_desktop.core.api")
    client = mock_client_factory(lambda r: envelope(105, "DUPLICATE", status=400))
    await client.insert_lead(3, 42, 7, LEAD)
    lines = [r.getMessage() for r in caplog.records if r.name == "noojee_desktop.core.api"]
    assert len(lines) == 1
    line = lines[0]
    assert line.startswith("POST https://dialler.example.com" + API_PATH + "/insertLeadFast?")
    assert "fTemplateId=3" in line and "apiKey=***" in line and "HTTP 400" in line and "code 105" in line
    assert " s" in line and LEAKY_KEY not in line


def test_a_new_event_loop_gets_a_new_pool():
    """A pool belongs to the loop that made it; a client used from a later loop makes a fresh one."""
    import asyncio

    client = NoojeeClient("dialler.example.com", LEAKY_KEY,
                          transport=httpx.MockTransport(lambda r: envelope(entities=[{"id": 1, "name": "A"}])))
    pools = []

    async def use():
        assert await client.list_templates() == [Entity(1, "A")]
        pools.append(client._http)

    asyncio.run(use())
    asyncio.run(use())
    assert pools[0] is not None and pools[1] is not None and pools[0] is not pools[1]

    async def close():
        await client.aclose()

    asyncio.run(close())
