"""The result-code policy: every code of the Noojee contract in one table.

One row per code says what the server spells, what it means to a user, which result
category (and so which colour) a row gets, and whether the upload engine may retry it.
The GUI table, the results workbook and the headless command all read from here, so a
change of policy is a change of one line.

Contract: ``shared/noojee-api.md`` ("Result codes").
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Category(str, enum.Enum):
    """What happened to a row, as a user reads it (also its colour class)."""

    PENDING = "pending"            # not sent yet
    INVALID = "invalid"            # our own validation stopped it; fix and send
    INSERTED = "inserted"          # success
    UPDATED = "updated"            # success of an update (updateLeadFast)
    ALREADY_LOADED = "already_loaded"  # an earlier upload inserted this lead into this campaign; not sent
    DUPLICATE = "duplicate"        # business rejection: phone already in the campaign
    DNC = "dnc"                    # business rejection: Do Not Call list
    REJECTED = "rejected"          # other business rejection (not found, conflict)
    DATA_ERROR = "data_error"      # the lead or the choice of ids is wrong; fix the data
    RETRYABLE = "retryable"        # server busy; will be / can be retried
    SERVER_ERROR = "server_error"  # server trouble; retried and still failing
    UNCERTAIN = "uncertain"        # no answer: unknown whether the lead landed
    UNKNOWN = "unknown"            # a code or reply the contract does not describe
    CANCELLED = "cancelled"        # the user stopped the upload before this row was sent

    @property
    def label(self) -> str:
        return _STYLE[self][0]

    @property
    def symbol(self) -> str:
        """A glyph shown beside the colour, so the result never depends on colour alone."""
        return _STYLE[self][1]

    @property
    def colour(self) -> str:
        """Row background, as ``#rrggbb``; shared by the GUI table and the results workbook."""
        return _STYLE[self][2]

    @property
    def is_final_failure(self) -> bool:
        return self in FAILED_CATEGORIES


# label, symbol, background. Light tints of the Okabe-Ito colour-blind-safe palette, so
# black text stays readable; every category also has its own word and symbol. The symbols
# are ones that DejaVu Sans (a bare Linux desktop), Segoe UI Symbol and Excel's fonts draw;
# emoji-range glyphs showed as empty boxes there.
_STYLE: dict[Category, tuple[str, str, str]] = {
    Category.PENDING: ("Not sent", "\u2022", "#ffffff"),          # bullet
    Category.INVALID: ("Fix before sending", "\u270e", "#f4cccc"),  # pencil
    Category.INSERTED: ("Inserted", "\u2714", "#cdeccf"),         # heavy check
    Category.UPDATED: ("Updated", "\u2714", "#c8ebe3"),           # heavy check; a bluer green
    Category.ALREADY_LOADED: ("Already loaded", "\u2713", "#e4f1d8"),  # light check (in before)
    Category.DUPLICATE: ("Duplicate", "\u2750", "#ffe8b3"),       # shadowed square (a copy)
    Category.DNC: ("Do Not Call", "\u2612", "#e3d4f0"),           # ballot box with x
    Category.REJECTED: ("Rejected", "\u2298", "#dde3ea"),         # circled slash
    Category.DATA_ERROR: ("Bad data", "\u2716", "#f8c9c4"),       # heavy x
    Category.RETRYABLE: ("Server busy", "\u21bb", "#fff4c2"),     # clockwise arrow (again)
    Category.SERVER_ERROR: ("Server trouble", "\u26a0", "#fbd5b5"),  # warning sign
    Category.UNCERTAIN: ("Unknown if inserted", "?", "#d6e9f8"),
    Category.UNKNOWN: ("Unexpected reply", "\u203d", "#e6e6e6"),  # interrobang
    Category.CANCELLED: ("Cancelled", "\u25a0", "#f2f2f2"),       # stop square
}

#: Rows in these categories are what "Retry failed rows" and "export failed rows" pick up
#: (business rejections such as DNC and duplicate only when the user asks).
FAILED_CATEGORIES = frozenset(
    {
        Category.INVALID,
        Category.DATA_ERROR,
        Category.RETRYABLE,
        Category.SERVER_ERROR,
        Category.UNCERTAIN,
        Category.UNKNOWN,
        Category.CANCELLED,
    }
)
REJECTION_CATEGORIES = frozenset({Category.DUPLICATE, Category.DNC, Category.REJECTED})


class Retry(str, enum.Enum):
    """What the upload engine does with a reply."""

    NEVER = "never"          # final as it is
    BACKOFF = "backoff"      # server error: retry a few times with backoff, then final
    SLOW_DOWN = "slow_down"  # 109: not applied; slow down and retry later
    NEVER_RESEND = "never_resend"  # final, and never sent again, not even by "Retry failed rows"


@dataclass(frozen=True)
class CodeInfo:
    code: int | None
    name: str          # as the server spells it
    http_status: int | None
    category: Category
    retry: Retry
    meaning: str       # one sentence a team leader understands

    def describe(self) -> str:
        return f"{self.category.label}: {self.meaning}"


def _c(code, name, http, category, retry, meaning) -> CodeInfo:
    return CodeInfo(code, name, http, category, retry, meaning)


CODES: dict[int, CodeInfo] = {
    info.code: info
    for info in (
        _c(0, "OK", 200, Category.INSERTED, Retry.NEVER, "The dialler accepted the lead."),
        _c(101, "COULDNT_FIND_THE_LEAD", 400, Category.REJECTED, Retry.NEVER,
           "Not found (no lead with this external id)."),
        _c(102, "NO_PHONE_FIELDS", 400, Category.DATA_ERROR, Retry.NEVER,
           "The lead has no phone field: map a column to one of the template's phone fields."),
        _c(103, "EXCEPTION", 500, Category.SERVER_ERROR, Retry.BACKOFF,
           "The dialler hit an internal error; retried, then given up."),
        _c(104, "DNC", 400, Category.DNC, Retry.NEVER,
           "The phone number is on the Do Not Call list."),
        _c(105, "DUPLICATE", 400, Category.DUPLICATE, Retry.NEVER,
           "A lead with this phone number is already in the campaign."),
        _c(106, "INVALID_DISPOSTION", 400, Category.DATA_ERROR, Retry.NEVER,
           "Unknown disposition: it is not one of this template's dispositions."),
        _c(107, "DISPOSTION_ISNT_SET_AND_NOCHANGE_SPECIFIED", 400, Category.DATA_ERROR, Retry.NEVER,
           "'<No Change>' was given as disposition, but the lead has none yet: give it one."),
        _c(108, "IMPORT_BUT_NOCHANGE_SPECIFIED", 400, Category.DATA_ERROR, Retry.NEVER,
           "'<No Change>' cannot be used when inserting a new lead."),
        _c(109, "TIMEOUT_TOO_MANY_CONCURRENT_REQUESTS", 400, Category.RETRYABLE, Retry.SLOW_DOWN,
           "The dialler was too busy and did not apply the lead; it can be sent again."),
        # never resent: sending it again would overwrite what the person is doing
        _c(110, "LEAD_NOT_UPDATED_DUE_TO_CONFLICT", 400, Category.REJECTED, Retry.NEVER_RESEND,
           "Someone was editing this lead: check it in Noojee."),
        _c(111, "INVALID_TIMEZONE_SPECIFIED", 400, Category.DATA_ERROR, Retry.NEVER,
           "The Contact Hours name is not known to the dialler."),
        _c(112, "DUPLICATE_EXTERNAL_ID", 400, Category.DUPLICATE, Retry.NEVER,
           "A lead with this external id is already in the campaign."),
        _c(114, "INVALID_CALLBACK_DATE_FORMAT", 400, Category.DATA_ERROR, Retry.NEVER,
           "The callback date is not in the form yyyy/MM/dd HH:mm."),
        _c(115, "ALLOCATION_ID_REQUIRED", 400, Category.DATA_ERROR, Retry.NEVER,
           "The allocation is missing or not valid: pick it again."),
        _c(116, "TEMPLATE_ID_REQUIRED", 400, Category.DATA_ERROR, Retry.NEVER,
           "The template is missing or not valid: pick it again."),
        _c(117, "CAMPAIGN_ID_REQUIRED", 400, Category.DATA_ERROR, Retry.NEVER,
           "The campaign is missing or not valid: pick it again."),
    )
}


def lookup(code: int | None, message: str = "", http_status: int | None = None) -> CodeInfo:
    """The policy for a code; codes the contract does not describe (113 included) are UNKNOWN."""
    if code is not None and code in CODES:
        return CODES[code]
    shown = f"code {code}" if code is not None else "no code"
    return CodeInfo(
        code,
        message or "",
        http_status,
        Category.UNKNOWN,
        Retry.NEVER,
        f"The dialler answered with {shown}"
        + (f" ('{message}')" if message else "")
        + ", which this app does not know; shown as received.",
    )


#: Update codes whose result is shown in the app's words rather than the server's spelling.
UPDATE_CODES = frozenset({101, 106, 107, 110})


def never_resend(code: int | None) -> bool:
    """Whether a row that got this code must never be sent again by the app (110: a person was
    editing the lead; a resend would overwrite their work)."""
    return code is not None and code in CODES and CODES[code].retry is Retry.NEVER_RESEND


def categorise_http_failure(http_status: int) -> CodeInfo:
    """A reply that is not the Noojee envelope (an HTML page, a proxy error)."""
    if http_status >= 500:
        return CodeInfo(None, f"HTTP {http_status}", http_status, Category.SERVER_ERROR, Retry.BACKOFF,
                        f"The server answered HTTP {http_status} without a Noojee reply; retried, then given up.")
    return CodeInfo(None, f"HTTP {http_status}", http_status, Category.UNKNOWN, Retry.NEVER,
                    f"The server answered HTTP {http_status} with something that is not a Noojee reply.")
