"""The key ring: one master key, independent subkeys per purpose.

Why one master key and derived subkeys: an operator never touches the master key, and the
keyed hash, the deterministic cipher, the randomized cipher and the pseudonym seeds each get
their own HKDF-SHA256 subkey, so a weakness or a leak in one use (a pseudonym seed, say) says
nothing about the others, and the same key bytes are never used by two algorithms.

Where the master key comes from, in order:

1. an explicit key file (``KeyRing.load(key_file=...)``),
2. the environment variable ``REDACTOR_KEY`` (base64 or hex text),
3. the environment variable ``REDACTOR_KEY_FILE`` (a path to a key file).

A key file holds either base64/hex text or raw bytes.  Every key is at least 32 bytes after
decoding.  Errors name the variable or file and what is wrong, never the key bytes.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

DEFAULT_KEY_ENV = "REDACTOR_KEY"
DEFAULT_KEY_FILE_ENV = "REDACTOR_KEY_FILE"
MIN_KEY_BYTES = 32
GENERATED_KEY_BYTES = 32

# HKDF "info" labels: one per purpose; changing one changes every token made with it.
_INFO_PREFIX = b"redactor/v1/"
PURPOSE_HMAC = "hmac"
PURPOSE_AES_SIV = "aes-siv"
PURPOSE_AES_GCM = "aes-gcm"
PURPOSE_PSEUDONYM = "pseudonym"
PURPOSE_VAULT = "vault"
PURPOSE_KEY_ID = "key-id"

_HEX_RE = re.compile(r"[0-9a-fA-F]+")
_B64_RE = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


class KeyRingError(Exception):
    """Base class: the master key could not be obtained or is unusable."""


class MissingKeyError(KeyRingError):
    """No key was configured (environment variable unset or empty, key file absent)."""


class KeyFormatError(KeyRingError, ValueError):
    """A key was found but cannot be used: too short, not hex/base64, unreadable."""


def _decode_key_text(text: str, source: str) -> bytes:
    """Decode hex or base64 (standard or URL-safe, padding optional) key text.

    Hex is tried first: a string of only hex digits is taken as hex even though it is also
    valid base64, because that is what ``openssl rand -hex 32`` produces.  Spaces inside the
    text are an error (a passphrase is not a key); line breaks are allowed (wrapped base64).
    """
    text = "".join(text.strip().splitlines())  # line-wrapped base64 is fine, inner spaces are not
    if not text:
        raise MissingKeyError(f"{source} is empty; it must hold a base64 or hex key of at least "
                              f"{MIN_KEY_BYTES} bytes")
    if _HEX_RE.fullmatch(text) and len(text) % 2 == 0:
        key = bytes.fromhex(text)
    elif _B64_RE.fullmatch(text):
        body = text.rstrip("=")
        if len(body) % 4 == 1:
            raise KeyFormatError(f"{source} is not valid base64 or hex (bad length)")
        try:
            key = base64.urlsafe_b64decode(body.replace("+", "-").replace("/", "_") + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise KeyFormatError(f"{source} is not valid base64 or hex") from None
    else:
        raise KeyFormatError(f"{source} is not valid base64 or hex (it contains other characters)")
    _check_length(key, source)
    return key


def _check_length(key: bytes, source: str) -> None:
    if len(key) < MIN_KEY_BYTES:
        raise KeyFormatError(f"{source} decodes to {len(key)} bytes; at least {MIN_KEY_BYTES} are "
                             f"required (generate one with `redact keygen`)")


def _decode_key_file_bytes(data: bytes, source: str) -> bytes:
    """A key file is base64/hex text when it is printable ASCII, raw bytes otherwise.

    Printable text that is neither hex nor base64 (a passphrase) is rejected rather than used
    as raw bytes: a passphrase is not a key.
    """
    stripped = data.strip()
    if not stripped:
        raise KeyFormatError(f"{source} is empty")
    try:
        text = stripped.decode("ascii")
    except UnicodeDecodeError:
        text = None
    if text is not None and all(c.isprintable() or c.isspace() for c in text):
        return _decode_key_text(text, source)
    _check_length(data, source)
    return data


class KeyRing:
    """The master key and the subkeys derived from it (HKDF-SHA256, one per purpose).

    Build one with :meth:`load` (file or environment), :meth:`from_env`, :meth:`from_file`,
    :meth:`generate`, or directly from bytes.  The object never shows its key in ``repr``; its
    :attr:`key_id` is a one-way fingerprint that lets a vault or a token file say "written
    with another key" without revealing anything about the key.
    """

    __slots__ = ("_master", "_subkeys", "source")

    def __init__(self, master_key: bytes, *, source: str = "the given key") -> None:
        if not isinstance(master_key, (bytes, bytearray)):
            raise KeyFormatError(f"{source} must be bytes, not {type(master_key).__name__}")
        _check_length(bytes(master_key), source)
        self._master = bytes(master_key)
        self._subkeys: dict[tuple[str, int], bytes] = {}
        self.source = source

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_env(cls, env_var: str = DEFAULT_KEY_ENV) -> KeyRing:
        """The key in environment variable ``env_var`` (base64 or hex text)."""
        value = os.environ.get(env_var)
        if value is None:
            raise MissingKeyError(f"environment variable {env_var} is not set; set it to a base64 or "
                                  f"hex key of at least {MIN_KEY_BYTES} bytes (`redact keygen`)")
        source = f"environment variable {env_var}"
        return cls(_decode_key_text(value, source), source=source)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> KeyRing:
        """The key in a file: base64/hex text, or at least 32 raw bytes."""
        path = Path(path)
        source = f"key file {str(path)!r}"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise MissingKeyError(f"{source} does not exist (create one with `redact keygen`)") from None
        except IsADirectoryError:
            raise KeyFormatError(f"{source} is a directory, not a key file") from None
        except OSError as exc:
            raise KeyFormatError(f"{source} cannot be read: {exc.strerror}") from None
        return cls(_decode_key_file_bytes(data, source), source=source)

    @classmethod
    def load(cls, key_file: str | os.PathLike[str] | None = None, *, env_var: str = DEFAULT_KEY_ENV,
             file_env_var: str = DEFAULT_KEY_FILE_ENV) -> KeyRing:
        """The configured key: ``key_file`` if given, else ``$env_var``, else ``$file_env_var``."""
        if key_file is not None:
            return cls.from_file(key_file)
        if os.environ.get(env_var):
            return cls.from_env(env_var)
        file_path = os.environ.get(file_env_var)
        if file_path:
            return cls.from_file(file_path)
        raise MissingKeyError(f"no key configured: set {env_var} (base64 or hex, at least {MIN_KEY_BYTES} "
                              f"bytes) or {file_env_var} (path to a key file), or pass a key file; "
                              f"create a key with `redact keygen`")

    @classmethod
    def generate(cls) -> KeyRing:
        """A key ring on a fresh random key (``os.urandom``); save it with :meth:`write_key_file`."""
        return cls(generate_key(), source="a generated key")

    # -- derived keys -------------------------------------------------------------------
    def subkey(self, purpose: str, length: int = 32) -> bytes:
        """The HKDF-SHA256 subkey for ``purpose`` (independent of every other purpose)."""
        cache_key = (purpose, length)
        key = self._subkeys.get(cache_key)
        if key is None:
            key = HKDF(algorithm=hashes.SHA256(), length=length, salt=None,
                       info=_INFO_PREFIX + purpose.encode("utf-8")).derive(self._master)
            self._subkeys[cache_key] = key
        return key

    @property
    def hmac_key(self) -> bytes:
        """32 bytes for the keyed hash operator."""
        return self.subkey(PURPOSE_HMAC, 32)

    @property
    def siv_key(self) -> bytes:
        """64 bytes for AES-SIV (two AES-256 keys: S2V and CTR)."""
        return self.subkey(PURPOSE_AES_SIV, 64)

    @property
    def gcm_key(self) -> bytes:
        """32 bytes for AES-256-GCM tokens."""
        return self.subkey(PURPOSE_AES_GCM, 32)

    @property
    def pseudonym_key(self) -> bytes:
        """32 bytes for seeding pseudonyms (HMAC of the value)."""
        return self.subkey(PURPOSE_PSEUDONYM, 32)

    @property
    def vault_key(self) -> bytes:
        """32 bytes for AES-256-GCM encryption of originals in a pseudonym vault."""
        return self.subkey(PURPOSE_VAULT, 32)

    @property
    def key_id(self) -> str:
        """A 16-hex-digit fingerprint of the master key (HKDF-derived, one-way)."""
        return self.subkey(PURPOSE_KEY_ID, 8).hex()

    # -- persistence --------------------------------------------------------------------
    def write_key_file(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Write this key ring's master key as base64 text to ``path`` with mode 0600."""
        return write_key_file(path, self._master, overwrite=overwrite)

    def __repr__(self) -> str:
        return f"KeyRing(key_id={self.key_id!r}, source={self.source!r})"


def generate_key(length: int = GENERATED_KEY_BYTES) -> bytes:
    """Fresh random key bytes from the operating system's CSPRNG."""
    if length < MIN_KEY_BYTES:
        raise KeyFormatError(f"a generated key must be at least {MIN_KEY_BYTES} bytes, not {length}")
    return os.urandom(length)


def write_key_file(path: str | os.PathLike[str], key: bytes | None = None, *,
                   overwrite: bool = False) -> Path:
    """Write ``key`` (a fresh one if None) as base64 text to a new file readable only by its owner.

    The file is created with mode 0600 in one step (``os.open`` with the mode, then ``fchmod``
    in case a umask or an existing file interfered), so the key is never world-readable, not
    even briefly.  An existing file is an error unless ``overwrite``.
    """
    path = Path(path)
    key = generate_key() if key is None else bytes(key)
    _check_length(key, "the key to write")
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise KeyFormatError(f"key file {str(path)!r} already exists; refusing to overwrite it") from None
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, base64.b64encode(key) + b"\n")
    finally:
        os.close(fd)
    return path
