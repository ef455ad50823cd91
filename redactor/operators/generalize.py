"""HIPAA Safe Harbor generalizers (45 CFR 164.514(b)(2)) as pure functions of the span text.

Safe Harbor keeps only the year of dates, aggregates all ages over 89 into one "90 or older"
category, and keeps only the first three digits of a ZIP code (``000`` where that 3-digit area
has 20,000 people or fewer).  Each function here fails closed: a span it cannot parse becomes a
fixed tag (``<DATE>``, ``<AGE>``, ``<ZIP>``), never the input, because a span the detector
labelled as a date/age/ZIP but that we cannot read is still identifying.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterable

from redactor.operators.params import RESTRICTED_ZIP3

DATE_TAG = "<DATE>"
AGE_TAG = "<AGE>"
ZIP_TAG = "<ZIP>"
AGE_90_PLUS = "90+"
RESTRICTED_ZIP_OUTPUT = "000"

# -- dates ----------------------------------------------------------------------------------
_MIN_YEAR, _MAX_YEAR = 1800, 2199
_YEAR4_RE = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_COMPACT_RE = re.compile(r"\d{8}")
_APOSTROPHE_YEAR_RE = re.compile(r"['\u2019\u2018](\d{2})(?!\d)")
_NUMERIC_2DIGIT_RE = re.compile(r"(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{2})(?!\d)(?:[\sT,].*)?")
_MONTH_RE = re.compile(
    r"(?<![a-z])(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sept?(ember)?"
    r"|oct(ober)?|nov(ember)?|dec(ember)?)(?![a-z])\.?", re.IGNORECASE)
_SMALL_NUMBER_RE = re.compile(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?(?!\d)", re.IGNORECASE)


def _expand_two_digit_year(yy: int, reference_year: int) -> int:
    """19yy when yy is after the reference year's last two digits, else 20yy (no future dates)."""
    return 2000 + yy if yy <= reference_year % 100 else 1900 + yy


def _compact_year(text: str) -> int | None:
    """YYYYMMDD (preferred) or DDMMYYYY / MMDDYYYY written without separators."""
    head, tail = int(text[:4]), int(text[4:])
    if _MIN_YEAR <= head <= _MAX_YEAR and 1 <= tail // 100 <= 12 and 1 <= tail % 100 <= 31:
        return head
    first, second, year = int(text[:2]), int(text[2:4]), int(text[4:])
    if _MIN_YEAR <= year <= _MAX_YEAR and 1 <= first <= 31 and 1 <= second <= 31 and min(first, second) <= 12:
        return year
    return None


def year_only(text: str, *, reference_year: int | None = None) -> str:
    """The 4-digit year of a date written in almost any format, or ``<DATE>``.

    Handles ISO (2021-03-04, 2021/3/4, 20210304, with or without a time), numeric day/month
    orders (04/03/2021, 03.04.2021, 3-4-2021), month names in any position (3 March 2021,
    March 3, 2021, Mar 3rd 2021, 3. März 2021), and two-digit years (3/4/21, Mar 3 '21,
    3 March 21).  Two-digit years become 20yy unless that would be after ``reference_year``
    (default: this year), then 19yy.  No year, or two different years, gives ``<DATE>``.
    """
    if not isinstance(text, str):
        return DATE_TAG
    text = text.strip()
    years = {int(y) for y in _YEAR4_RE.findall(text) if _MIN_YEAR <= int(y) <= _MAX_YEAR}
    if len(years) == 1:
        return f"{years.pop():04d}"
    if len(years) > 1:
        return DATE_TAG
    if _COMPACT_RE.fullmatch(text):
        year = _compact_year(text)
        return DATE_TAG if year is None else f"{year:04d}"
    if _YEAR4_RE.search(text):  # a 4-digit number outside the plausible range: not a year we trust
        return DATE_TAG
    reference = _dt.date.today().year if reference_year is None else reference_year
    apostrophe = _APOSTROPHE_YEAR_RE.search(text)
    if apostrophe:
        return f"{_expand_two_digit_year(int(apostrophe.group(1)), reference):04d}"
    numeric = _NUMERIC_2DIGIT_RE.fullmatch(text)
    if numeric:
        first, second, yy = int(numeric.group(1)), int(numeric.group(3)), int(numeric.group(4))
        if 1 <= first <= 31 and 1 <= second <= 31 and min(first, second) <= 12:
            return f"{_expand_two_digit_year(yy, reference):04d}"
        return DATE_TAG
    if _MONTH_RE.search(text):
        numbers = [int(n) for n in _SMALL_NUMBER_RE.findall(_MONTH_RE.sub(" ", text))]
        if len(numbers) == 2 and 1 <= numbers[0] <= 31:
            return f"{_expand_two_digit_year(numbers[1], reference):04d}"
    return DATE_TAG


# -- ages -----------------------------------------------------------------------------------
_YEARS_PER_UNIT: dict[str, float] = {
    **dict.fromkeys(("y", "yr", "yrs", "year", "years", "yo"), 1.0),
    **dict.fromkeys(("mo", "mos", "month", "months"), 1 / 12),
    **dict.fromkeys(("wk", "wks", "week", "weeks"), 7 / 365.25),
    **dict.fromkeys(("d", "day", "days"), 1 / 365.25),
}
_AGE_FILLERS = frozenset({"age", "aged", "old", "o", "about", "approximately", "approx"})
_AGE_TOKEN_RE = re.compile(r"(?P<number>\d+(?:\.\d+)?)|(?P<word>[a-z]+)|(?P<punct>[\s+\-/.,:()~])|(?P<other>.)")


def _age_in_years(text: str) -> float | None:
    """Sum of ``<number> [unit]`` pairs ("92", "92-year-old", "3 years 4 months"), or None."""
    total: float | None = None
    pending: float | None = None
    for token in _AGE_TOKEN_RE.finditer(text.lower()):
        kind = token.lastgroup
        if kind == "other":
            return None
        if kind == "number":
            if pending is not None:  # two numbers in a row: "92 3" is not an age
                return None
            pending = float(token.group())
        elif kind == "word":
            word = token.group()
            if word in _YEARS_PER_UNIT:
                if pending is None:
                    if total is not None or word == "yo":  # a unit after a unit ("92 years yo")
                        continue
                    return None
                total = (total or 0.0) + pending * _YEARS_PER_UNIT[word]
                pending = None
            elif word not in _AGE_FILLERS:
                return None
    if pending is not None:
        total = (total or 0.0) + pending  # a bare number is in years
    return total


def age_90_plus(text: str) -> str:
    """``90+`` for an age of 90 years or more, the span unchanged for 0-89, ``<AGE>`` if unreadable.

    Accepts "92", "92 years old", "92-year-old", "92yo", "92 y/o", "aged 92", "1100 months",
    "3 years 4 months"; whole years count ("89.9" is 89, kept).  Anything else (words, several
    unrelated numbers) is ``<AGE>``: Safe Harbor aggregates ages over 89, and an age we cannot
    read might be one.
    """
    if not isinstance(text, str):
        return AGE_TAG
    years = _age_in_years(text)
    if years is None or not math.isfinite(years):
        return AGE_TAG
    return AGE_90_PLUS if math.floor(years) >= 90 else text


# -- ZIP codes ------------------------------------------------------------------------------
_ZIP_RE = re.compile(r"(?:zip(?:\s*code)?\s*[:#]?\s*)?(?P<zip3>\d{3})\d{2}(?:\s*-\s*\d{4}|\s?\d{4})?",
                     re.IGNORECASE)


def _check_prefixes(restricted: Iterable[str]) -> frozenset[str]:
    prefixes = frozenset(restricted)
    bad = sorted(p for p in prefixes if not (isinstance(p, str) and len(p) == 3 and p.isdigit()))
    if bad:
        raise ValueError(f"restricted ZIP prefixes must be 3-digit strings, got {bad!r}")
    return prefixes


def zip3(text: str, restricted: Iterable[str] = RESTRICTED_ZIP3) -> str:
    """The first three digits of a US ZIP or ZIP+4 ("02139-4307" -> "021"), or ``<ZIP>``.

    A prefix in ``restricted`` (by default HHS's list of 3-digit areas of 20,000 people or
    fewer) becomes ``000``.  The output is exactly three digits, the usual form of a ZIP3
    column, so it cannot be mistaken for a full ZIP code.
    """
    prefixes = _check_prefixes(restricted)
    if not isinstance(text, str):
        return ZIP_TAG
    match = _ZIP_RE.fullmatch(text.strip())
    if match is None:
        return ZIP_TAG
    prefix = match.group("zip3")
    return RESTRICTED_ZIP_OUTPUT if prefix in prefixes else prefix
