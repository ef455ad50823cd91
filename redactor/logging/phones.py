"""Phone numbers for the log fast path (the compliance layer's patterns have none).

Two formats only, because a loose phone pattern wrecks log lines (timestamps, ids,
durations are digit runs too):

* **NANP, grouped 3-3-4**: ``415-555-0132``, ``415.555.0132``, ``415 555 0132``,
  ``(415) 555-0132``, optionally after ``+1``/``1-``/``001-``; the area code and the exchange
  must start with 2-9 (the NANP numbering rule), so ``102-203-4000`` is rejected.
  Dates (4-2-2) and IPs never have this shape.
* **International with ``+``**: ``+44 20 7946 0958``, ``+14155550132``; validated
  with ``phonenumbers`` (``is_possible_number`` -- length per country, not whether
  the number is assigned today: fail safe).
* Ten bare digits (``4155550132``) only shortly after a context word (phone, tel,
  mobile, cell, fax, sms, call, dial, contact, ...); otherwise they are ids.

``PhoneRecognizer`` is a :class:`~redactor.recognizers.patterns.ValidatedPatternRecognizer`
(the same ``Rule`` machinery and metadata as the checksummed recognizers), so it
also works in a Presidio registry.  Importing this module imports Presidio.
"""

from __future__ import annotations

import re

from redactor.recognizers.patterns import Rule, Span, ValidatedPatternRecognizer

__all__ = ["PHONE_ENTITY", "PhoneRecognizer", "international_phone_ok", "nanp_ok"]

PHONE_ENTITY = "PHONE_NUMBER"

_PHONE_CONTEXT = re.compile(r"(?i)\b(?:phone|tel|telephone|mobile|cell|cellphone|fax|sms|whatsapp|call|called"
                            r"|calling|dial|dialed|contact)\b")


def nanp_ok(digits: str) -> bool:
    """Ten NANP digits: area code and exchange start with 2-9."""
    return len(digits) == 10 and digits.isdigit() and digits[0] not in "01" and digits[3] not in "01"


def international_phone_ok(candidate: str) -> bool:
    """``+<country code> ...`` that ``phonenumbers`` finds possible (8-15 digits
    without it)."""
    digits = re.sub(r"\D", "", candidate)
    if not 8 <= len(digits) <= 15:
        return False
    try:
        import phonenumbers
    except ImportError:  # pragma: no cover - a dependency of presidio-analyzer
        return True
    try:
        number = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_possible_number(number))


def _nanp_span(match: re.Match[str]) -> Span | None:
    digits = re.sub(r"\D", "", match.group("number"))
    return match.span() if nanp_ok(digits) else None


def _international_span(match: re.Match[str]) -> Span | None:
    number = re.sub(r"[ ]?(?:x|ext\.?|#)[ ]?\d{1,6}$", "", match.group(0))
    return match.span() if international_phone_ok(number) else None


def _bare_in_context(match: re.Match[str]) -> Span | None:
    if not nanp_ok(match.group(0)):
        return None
    window = match.string[max(0, match.start() - 24):match.start()]
    return match.span() if _PHONE_CONTEXT.search(window) else None


_START = r"(?<![\w+.-])"  # not inside a longer token
_EXT = r"(?:[ ]?(?:x|ext\.?|#)[ ]?\d{1,6})?"  # an extension belongs to the number
_END = r"(?![\w-])(?![.,]\d)"


class PhoneRecognizer(ValidatedPatternRecognizer):
    """Phone numbers in the formats of the module docstring -> ``PHONE_NUMBER``:
    grouped NANP 0.8, ``+`` international 0.85, bare ten digits after a context word 0.6."""

    ENTITIES = (PHONE_ENTITY,)
    RULES = (
        Rule("phone_nanp", re.compile(_START + r"(?:(?:\+?1|001)[ .-]?)?(?P<number>\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}"
                                      r"|\d{3}(?P<sep>[ .-])\d{3}(?P=sep)\d{4})" + _EXT + _END),
             PHONE_ENTITY, 0.8, _nanp_span),
        Rule("phone_international", re.compile(_START + r"\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?)(?:[ .-]?\d{1,4}){1,5}"
                                               + _EXT + _END),
             PHONE_ENTITY, 0.85, _international_span),
        Rule("phone_bare_with_context", re.compile(r"(?<![\w+.-])\d{10}" + _END),
             PHONE_ENTITY, 0.6, _bare_in_context),
    )
