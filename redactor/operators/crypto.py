"""Keyed hash tokens and authenticated encryption tokens embedded in redacted text.

Why not Presidio's stock ``hash`` and ``encrypt``: its hash is an unkeyed (salted) SHA, so
anyone can hash every plausible value of a low-entropy field (dates of birth, phone numbers,
SSNs) and match; its encrypt is AES-CBC without a MAC, so a modified ciphertext decrypts to
garbage (or leaks through padding errors) instead of being rejected.  Here:

* :func:`hmac_token` is HMAC-SHA256 under a secret subkey, domain-separated by entity type;
* :func:`encrypt_token` with ``"siv"`` is AES-SIV (RFC 5297, deterministic: equal values give
  equal tokens, so joins and counts keep working) and with ``"gcm"`` AES-256-GCM with a random
  96-bit nonce (equal values give different tokens: nothing links two occurrences);
* both bind the entity type as associated data, so a token moved to another type, or any
  changed byte, fails authentication and raises :class:`TamperError`.

Token syntax (one token per encrypted span, findable again by :data:`TOKEN_RE`)::

    [ENC:<scheme>:<ENTITY_TYPE>:<data>]

``scheme`` is ``siv`` or ``gcm``; ``ENTITY_TYPE`` matches ``[A-Za-z0-9_.-]{1,64}``; ``data`` is
unpadded base64url of the ciphertext (``siv``: 16-byte synthetic IV + ciphertext; ``gcm``:
12-byte nonce + ciphertext + 16-byte tag).  The plaintext is a version byte (1) followed by the
UTF-8 value, so an empty span and future formats are covered by the authentication.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV

from redactor.operators.keys import KeyRing

Scheme = Literal["siv", "gcm"]
SCHEMES: tuple[str, ...] = ("siv", "gcm")

ENTITY_TYPE_PATTERN = r"[A-Za-z0-9_.\-]{1,64}"
_ENTITY_TYPE_RE = re.compile(ENTITY_TYPE_PATTERN)

#: An encryption token in text; groups ``scheme``, ``entity_type`` and ``data``.
TOKEN_RE: re.Pattern[str] = re.compile(
    r"\[ENC:(?P<scheme>siv|gcm):(?P<entity_type>" + ENTITY_TYPE_PATTERN + r"):(?P<data>[A-Za-z0-9_-]+)\]")
#: Where a token starts; every occurrence must begin a well-formed token (see decrypt_text).
TOKEN_START = "[ENC:"

_VERSION = b"\x01"
_GCM_NONCE_BYTES = 12
_TAG_BYTES = 16
_HMAC_DOMAIN = b"redactor/hmac/v1"


class TamperError(ValueError):
    """A token failed authentication or is malformed: modified, truncated, wrong key or type.

    Messages name the entity type and the scheme at most, never plaintext or key material.
    """


def _check_entity_type(entity_type: str) -> None:
    if not isinstance(entity_type, str) or not _ENTITY_TYPE_RE.fullmatch(entity_type):
        raise ValueError("entity type must be 1-64 characters of A-Z a-z 0-9 _ . - "
                         f"to be embedded in a token, got {entity_type!r}")


def _associated_data(scheme: str, entity_type: str) -> bytes:
    return f"redactor/{scheme}/v1\x00{entity_type}".encode()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode_canonical(data: str) -> bytes:
    """Decode unpadded base64url, rejecting any non-canonical spelling.

    The last character of unpadded base64 carries unused bits; a decoder ignores them, so a
    flipped character there would decode to the same bytes.  Re-encoding and comparing makes
    every character of the token significant.
    """
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        raise TamperError("token data is not valid base64url") from None
    if _b64encode(raw) != data:
        raise TamperError("token data is not canonical base64url (modified)")
    return raw


# -- keyed hash ---------------------------------------------------------------------------
def hmac_token(value: str, entity_type: str, keyring: KeyRing, length: int = 16) -> str:
    """HMAC-SHA256 of ``value`` under the hmac subkey, as ``length`` lowercase hex digits.

    The entity type is part of the MAC input (length-prefixed), so "Jordan" as PERSON and as
    LOCATION give unrelated tokens.  The value is used exactly as given (no normalisation).
    """
    if not 1 <= length <= 64:
        raise ValueError(f"hmac length must be between 1 and 64 hex digits, got {length}")
    etype = entity_type.encode("utf-8")
    message = _HMAC_DOMAIN + len(etype).to_bytes(4, "big") + etype + value.encode("utf-8")
    return hmac.new(keyring.hmac_key, message, hashlib.sha256).hexdigest()[:length]


# -- encryption ---------------------------------------------------------------------------
def encrypt_token(value: str, entity_type: str, keyring: KeyRing, scheme: Scheme = "siv") -> str:
    """Encrypt ``value`` into a ``[ENC:scheme:ENTITY_TYPE:data]`` token (see module doc)."""
    _check_entity_type(entity_type)
    plaintext = _VERSION + value.encode("utf-8")
    ad = _associated_data(scheme, entity_type)
    if scheme == "siv":
        data = AESSIV(keyring.siv_key).encrypt(plaintext, [ad])
    elif scheme == "gcm":
        nonce = os.urandom(_GCM_NONCE_BYTES)
        data = nonce + AESGCM(keyring.gcm_key).encrypt(nonce, plaintext, ad)
    else:
        raise ValueError(f"unknown encryption scheme {scheme!r}; expected one of {SCHEMES}")
    return f"[ENC:{scheme}:{entity_type}:{_b64encode(data)}]"


def encrypt_siv(value: str, entity_type: str, keyring: KeyRing) -> str:
    """Deterministic token: the same value, type and key always give the same token."""
    return encrypt_token(value, entity_type, keyring, "siv")


def encrypt_gcm(value: str, entity_type: str, keyring: KeyRing) -> str:
    """Randomized token: a fresh nonce each call, so equal values are unlinkable."""
    return encrypt_token(value, entity_type, keyring, "gcm")


def _decrypt_match(match: re.Match[str], keyring: KeyRing) -> tuple[str, str]:
    scheme, entity_type = match["scheme"], match["entity_type"]
    raw = _b64decode_canonical(match["data"])
    ad = _associated_data(scheme, entity_type)
    failure = (f"{scheme} token for {entity_type} failed authentication: it was modified, "
               f"its entity type was changed, or it was made with another key")
    try:
        if scheme == "siv":
            if len(raw) < _TAG_BYTES + 1:
                raise TamperError(f"{scheme} token for {entity_type} is truncated")
            plaintext = AESSIV(keyring.siv_key).decrypt(raw, [ad])
        else:
            if len(raw) < _GCM_NONCE_BYTES + _TAG_BYTES + 1:
                raise TamperError(f"{scheme} token for {entity_type} is truncated")
            plaintext = AESGCM(keyring.gcm_key).decrypt(raw[:_GCM_NONCE_BYTES], raw[_GCM_NONCE_BYTES:], ad)
    except InvalidTag:
        raise TamperError(failure) from None
    if plaintext[:1] != _VERSION:
        raise TamperError(f"{scheme} token for {entity_type} has an unsupported format version")
    try:
        return entity_type, plaintext[1:].decode("utf-8")
    except UnicodeDecodeError:  # authenticated, so only a foreign writer could cause this
        raise TamperError(f"{scheme} token for {entity_type} does not hold UTF-8 text") from None


def decrypt_token(token: str, keyring: KeyRing) -> tuple[str, str]:
    """``(entity_type, plaintext)`` of one token; :class:`TamperError` if it does not verify."""
    match = TOKEN_RE.fullmatch(token.strip())
    if match is None:
        raise TamperError("not a well-formed [ENC:scheme:TYPE:data] token (modified or truncated)")
    return _decrypt_match(match, keyring)


def find_tokens(text: str) -> list[re.Match[str]]:
    """Every token in ``text``; :class:`TamperError` if a ``[ENC:`` does not start a valid one.

    Failing on a damaged token (a deleted bracket, a character outside base64url) instead of
    silently leaving it in the output is what makes :func:`decrypt_text` fail closed.
    """
    matches = []
    position = text.find(TOKEN_START)
    while position != -1:
        match = TOKEN_RE.match(text, position)
        if match is None:
            raise TamperError(f"malformed encryption token at offset {position} (modified or truncated)")
        matches.append(match)
        position = text.find(TOKEN_START, match.end())
    return matches


def decrypt_text(text: str, keyring: KeyRing) -> str:
    """``text`` with every token replaced by its plaintext; nothing is returned unless all verify."""
    pieces: list[str] = []
    last = 0
    for match in find_tokens(text):
        pieces.append(text[last:match.start()])
        pieces.append(_decrypt_match(match, keyring)[1])
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces)
