"""The sandbox dialler's demo data: templates, campaigns, allocations, DNC list, Contact Hours.

The shape is the same in Python and in a JSON file (``noojee-desktop sandbox --data FILE``)::

    {
      "templates": [
        {"id": 1, "name": "Solar Leads",
         "fields": ["Name", "FirstPhone", ...],
         "phone_fields": ["FirstPhone", ...],
         "dispositions": ["Sale", ...],
         "campaigns": [
           {"id": 11, "name": "Solar VIC",
            "allocations": [{"id": 111, "name": "Week 1"}, ...]},
           ...]},
        ...],
      "dnc": ["0299999999", ...],
      "contact_hours": ["Business Hours", ...]
    }

Ids are integers, unique across all templates, campaigns and allocations. ``dispositions``
are what ``updateLeadFast`` accepts for the template's leads (anything else: 106). The real
Campaign API has no way to list a template's fields; the sandbox shows them only on its
own introspection endpoint (``GET /sandbox/templates``), never on a contract endpoint.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

DEFAULT_DATA: dict[str, Any] = {
    "templates": [
        {
            "id": 1,
            "name": "Solar Leads",
            "fields": ["Name", "StreetAddress", "City", "State", "PostCode",
                       "FirstPhone", "SecondPhone", "Email"],
            "phone_fields": ["FirstPhone", "SecondPhone"],
            "dispositions": ["Sale", "Not Interested", "Call Back", "Wrong Number", "Answering Machine", "Do Not Call", "Wrong List"],
            "campaigns": [
                {"id": 11, "name": "Solar VIC", "allocations": [
                    {"id": 111, "name": "VIC Week 1"},
                    {"id": 112, "name": "VIC Week 2"},
                    {"id": 113, "name": "VIC Referrals"},
                ]},
                {"id": 12, "name": "Solar NSW", "allocations": [
                    {"id": 121, "name": "NSW Week 1"},
                    {"id": 122, "name": "NSW Week 2"},
                ]},
                {"id": 13, "name": "Solar QLD", "allocations": [
                    {"id": 131, "name": "QLD Week 1"},
                    {"id": 132, "name": "QLD Web Enquiries"},
                ]},
            ],
        },
        {
            "id": 2,
            "name": "Insurance Renewals",
            "fields": ["FirstName", "LastName", "PolicyNumber", "RenewalDate",
                       "MobilePhone", "HomePhone", "Suburb", "Postcode"],
            "phone_fields": ["MobilePhone", "HomePhone"],
            "dispositions": ["Renewed", "Declined", "Call Back", "Quote Sent", "Wrong Number", "Do Not Call", "Wrong List"],
            "campaigns": [
                {"id": 21, "name": "Home Insurance 2025", "allocations": [
                    {"id": 211, "name": "January Renewals"},
                    {"id": 212, "name": "February Renewals"},
                ]},
                {"id": 22, "name": "Car Insurance 2025", "allocations": [
                    {"id": 221, "name": "Q1 Renewals"},
                    {"id": 222, "name": "Q2 Renewals"},
                    {"id": 223, "name": "Lapsed Policies"},
                ]},
            ],
        },
        {
            "id": 3,
            "name": "Charity Donors",
            "fields": ["DonorName", "Phone", "AltPhone", "LastGiftAmount", "LastGiftDate", "Email"],
            "phone_fields": ["Phone", "AltPhone"],
            "dispositions": ["Donated", "Pledged", "No Donation", "Do Not Contact", "Call Back", "Do Not Call", "Wrong List"],
            "campaigns": [
                {"id": 31, "name": "Winter Appeal", "allocations": [
                    {"id": 311, "name": "Regular Donors"},
                    {"id": 312, "name": "Lapsed Donors"},
                ]},
                {"id": 32, "name": "Christmas Appeal", "allocations": [
                    {"id": 321, "name": "Major Donors"},
                    {"id": 322, "name": "New Donors"},
                ]},
            ],
        },
    ],
    "dnc": ["0299999999", "0400000000", "0383210000"],
    # one set per state and territory, so that each lead can be called in its own local hours
    "contact_hours": ["Business Hours", "Evenings", "Weekends", "Default",
                      "Business Hours NSW", "Business Hours ACT", "Business Hours VIC", "Business Hours TAS",
                      "Business Hours QLD", "Business Hours SA", "Business Hours NT", "Business Hours WA"],
}


class DemoDataError(ValueError):
    """The demo data file is unusable; the message says what to fix."""


def default_data() -> dict[str, Any]:
    """A fresh copy of the built-in demo data."""
    return copy.deepcopy(DEFAULT_DATA)


def load_data(path: str | Path) -> dict[str, Any]:
    """Read and check a demo data JSON file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise DemoDataError(f"Cannot read the demo data file {p}: {exc.strerror or exc}.") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DemoDataError(
            f"The demo data file {p} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    return check_data(data)


def _need(cond: bool, message: str) -> None:
    if not cond:
        raise DemoDataError(message)


def check_data(data: Any) -> dict[str, Any]:
    """Validate the shape of demo data; returns a normalised deep copy."""
    _need(isinstance(data, dict), "Demo data must be a JSON object with a \"templates\" list.")
    data = copy.deepcopy(data)
    templates = data.get("templates")
    _need(isinstance(templates, list) and bool(templates), "Demo data needs a non-empty \"templates\" list.")
    seen: dict[int, str] = {}

    def claim(obj: Any, what: str) -> None:
        _need(isinstance(obj, dict), f"Each {what} must be an object with \"id\" and \"name\".")
        oid, name = obj.get("id"), obj.get("name")
        _need(isinstance(oid, int) and not isinstance(oid, bool),
              f"The {what} {name!r} needs a whole-number \"id\" (got {oid!r}).")
        _need(isinstance(name, str) and bool(name.strip()), f"The {what} with id {oid} needs a \"name\".")
        _need(oid not in seen, f"The id {oid} is used twice ({seen.get(oid)} and {what} {name!r}); ids must be unique.")
        seen[oid] = f"{what} {name!r}"

    for t in templates:
        claim(t, "template")
        fields = t.setdefault("fields", [])
        phones = t.setdefault("phone_fields", [])
        t.setdefault("dispositions", [])
        t.setdefault("campaigns", [])
        for key in ("fields", "phone_fields", "dispositions"):
            _need(isinstance(t[key], list) and all(isinstance(v, str) for v in t[key]),
                  f"Template {t['name']!r}: \"{key}\" must be a list of names.")
        _need(bool(phones), f"Template {t['name']!r} needs at least one phone field in \"phone_fields\".")
        disps = t["dispositions"]
        _need(all(d.strip() for d in disps) and len(set(disps)) == len(disps)
              and not any(d.strip().lower() == "<no change>" for d in disps),
              f"Template {t['name']!r}: \"dispositions\" must be distinct names (not empty, not '<No Change>', "
              "which updates use to keep a lead's disposition).")
        missing = [f for f in phones if f not in fields]
        _need(not missing, f"Template {t['name']!r}: phone fields {missing} are not in its \"fields\".")
        _need(isinstance(t["campaigns"], list), f"Template {t['name']!r}: \"campaigns\" must be a list.")
        for c in t["campaigns"]:
            claim(c, "campaign")
            c.setdefault("allocations", [])
            _need(isinstance(c["allocations"], list), f"Campaign {c['name']!r}: \"allocations\" must be a list.")
            for a in c["allocations"]:
                claim(a, "allocation")
    data.setdefault("dnc", [])
    data.setdefault("contact_hours", ["Default"])
    for key in ("dnc", "contact_hours"):
        _need(isinstance(data[key], list) and all(isinstance(v, str) for v in data[key]),
              f"Demo data: \"{key}\" must be a list of text values.")
    return data
