from noojee_desktop.core.codes import CODES, Category, Retry, categorise_http_failure, lookup, never_resend


def test_every_contract_code_has_a_policy():
    contract = {0, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 114, 115, 116, 117}
    assert set(CODES) == contract


def test_only_server_trouble_and_busy_are_retried_automatically():
    retried = {code for code, info in CODES.items() if info.retry in (Retry.BACKOFF, Retry.SLOW_DOWN)}
    assert retried == {103, 109}
    # 110 would overwrite a person's edit: never retried, not even on request
    assert CODES[110].retry is Retry.NEVER_RESEND
    assert [code for code in CODES if never_resend(code)] == [110]
    assert not never_resend(None) and not never_resend(113)


def test_update_codes_say_what_to_do():
    assert CODES[101].meaning.startswith("Not found (no lead with this external id)")
    assert CODES[106].meaning.startswith("Unknown disposition")
    assert CODES[110].meaning == "Someone was editing this lead: check it in Noojee."
    assert Category.UPDATED.label == "Updated" and Category.UPDATED.colour != Category.INSERTED.colour


def test_unknown_code_is_shown_as_received():
    info = lookup(113, "SOMETHING_NEW")
    assert info.category is Category.UNKNOWN
    assert "113" in info.meaning and "SOMETHING_NEW" in info.meaning


def test_business_rejections_have_their_own_colour_and_word():
    assert CODES[104].category is Category.DNC
    assert CODES[105].category is Category.DUPLICATE
    colours = {c.colour for c in Category}
    labels = {c.label for c in Category}
    assert len(colours) == len(Category) and len(labels) == len(Category)


def test_proxy_5xx_page_is_server_trouble_and_retried():
    info = categorise_http_failure(502)
    assert info.category is Category.SERVER_ERROR and info.retry is Retry.BACKOFF
    assert categorise_http_failure(404).category is Category.UNKNOWN
