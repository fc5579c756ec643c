"""Phone cells checked with the field's library (``phonenumbers``, Australia the default region).

:func:`check_phone` turns a cell into ``(number to send, problem, severity)``:

* premium-rate (19xx) numbers and impossible ones (too short, too long, no area code) are
  errors: not sent;
* 13, 1300 and 1800 numbers, numbers in a range no one has been given (right length, not in
  use) and numbers with another country's prefix are warnings: sent as they are;
* a 9-digit number that lost its leading 0 in a spreadsheet gets it back, with a warning.

The number sent keeps the dialler's form: national digits with the area code (``0383218199``,
``0412345678``, ``1300123456``); another country's number as it was typed (``+1...``, ``0011...``).

Speed: the library costs tens of microseconds a number. What it says about an Australian number
depends only on the number's national digits, through the regular expressions and possible
lengths of the metadata of the regions that share +61 (AU, CC, CX). :class:`ExactCache` turns
those expressions into automata over the digits and finds, for each number, the shortest prefix
after which every expression is decided for the number's length (every completion matches, or
none does): all numbers with that prefix and length get the library's answer for the first of
them. So the cache is exact by construction (tests/test_phones.py also checks it against the
library number by number).
"""

from __future__ import annotations

from itertools import compress
from operator import itemgetter

import phonenumbers as pn
from phonenumbers import PhoneNumberType as T
from phonenumbers import ValidationResult as V
from phonenumbers.phonemetadata import PhoneMetadata

ERROR = "error"
WARNING = "warning"
AU = 61

_STRIP = str.maketrans("", "", " -.()/\u00a0\u2009\u202f\u2010\u2011\u2012\u2013\t'")
_LOST_ZERO_FIRST = frozenset("23478")
ZERO_MSG = "The leading 0 was missing (the spreadsheet stored the phone as a number); it was put back."
_NOT_A_NUMBER = "'{value}' is not a phone number (only digits, spaces, brackets and dashes belong in one)."
_BUSINESS = {T.TOLL_FREE, T.SHARED_COST, T.UAN}
_LENGTH_MSG = ("'{value}' has {digits} digits; an Australian number with its area code has 10 "
               "(like 03 8321 8199 or 0412 345 678).")
_NO_AREA_MSG = "'{value}' has no area code. Add it in front (02, 03, 07 or 08), like 03 8321 8199."


# --------------------------------------------------------------------------------------
# what the library says about one Australian number (national digits), as a message template

def classify_national(nsn: str) -> tuple[str, str | None]:
    """``(severity, message template)`` for the Australian national digits ``nsn`` (no leading 0).

    Severity "" means a number in use. The template has ``{value}`` (the cell) and ``{digits}``
    (how many digits it has). Uses only the library's answers, ``nsn[0]`` and ``len(nsn)``
    (which :class:`ExactCache` relies on)."""
    number = pn.PhoneNumber(country_code=AU, national_number=int(nsn))
    kind = pn.number_type(number)
    if kind == T.PREMIUM_RATE:
        return ERROR, "'{value}' is a premium-rate (19xx) number; it is not loaded."
    if kind in _BUSINESS:
        return WARNING, ("'{value}' is a 13, 1300 or 1800 business number, not a person's phone; "
                         "it is sent as it is.")
    if kind != T.UNKNOWN:
        return "", None
    if nsn[0] == "1":
        if pn.is_possible_number_with_reason(number) != V.IS_POSSIBLE:
            return ERROR, _LENGTH_MSG
        return ERROR, ("'{value}' is not a 13, 1300 or 1800 number in use (they have 6 or 10 digits), "
                       "nor a number with an area code.")
    reason = pn.is_possible_number_for_type_with_reason(number, T.FIXED_LINE_OR_MOBILE)
    if reason != V.IS_POSSIBLE:
        return ERROR, _LENGTH_MSG
    return WARNING, ("'{value}' is not in a range of Australian numbers in use; it is sent, "
                     "but check it.")


# --------------------------------------------------------------------------------------
# the exact cache: the metadata's expressions as automata over the ten digits

class _Unsupported(ValueError):
    """An expression outside the small subset the metadata uses (the cache then keys on the whole number)."""


_DIGITS = "0123456789"


def _parse(pattern: str):
    """The expression as a tree: ("alt", [seq...]); a seq is a list of (atom, min, max); an atom
    is a frozenset of digits or an ("alt", ...) group. Only what phone metadata uses."""
    pos = 0

    def alt():
        nonlocal pos
        branches = [seq()]
        while pos < len(pattern) and pattern[pos] == "|":
            pos += 1
            branches.append(seq())
        return ("alt", branches)

    def seq():
        items = []
        while pos < len(pattern) and pattern[pos] not in "|)":
            a = atom()
            items.append((a, *quant()))
        return items

    def atom():
        nonlocal pos
        c = pattern[pos]
        if c == "(":
            pos += 1
            if pattern.startswith("?:", pos):
                pos += 2
            elif pattern[pos] == "?":
                raise _Unsupported(pattern)
            inner = alt()
            if pos >= len(pattern) or pattern[pos] != ")":
                raise _Unsupported(pattern)
            pos += 1
            return inner
        if c == "[":
            end = pattern.index("]", pos)
            body = pattern[pos + 1:end]
            pos = end + 1
            if body.startswith("^"):
                raise _Unsupported(pattern)
            got: set[str] = set()
            i = 0
            while i < len(body):
                if body.startswith("\\d", i):
                    got.update(_DIGITS)
                    i += 2
                elif i + 2 < len(body) and body[i + 1] == "-":
                    got.update(chr(x) for x in range(ord(body[i]), ord(body[i + 2]) + 1))
                    i += 3
                else:
                    got.add(body[i])
                    i += 1
            if not got <= set(_DIGITS):
                raise _Unsupported(pattern)
            return frozenset(got)
        if pattern.startswith("\\d", pos):
            pos += 2
            return frozenset(_DIGITS)
        if c in _DIGITS:
            pos += 1
            return frozenset(c)
        raise _Unsupported(pattern)

    def quant():
        nonlocal pos
        if pos >= len(pattern):
            return 1, 1
        c = pattern[pos]
        if c == "?":
            pos += 1
            return 0, 1
        if c == "*":
            pos += 1
            return 0, None
        if c == "+":
            pos += 1
            return 1, None
        if c == "{":
            end = pattern.index("}", pos)
            body = pattern[pos + 1:end]
            pos = end + 1
            if "," in body:
                lo, hi = body.split(",", 1)
                return int(lo), (int(hi) if hi else None)
            return int(body), int(body)
        return 1, 1

    tree = alt()
    if pos != len(pattern):
        raise _Unsupported(pattern)
    return tree


class _Automaton:
    """An expression matched whole (``fullmatch``) as a lazily built deterministic automaton."""

    def __init__(self, pattern: str):
        self.eps: list[list[int]] = []
        self.moves: list[list[tuple[frozenset, int]]] = []
        start = self._new()
        self.final = self._build(_parse(pattern), start)
        self.start = self._closure({start})
        self._step: dict[tuple[frozenset, str], frozenset] = {}
        self._decided: dict[tuple[frozenset, int], bool] = {}
        self._memo: dict[tuple[frozenset, int], tuple[bool, bool]] = {}

    def _new(self) -> int:
        self.eps.append([])
        self.moves.append([])
        return len(self.eps) - 1

    def _build(self, node, start: int) -> int:
        if isinstance(node, frozenset):
            end = self._new()
            self.moves[start].append((node, end))
            return end
        end = self._new()
        for branch in node[1]:
            cur = start
            for atom, lo, hi in branch:
                for _ in range(lo):
                    cur = self._build(atom, cur)
                if hi is None:
                    loop = self._new()
                    self.eps[cur].append(loop)
                    back = self._build(atom, loop)
                    self.eps[back].append(loop)
                    cur = loop
                else:
                    for _ in range(hi - lo):
                        nxt = self._build(atom, cur)
                        self.eps[cur].append(nxt)
                        cur = nxt
            self.eps[cur].append(end)
        return end

    def _closure(self, states) -> frozenset:
        todo, seen = list(states), set(states)
        while todo:
            for t in self.eps[todo.pop()]:
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        return frozenset(seen)

    def step(self, state: frozenset, digit: str) -> frozenset:
        key = (state, digit)
        got = self._step.get(key)
        if got is None:
            got = self._step[key] = self._closure(
                {t for s in state for chars, t in self.moves[s] if digit in chars})
        return got

    def decided(self, state: frozenset, left: int) -> bool:
        """Whether every string of ``left`` digits from ``state`` matches, or none does."""
        key = (state, left)
        got = self._decided.get(key)
        if got is None:
            every, some = self._every_some(state, left)
            got = self._decided[key] = every or not some
        return got

    def _every_some(self, state: frozenset, left: int) -> tuple[bool, bool]:
        key = (state, left)
        got = self._memo.get(key)
        if got is None:
            got = self._memo[key] = self._every_some_uncached(state, left)
        return got

    def _every_some_uncached(self, state: frozenset, left: int) -> tuple[bool, bool]:
        if left == 0:
            accepted = self.final in state
            return accepted, accepted
        if not state:
            return False, False
        every, some = True, False
        for d in _DIGITS:
            e, s = self._every_some(self.step(state, d), left - 1)
            every = every and e
            some = some or s
        return every, some


def _metadata_patterns(country_code: int) -> list[str]:
    """Every expression the library may test an Australian number's national digits against."""
    out = []
    for region in pn.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()):
        meta = PhoneMetadata.metadata_for_region(region)
        if meta is None:
            continue
        if meta.leading_digits:
            out.append(f"(?:{meta.leading_digits})\\d*")   # matched at the start only
        for name in ("general_desc", "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost",
                     "personal_number", "voip", "pager", "uan", "voicemail", "no_international_dialling"):
            desc = getattr(meta, name, None)
            if desc is not None and desc.national_number_pattern:
                out.append(desc.national_number_pattern)
    return list(dict.fromkeys(out))


class ExactCache:
    """``classify_national`` per shortest decided prefix and length (see the module's text)."""

    def __init__(self, classify=classify_national, country_code: int = AU):
        self.classify = classify
        try:
            self.automata = [_Automaton(p) for p in _metadata_patterns(country_code)]
        except (_Unsupported, ValueError):
            self.automata = None        # key on the whole number: still exact, just not faster
        self._by_length: dict[int, dict[str, tuple[str, str | None]]] = {}
        self.misses = 0

    def _key(self, nsn: str) -> str:
        if self.automata is None:
            return nsn
        states = [a.start for a in self.automata]
        n = len(nsn)
        for d in range(1, n + 1):
            digit = nsn[d - 1]
            states = [a.step(s, digit) for a, s in zip(self.automata, states)]
            left = n - d
            if all(a.decided(s, left) for a, s in zip(self.automata, states)):
                return nsn[:d]
        return nsn

    def for_prefix(self, prefix: str, length: int) -> tuple[str, str | None] | None:
        """What every number of ``length`` digits starting with ``prefix`` gets, or None when they do
        not all get the same answer (a longer prefix decides)."""
        if self.automata is None or not prefix:
            return None
        table = self._by_length.setdefault(length, {})
        for d in range(1, len(prefix) + 1):
            got = table.get(prefix[:d])
            if got is not None:
                return got
        states = [a.start for a in self.automata]
        for d in range(1, min(len(prefix), length) + 1):
            digit = prefix[d - 1]
            states = [a.step(s, digit) for a, s in zip(self.automata, states)]
            if all(a.decided(s, length - d) for a, s in zip(self.automata, states)):
                self.misses += 1
                got = table[prefix[:d]] = self.classify(prefix[:d] + "0" * (length - d))
                return got
        return None

    def __call__(self, nsn: str) -> tuple[str, str | None]:
        n = len(nsn)
        table = self._by_length.get(n)
        if table is None:
            table = self._by_length[n] = {}
        else:
            for d in range(1, n + 1):
                got = table.get(nsn[:d])
                if got is not None:
                    return got
        self.misses += 1
        got = table[self._key(nsn)] = self.classify(nsn)
        return got


_cache: ExactCache | None = None


def _shared_cache() -> ExactCache:
    global _cache
    if _cache is None:
        _cache = ExactCache()
    return _cache


def classify_cached(nsn: str) -> tuple[str, str | None]:
    return _shared_cache()(nsn)


def national_problems(numbers: list[str]) -> list[tuple[int, str, str]]:
    """``(index, severity, message template)`` of the numbers that are not plain numbers in use,
    for a column of numbers in the dialler's form, each "0" and 9 digits or "" (none).

    Numbers are grouped by their first four digits: a group the exact cache decides at once
    (all its numbers get the same answer) costs one look-up, whatever its size."""
    cache = _shared_cache()
    first4 = itemgetter(slice(1, 5))        # (map with itemgetter: C speed, no Python call per number)
    attention = set()
    for p in set(map(first4, numbers)):
        if p:
            got = cache.for_prefix(p, 9)
            if got is None or got[0]:
                attention.add(p)
    if not attention:
        return []
    out = []
    for i in compress(range(len(numbers)), map(attention.__contains__, map(first4, numbers))):
        severity, template = cache(numbers[i][1:])
        if severity:
            out.append((i, severity, template))
    return out


# --------------------------------------------------------------------------------------

def check_phone(value: str) -> tuple[str | None, str | None, str]:
    """``(number, problem, severity)``: the number to send (None: not sent) and what is wrong.

    ``problem`` is None (and severity "") for an Australian number in use."""
    v = value.translate(_STRIP)
    if not v:
        return None, _NOT_A_NUMBER.format(value=value), ERROR
    if v[0] == "+":
        rest = v[1:]
        if not rest.isdigit() or not rest.isascii():
            return None, _NOT_A_NUMBER.format(value=value), ERROR
        if rest.startswith("61"):
            nsn = rest[2:]
            return _australian(value, nsn[1:] if nsn.startswith("0") else nsn, len(rest), None)
        return _foreign(value, v)
    if not v.isdigit() or not v.isascii():
        return None, _NOT_A_NUMBER.format(value=value), ERROR
    if v.startswith("00"):
        intl = "+" + (v[4:] if v.startswith("0011") else v[2:])
        if intl.startswith("+61"):
            return _australian(value, intl[3:], len(v), None)
        return _foreign(value, v, intl)
    if len(v) == 11 and v.startswith("61") and v[2] in _LOST_ZERO_FIRST:
        return _australian(value, v[2:], len(v), None)
    if len(v) == 12 and v.startswith("610"):
        return _australian(value, v[3:], len(v), None)
    if len(v) == 9 and v[0] in _LOST_ZERO_FIRST:
        return _australian(value, v, len(v), ZERO_MSG)
    if v[0] == "0":
        return _australian(value, v[1:], len(v), None)
    return _australian(value, v, len(v), None)


def _australian(value: str, nsn: str, digits: int, note: str | None) -> tuple[str | None, str | None, str]:
    if not nsn or nsn[0] == "0":
        return None, _LENGTH_MSG.format(value=value, digits=digits), ERROR
    severity, template = classify_cached(nsn)
    number = nsn if nsn[0] == "1" else "0" + nsn
    if severity == ERROR:
        if template is _LENGTH_MSG and digits == len(nsn) == 8:   # a local number, typed without 0
            template = _NO_AREA_MSG
        return None, template.format(value=value, digits=digits), ERROR
    if severity == WARNING:
        return number, template.format(value=value, digits=digits), WARNING
    if note is not None:
        return number, note, WARNING
    return number, None, ""


def _foreign(value: str, sent: str, parse_as: str | None = None) -> tuple[str | None, str | None, str]:
    try:
        number = pn.parse(parse_as or sent, None)
    except pn.NumberParseException:
        number = None
    if number is None or pn.is_possible_number_with_reason(number) != V.IS_POSSIBLE:
        digits = sum(c.isdigit() for c in sent)
        return None, f"'{value}' has {digits} digits, which is not a phone number.", ERROR
    region = pn.region_code_for_number(number) or f"+{number.country_code}"
    return sent, (f"'{value}' is not an Australian number ({region}); check that the dialler can "
                  "call overseas."), WARNING
