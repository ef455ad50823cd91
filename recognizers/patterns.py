"""Validated pattern recognizers for structured identifiers (issue #4).

Each recognizer finds candidates with a regular expression and then *validates* them
(Luhn and issuer ranges for cards, ISO 13616 mod-97 for IBANs, SSA allocation rules for
SSNs, the ``ipaddress`` parser for IPs, a JSON header for JWTs, ...), so look-alikes such
as order numbers, version strings, commit hashes and UUIDs are rejected instead of being
scored low.  What survives validation gets a high score:

================================================================  =========
checksum-validated: credit card (Luhn + issuer), IBAN (mod-97)     1.0
distinctive: e-mail; AWS/GitHub/Slack/Stripe-secret/Google keys,   0.95
JWT, PEM private key
IPv6 (``ipaddress``)                                               0.9
IPv4, URL, ``ddd-dd-dddd`` SSN                                     0.85
``key=value`` / quoted secret, ``Bearer`` token                    0.8
``ddd dd dddd`` SSN, bare ``key: value`` secret, Stripe publishable 0.7
nine bare digits next to an SSN context word                       0.6
================================================================  =========

Every result carries ``recognition_metadata`` ``{"validated": True, "pattern": <rule>,
"checksum": <bool>}`` (read by :mod:`redactor.recognizers.overlaps`, where a checksum
beats a model guess) and an ``AnalysisExplanation``.  The recognizers are plain
``EntityRecognizer`` subclasses: they need no NLP artifacts (they work under the
``no_op`` engine) and have no ``context`` words, so Presidio's lemma enhancer never
re-scores them; the only context rule (bare 9-digit SSNs) is applied here.

Class names deliberately differ from Presidio's predefined ones (``CreditCardRecognizer``,
``IbanRecognizer``, ...): Presidio's YAML loader finds classes by bare name among
``EntityRecognizer.__subclasses__()``, so a clash would make the lookup ambiguous.

Decisions (documented here because tests pin them):

* **SSN fakes.** 078-05-1120 (the Woolworth wallet card, voided by the SSA in 1943) and
  219-09-9999 (an SSA advertisement number, never issued) are rejected: they cannot
  belong to anyone.  123-45-6789 is *kept*: it satisfies the SSA rules, area 123 was
  really issued, and a redactor must fail safe -- masking a test value costs nothing,
  leaking a real one does.
* **Non-personal IPs are skipped, not scored low**: unspecified (0.0.0.0, ::), loopback
  (127.0.0.0/8, ::1, and their IPv4-mapped forms) and IPv4 240.0.0.0/4 (broadcast and
  netmasks such as 255.255.255.0).  They are the same on every machine, so they identify
  no one, and Presidio's default threshold of 0 would still mask a low-scored result,
  wrecking log lines like ``listening on 127.0.0.1:8080``.  Private ranges (10/8,
  192.168/16, ...) are *kept*: inside an organisation they identify a device.
* A syntactically valid dotted quad such as ``1.2.3.4`` is an IPv4 address even after the
  word "version"; dotted strings with other than four parts (``v2.10.3``,
  ``1.2.3.4.5``) and octets over 255 are rejected.
* **Secrets by key.** For ``password=...``/``api_key: ...`` only the value is the span;
  password-like keys give ``PASSWORD``, the rest ``API_KEY``.  Values that are already
  masked (``****``), literals (``null``, ``true``, ...) or template references
  (``${VAR}``, ``{{ var }}``) are not secrets and are skipped, and an API-key value must
  have 8+ characters (``max_token: 5`` is no token; passwords may be short).  A bare value
  runs to the next whitespace, quote, ``<`` or ``>``; ``&``, ``;`` and ``,`` end it only
  where the next ``key=`` pair starts (query and connection strings).  Trailing
  punctuation is kept because passwords may end in it: over-masking one character
  costs nothing, leaking one does.
* No generic "high-entropy string" rule: that is what would flag commit hashes and UUIDs.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from abc import ABC
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, LocalRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

__all__ = [
    "CHECKSUM_KEY", "IBAN_LENGTHS", "PATTERN_ENTITIES", "PATTERN_KEY", "SSN_VOIDED", "VALIDATED_KEY",
    "CheckedCreditCardRecognizer", "CheckedEmailRecognizer", "CheckedIbanRecognizer",
    "CheckedIpRecognizer", "CheckedUrlRecognizer", "CheckedUsSsnRecognizer", "Rule", "SecretRecognizer",
    "ValidatedPatternRecognizer", "card_scheme", "iban_is_valid", "luhn_is_valid", "pattern_recognizers",
    "ssn_is_valid",
]

#: ``recognition_metadata`` keys set on every result of these recognizers.
VALIDATED_KEY = "validated"
PATTERN_KEY = "pattern"
CHECKSUM_KEY = "checksum"

Span = tuple[int, int]
Check = Callable[[re.Match[str]], "Span | None"]


# ------------------------------------------------------------------------------------
# The shared machinery: a rule is a regex plus a check that validates a match and
# returns the span to report (possibly narrower than the match), or None to reject it.
# ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """One named pattern: ``regex`` proposes, ``check`` validates and returns the span."""

    name: str
    regex: re.Pattern[str]
    entity_type: str
    score: float
    check: Check | None = None
    checksum: bool = False

    def spans(self, text: str) -> Iterator[Span]:
        """The validated spans of this rule in ``text``."""
        for match in self.regex.finditer(text):
            span = self.check(match) if self.check is not None else match.span()
            if span is not None and span[0] < span[1]:
                yield span


def _group_span(group: str, accept: Callable[[str], bool] | None = None) -> Check:
    """A check that reports one named group, optionally only if ``accept(group_text)``."""

    def check(match: re.Match[str]) -> Span | None:
        value = match.group(group)
        if value is None or (accept is not None and not accept(value)):
            return None
        return match.span(group)

    return check


def _accept(predicate: Callable[[str], bool]) -> Check:
    """A check that keeps the whole match when ``predicate(match_text)`` holds."""
    return lambda match: match.span() if predicate(match.group(0)) else None


class ValidatedPatternRecognizer(LocalRecognizer, ABC):
    """Base class: runs ``RULES`` and turns validated spans into ``RecognizerResult``s.

    Subclasses only declare ``ENTITIES`` and ``RULES``.  The constructor takes the
    keyword arguments of ``EntityRecognizer.to_dict()`` so ``from_dict`` round-trips.
    """

    ENTITIES: ClassVar[tuple[str, ...]] = ()
    RULES: ClassVar[tuple[Rule, ...]] = ()

    def __init__(self, supported_language: str = "en", name: str | None = None,
                 supported_entities: Sequence[str] | None = None, version: str = "1.0.0",
                 score_thresholds: dict[str, float] | None = None) -> None:
        entities = list(supported_entities) if supported_entities is not None else list(self.ENTITIES)
        unknown = set(entities) - set(self.ENTITIES)
        if unknown or not entities:
            raise ValueError(f"{type(self).__name__} produces {list(self.ENTITIES)}, "
                             f"cannot be configured for {sorted(unknown) or entities}")
        super().__init__(supported_entities=entities, name=name, supported_language=supported_language,
                         version=version, score_thresholds=score_thresholds)

    def load(self) -> None:
        """Nothing to load: the rules are compiled at import time."""

    def analyze(self, text: str, entities: list[str] | None,
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        """Validated findings in ``text`` for the requested ``entities``.

        ``entities`` is the engine's whole request list (or empty for "everything"), so
        it is intersected with what this instance supports.  When two rules report the
        same span and type, the higher score (then the earlier rule) is kept, and a span
        inside another of the same type and no lower score is dropped (the IPv4 part of
        ``::ffff:192.0.2.1``), as Presidio's engine would do anyway.
        """
        wanted = set(self.supported_entities)
        if entities:
            wanted &= set(entities)
        best: dict[tuple[str, int, int], Rule] = {}
        for rule in self.RULES:
            if rule.entity_type not in wanted:
                continue
            for start, end in rule.spans(text):
                key = (rule.entity_type, start, end)
                if key not in best or rule.score > best[key].score:
                    best[key] = rule
        results = [self._result(rule, start, end) for (_, start, end), rule in best.items()]
        return sorted(EntityRecognizer.remove_duplicates(results),
                      key=lambda r: (r.start, r.end, r.entity_type))

    def _result(self, rule: Rule, start: int, end: int) -> RecognizerResult:
        how = "checksum" if rule.checksum else "format"
        explanation = AnalysisExplanation(
            recognizer=self.name, original_score=rule.score, pattern_name=rule.name,
            pattern=rule.regex.pattern, validation_result=True,
            textual_explanation=f"Detected by `{self.name}` using pattern `{rule.name}` ({how} validated)",
        )
        return RecognizerResult(
            entity_type=rule.entity_type, start=start, end=end, score=rule.score,
            analysis_explanation=explanation,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                VALIDATED_KEY: True, PATTERN_KEY: rule.name, CHECKSUM_KEY: rule.checksum,
            },
        )


# ------------------------------------------------------------------------------------
# Credit cards: Luhn + issuer ranges
# ------------------------------------------------------------------------------------
def luhn_is_valid(digits: str) -> bool:
    """The Luhn (mod 10) check used by every card scheme."""
    if not digits.isdigit():
        return False
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# (scheme, inclusive prefix ranges, allowed lengths).  Ranges compare the leading digits
# as an integer of the bounds' width, so (2221, 2720) means "first four digits in range".
_CARD_SCHEMES: tuple[tuple[str, tuple[tuple[int, int], ...], frozenset[int]], ...] = (
    ("visa", ((4, 4),), frozenset({13, 16, 19})),
    ("mastercard", ((51, 55), (2221, 2720)), frozenset({16})),
    ("amex", ((34, 34), (37, 37)), frozenset({15})),
    ("discover", ((6011, 6011), (644, 649), (65, 65), (622126, 622925)), frozenset(range(16, 20))),
    ("diners", ((300, 305), (36, 36), (38, 39)), frozenset(range(14, 20))),
    ("jcb", ((3528, 3589),), frozenset(range(16, 20))),
    ("unionpay", ((62, 62), (81, 81)), frozenset(range(16, 20))),
    ("maestro", ((50, 50), (56, 58), (6304, 6304), (6759, 6759), (676770, 676770), (676774, 676774)),
     frozenset(range(13, 20))),
    ("mir", ((2200, 2204),), frozenset(range(16, 20))),
)


def card_scheme(digits: str) -> str | None:
    """The card scheme whose issuer range and length fit ``digits``, or None."""
    for scheme, ranges, lengths in _CARD_SCHEMES:
        if len(digits) not in lengths:
            continue
        for low, high in ranges:
            width = len(str(low))
            if low <= int(digits[:width]) <= high:
                return scheme
    return None


def _card_span(match: re.Match[str]) -> Span | None:
    """Validate a (possibly grouped) card candidate.

    A grouped candidate may have swallowed a trailing number ("... 1111 123" with a CVV
    after it); if the whole run fails, the trailing groups are dropped one at a time.
    """
    groups = re.split(r"[ -]", match.group(0))
    for keep in range(len(groups), 0, -1):
        digits = "".join(groups[:keep])
        if len(digits) < 13:
            break
        if len(digits) <= 19 and luhn_is_valid(digits) and card_scheme(digits):
            consumed = sum(len(g) for g in groups[:keep]) + keep - 1
            return match.start(), match.start() + consumed
    return None


# Not inside a longer word/number: no word char before, and not right after "<digit><sep>".
_NUM_START = r"(?<!\w)(?<!\d[ .,-])"


class CheckedCreditCardRecognizer(ValidatedPatternRecognizer):
    """Payment card numbers (13-19 digits, grouped by spaces or dashes or not at all)
    that pass the Luhn check and fall in a known issuer range -> ``CREDIT_CARD``, 1.0."""

    ENTITIES = ("CREDIT_CARD",)
    RULES = (
        Rule("card_grouped_4", re.compile(_NUM_START + r"\d{4}(?P<sep>[ -])\d{4}(?:(?P=sep)\d{4}){1,2}"
                                   r"(?:(?P=sep)\d{1,4})?(?!\w)"),
             "CREDIT_CARD", 1.0, _card_span, checksum=True),
        Rule("card_grouped_4_6_5", re.compile(_NUM_START + r"\d{4}(?P<sep>[ -])\d{6}(?P=sep)\d{4,5}(?!\w)"),
             "CREDIT_CARD", 1.0, _card_span, checksum=True),
        Rule("card_plain", re.compile(_NUM_START + r"\d{13,19}(?!\w)(?![.,]\d)"),
             "CREDIT_CARD", 1.0, _card_span, checksum=True),
    )


# ------------------------------------------------------------------------------------
# IBAN: country length table + ISO 13616 mod-97
# ------------------------------------------------------------------------------------
#: IBAN lengths per country (ISO 13616 registry); a country not listed is not matched.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30,
    "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}


def iban_is_valid(iban: str) -> bool:
    """Country length and the ISO 13616 check: rearranged, letters as 10..35, mod 97 == 1."""
    iban = iban.replace(" ", "").upper()
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban[2:4].isdigit():
        return False
    if not (iban.isascii() and iban.isalnum()):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _iban_span(match: re.Match[str]) -> Span | None:
    """Read exactly the country's IBAN length from the match start, either unbroken or
    grouped by four with single spaces, then require a boundary and a valid checksum.

    Scanning by the length table (rather than a greedy regex) keeps a following word or
    number from being glued onto a grouped IBAN.
    """
    text, start = match.string, match.start()
    length = IBAN_LENGTHS.get(match.group("cc").upper())
    if length is None:
        return None
    chars: list[str] = []
    i, grouped = start, None
    while len(chars) < length:
        if chars and len(chars) % 4 == 0:
            if grouped is None:
                grouped = i < len(text) and text[i] == " "
            if grouped:
                if i >= len(text) or text[i] != " ":
                    return None
                i += 1
        if i >= len(text) or not (text[i].isascii() and text[i].isalnum()):
            return None
        chars.append(text[i])
        i += 1
    if i < len(text) and text[i].isalnum():
        return None
    return (start, i) if iban_is_valid("".join(chars)) else None


class CheckedIbanRecognizer(ValidatedPatternRecognizer):
    """IBANs (grouped by four or unbroken) with the country's length and a valid mod-97
    check -> ``IBAN_CODE``, 1.0."""

    ENTITIES = ("IBAN_CODE",)
    RULES = (
        Rule("iban", re.compile(r"(?<![A-Za-z0-9])(?P<cc>[A-Za-z]{2})\d{2}(?= ?[A-Za-z0-9])"),
             "IBAN_CODE", 1.0, _iban_span, checksum=True),
    )


# ------------------------------------------------------------------------------------
# US SSN: SSA allocation rules
# ------------------------------------------------------------------------------------
#: Numbers the SSA voided or never issued although they pass the rules (module docstring).
SSN_VOIDED = frozenset({"078051120", "219099999"})

_SSN_CONTEXT = re.compile(r"\b(?:ssns?|ss#|ss\s?no|social\s+security|soc\.?\s?sec)", re.IGNORECASE)


def ssn_is_valid(digits: str) -> bool:
    """SSA rules: area not 000, 666 or 900-999; group not 00; serial not 0000; not voided."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
        return False
    return digits not in SSN_VOIDED


def _ssn_in_context(match: re.Match[str]) -> Span | None:
    """A bare 9-digit SSN only counts with an SSN context word shortly before or after it."""
    if not ssn_is_valid(match.group(0)):
        return None
    text = match.string
    window = text[max(0, match.start() - 48):match.start()] + " " + text[match.end():match.end() + 16]
    return match.span() if _SSN_CONTEXT.search(window) else None


def _ssn_digits_valid(value: str) -> bool:
    return ssn_is_valid(re.sub(r"\D", "", value))


class CheckedUsSsnRecognizer(ValidatedPatternRecognizer):
    """US Social Security numbers that satisfy the SSA allocation rules -> ``US_SSN``.

    ``ddd-dd-dddd`` scores 0.85, ``ddd dd dddd`` 0.7, and nine bare digits 0.6 and only
    next to a context word ("SSN", "social security", ...).
    """

    ENTITIES = ("US_SSN",)
    RULES = (
        Rule("ssn_dashed", re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])"),
             "US_SSN", 0.85, _accept(_ssn_digits_valid)),
        Rule("ssn_spaced", re.compile(r"(?<![\w-])(?<!\d )\d{3} \d{2} \d{4}(?!\w)(?! \d)"),
             "US_SSN", 0.7, _accept(_ssn_digits_valid)),
        Rule("ssn_bare_with_context", re.compile(_NUM_START + r"\d{9}(?!\w)(?![.,-]\d)"),
             "US_SSN", 0.6, _ssn_in_context),
    )


# ------------------------------------------------------------------------------------
# IP addresses: the stdlib parser decides
# ------------------------------------------------------------------------------------
def _personal_ip(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """False for addresses that are the same everywhere (module docstring)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_unspecified or address.is_loopback:
        return False
    return not (isinstance(address, ipaddress.IPv4Address) and address in _IPV4_RESERVED)


_IPV4_RESERVED = ipaddress.IPv4Network("240.0.0.0/4")


def _ipv4_span(match: re.Match[str]) -> Span | None:
    """Parse with ``ipaddress`` (leading zeros tolerated: "010.001.002.003" in logs)."""
    parts = match.group(0).split(".")
    if any(len(p) > 3 for p in parts):
        return None
    try:
        address = ipaddress.IPv4Address(".".join(str(int(p)) for p in parts))
    except ValueError:
        return None
    return match.span() if _personal_ip(address) else None


def _ipv6_span(match: re.Match[str]) -> Span | None:
    """Parse with ``ipaddress``; a candidate that ran into a trailing ':' is retried without it."""
    candidate = match.group(0)
    for trimmed in (candidate, candidate.rstrip(":")):
        try:
            address = ipaddress.IPv6Address(trimmed)
        except ValueError:
            continue
        if not _personal_ip(address):
            return None
        return match.start(), match.start() + len(trimmed)
    return None


class CheckedIpRecognizer(ValidatedPatternRecognizer):
    """IPv4 (0.85) and IPv6 (0.9; full, compressed and IPv4-mapped forms) addresses that
    ``ipaddress`` accepts -> ``IP_ADDRESS``; non-personal addresses are skipped."""

    ENTITIES = ("IP_ADDRESS",)
    RULES = (
        Rule("ipv4", re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\w)(?!\.\d)"), "IP_ADDRESS", 0.85, _ipv4_span),
        Rule("ipv6", re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?"
                         r"(?!\w)(?![.:]\w)"),
             "IP_ADDRESS", 0.9, _ipv6_span),
    )


# ------------------------------------------------------------------------------------
# E-mail addresses and URLs
# ------------------------------------------------------------------------------------
def _email_ok(value: str) -> bool:
    """RFC 5321 length limits: local part <= 64, whole address <= 254."""
    local, _, _ = value.rpartition("@")
    return len(local) <= 64 and len(value) <= 254


_CLOSERS = {")": "(", "]": "[", "}": "{"}


def _trim_trailing(value: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets from the end of a URL:
    "(see https://x.org/a_(b))." keeps "https://x.org/a_(b)"."""
    while value:
        last = value[-1]
        if last in ".,;:!?'\"*":
            value = value[:-1]
        elif last in _CLOSERS and value.count(last) > value.count(_CLOSERS[last]):
            value = value[:-1]
        else:
            break
    return value


def _url_span(match: re.Match[str]) -> Span | None:
    value = _trim_trailing(match.group(0))
    full = value if "://" in value else "http://" + value
    try:
        parts = urlsplit(full)
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        return None
    if not host or not ("." in host or host == "localhost" or ":" in host):
        return None
    if host.startswith(".") or host.endswith(".") or ".." in host:
        return None
    return match.start(), match.start() + len(value)


_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"


class CheckedEmailRecognizer(ValidatedPatternRecognizer):
    """E-mail addresses (dot-atom local part, DNS domain, alphabetic TLD) -> ``EMAIL_ADDRESS``, 0.95."""

    ENTITIES = ("EMAIL_ADDRESS",)
    RULES = (
        Rule("email", re.compile(r"(?<![\w.%+-])[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@" + _DOMAIN
                          + r"(?![\w-])(?!\.[A-Za-z0-9])"),
             "EMAIL_ADDRESS", 0.95, _accept(_email_ok)),
    )


class CheckedUrlRecognizer(ValidatedPatternRecognizer):
    """``http(s)://`` and ``www.`` URLs with path and query; trailing punctuation and
    unbalanced closing brackets are not part of the span -> ``URL``, 0.85."""

    ENTITIES = ("URL",)
    RULES = (
        Rule("url", re.compile(r"(?<![\w@/.:-])(?:https?://|www\.)[^\s<>\"'`{}|\\^]+", re.IGNORECASE),
             "URL", 0.85, _url_span),
    )


# ------------------------------------------------------------------------------------
# Secrets: vendor token formats, JWTs, PEM private keys, key=value assignments
# ------------------------------------------------------------------------------------
def _b64url_json(part: str) -> object:
    """Decode one base64url JWT segment as JSON (None when it is not)."""
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        return json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def _jwt_ok(token: str) -> bool:
    """A JWS: the header decodes to a JSON object naming its ``alg``."""
    header = _b64url_json(token.split(".", 1)[0])
    return isinstance(header, dict) and isinstance(header.get("alg"), str)


_PLACEHOLDER = re.compile(r"(?i)^(?:[*x•#.]+|null|none|nil|true|false|undefined|redacted|\$\{.*|\{\{.*|%\(.*)$")


def _assigned_value(min_length: int) -> Check:
    """A check reporting the assigned value (quoted or bare) unless it is masked, a
    literal or a template reference, or shorter than ``min_length``.

    Passwords may be short (``min_length`` 1); API keys and tokens are long, so a short
    value after ``token:`` ("max_token: 5") is not one.
    """

    def check(match: re.Match[str]) -> Span | None:
        group = "quoted" if match.groupdict().get("quoted") is not None else "bare"
        value = match.group(group)
        if len(value) < min_length or _PLACEHOLDER.match(value):
            return None
        return match.span(group)

    return check


def _pem_span(match: re.Match[str]) -> Span | None:
    """The whole key block (header, base64 body, footer): the body is the secret.  Without
    a footer (a truncated paste) the block runs over the base64 lines up to a blank line."""
    return match.start(), match.start() + len(match.group(0).rstrip())


_TOKEN_END = r"(?![A-Za-z0-9_-])"
_PASSWORD_KEY = r"(?:[A-Za-z0-9_.-]*?(?:password|passwd|passphrase)|(?:[A-Za-z0-9_.-]*[_.-])?(?:pwd|pass|pw))"
_API_KEY_KEY = (r"[A-Za-z0-9_.-]*?(?:api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key"
                r"|client[_-]?secret|secret|token)")


def _assignment(key: str, operator: str, value: str) -> re.Pattern[str]:
    """``<key>["']? <operator> <value>`` with the key matched case-insensitively."""
    return re.compile(r"(?<![A-Za-z0-9_.-])(?i:" + key + r")[\"']?[ \t]*" + operator + r"[ \t]*" + value)


# A bare value runs to whitespace, a quote or <>; "&", ";" and "," end it only where the
# next "key=" pair starts (query strings; connection strings, whose keys may contain
# spaces: "User Id=sa"), so "Tr0ub4dor&3" stays whole.
_BARE = r"(?P<bare>[^\s\"'<>=&;,](?:[^\s\"'<>&;,]|[&;,](?![ \t]*[A-Za-z_][\w .-]*=))*)"
_QUOTED_OR_BARE = r"(?:(?P<q>[\"'])(?P<quoted>(?:(?!(?P=q))[^\r\n])+)(?P=q)|" + _BARE + ")"
_ASSIGN = r"(?:=>|:=|=|:(?=[ \t]*[\"']))"  # ":" only before a quoted value; bare "key: v" is weaker


class SecretRecognizer(ValidatedPatternRecognizer):
    """Credentials -> ``API_KEY`` (and ``PASSWORD`` for password assignments).

    Vendor formats with a distinctive prefix (AWS access key ids, GitHub, Slack, Stripe
    secret keys, Google API keys), JWTs whose header decodes, and PEM private-key blocks
    score 0.95; Stripe publishable keys 0.7 (public by design); the value of a
    ``key = value`` / ``"key": "value"`` assignment 0.8, or 0.7 after a bare ``key:``
    (prose such as "Password: see below" uses that form too); ``Bearer <token>`` 0.8.
    """

    ENTITIES = ("API_KEY", "PASSWORD")
    RULES = (
        Rule("aws_access_key_id", re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])"),
             "API_KEY", 0.95),
        Rule("github_token", re.compile(r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,251}" + _TOKEN_END), "API_KEY", 0.95),
        Rule("github_pat", re.compile(r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{36,255}" + _TOKEN_END),
             "API_KEY", 0.95),
        Rule("slack_token", re.compile(r"(?<![A-Za-z0-9_-])(?:xox[abprs]|xapp)-[A-Za-z0-9-]{10,250}[A-Za-z0-9]"
                                + _TOKEN_END), "API_KEY", 0.95),
        Rule("stripe_secret_key", re.compile(r"(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,247}"
                                      + _TOKEN_END), "API_KEY", 0.95),
        Rule("stripe_publishable_key", re.compile(r"(?<![A-Za-z0-9_])pk_(?:live|test)_[A-Za-z0-9]{10,247}"
                                           + _TOKEN_END), "API_KEY", 0.7),
        Rule("google_api_key", re.compile(r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}" + _TOKEN_END), "API_KEY", 0.95),
        Rule("jwt", re.compile(r"(?<![A-Za-z0-9_.-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"
                        + _TOKEN_END + r"(?!\.[A-Za-z0-9_-])"),
             "API_KEY", 0.95, _accept(_jwt_ok)),
        Rule("pem_private_key", re.compile(r"-----BEGIN (?P<kind>(?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----"
                                    r"(?:.*?-----END (?P=kind)PRIVATE KEY(?: BLOCK)?-----|(?:\r?\n[A-Za-z0-9+/=]+)*)",
                                    re.DOTALL), "API_KEY", 0.95, _pem_span),
        Rule("password_assignment", _assignment(_PASSWORD_KEY, _ASSIGN, _QUOTED_OR_BARE),
             "PASSWORD", 0.8, _assigned_value(1)),
        Rule("password_colon", _assignment(_PASSWORD_KEY, ":", _BARE), "PASSWORD", 0.7, _assigned_value(1)),
        Rule("secret_assignment", _assignment(_API_KEY_KEY, _ASSIGN, _QUOTED_OR_BARE),
             "API_KEY", 0.8, _assigned_value(8)),
        Rule("secret_colon", _assignment(_API_KEY_KEY, ":", _BARE), "API_KEY", 0.7, _assigned_value(8)),
        Rule("bearer_token", re.compile(r"(?i:\bbearer)[ \t]+(?P<token>[A-Za-z0-9._~+/-]{16,}=*)(?![A-Za-z0-9._~+/=-])"),
             "API_KEY", 0.8, _group_span("token")),
    )


# ------------------------------------------------------------------------------------
# Public entry points
# ------------------------------------------------------------------------------------
_RECOGNIZER_CLASSES: tuple[type[ValidatedPatternRecognizer], ...] = (
    CheckedCreditCardRecognizer, CheckedIbanRecognizer, CheckedUsSsnRecognizer, CheckedIpRecognizer,
    CheckedEmailRecognizer, CheckedUrlRecognizer, SecretRecognizer,
)

#: Every entity type the pattern recognizers produce.
PATTERN_ENTITIES: frozenset[str] = frozenset(e for cls in _RECOGNIZER_CLASSES for e in cls.ENTITIES)


def pattern_recognizers(supported_language: str = "en") -> list[EntityRecognizer]:
    """One instance of each validated pattern recognizer, for ``registry.add_recognizer``.

    The patterns are language-independent; pass ``supported_language`` to register them
    for a language other than English (Presidio matches recognizers by exact language).
    """
    return [cls(supported_language=supported_language) for cls in _RECOGNIZER_CLASSES]
