"""The PII label catalogue the model is trained on.

Each label has a canonical key (used in data files), several names and descriptions
(the model is trained on all of them, because a model that only ever saw "person"
loses its recall when a policy asks for "name"), the regimes that require it
(HIPAA Safe Harbor identifiers, GDPR Art. 4(1) identifiers, GDPR Art. 9 special
categories) and whether it is held out of training entirely to measure zero-shot
behaviour.  Policies (issue #4) map these keys to Presidio entity types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Regime = Literal["hipaa", "gdpr", "gdpr_art9"]


@dataclass(frozen=True)
class Label:
    """One kind of personal data: canonical key, names, descriptions, regimes."""

    key: str
    names: tuple[str, ...]
    descriptions: tuple[str, ...]
    regimes: tuple[Regime, ...]
    held_out: bool = False

    @property
    def name(self) -> str:
        """The primary name shown to the model by default."""
        return self.names[0]


def _label(key: str, names: str, descriptions: tuple[str, ...], regimes: tuple[Regime, ...],
           held_out: bool = False) -> Label:
    return Label(key, tuple(n.strip() for n in names.split("|")), descriptions, regimes, held_out)


H, G, A9 = "hipaa", "gdpr", "gdpr_art9"

LABELS: tuple[Label, ...] = (
    _label("person", "person|name|full name|person name|patient name|individual",
           ("names of people, including patients, relatives, employers' contacts and household members",
            "a human's first, middle or last name"), (H, G)),
    _label("organization", "organization|company|employer|institution",
           ("names of companies, employers, hospitals, schools or other organizations",
            "an organization a person works for or belongs to"), (H, G)),
    _label("street_address", "street address|address|postal address|home address",
           ("a street address with house number, street, and possibly unit, city and postcode",
            "where someone lives or receives mail"), (H, G)),
    _label("city", "city|town|municipality",
           ("a city, town or village name", "a place name smaller than a state or region"), (H, G)),
    _label("county", "county|district|borough",
           ("a county, district or similar administrative area below state level",), (H, G)),
    _label("zip_code", "zip code|postal code|postcode",
           ("a ZIP or postal code", "the postal routing code of an address"), (H, G)),
    _label("date", "date|date of birth|birth date|admission date|discharge date",
           ("a calendar date tied to a person: birth, admission, discharge, death, appointment",
            "a day, month and year written in any format"), (H, G)),
    _label("age", "age|patient age",
           ("a person's age in years", "how old someone is"), (H, G)),
    _label("phone_number", "phone number|telephone number|mobile number|phone",
           ("a telephone or mobile number, with or without country code",), (H, G)),
    _label("fax_number", "fax number|fax",
           ("a fax number",), (H, G)),
    _label("email", "email address|email|e-mail",
           ("an e-mail address", "an electronic mail address such as name@example.com"), (H, G)),
    _label("ssn", "social security number|ssn|us social security number",
           ("a US social security number such as 123-45-6789",), (H, G)),
    _label("national_id", "national id number|national identity number|id card number|tax id",
           ("a government-issued national identity or tax identification number",), (G,)),
    _label("passport_number", "passport number|passport",
           ("the number of a passport",), (G, H)),
    _label("medical_record_number", "medical record number|mrn|patient id|chart number",
           ("a hospital or clinic medical record number identifying a patient",), (H, G)),
    _label("health_plan_number", "health plan beneficiary number|insurance member id|policy number",
           ("a health insurance plan, member or beneficiary number",), (H, G)),
    _label("account_number", "account number|bank account number|customer account number",
           ("a bank, billing or customer account number",), (H, G)),
    _label("iban", "iban|international bank account number",
           ("an IBAN bank account number such as DE89 3704 0044 0532 0130 00",), (G, H)),
    _label("credit_card_number", "credit card number|card number|payment card number",
           ("a credit or debit card number",), (G, H)),
    _label("license_number", "license number|driver license number|certificate number|professional license",
           ("a driver's licence, professional licence or certificate number",), (H, G)),
    _label("vehicle_id", "vehicle identifier|license plate|vin|vehicle registration",
           ("a vehicle identification number or licence plate",), (H, G)),
    _label("device_id", "device identifier|serial number|imei|device serial",
           ("a device serial number, IMEI or other device identifier",), (H, G)),
    _label("url", "url|web address|link",
           ("a web address (URL)",), (H, G)),
    _label("ip_address", "ip address|ipv4 address|ipv6 address",
           ("an IPv4 or IPv6 address",), (H, G)),
    _label("username", "username|user name|login|user id|handle",
           ("an account login, user name or social media handle",), (G,)),
    _label("password", "password|passphrase|pin",
           ("a password, passphrase or PIN",), (G,)),
    _label("api_key", "api key|access token|secret key|credential",
           ("an API key, access token or other secret credential",), (G,)),
    _label("biometric_id", "biometric identifier|fingerprint id|voiceprint|face template",
           ("an identifier of biometric data such as a fingerprint or face template",), (H, A9)),
    _label("other_id", "identifier|id number|reference number|employee id|student id",
           ("any other number or code that uniquely identifies a person",), (H, G)),
    _label("health_condition", "medical condition|diagnosis|disease|health condition",
           ("a disease, diagnosis, symptom or other health condition of a person",), (A9,)),
    _label("medication", "medication|drug|prescription",
           ("a medicine or drug a person takes or was prescribed",), (A9,)),
    _label("ethnic_origin", "ethnic origin|race|ethnicity",
           ("a person's racial or ethnic origin",), (A9,)),
    _label("political_opinion", "political opinion|political affiliation|party membership",
           ("a person's political opinions or party membership",), (A9,)),
    _label("religion", "religion|religious belief|faith",
           ("a person's religious or philosophical beliefs",), (A9,)),
    _label("trade_union", "trade union membership|union membership|labor union",
           ("membership of a trade union",), (A9,)),
    _label("genetic_data", "genetic data|genetic test result|gene variant",
           ("genetic information about a person, such as a gene variant or test result",), (A9,)),
    _label("sexual_orientation", "sexual orientation|sex life",
           ("a person's sexual orientation or sex life",), (A9,)),
    # Held out of training entirely: zero-shot measurements only.
    _label("mac_address", "mac address|hardware address",
           ("a network interface MAC address such as 00:1A:2B:3C:4D:5E",), (G,), held_out=True),
    _label("crypto_wallet", "crypto wallet address|bitcoin address",
           ("a cryptocurrency wallet address",), (G,), held_out=True),
    _label("nationality", "nationality|citizenship",
           ("the country a person is a citizen of",), (G,), held_out=True),
)

BY_KEY: dict[str, Label] = {label.key: label for label in LABELS}
TRAINED: tuple[Label, ...] = tuple(label for label in LABELS if not label.held_out)
HELD_OUT: tuple[Label, ...] = tuple(label for label in LABELS if label.held_out)

#: Labels whose values look alike, so only the context tells them apart (a fax from a phone,
#: an SSN from a national ID).  Policies ask for all of them at once, but random negative
#: labels put a confusable pair in the same training prompt rarely (~1 in 5), so the model
#: learned "an ID-shaped number" rather than which one; the collator adds these first.
CONFUSABLE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("phone_number", "fax_number"),
    ("ssn", "national_id", "passport_number", "other_id", "phone_number"),
    ("medical_record_number", "health_plan_number", "account_number", "other_id", "license_number"),
    ("vehicle_id", "device_id", "license_number", "other_id"),
    ("credit_card_number", "account_number", "iban"),
    ("username", "email", "password", "api_key"),
    ("street_address", "city", "county", "zip_code"),
    ("person", "organization", "city"),
    ("ip_address", "device_id", "url"),
    ("biometric_id", "genetic_data", "other_id"),
    ("health_condition", "medication", "genetic_data"),
    ("ethnic_origin", "religion", "political_opinion", "trade_union"),
)


def confusable(key: str) -> tuple[str, ...]:
    """The trained labels that share a group with ``key`` (not ``key`` itself)."""
    return tuple(sorted({k for group in CONFUSABLE_GROUPS if key in group for k in group} - {key}))


#: Document domains the classification head routes on (policies map them to regimes).
DOMAINS: tuple[str, ...] = ("health", "employment", "finance", "customer communication",
                            "logs and telemetry", "legal", "no personal data")


def label(key: str) -> Label:
    """Look a label up by key; the error lists the known keys."""
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown label {key!r}; known: {', '.join(BY_KEY)}") from None
