"""The sandbox dialler's demo data as the tests name it, and plain-HTTP calls to it.

The sandbox (noojee_desktop/sandbox) seeds template 1 "Solar Leads", campaign 11 "Solar VIC",
allocation 111 "VIC Week 1"; most tests load leads there.
"""

from __future__ import annotations

import httpx

#: SandboxConfig's default API key (the ``sandbox`` fixture's ``api_key``).
KEY = "demo-key"

#: (template, campaign, allocation) ids of Solar Leads / Solar VIC / VIC Week 1.
SOLAR = (1, 11, 111)
SOLAR_NAMES = ("Solar Leads", "Solar VIC", "VIC Week 1")
#: the same ids as the Campaign API's query parameters
SOLAR_PARAMS = {"fTemplateId": SOLAR[0], "fCampaignId": SOLAR[1], "fAllocationId": SOLAR[2]}
#: the same ids as the headless commands' options
SOLAR_ARGS = ["--template", str(SOLAR[0]), "--campaign", str(SOLAR[1]), "--allocation", str(SOLAR[2])]


def api_url(sb, method: str) -> str:
    """The URL of Campaign API ``method`` on sandbox ``sb`` (anything with ``.url``)."""
    return f"{sb.url}/servicemanager/rest/CampaignAPI/{method}"


def _post(method: str, sb, lead: dict, ids, client, timeout, params) -> httpx.Response:
    query = {**(SOLAR_PARAMS if ids is None else ids), "apiKey": sb.api_key, **params}
    return (client or httpx).post(api_url(sb, method), params=query, json=lead, timeout=timeout)


def insert(sb, lead: dict, ids: dict | None = None, *, client: httpx.Client | None = None,
           timeout=10, **params) -> httpx.Response:
    """POST insertLeadFast with ``lead`` into ``ids`` (Solar by default) with sandbox ``sb``'s
    key; ``params`` are extra query parameters (``allowDuplicates="true"``); through ``client``
    (keeps its connection) or a fresh one."""
    return _post("insertLeadFast", sb, lead, ids, client, timeout, params)


def update(sb, lead: dict, ids: dict | None = None, *, client: httpx.Client | None = None,
           timeout=10, **params) -> httpx.Response:
    """POST updateLeadFast, as :func:`insert`."""
    return _post("updateLeadFast", sb, lead, ids, client, timeout, params)


def teach_sandbox_fields(server) -> None:
    """Teach the field store (this test's user data dir) every sandbox template's fields for
    ``server`` (a sandbox, or its address as typed), as a user of a real dialler would once (the
    teach dialog, or an admin's field file): tests about something else then start from known
    fields. Call it before the window is made."""
    from noojee_desktop.core.sheet import TemplateFieldStore
    from noojee_desktop.sandbox import default_data

    store = TemplateFieldStore()
    store.use_server(server if isinstance(server, str) else server.url)
    for t in (default_data() if isinstance(server, str) else server.data)["templates"]:
        store.remember(t["id"], t["fields"], t["phone_fields"], name=t["name"])
