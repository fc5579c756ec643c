import logging

from noojee_desktop.core.secrets import mask, register_key


def test_api_key_query_parameter_is_masked():
    url = "https://dialler.example/servicemanager/rest/CampaignAPI/getCampaignList?fTemplateId=3&apiKey=abc-123&x=1"
    assert mask(url) == url.replace("abc-123", "***")


def test_registered_key_is_masked_anywhere(caplog):
    register_key("s3cret-key-value")
    with caplog.at_level(logging.INFO):
        logging.getLogger("noojee_desktop.test").info("server echoed %s back", "s3cret-key-value")
    assert "s3cret-key-value" not in caplog.text
    assert "***" in caplog.text


def test_exception_text_in_logs_is_masked(caplog, expect_log):
    with expect_log("request failed", logger="httpx", level="ERROR"):
        try:
            raise RuntimeError("failed GET /x?apiKey=zzz-top-secret")
        except RuntimeError:
            logging.getLogger("httpx").exception("request failed")
    assert "zzz-top-secret" not in caplog.text


def test_a_key_that_contains_another_registered_key_is_masked_whole():
    register_key("Kq7Zw")                     # a short key registered first...
    register_key("zz-Kq7Zw-longer-key")         # ...must not leave a longer one half shown
    assert mask("key zz-Kq7Zw-longer-key, other Kq7Zw") == "key ***, other ***"
    register_key("zz-Kq7Zw-longer-key")         # registering again changes nothing
    assert mask("zz-Kq7Zw-longer-key") == "***"
