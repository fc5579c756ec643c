"""The sandbox dialler over real HTTP on 127.0.0.1, with plain httpx (not the project client).

Each test checks what a client of the real dialler would see: the reply envelope, the HTTP
status, and whether the lead was stored.
"""

from __future__ import annotations

import httpx
import pytest

from noojee_desktop.sandbox import SandboxConfig, SandboxServer
from noojee_desktop.sandbox.data import DemoDataError, check_data, default_data

from helpers.sandbox import KEY, SOLAR, SOLAR_PARAMS, insert, update
from helpers.sandbox import api_url as api


def code_of(resp: httpx.Response) -> tuple[int, int, str]:
    body = resp.json()
    assert set(body) == {"code", "message"}
    return resp.status_code, body["code"], body["message"]


# ------------------------------------------------------------------ lists


def test_list_chain_template_campaign_allocation(sandbox):
    r = httpx.get(api(sandbox, "getCampaignTemplateList"), params={"apiKey": KEY})
    assert r.status_code == 200
    body = r.json()
    assert body["code"] == 0 and body["message"] == "OK" and isinstance(body["type"], str)
    names = {e["name"]: e["id"] for e in body["entities"]}
    assert {"Solar Leads", "Insurance Renewals", "Charity Donors"} <= set(names)

    r = httpx.get(api(sandbox, "getCampaignList"), params={"apiKey": KEY, "fTemplateId": names["Insurance Renewals"]})
    body = r.json()
    assert body["type"] == "Campaign" and body["code"] == 0
    campaigns = {e["name"]: e["id"] for e in body["entities"]}
    assert "Car Insurance 2025" in campaigns and "Solar VIC" not in campaigns

    r = httpx.get(api(sandbox, "getAllocationList"), params={"apiKey": KEY, "fCampaignId": campaigns["Car Insurance 2025"]})
    body = r.json()
    assert body["code"] == 0
    assert [e["name"] for e in body["entities"]] == ["Q1 Renewals", "Q2 Renewals", "Lapsed Policies"]
    assert all(isinstance(e["id"], int) for e in body["entities"])


@pytest.mark.parametrize(
    ("method", "params", "code"),
    [
        ("getCampaignList", {"fTemplateId": 999}, 116),
        ("getCampaignList", {}, 116),
        ("getAllocationList", {"fCampaignId": "abc"}, 117),
    ],
)
def test_list_with_unknown_parent_id(sandbox, method, params, code):
    r = httpx.get(api(sandbox, method), params={"apiKey": KEY, **params})
    assert r.status_code == 400
    assert r.json()["code"] == code and r.json()["entities"] == []


def test_unknown_path_is_404_html(sandbox):
    r = httpx.get(api(sandbox, "insertLeads"), params={"apiKey": KEY})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "<html" in r.text
    with pytest.raises(ValueError):
        r.json()


@pytest.mark.parametrize("key", [None, "wrong-key", ""])
def test_wrong_or_missing_key_is_401_html_and_nothing_stored(sandbox, key):
    params = {**SOLAR_PARAMS} if key is None else {**SOLAR_PARAMS, "apiKey": key}
    r = httpx.post(api(sandbox, "insertLeadFast"), params=params, json={"FirstPhone": "0383218199"})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("text/html")
    r = httpx.get(api(sandbox, "getCampaignTemplateList"), params={} if key is None else {"apiKey": key})
    assert r.status_code == 401
    assert sandbox.leads() == []


def test_introspection_off_by_default(sandbox_factory):
    sb = sandbox_factory(introspection=False, service_time=0.0)
    assert httpx.get(f"{sb.url}/sandbox/leads").status_code == 404
    assert httpx.get(f"{sandbox_factory(service_time=0.0).url}/sandbox/leads").status_code == 200


# ------------------------------------------------------------------ insert


def test_insert_ok_then_same_phone_is_duplicate(sandbox):
    lead = {"Name": "Ann Lee", "City": "Melbourne", "FirstPhone": "0383218199"}
    r = insert(sandbox, lead)
    assert r.status_code == 200 and r.json() == {"code": 0, "message": "OK"}
    # Same number, spaced differently, in the second phone field: still the same phone.
    assert code_of(insert(sandbox, {"Name": "Bob", "SecondPhone": "03 8321 8199"})) == (400, 105, "DUPLICATE")
    stored = sandbox.leads(11)
    assert len(stored) == 1
    assert stored[0]["lead"] == lead
    assert (stored[0]["template_id"], stored[0]["campaign_id"], stored[0]["allocation_id"]) == SOLAR


def test_duplicates_allowed_on_request_and_other_campaigns_independent(sandbox):
    assert code_of(insert(sandbox, {"FirstPhone": "0383218199"}))[1] == 0
    assert code_of(insert(sandbox, {"FirstPhone": "0383218199"}, allowDuplicates="true"))[1] == 0
    other = {"fTemplateId": 1, "fCampaignId": 12, "fAllocationId": 121}
    assert code_of(insert(sandbox, {"FirstPhone": "0383218199"}, other))[1] == 0
    assert len(sandbox.leads(11)) == 2 and len(sandbox.leads(12)) == 1


@pytest.mark.parametrize(
    ("ids", "code"),
    [
        ({"fCampaignId": 11, "fAllocationId": 111}, 116),
        ({"fTemplateId": 99, "fCampaignId": 11, "fAllocationId": 111}, 116),
        ({"fTemplateId": 1, "fAllocationId": 111}, 117),
        ({"fTemplateId": 1, "fCampaignId": 21, "fAllocationId": 211}, 117),  # campaign of another template
        ({"fTemplateId": 1, "fCampaignId": 11}, 115),
        ({"fTemplateId": 1, "fCampaignId": 11, "fAllocationId": 121}, 115),  # allocation of another campaign
        ({"fTemplateId": 1, "fCampaignId": 11, "fAllocationId": "x"}, 115),
    ],
)
def test_insert_missing_or_unknown_ids(sandbox, ids, code):
    assert code_of(insert(sandbox, {"FirstPhone": "0383218199"}, ids))[:2] == (400, code)
    assert sandbox.leads() == []


@pytest.mark.parametrize(
    ("lead", "code"),
    [
        ({"Name": "No phone", "City": "Perth"}, 102),
        ({"Name": "Blank phone", "FirstPhone": "   "}, 102),
        ({"Name": "Not this template's phone field", "MobilePhone": "0412345678"}, 102),
        ({"FirstPhone": "0299999999"}, 104),
        ({"FirstPhone": "0383218100", "SecondPhone": "0400 000 000"}, 104),
        ({"FirstPhone": "0383218100", "City": "<No Change>"}, 108),
        ({"FirstPhone": "0383218100", "City": "<NO CHANGE>"}, 108),
        ({"FirstPhone": "0383218100", "njContactHours": "Lunchtime"}, 111),
        ({"FirstPhone": "0383218100", "njCallBackDate": "2025-03-01 09:30"}, 114),
        ({"FirstPhone": "0383218100", "njCallBackDate": "2025/02/30 09:30"}, 114),
        ({"FirstPhone": "0383218100", "njCallBackDate": "2025/03/01 25:00"}, 114),
        ({"FirstPhone": "0383218100", "njCallBackDate": "2025/03/01"}, 114),
        ({"FirstPhone": "0383218100", "njPriority": "101"}, 113),
        ({"FirstPhone": "0383218100", "njPriority": "high"}, 113),
    ],
)
def test_insert_rejections(sandbox, lead, code):
    status, got, message = code_of(insert(sandbox, lead))
    assert (status, got) == (400, code)
    assert message
    assert sandbox.leads() == []


def test_insert_accepts_system_fields(sandbox):
    lead = {
        "FirstPhone": "0383218100",
        "njExternalLeadId": "ACC-1",
        "njCallBackDate": "2025/03/01 09:30",
        "njPriority": 5,
        "njContactHours": "Evenings",
    }
    assert code_of(insert(sandbox, lead))[1] == 0
    stored = sandbox.leads()[0]
    assert stored["external_id"] == "ACC-1" and stored["lead"]["njPriority"] == "5"


def test_duplicate_external_id_in_campaign_is_112(sandbox):
    assert code_of(insert(sandbox, {"FirstPhone": "0383218100", "njExternalLeadId": "ACC-1"}))[1] == 0
    # Another phone, same external id: 112 (a retry whose first try landed looks like this).
    assert code_of(insert(sandbox, {"FirstPhone": "0383218101", "njExternalLeadId": "ACC-1"}))[1] == 112
    other = {"fTemplateId": 1, "fCampaignId": 12, "fAllocationId": 122}
    assert code_of(insert(sandbox, {"FirstPhone": "0383218101", "njExternalLeadId": "ACC-1"}, other))[1] == 0


def test_insert_check_order(sandbox):
    # ids before everything, then <No Change>, then phone presence, then contact hours ...
    assert code_of(insert(sandbox, {"City": "<No Change>"}, {"fTemplateId": 1}))[1] == 117
    assert code_of(insert(sandbox, {"City": "<No Change>"}))[1] == 108
    assert code_of(insert(sandbox, {"City": "x", "njContactHours": "Nope"}))[1] == 102
    assert code_of(insert(sandbox, {"FirstPhone": "0299999999", "njContactHours": "Nope"}))[1] == 111
    assert code_of(insert(sandbox, {"FirstPhone": "0299999999", "njCallBackDate": "soon"}))[1] == 114
    assert code_of(insert(sandbox, {"FirstPhone": "0383218100", "njExternalLeadId": "E1"}))[1] == 0
    assert code_of(insert(sandbox, {"FirstPhone": "0299999999", "njExternalLeadId": "E1"}))[1] == 112
    assert code_of(insert(sandbox, {"FirstPhone": "0299999999", "SecondPhone": "0383218100"}))[1] == 104


@pytest.mark.parametrize("body", [b"{not json", b"[{\"FirstPhone\": \"0383218100\"}]"])
def test_insert_body_not_one_object_is_103(sandbox, body):
    r = httpx.post(api(sandbox, "insertLeadFast"), params={**SOLAR_PARAMS, "apiKey": KEY}, content=body,
                   headers={"content-type": "application/json"})
    assert code_of(r)[:2] == (500, 103)
    assert sandbox.leads() == []


def test_other_template_uses_its_own_phone_fields(sandbox):
    ids = {"fTemplateId": 2, "fCampaignId": 21, "fAllocationId": 211}
    assert code_of(insert(sandbox, {"FirstName": "Cy", "FirstPhone": "0383218100"}, ids))[1] == 102
    assert code_of(insert(sandbox, {"FirstName": "Cy", "HomePhone": "0383218100"}, ids))[1] == 0


# ------------------------------------------------------------------ update


def test_update_rules(sandbox):
    assert code_of(insert(sandbox, {"Name": "Ann", "City": "Perth", "FirstPhone": "0383218100",
                                    "njExternalLeadId": "ACC-9"}))[1] == 0
    assert code_of(update(sandbox, {"njExternalLeadId": "NOPE", "njDisposition": "Sale", "FirstPhone": "0383218100"}))[1] == 101
    assert code_of(update(sandbox, {"njDisposition": "Sale", "FirstPhone": "0383218100"}))[1] == 101
    assert code_of(update(sandbox, {"njExternalLeadId": "ACC-9", "njDisposition": "Renewed", "FirstPhone": "0383218100"}))[1] == 106
    assert code_of(update(sandbox, {"njExternalLeadId": "ACC-9", "FirstPhone": "0383218100"}))[1] == 106
    assert code_of(update(sandbox, {"njExternalLeadId": "ACC-9", "njDisposition": "<No Change>", "FirstPhone": "0383218100"}))[1] == 107
    assert code_of(update(sandbox, {"njExternalLeadId": "ACC-9", "njDisposition": "Sale", "City": "Hobart"}))[1] == 102
    assert code_of(update(sandbox, {"njExternalLeadId": "ACC-9", "njDisposition": "Sale",
                                    "FirstPhone": "<No Change>", "njCallBackDate": "tomorrow"}))[1] == 114
    # Nothing changed so far.
    assert sandbox.leads()[0]["lead"]["City"] == "Perth" and sandbox.leads()[0]["updates"] == 0

    r = update(sandbox, {"njExternalLeadId": "ACC-9", "njDisposition": "Call Back", "FirstPhone": "<No Change>",
                         "City": "Hobart", "Name": "<NO CHANGE>", "njCallBackDate": "2025/04/01 10:00"})
    assert code_of(r) == (200, 0, "OK")
    lead = sandbox.leads()[0]
    assert lead["disposition"] == "Call Back"
    assert lead["lead"]["City"] == "Hobart" and lead["lead"]["Name"] == "Ann"
    assert lead["lead"]["FirstPhone"] == "0383218100" and lead["lead"]["njCallBackDate"] == "2025/04/01 10:00"
    # Now the lead has a disposition, so '<No Change>' as disposition keeps it.
    r = update(sandbox, {"njDisposition": "<No Change>", "FirstPhone": "0383218111"}, njExternalLeadId="ACC-9")
    assert code_of(r)[1] == 0
    lead = sandbox.leads()[0]
    assert lead["disposition"] == "Call Back" and lead["lead"]["FirstPhone"] == "0383218111"
    assert lead["updates"] == 2


def test_duplicate_checks_follow_updates_and_reset(sandbox):
    """A phone an update replaced is free again; the new one is taken; a reset forgets both."""
    assert code_of(insert(sandbox, {"FirstPhone": "0383218100", "njExternalLeadId": "A"}))[1] == 0
    assert code_of(insert(sandbox, {"FirstPhone": "0383218100"}, allowDuplicates="true"))[1] == 0
    assert code_of(update(sandbox, {"njExternalLeadId": "A", "njDisposition": "Sale",
                                    "FirstPhone": "0383218111"}))[1] == 0
    # the second lead still has the old phone
    assert code_of(insert(sandbox, {"FirstPhone": "0383218100"}))[1] == 105
    assert code_of(insert(sandbox, {"SecondPhone": "03 8321 8111"}))[1] == 105
    assert code_of(insert(sandbox, {"FirstPhone": "0383218122", "njExternalLeadId": "A"}))[1] == 112
    sandbox.reset()
    assert code_of(insert(sandbox, {"FirstPhone": "0383218111", "njExternalLeadId": "A"}))[1] == 0
    assert code_of(update(sandbox, {"njExternalLeadId": "A", "njDisposition": "Sale",
                                    "FirstPhone": "0383218100"}))[1] == 0
    assert code_of(insert(sandbox, {"FirstPhone": "0383218111"}))[1] == 0
    assert len(sandbox.leads(11)) == 2


def test_update_ids_checked_first(sandbox):
    assert code_of(update(sandbox, {"njExternalLeadId": "X"}, {"fTemplateId": 1, "fCampaignId": 11}))[1] == 115


# ------------------------------------------------------------------ data, logs


def test_request_log_masks_key_and_records_codes(sandbox):
    insert(sandbox, {"FirstPhone": "0383218100"})
    insert(sandbox, {"FirstPhone": "0383218100"})
    httpx.get(f"{sandbox.url}/servicemanager/rest/CampaignAPI/nothing", params={"apiKey": KEY})
    log = sandbox.request_log()
    assert [(e["status"], e["code"]) for e in log] == [(200, 0), (400, 105), (404, None)]
    assert all(e["query"]["apiKey"] == "***" for e in log)
    assert KEY not in repr(log)
    stats = sandbox.stats()
    assert stats["calls"] == 2 and stats["codes"] == {"0": 1, "105": 1}


def test_introspection_endpoints(sandbox):
    insert(sandbox, {"FirstPhone": "0383218100"})
    leads = httpx.get(f"{sandbox.url}/sandbox/leads").json()["leads"]
    assert leads[0]["lead"]["FirstPhone"] == "0383218100"
    reqs = httpx.get(f"{sandbox.url}/sandbox/requests").json()["requests"]
    assert reqs[0]["query"]["apiKey"] == "***"
    assert httpx.get(f"{sandbox.url}/sandbox/stats").json()["calls"] == 1
    templates = httpx.get(f"{sandbox.url}/sandbox/templates").json()["templates"]
    assert templates[0]["phone_fields"] == ["FirstPhone", "SecondPhone"]
    assert httpx.post(f"{sandbox.url}/sandbox/reset").status_code == 200
    assert sandbox.leads() == [] and sandbox.stats()["calls"] == 0
    # After a reset the same phone is welcome again.
    assert code_of(insert(sandbox, {"FirstPhone": "0383218100"}))[1] == 0


def test_custom_data(sandbox_factory):
    data = {"templates": [{"id": 7, "name": "Tiny", "fields": ["Who", "Tel"], "phone_fields": ["Tel"],
                           "dispositions": ["Done"],
                           "campaigns": [{"id": 70, "name": "C", "allocations": [{"id": 700, "name": "A"}]}]}],
            "dnc": ["0411 111 111"], "contact_hours": ["Always"]}
    sb = sandbox_factory(data=data, service_time=0.0)
    ids = {"fTemplateId": 7, "fCampaignId": 70, "fAllocationId": 700}
    assert code_of(insert(sb, {"Tel": "0411111111"}, ids))[1] == 104
    assert code_of(insert(sb, {"Tel": "0411111112", "njContactHours": "Default"}, ids))[1] == 111
    assert code_of(insert(sb, {"Tel": "0411111112", "njContactHours": "Always"}, ids))[1] == 0


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda d: d["templates"][1].update(id=1), "used twice"),
        (lambda d: d["templates"][0].update(phone_fields=["Fax"]), "not in its"),
        (lambda d: d["templates"][0].update(phone_fields=[]), "at least one phone field"),
        (lambda d: d["templates"][0]["campaigns"][0].update(id="11"), "whole-number"),
        (lambda d: d.pop("templates"), "templates"),
    ],
)
def test_bad_demo_data_is_explained(mutate, words):
    data = default_data()
    mutate(data)
    with pytest.raises(DemoDataError, match=words):
        check_data(data)


def test_default_ids_unique_and_stop_idempotent():
    sb = SandboxServer(SandboxConfig(service_time=0.0))
    with sb:
        assert sb.url.startswith("http://127.0.0.1:")
        assert "demo-key" not in repr(sb.config)
    sb.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(api(sb, "getCampaignTemplateList"), params={"apiKey": KEY})


def test_data_file_round_trip_and_unreadable_file(tmp_path):
    import json

    from noojee_desktop.sandbox.data import load_data

    path = tmp_path / "demo.json"
    path.write_text(json.dumps(default_data()), encoding="utf-8")
    assert load_data(path) == default_data()
    with pytest.raises(DemoDataError, match="Cannot read"):
        load_data(tmp_path / "missing.json")


def test_agent_editing_a_lead_answers_110_and_changes_nothing(sandbox):
    assert code_of(insert(sandbox, {"FirstPhone": "0383218100", "City": "Perth", "njExternalLeadId": "ED-1"}))[1] == 0
    assert sandbox.agent_editing("ED-1") == 1
    busy = {"njExternalLeadId": "ED-1", "njDisposition": "Sale", "FirstPhone": "<No Change>", "City": "Hobart"}
    assert code_of(update(sandbox, busy)) == (400, 110, "LEAD_NOT_UPDATED_DUE_TO_CONFLICT")
    # the other rules still come first: an unknown disposition is 106, not 110
    assert code_of(update(sandbox, {**busy, "njDisposition": "Maybe"}))[1] == 106
    lead = sandbox.leads(11)[0]
    assert lead["editing"] and lead["disposition"] is None and lead["lead"]["City"] == "Perth"
    # the agent closes the lead: the same update goes through
    sandbox.agent_editing("ED-1", editing=False)
    assert code_of(update(sandbox, busy))[1] == 0
    lead = httpx.get(f"{sandbox.url}/sandbox/leads", params={"campaignId": 11}).json()["leads"][0]
    assert (lead["disposition"], lead["lead"]["City"], lead["editing"]) == ("Sale", "Hobart", False)


def test_conflict_rate_is_seeded_and_only_hits_updates(sandbox_factory):
    def run():
        sb = sandbox_factory(conflict_rate=0.5, service_time=0.0, seed=3)
        inserted = [code_of(insert(sb, {"FirstPhone": f"03832181{i:02d}", "njExternalLeadId": f"C-{i}"}))[1]
                    for i in range(20)]
        assert inserted == [0] * 20          # inserts never conflict
        codes = [code_of(update(sb, {"njExternalLeadId": f"C-{i}", "njDisposition": "Sale",
                                     "FirstPhone": "<no change>"}))[1] for i in range(20)]
        dispositions = {lead["external_id"]: lead["disposition"] for lead in sb.leads(11)}
        return codes, dispositions

    codes, dispositions = run()
    assert set(codes) == {0, 110}
    assert all((dispositions[f"C-{i}"] == "Sale") == (code == 0) for i, code in enumerate(codes))
    assert run()[0] == codes   # same seed, same conflicts


def test_demo_data_dispositions_are_checked():
    data = default_data()
    data["templates"][0]["dispositions"] = ["Sale", "Sale"]
    with pytest.raises(DemoDataError, match="distinct"):
        check_data(data)
    data["templates"][0]["dispositions"] = ["<NO CHANGE>"]
    with pytest.raises(DemoDataError, match="No Change"):
        check_data(data)
    assert all(t["dispositions"] for t in check_data(default_data())["templates"])
