"""Consistent realistic pseudonyms, and a vault that can reverse them with the key.

Why keyed seeding: the surrogate for a value is drawn by Faker from a generator seeded with
HMAC-SHA256(pseudonym subkey, kind, locale, entity type, normalised value).  So the same person
gets the same fake name in every document, every run and every process that uses the same key
(and the same Faker version), without a shared table; and without the key nobody can test a
guess ("is 'Ann Lee' behind 'Brian Miller'?") the way they could with an unkeyed seed.

Surrogates are not reversible by themselves.  A :class:`PseudonymVault` records, for each
surrogate, the original encrypted with AES-256-GCM under the vault subkey; the vault file holds
only surrogates (which are fake) and ciphertexts, and :func:`reverse_text` puts the originals
back.  Faker's value space is large but finite: two originals can, rarely, share a surrogate;
the vault refuses to record such a collision (it could not be reversed).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import os
import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from faker import Faker

from redactor.operators.keys import KeyRing

PseudonymKind = Literal["person", "email", "phone", "address", "city", "organization", "date",
                        "identifier"]
PSEUDONYM_KINDS: tuple[str, ...] = get_args(PseudonymKind)

_SEED_DOMAIN = b"redactor/pseudonym/v1"
_MAX_DRAWS = 16
_VAULT_FORMAT = "redactor-pseudonym-vault"
_VAULT_VERSION = 1
_NONCE_BYTES = 12


class PseudonymError(ValueError):
    """A pseudonym could not be made (unknown kind or locale) or a vault entry conflicts."""


class VaultError(ValueError):
    """A vault file is malformed, belongs to another key, or an entry failed authentication."""


def normalize_value(value: str) -> str:
    """Light normalisation so trivially different spellings share a surrogate.

    Unicode NFKC, case folding, and runs of whitespace collapsed to one space: "Maria Garcia",
    " maria  GARCIA " are one person.  Nothing stronger (no accent stripping), so distinct
    names stay distinct.
    """
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


@functools.lru_cache(maxsize=16)
def _faker(locale: str) -> Faker:
    """One Faker per locale, re-seeded before every draw (the only module-level state)."""
    try:
        return Faker(locale)
    except AttributeError:
        raise PseudonymError(f"unknown Faker locale {locale!r}") from None


def _seed(value: str, entity_type: str, kind: str, locale: str, keyring: KeyRing, draw: int) -> int:
    parts = (kind, locale, entity_type, normalize_value(value), str(draw))
    message = _SEED_DOMAIN + b"".join(len(p.encode()).to_bytes(4, "big") + p.encode() for p in parts)
    return int.from_bytes(hmac.new(keyring.pseudonym_key, message, hashlib.sha256).digest(), "big")


def _shaped_identifier(value: str, rng: random.Random) -> str:
    """Same shape as the original: digits for digits, letters for letters (case kept), rest kept."""
    out = []
    for ch in value:
        if ch.isdigit():
            out.append(rng.choice("0123456789"))
        elif ch.isalpha() and ch.isascii():
            letter = rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            out.append(letter if ch.isupper() else letter.lower())
        elif ch.isalpha():
            out.append(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        else:
            out.append(ch)
    return "".join(out)


def _draw(kind: str, fake: Faker, value: str, seed: int) -> str:
    fake.seed_instance(seed)
    if kind == "person":
        return f"{fake.first_name()} {fake.last_name()}"
    if kind == "email":
        return fake.safe_email()  # example.com/.net/.org: never a deliverable address
    if kind == "phone":
        return fake.phone_number()
    if kind == "address":
        return ", ".join(fake.address().splitlines())
    if kind == "city":
        return fake.city()
    if kind == "organization":
        return fake.company()
    if kind == "date":
        return fake.date(pattern="%Y-%m-%d")
    return _shaped_identifier(value, random.Random(seed))


def pseudonym(value: str, entity_type: str, keyring: KeyRing, kind: PseudonymKind = "identifier",
              locale: str = "en_US") -> str:
    """The surrogate for ``value``: realistic, never equal to it (after normalisation), and the
    same for the same (normalised value, entity type, kind, locale, key) everywhere.

    ``identifier`` keeps the value's shape (``AB-123`` -> ``QX-804``); an identifier without any
    letter or digit cannot be disguised and becomes ``<ENTITY_TYPE>``.
    """
    if kind not in PSEUDONYM_KINDS:
        raise PseudonymError(f"unknown pseudonym kind {kind!r}; expected one of {PSEUDONYM_KINDS}")
    fake = _faker(locale)
    original = normalize_value(value)
    for draw in range(_MAX_DRAWS):
        surrogate = _draw(kind, fake, value, _seed(value, entity_type, kind, locale, keyring, draw))
        if normalize_value(surrogate) != original:
            return surrogate
    return f"<{entity_type}>"  # nothing to vary (e.g. an identifier of punctuation only)


# -- vault ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class VaultEntry:
    """One surrogate and its original, AES-GCM encrypted (nonce + ciphertext + tag, base64url)."""

    entity_type: str
    surrogate: str
    ciphertext: str


def _vault_ad(entity_type: str, surrogate: str) -> bytes:
    parts = (entity_type, surrogate)
    return b"redactor/vault/v1" + b"".join(len(p.encode()).to_bytes(4, "big") + p.encode() for p in parts)


class PseudonymVault:
    """Surrogate -> encrypted original, so pseudonymized text can be reversed with the key.

    The vault is bound to one key (by its :attr:`KeyRing.key_id` fingerprint, stored in the
    file): recording or reversing with another key is a clear :class:`VaultError` rather than a
    wall of authentication failures.  Entries are keyed by surrogate text, so a surrogate shared
    by two different originals (of any entity types) is refused when recorded.  Originals that
    differ only by normalisation share a surrogate; the first one recorded is what comes back.
    """

    def __init__(self, key_id: str | None = None) -> None:
        self.key_id = key_id
        self._entries: dict[str, VaultEntry] = {}
        self._fingerprints: dict[str, bytes] = {}  # surrogate -> keyed hash of normalised original

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, surrogate: object) -> bool:
        return surrogate in self._entries

    def __repr__(self) -> str:
        return f"PseudonymVault(key_id={self.key_id!r}, entries={len(self)})"

    @property
    def entries(self) -> tuple[VaultEntry, ...]:
        return tuple(self._entries.values())

    def _check_key(self, keyring: KeyRing) -> None:
        if self.key_id is None:
            self.key_id = keyring.key_id
        elif self.key_id != keyring.key_id:
            raise VaultError(f"this vault was written with key {self.key_id}, not with the given key "
                             f"{keyring.key_id}")

    @staticmethod
    def _fingerprint(entity_type: str, original: str, keyring: KeyRing) -> bytes:
        message = _vault_ad(entity_type, normalize_value(original))
        return hmac.new(keyring.pseudonym_key, message, hashlib.sha256).digest()

    def record(self, surrogate: str, original: str, entity_type: str, keyring: KeyRing) -> None:
        """Remember that ``surrogate`` stands for ``original`` (idempotent for the same pair)."""
        self._check_key(keyring)
        fingerprint = self._fingerprint(entity_type, original, keyring)
        if surrogate in self._entries:
            known = self._fingerprints.get(surrogate)
            if known is None:  # loaded from a file: decrypt once to compare
                entry = self._entries[surrogate]
                known = self._fingerprint(entry.entity_type, self._decrypt(entry, keyring), keyring)
                self._fingerprints[surrogate] = known
            if not hmac.compare_digest(known, fingerprint):
                raise PseudonymError(f"two different {entity_type} values got the same surrogate; the "
                                     f"vault could not tell them apart (a pseudonym collision)")
            return
        nonce = os.urandom(_NONCE_BYTES)
        sealed = nonce + AESGCM(keyring.vault_key).encrypt(nonce, original.encode("utf-8"),
                                                           _vault_ad(entity_type, surrogate))
        self._entries[surrogate] = VaultEntry(entity_type, surrogate,
                                              base64.urlsafe_b64encode(sealed).decode("ascii"))
        self._fingerprints[surrogate] = fingerprint

    def _decrypt(self, entry: VaultEntry, keyring: KeyRing) -> str:
        try:
            sealed = base64.urlsafe_b64decode(entry.ciphertext)
        except (binascii.Error, ValueError):
            raise VaultError(f"a {entry.entity_type} vault entry is not valid base64") from None
        try:
            plaintext = AESGCM(keyring.vault_key).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:],
                                                          _vault_ad(entry.entity_type, entry.surrogate))
        except (InvalidTag, ValueError):
            raise VaultError(f"a {entry.entity_type} vault entry failed authentication (modified, "
                             f"or written with another key)") from None
        return plaintext.decode("utf-8")

    def original(self, surrogate: str, keyring: KeyRing) -> str:
        """The original behind ``surrogate``; ``KeyError`` if the vault does not know it."""
        self._check_key(keyring)
        return self._decrypt(self._entries[surrogate], keyring)

    def originals(self, keyring: KeyRing) -> dict[str, str]:
        """Every surrogate -> original (decrypts the whole vault)."""
        self._check_key(keyring)
        return {s: self._decrypt(e, keyring) for s, e in self._entries.items()}

    # -- serialisation ----------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {"format": _VAULT_FORMAT, "version": _VAULT_VERSION, "key_id": self.key_id,
                "entries": [{"entity_type": e.entity_type, "surrogate": e.surrogate,
                             "ciphertext": e.ciphertext} for e in self._entries.values()]}

    @classmethod
    def from_json(cls, data: Any, *, source: str = "vault data") -> PseudonymVault:
        if not isinstance(data, dict) or data.get("format") != _VAULT_FORMAT:
            raise VaultError(f"{source} is not a redactor pseudonym vault")
        if data.get("version") != _VAULT_VERSION:
            raise VaultError(f"{source} has unsupported vault version {data.get('version')!r}")
        vault = cls(key_id=data.get("key_id"))
        entries = data.get("entries")
        if not isinstance(entries, list):
            raise VaultError(f"{source}: 'entries' must be a list")
        for index, item in enumerate(entries):
            try:
                entry = VaultEntry(str(item["entity_type"]), str(item["surrogate"]), str(item["ciphertext"]))
            except (KeyError, TypeError):
                raise VaultError(f"{source}: entry {index} needs entity_type, surrogate and ciphertext") from None
            if entry.surrogate in vault._entries:
                raise VaultError(f"{source}: entry {index} repeats a surrogate")
            vault._entries[entry.surrogate] = entry
        return vault

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the vault as JSON, readable only by its owner (0600), replacing the file atomically."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, json.dumps(self.to_json(), ensure_ascii=False, indent=1).encode("utf-8"))
        finally:
            os.close(fd)
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PseudonymVault:
        path = Path(path)
        source = f"vault file {str(path)!r}"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise VaultError(f"{source} does not exist") from None
        except (OSError, ValueError) as exc:
            raise VaultError(f"{source} cannot be read as JSON: {type(exc).__name__}") from None
        return cls.from_json(data, source=source)


def reverse_text(text: str, vault: PseudonymVault, keyring: KeyRing) -> str:
    """``text`` with every recorded surrogate (as a whole word sequence) replaced by its original.

    Longer surrogates win over shorter ones they contain.  Text-level reversal cannot tell a
    surrogate from the same words written in the original document; reverse anonymizer
    results by position where that matters.
    """
    if not len(vault):
        return text
    originals = vault.originals(keyring)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(s) for s in sorted(originals, key=len, reverse=True))
                         + r")(?!\w)")
    return pattern.sub(lambda m: originals[m.group(0)], text)
