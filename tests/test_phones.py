"""Phone cells classified with the phonenumbers library, and its exact cache."""

from __future__ import annotations

import random

import phonenumbers as pn
import pytest

from noojee_desktop.core.phones import ExactCache, check_phone, classify_national


@pytest.mark.parametrize("raw, sent", [
    ("03 8321 8199", "0383218199"), ("0412 345 678", "0412345678"), ("+61 412 345 678", "0412345678"),
    ("(08) 9321 1234", "0893211234"), ("0011 61 3 8321 8199", "0383218199"),
])
def test_numbers_in_use_are_sent_in_the_diallers_form(raw, sent):
    assert check_phone(raw) == (sent, None, "")


@pytest.mark.parametrize("raw, words", [
    ("1900 123 456", "premium-rate"), ("1902 654 321", "premium-rate"),
    ("03 8321 819", "has 9 digits"), ("0412 345 67890", "has 12 digits"), ("8321 8199", "no area code"),
    ("1300 123", "not a 13, 1300 or 1800 number in use"),
])
def test_premium_and_impossible_numbers_are_errors_and_not_sent(raw, words):
    number, problem, severity = check_phone(raw)
    assert number is None and severity == "error" and words in problem and raw in problem


@pytest.mark.parametrize("raw, sent, words", [
    ("1300 123 456", "1300123456", "business number"), ("13 14 50", "131450", "business number"),
    ("1800 123 456", "1800123456", "business number"),
    ("0500 123 456", "0500123456", "not in a range of Australian numbers in use"),
    ("+1 415 555 2671", "+14155552671", "not an Australian number (US)"),
    ("0011 44 20 7946 0958", "00114420794609 58".replace(" ", ""), "not an Australian number (GB)"),
])
def test_business_unallocated_and_overseas_numbers_are_sent_with_a_warning(raw, sent, words):
    assert check_phone(raw)[0] == sent
    assert check_phone(raw)[2] == "warning" and words in check_phone(raw)[1]


def _library(nsn: str):
    """What the library itself says, without the cache (the reference the cache must equal)."""
    n = pn.PhoneNumber(country_code=61, national_number=int(nsn))
    return pn.number_type(n), pn.is_valid_number(n), classify_national(nsn)


def test_exact_cache_agrees_with_the_library_number_by_number():
    rnd = random.Random(20261202)
    cache = ExactCache()
    # realistic leading digits (landline areas, mobiles, 13/1300/1800/19xx, 14 VoIP, 163 pagers)
    # and uniform noise, in every length from 5 to 12 digits
    starts = ["2", "3", "7", "8", "4", "13", "1300", "1800", "1900", "14", "163", "851", "891", "889", "880",
              "5", "6", "9", "1"]
    checked = 0
    for _ in range(120_000):
        length = rnd.choice([5, 6, 7, 8, 9, 9, 9, 9, 10, 10, 11, 12])
        start = rnd.choice(starts)
        nsn = (start + "".join(rnd.choice("0123456789") for _ in range(length)))[:length]
        assert cache(nsn) == classify_national(nsn), nsn
        checked += 1
    assert checked == 120_000
    # the cache really is a cache: far fewer library calls than numbers
    assert cache.misses < 12_000


def test_the_cache_reproduces_the_library_on_numbers_that_differ_only_in_the_last_digits():
    # fixed-line ranges the metadata spells out to the 7th and 8th digit (08 51xx, 08 91xx)
    cache = ExactCache()
    for prefix in ("85100", "85101", "85103", "89162", "89164", "85123", "4791"):
        for tail in range(10 ** (9 - len(prefix))):
            nsn = prefix + str(tail).zfill(9 - len(prefix))
            assert cache(nsn) == classify_national(nsn), nsn
    assert _library("383218199")[1] is True


def test_a_prefix_the_cache_calls_decided_gives_every_completion_the_same_answer():
    rnd = random.Random(4)
    cache = ExactCache()
    decided = 0
    for _ in range(400):
        prefix = rnd.choice("23478") + "".join(rnd.choice("0123456789") for _ in range(3))
        got = cache.for_prefix(prefix, 9)
        if got is None:
            continue
        decided += 1
        for _ in range(50):
            nsn = prefix + "".join(rnd.choice("0123456789") for _ in range(5))
            assert classify_national(nsn) == got, nsn
    assert decided > 100


def test_a_whole_column_is_classified_as_number_by_number():
    from noojee_desktop.core.phones import national_problems

    rnd = random.Random(5)
    numbers = ["0" + rnd.choice("23478") + "".join(rnd.choice("0123456789") for _ in range(8)) if rnd.random() < 0.95
               else "" for _ in range(20_000)]
    expected = [(i, *classify_national(n[1:])) for i, n in enumerate(numbers) if n and classify_national(n[1:])[0]]
    assert national_problems(numbers) == expected and expected
