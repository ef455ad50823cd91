"""Operators (issue #4): real keys, real crypto, a real Presidio AnonymizerEngine; no mocks."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from faker import Faker
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

import redactor.operators as ops
from redactor.operators import (
    AGE_TAG,
    DATE_TAG,
    OPERATOR_PARAMS,
    TOKEN_RE,
    ZIP_TAG,
    KeyFormatError,
    KeyRing,
    MissingKeyError,
    OperatorParamsError,
    PseudonymVault,
    TamperError,
    VaultError,
    age_90_plus,
    build_anonymizer,
    build_deanonymizer,
    decrypt_text,
    decrypt_token,
    encrypt_gcm,
    encrypt_siv,
    hmac_token,
    keep_last,
    operator_config,
    pseudonym,
    reverse_text,
    write_key_file,
    year_only,
    zip3,
)
from redactor.operators.params import KeepLastParams, PseudonymParams, Zip3Params
from redactor.operators.pseudonyms import PSEUDONYM_KINDS

KEY = hashlib.sha256(b"redactor test key").digest()
KEY_HEX = KEY.hex()
KEY_B64 = base64.b64encode(KEY).decode()
OTHER_KEY = hashlib.sha256(b"another test key").digest()


@pytest.fixture()
def keyring() -> KeyRing:
    return KeyRing(KEY)


@pytest.fixture()
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("REDACTOR_KEY", raising=False)
    monkeypatch.delenv("REDACTOR_KEY_FILE", raising=False)
    return monkeypatch


def secrets_of(keyring: KeyRing) -> list[str]:
    """Every spelling of key material that must never appear in a message."""
    raw = [KEY, keyring.hmac_key, keyring.siv_key, keyring.gcm_key, keyring.pseudonym_key, keyring.vault_key]
    return ([k.hex() for k in raw] + [base64.b64encode(k).decode().rstrip("=") for k in raw]
            + [base64.urlsafe_b64encode(k).decode().rstrip("=") for k in raw])


def assert_clean(exc: BaseException, keyring: KeyRing, *plaintexts: str) -> None:
    message = str(exc)
    assert message, "exceptions must explain themselves"
    for secret in secrets_of(keyring):
        assert secret not in message and secret[:16] not in message
    for plaintext in plaintexts:
        assert plaintext not in message


def spans(text: str, *pairs: tuple[str, str]) -> list[RecognizerResult]:
    """RecognizerResults for (substring, entity type) pairs, each at its first occurrence."""
    results = []
    for needle, entity_type in pairs:
        start = text.index(needle)
        results.append(RecognizerResult(entity_type=entity_type, start=start, end=start + len(needle), score=0.9))
    return results


# -- encryption ------------------------------------------------------------------------------
TEXT = "Patient José Núñez (jose.nunez@example.org, SSN 123-45-6789) saw Dr. Ann Lee on 2021-03-04."
PAIRS = (("José Núñez", "PERSON"), ("jose.nunez@example.org", "EMAIL_ADDRESS"), ("123-45-6789", "US_SSN"),
         ("Ann Lee", "PERSON"), ("2021-03-04", "DATE_TIME"))


@pytest.mark.parametrize("operator", ["aes_siv", "aes_gcm"])
def test_encryption_round_trip_through_presidio(operator: str, keyring: KeyRing) -> None:
    operators = {t: operator_config(operator, None, t, keyring) for _, t in PAIRS}
    result = build_anonymizer().anonymize(TEXT, analyzer_results=spans(TEXT, *PAIRS), operators=operators)
    for original, _ in PAIRS:
        assert original not in result.text
    tokens = TOKEN_RE.findall(result.text)
    assert len(tokens) == len(PAIRS)
    assert {scheme for scheme, _, _ in tokens} == {operator[4:]}
    assert sorted(t for _, t, _ in tokens) == sorted(t for _, t in PAIRS)
    assert decrypt_text(result.text, keyring) == TEXT
    # and through Presidio's DeanonymizeEngine with the result items
    back = build_deanonymizer().deanonymize(result.text, result.items,
                                            {"DEFAULT": OperatorConfig("decrypt_token", {"keyring": keyring})})
    assert back.text == TEXT


def test_siv_is_deterministic_gcm_is_not(keyring: KeyRing) -> None:
    assert encrypt_siv("Ann Lee", "PERSON", keyring) == encrypt_siv("Ann Lee", "PERSON", KeyRing(KEY))
    assert encrypt_siv("Ann Lee", "PERSON", keyring) != encrypt_siv("Ann Lea", "PERSON", keyring)
    gcm = {encrypt_gcm("Ann Lee", "PERSON", keyring) for _ in range(5)}
    assert len(gcm) == 5
    assert {decrypt_token(token, keyring) for token in gcm} == {("PERSON", "Ann Lee")}
    # the entity type is bound: the same string as another type gives an unrelated token
    person, location = encrypt_siv("Jordan", "PERSON", keyring), encrypt_siv("Jordan", "LOCATION", keyring)
    assert TOKEN_RE.fullmatch(person)["data"] != TOKEN_RE.fullmatch(location)["data"]
    assert decrypt_token(location, keyring) == ("LOCATION", "Jordan")
    # inside one document, two occurrences under aes_siv are the same token (linkable), under gcm not
    text = "Ann Lee met Ann Lee."
    results = [RecognizerResult("PERSON", 0, 7, 0.9), RecognizerResult("PERSON", 12, 19, 0.9)]
    for operator, equal in (("aes_siv", True), ("aes_gcm", False)):
        out = build_anonymizer().anonymize(text, results, {"PERSON": operator_config(operator, None, "PERSON",
                                                                                     keyring)}).text
        first, second = (m.group(0) for m in TOKEN_RE.finditer(out))
        assert (first == second) is equal
        assert decrypt_text(out, keyring) == text


def test_empty_and_unicode_values_round_trip(keyring: KeyRing) -> None:
    for value in ("", "ä", "李小龙", "x" * 5000, "[ENC:inside]"):
        for token in (encrypt_siv(value, "NOTE", keyring), encrypt_gcm(value, "NOTE", keyring)):
            assert decrypt_token(token, keyring) == ("NOTE", value)


@pytest.mark.parametrize("encrypt", [encrypt_siv, encrypt_gcm])
def test_tampering_is_detected(encrypt, keyring: KeyRing) -> None:
    plaintext = "Maria Garcia"
    token = encrypt(plaintext, "PERSON", keyring)
    match = TOKEN_RE.fullmatch(token)
    data = match["data"]
    prefix = token[:match.start("data")]
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    # one flipped bit in every byte position of the decoded ciphertext
    for i in range(len(raw)):
        flipped = raw[:i] + bytes([raw[i] ^ 0x01]) + raw[i + 1:]
        forged = prefix + base64.urlsafe_b64encode(flipped).decode().rstrip("=") + "]"
        with pytest.raises(TamperError) as info:
            decrypt_token(forged, keyring)
        assert_clean(info.value, keyring, plaintext)
    # one changed character at every position of the token text's data (incl. the last one,
    # whose low bits base64 decoders ignore)
    for i, ch in enumerate(data):
        other = "A" if ch != "A" else "B"
        forged = prefix + data[:i] + other + data[i + 1:] + "]"
        with pytest.raises(TamperError):
            decrypt_token(forged, keyring)
    # the last character's unused low bits: a lax decoder maps both spellings to the same bytes
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    assert len(raw) % 3, "the token length must leave unused bits for this check"
    lax = data[:-1] + alphabet[alphabet.index(data[-1]) ^ 1]
    assert base64.urlsafe_b64decode(lax + "=" * (-len(lax) % 4)) == raw
    with pytest.raises(TamperError):
        decrypt_token(prefix + lax + "]", keyring)
    # changed entity type, changed scheme, truncated data
    scheme = match["scheme"]
    other_scheme = "gcm" if scheme == "siv" else "siv"
    for forged in (token.replace(":PERSON:", ":LOCATION:"), token.replace(f":{scheme}:", f":{other_scheme}:"),
                   token[:-3] + "]", prefix + "]"):
        with pytest.raises(TamperError) as info:
            decrypt_token(forged, keyring)
        assert_clean(info.value, keyring, plaintext)
    # in text: a tampered token, or a damaged one the token regex no longer finds, is an error,
    # never left in place or decrypted to garbage
    text = f"Hello {token}, bye"
    assert decrypt_text(text, keyring) == f"Hello {plaintext}, bye"
    for damaged in (text.replace(":PERSON:", ":ORG:"), text.replace(token, token[:-1]),
                    text.replace(token, prefix + data[:5] + "+" + data[6:] + "]")):
        with pytest.raises(TamperError) as info:
            decrypt_text(damaged, keyring)
        assert_clean(info.value, keyring, plaintext)


def test_wrong_key_is_a_tamper_error(keyring: KeyRing) -> None:
    for token in (encrypt_siv("4111 1111 1111 1111", "CREDIT_CARD", keyring),
                  encrypt_gcm("4111 1111 1111 1111", "CREDIT_CARD", keyring)):
        with pytest.raises(TamperError) as info:
            decrypt_text(f"card {token}", KeyRing(OTHER_KEY))
        assert "another key" in str(info.value)
        assert_clean(info.value, keyring, "4111 1111 1111 1111")


def test_deanonymizer_rejects_token_of_other_type(keyring: KeyRing) -> None:
    token = encrypt_siv("Ann", "PERSON", keyring)
    op = ops.presidio_operators.DecryptTokenOperator()
    assert op.operate(token, {"keyring": keyring, "entity_type": "PERSON"}) == "Ann"
    with pytest.raises(TamperError):
        op.operate(token, {"keyring": keyring, "entity_type": "LOCATION"})
    with pytest.raises(MissingKeyError):
        op.validate({"entity_type": "PERSON"})


# -- keys ------------------------------------------------------------------------------------
def test_missing_key_names_the_variable(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(MissingKeyError) as info:
        KeyRing.from_env()
    assert "REDACTOR_KEY" in str(info.value) and "not set" in str(info.value)
    with pytest.raises(MissingKeyError) as info:
        KeyRing.from_env("MY_APP_KEY")
    assert "MY_APP_KEY" in str(info.value)
    with pytest.raises(MissingKeyError) as info:
        KeyRing.load()
    assert "REDACTOR_KEY" in str(info.value) and "REDACTOR_KEY_FILE" in str(info.value)
    clean_env.setenv("REDACTOR_KEY", "  ")
    with pytest.raises(MissingKeyError) as info:
        KeyRing.from_env()
    assert "REDACTOR_KEY" in str(info.value) and "empty" in str(info.value)


def test_key_from_env_hex_or_base64(clean_env: pytest.MonkeyPatch) -> None:
    reference = hmac_token("x", "T", KeyRing(KEY))
    for spelling in (KEY_HEX, KEY_HEX.upper(), KEY_B64, KEY_B64.rstrip("="),
                     base64.urlsafe_b64encode(KEY).decode(), f"  {KEY_B64}\n"):
        clean_env.setenv("REDACTOR_KEY", spelling)
        assert hmac_token("x", "T", KeyRing.load()) == reference
        assert KeyRing.from_env().key_id == KeyRing(KEY).key_id


@pytest.mark.parametrize("value, problem", [
    (KEY[:16].hex(), "16 bytes"),
    (base64.b64encode(KEY[:31]).decode(), "31 bytes"),
    ("correct horse battery staple correct horse battery", "not valid base64 or hex"),
    ("@@@@" * 12, "not valid base64 or hex"),
])
def test_bad_env_keys_are_rejected(value: str, problem: str, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("REDACTOR_KEY", value)
    with pytest.raises(KeyFormatError) as info:
        KeyRing.load()
    message = str(info.value)
    assert "REDACTOR_KEY" in message and problem in message
    assert value not in message and value[:12] not in message


def test_key_files(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    reference = hmac_token("x", "T", KeyRing(KEY))
    # written by write_key_file: base64 text, mode 0600, not overwritten by accident
    key_file = write_key_file(tmp_path / "redactor.key", KEY)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() == KEY_B64
    with pytest.raises(KeyFormatError) as info:
        write_key_file(key_file)
    assert "already exists" in str(info.value)
    assert hmac_token("x", "T", KeyRing.from_file(key_file)) == reference
    assert hmac_token("x", "T", KeyRing.load(key_file)) == reference
    clean_env.setenv("REDACTOR_KEY_FILE", str(key_file))
    assert hmac_token("x", "T", KeyRing.load()) == reference
    # raw bytes and hex text
    raw = tmp_path / "raw.key"
    raw.write_bytes(b"\x00\xff" + KEY)
    assert KeyRing.from_file(raw).key_id == KeyRing(b"\x00\xff" + KEY).key_id
    hex_file = tmp_path / "hex.key"
    hex_file.write_text(KEY_HEX + "\n")
    assert hmac_token("x", "T", KeyRing.from_file(hex_file)) == reference
    # problems name the file, never the content
    short = tmp_path / "short.key"
    short.write_bytes(b"\x00\x01\x02" * 5)
    passphrase = tmp_path / "pass.key"
    passphrase.write_text("this is my very secret passphrase, long enough!!")
    for path, error, problem in ((tmp_path / "absent.key", MissingKeyError, "does not exist"),
                                 (short, KeyFormatError, "15 bytes"),
                                 (passphrase, KeyFormatError, "not valid base64 or hex")):
        with pytest.raises(error) as info:
            KeyRing.from_file(path)
        assert str(path) in str(info.value) and problem in str(info.value)
        assert "very secret" not in str(info.value)
    # a new generated key: fresh, usable, saved 0600, reloadable
    generated = KeyRing.generate()
    assert generated.key_id != KeyRing.generate().key_id
    saved = generated.write_key_file(tmp_path / "new.key")
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert KeyRing.from_file(saved).key_id == generated.key_id


def test_subkeys_are_independent_and_repr_is_safe(keyring: KeyRing) -> None:
    subkeys = [keyring.hmac_key, keyring.siv_key[:32], keyring.siv_key[32:], keyring.gcm_key,
               keyring.pseudonym_key, keyring.vault_key]
    assert len(set(subkeys)) == len(subkeys) and KEY not in subkeys
    assert len(keyring.siv_key) == 64 and all(len(k) == 32 for k in subkeys)
    assert KeyRing(OTHER_KEY).hmac_key != keyring.hmac_key
    config = operator_config("hmac", None, "PERSON", keyring)
    for text in (repr(keyring), str(keyring), repr(config)):
        assert all(secret not in text for secret in secrets_of(keyring))
    with pytest.raises(KeyFormatError) as info:
        KeyRing(KEY[:20])
    assert "20 bytes" in str(info.value)


# -- keyed hash ------------------------------------------------------------------------------
def test_hmac_is_keyed_consistent_and_typed(keyring: KeyRing) -> None:
    value = "1985-07-14"
    token = hmac_token(value, "DATE_TIME", keyring)
    assert len(token) == 16 and int(token, 16) >= 0
    assert token == hmac_token(value, "DATE_TIME", KeyRing(KEY))
    assert token != hmac_token(value, "DATE_TIME", KeyRing(OTHER_KEY))
    assert token != hmac_token(value, "PERSON", keyring)
    assert token != hmac_token("1985-07-15", "DATE_TIME", keyring)
    for unkeyed in (hashlib.sha256(value.encode()).hexdigest(), hashlib.sha256(b"DATE_TIME" + value.encode()).hexdigest(),
                    hashlib.sha256(KEY + value.encode()).hexdigest()):
        assert token != unkeyed[:16]
    # through Presidio: the configured length, and equal values give equal tokens
    text = "born 1985-07-14, admitted 1985-07-14"
    results = [RecognizerResult("DATE_TIME", 5, 15, 0.9), RecognizerResult("DATE_TIME", 26, 36, 0.9)]
    out = build_anonymizer().anonymize(text, results, {"DATE_TIME": operator_config(
        "hmac", {"length": 24}, "DATE_TIME", keyring)}).text
    expected = hmac_token(value, "DATE_TIME", keyring, 24)
    assert out == f"born {expected}, admitted {expected}"


# -- pseudonyms ------------------------------------------------------------------------------
_SUBPROCESS = r"""
import json, sys, types
# Load redactor.operators without redactor/__init__.py, which imports the torch model stack.
package = types.ModuleType("redactor")
package.__path__ = [sys.argv[1]]
sys.modules["redactor"] = package
from redactor.operators.keys import KeyRing
from redactor.operators.pseudonyms import pseudonym
items = json.load(sys.stdin)
keyring = KeyRing.from_env()
json.dump([pseudonym(value, entity_type, keyring, kind) for value, entity_type, kind in items], sys.stdout)
"""


def _pseudonyms_in_fresh_process(items: list[tuple[str, str, str]]) -> list[str]:
    package_dir = str(Path(ops.__file__).resolve().parent.parent)
    env = {**os.environ, "REDACTOR_KEY": KEY_B64, "PYTHONHASHSEED": "12345"}
    env.pop("REDACTOR_KEY_FILE", None)
    done = subprocess.run([sys.executable, "-c", _SUBPROCESS, package_dir], input=json.dumps(items), env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout)


def test_pseudonyms_consistent_across_1000_documents(keyring: KeyRing, tmp_path: Path) -> None:
    fake = Faker("en_US")
    fake.seed_instance(20240601)
    people = list(dict.fromkeys(fake.name() for _ in range(80)))[:50]
    emails = list(dict.fromkeys(fake.email() for _ in range(80)))[:50]
    assert len(people) == len(emails) == 50
    rng = random.Random(7)
    templates = ["{p} wrote to {e} about the {w} on {d}.", "Ticket {n}: {p} ({e}) called; {p} was {w}.",
                 "Please forward to {e}. Regards, {p}"]
    vault = PseudonymVault()
    operators = {"PERSON": operator_config("pseudonym", PseudonymParams(kind="person"), "PERSON", keyring, vault),
                 "EMAIL_ADDRESS": operator_config("pseudonym", {"kind": "email"}, "EMAIL_ADDRESS", keyring, vault)}
    seen: dict[tuple[str, str], set[str]] = {}
    documents, anonymized = [], []
    for _ in range(1000):
        person, email = rng.choice(people), rng.choice(emails)
        text = rng.choice(templates).format(p=person, e=email, w=fake.word(), d=fake.date(), n=rng.randint(1, 9999))
        results = []
        for value, entity_type in ((person, "PERSON"), (email, "EMAIL_ADDRESS")):
            start = text.find(value)
            while start != -1:
                results.append(RecognizerResult(entity_type, start, start + len(value), 0.9))
                start = text.find(value, start + 1)
        result = build_anonymizer().anonymize(text, results, operators)
        by_position = sorted(result.items, key=lambda item: item.start)
        originals = sorted(results, key=lambda r: r.start)
        assert len(by_position) == len(originals)
        for original, item in zip(originals, by_position):
            assert item.entity_type == original.entity_type
            seen.setdefault((original.entity_type, text[original.start:original.end]), set()).add(item.text)
        assert person not in result.text and email not in result.text
        documents.append(text)
        anonymized.append(result.text)
    # each original always got one surrogate; different originals got different ones; none is itself
    assert all(len(surrogates) == 1 for surrogates in seen.values())
    mapping = {key: next(iter(s)) for key, s in seen.items()}
    for entity_type in ("PERSON", "EMAIL_ADDRESS"):
        values = [s for (t, _), s in mapping.items() if t == entity_type]
        assert len(values) >= 45 and len(set(values)) == len(values)
    for (entity_type, original), surrogate in mapping.items():
        assert surrogate.casefold() != original.casefold()
        if entity_type == "EMAIL_ADDRESS":
            assert surrogate.rsplit("@", 1)[1] in {"example.com", "example.net", "example.org"}
        else:
            assert len(surrogate.split()) >= 2
    # a separate process (different hash seed) with the same key reproduces every surrogate
    items = [(original, entity_type, "person" if entity_type == "PERSON" else "email")
             for entity_type, original in mapping]
    assert _pseudonyms_in_fresh_process(items) == [mapping[(t, v)] for v, t, _ in items]
    # the vault holds ciphertexts only, survives a round trip through a file, and reverses every doc
    path = vault.save(tmp_path / "vault.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = path.read_text()
    assert not any(original in stored for _, original in mapping)
    loaded = PseudonymVault.load(path)
    assert len(loaded) == len(mapping)
    for original_text, anonymized_text in zip(documents, anonymized):
        assert reverse_text(anonymized_text, loaded, keyring) == original_text


def test_pseudonym_normalisation_and_kinds(keyring: KeyRing) -> None:
    base = pseudonym("Maria Garcia", "PERSON", keyring, "person")
    assert base == pseudonym("maria  garcia", "PERSON", keyring, "person")
    assert base == pseudonym(" MARIA\tGARCIA ", "PERSON", KeyRing(KEY), "person")
    assert base != pseudonym("Maria Garcia", "PERSON", KeyRing(OTHER_KEY), "person")
    assert base != pseudonym("Mario Garcia", "PERSON", keyring, "person")
    assert pseudonym("Jordan", "PERSON", keyring, "city") != pseudonym("Jordan", "LOCATION", keyring, "city")
    assert set(PSEUDONYM_KINDS) == set(PseudonymParams.model_fields["kind"].annotation.__args__)
    for kind in PSEUDONYM_KINDS:
        surrogate = pseudonym("AB-1234-x", "ID", keyring, kind)
        assert surrogate and surrogate != "AB-1234-x"
    shaped = pseudonym("AB-1234-x", "ID", keyring, "identifier")
    assert len(shaped) == 9 and shaped[2] == "-" and shaped[3:7].isdigit() and shaped[:2].isupper()
    assert pseudonym("--", "ID", keyring, "identifier") == "<ID>"
    with pytest.raises(ops.PseudonymError):
        pseudonym("x", "ID", keyring, "planet")  # type: ignore[arg-type]


def test_vault_rejects_other_key_and_tampering(keyring: KeyRing, tmp_path: Path) -> None:
    vault = PseudonymVault()
    surrogate = pseudonym("Maria Garcia", "PERSON", keyring, "person")
    vault.record(surrogate, "Maria Garcia", "PERSON", keyring)
    vault.record(surrogate, "Maria Garcia", "PERSON", keyring)  # idempotent
    assert len(vault) == 1 and vault.original(surrogate, keyring) == "Maria Garcia"
    with pytest.raises(ops.PseudonymError) as info:
        vault.record(surrogate, "Someone Else", "PERSON", keyring)
    assert_clean(info.value, keyring, "Maria Garcia", "Someone Else")
    with pytest.raises(VaultError) as info:
        reverse_text(f"Hi {surrogate}", vault, KeyRing(OTHER_KEY))
    assert_clean(info.value, keyring, "Maria Garcia")
    data = vault.to_json()
    sealed = bytearray(base64.urlsafe_b64decode(data["entries"][0]["ciphertext"]))
    sealed[14] ^= 1
    data["entries"][0]["ciphertext"] = base64.urlsafe_b64encode(bytes(sealed)).decode()
    with pytest.raises(VaultError) as info:
        PseudonymVault.from_json(data).original(surrogate, keyring)
    assert_clean(info.value, keyring, "Maria Garcia")
    swapped = vault.to_json()
    swapped["entries"][0]["surrogate"] = "John Doe"
    with pytest.raises(VaultError):
        reverse_text("Hi John Doe", PseudonymVault.from_json(swapped), keyring)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    with pytest.raises(VaultError) as info:
        PseudonymVault.load(bad)
    assert str(bad) in str(info.value)


# -- generalizers ----------------------------------------------------------------------------
@pytest.mark.parametrize("text, year", [
    ("2021-03-04", "2021"), ("04/03/2021", "2021"), ("3 March 2021", "2021"), ("March 3, 2021", "2021"),
    ("03.04.2021", "2021"), ("Mar 3rd 2021", "2021"), ("2021/3/4", "2021"), ("3/4/21", "2021"),
    ("12/31/99", "1999"), ("Mar 3 '21", "2021"), ("3 March 21", "2021"), ("20210304", "2021"),
    ("2021-03-04T10:20:30Z", "2021"), ("Thursday, 4 March 2021", "2021"), ("3. März 2021", "2021"),
    ("le 3 mars 1931", "1931"), ("March 2021", "2021"), ("1931", "1931"), ("04/03/2021 10:30", "2021"),
    ("on the 3rd of March, 1999 at 1030", "1999"),
])
def test_year_only(text: str, year: str) -> None:
    assert year_only(text, reference_year=2025) == year


@pytest.mark.parametrize("text", ["March 3", "yesterday", "3/4", "last spring", "", "1999 to 2001",
                                  "123456789", "99/99/99", "0000-13-45"])
def test_year_only_fails_closed(text: str) -> None:
    assert year_only(text, reference_year=2025) == DATE_TAG


def test_two_digit_years_pivot_on_reference_year() -> None:
    assert year_only("3/4/30", reference_year=2025) == "1930"
    assert year_only("3/4/25", reference_year=2025) == "2025"
    assert year_only("3/4/30", reference_year=2035) == "2030"


@pytest.mark.parametrize("text, expected", [
    ("89", "89"), ("89 years old", "89 years old"), ("34-year-old", "34-year-old"), ("18 months", "18 months"),
    ("89.9", "89.9"), ("0", "0"), ("90", "90+"), ("104", "90+"), ("92", "90+"), ("92 years old", "90+"),
    ("92-year-old", "90+"), ("92yo", "90+"), ("92 y/o", "90+"), ("aged 92", "90+"), ("92+", "90+"),
    ("1100 months", "90+"), ("89 years 12 months", "90+"), ("ninety-two", AGE_TAG), ("", AGE_TAG),
    ("92 or 93", AGE_TAG), ("room 92", AGE_TAG), ("92 3", AGE_TAG),
])
def test_age_90_plus(text: str, expected: str) -> None:
    assert age_90_plus(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("02139", "021"), ("02139-4307", "021"), ("021394307", "021"), ("02139 4307", "021"), (" 10001 ", "100"),
    ("ZIP 94103", "941"), ("03601", "000"), ("69201-1234", "000"), ("89301", "000"), ("2139", ZIP_TAG),
    ("021390", ZIP_TAG), ("MA02139x", ZIP_TAG), ("Boston", ZIP_TAG), ("", ZIP_TAG),
])
def test_zip3(text: str, expected: str) -> None:
    assert zip3(text) == expected


def test_zip3_custom_prefixes_and_fail_closed() -> None:
    assert zip3("02139", restricted=("021",)) == "000"
    assert zip3("03601", restricted=()) == "036"
    with pytest.raises(ValueError):
        zip3("02139", restricted=("21",))
    for junk in ("call 555-0100", "Apt 4", "SW1A 1AA"):
        for out in (zip3(junk), year_only(junk), age_90_plus(junk)):
            assert out in (ZIP_TAG, DATE_TAG, AGE_TAG) and junk not in out


def test_generalizers_through_presidio(keyring: KeyRing) -> None:
    text = "DOB 3 March 1931, age 92, ZIP 03601-1234, seen 04/05/2021."
    results = spans(text, ("3 March 1931", "DATE_TIME"), ("92", "AGE"), ("03601-1234", "ZIP"),
                    ("04/05/2021", "DATE"))
    operators = {"DATE_TIME": operator_config("year_only", None, "DATE_TIME", None),
                 "DATE": operator_config("year_only", {}, "DATE", None),
                 "AGE": operator_config("age_90_plus", None, "AGE", None),
                 "ZIP": operator_config("zip3", Zip3Params(), "ZIP", None)}
    out = build_anonymizer().anonymize(text, results, operators).text
    assert out == "DOB 1931, age 90+, ZIP 000, seen 2021."


# -- keep_last, replace, parameter validation ------------------------------------------------
def test_keep_last(keyring: KeyRing) -> None:
    assert keep_last("4111111111111111", 4) == "************1111"
    assert keep_last("4111-1111", 2, "#") == "#######11"
    assert keep_last("123", 4) == "***"
    assert keep_last("12345", 0) == "*****"
    text = "card 4111 1111 1111 1234 ok"
    results = spans(text, ("4111 1111 1111 1234", "CREDIT_CARD"))
    out = build_anonymizer().anonymize(text, results, {"CREDIT_CARD": operator_config(
        "keep_last", KeepLastParams(keep_last=4, masking_char="X"), "CREDIT_CARD", None)}).text
    assert out == "card XXXXXXXXXXXXXXX1234 ok"


def test_replace_and_redact_defaults() -> None:
    text = "Ann Lee, ann@x.org, 555-0100"
    results = spans(text, ("Ann Lee", "PERSON"), ("ann@x.org", "EMAIL_ADDRESS"), ("555-0100", "PHONE_NUMBER"))
    operators = {"PERSON": operator_config("replace", None, "PERSON", None),
                 "EMAIL_ADDRESS": operator_config("replace", {"new_value": "[email]"}, "EMAIL_ADDRESS", None),
                 "PHONE_NUMBER": operator_config("redact", None, "PHONE_NUMBER", None)}
    assert build_anonymizer().anonymize(text, results, operators).text == "<PERSON>, [email], "


def test_every_policy_operator_is_registered() -> None:
    assert set(OPERATOR_PARAMS) <= set(build_anonymizer().get_anonymizers())
    assert "decrypt_token" in build_deanonymizer().get_deanonymizers()


@pytest.mark.parametrize("name, params, words", [
    ("keep_last", {"keep_last": 20}, ["keep_last", "keep_last", "less than or equal to 16"]),
    ("keep_last", {"keep_lst": 3}, ["keep_last", "keep_lst", "Extra inputs"]),
    ("keep_last", {"masking_char": "**"}, ["masking_char", "at most 1"]),
    ("hmac", {"length": 4}, ["hmac", "length", "greater than or equal to 8"]),
    ("pseudonym", {"kind": "planet"}, ["pseudonym", "kind", "'person'"]),
    ("rot13", {}, ["unknown operator", "rot13"]),
])
def test_params_validation_errors_are_clear(name: str, params: dict, words: list[str], keyring: KeyRing) -> None:
    with pytest.raises(OperatorParamsError) as info:
        operator_config(name, params, "PERSON", keyring)
    assert all(word in str(info.value) for word in words), str(info.value)
    # the same check when Presidio validates an OperatorConfig built by hand
    if name in OPERATOR_PARAMS:
        with pytest.raises(OperatorParamsError):
            build_anonymizer().anonymize("Ann", [RecognizerResult("PERSON", 0, 3, 0.9)],
                                         {"PERSON": OperatorConfig(name, {**params, "keyring": keyring})})


def test_keyed_operators_need_a_keyring(keyring: KeyRing) -> None:
    for name in ("hmac", "aes_siv", "aes_gcm", "pseudonym"):
        with pytest.raises(MissingKeyError) as info:
            operator_config(name, None, "PERSON", None)
        assert name in str(info.value) and "REDACTOR_KEY" in str(info.value)
        with pytest.raises(MissingKeyError) as info:
            build_anonymizer().anonymize("Ann Lee", [RecognizerResult("PERSON", 0, 7, 0.9)],
                                         {"PERSON": OperatorConfig(name, {})})
        assert "keyring" in str(info.value)
        assert "Ann Lee" not in str(info.value)
    with pytest.raises(OperatorParamsError) as info:
        build_anonymizer().anonymize("Ann Lee", [RecognizerResult("PERSON", 0, 7, 0.9)],
                                     {"PERSON": OperatorConfig("hmac", {"keyring": KEY_B64})})
    assert "KeyRing" in str(info.value) and KEY_B64 not in str(info.value)
    with pytest.raises(OperatorParamsError):
        operator_config("hmac", KeepLastParams(), "PERSON", keyring)
