"""Parameters of every operator a policy may name, validated at policy load.

One pydantic model per operator name: the policy loader checks a label's operator
and parameters against this table (so a typo fails when the policy is read, naming
file, label and field), and the anonymizer builds Presidio ``OperatorConfig`` s from
the validated values.  Key material is never a parameter: keyed operators get their
keys from the :class:`~redactor.operators.keys.KeyRing` at run time.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# HHS list (2000 Census, 67 FR 53182): 3-digit ZIP areas of 20,000 people or fewer.
RESTRICTED_ZIP3: tuple[str, ...] = ("036", "059", "063", "102", "203", "556", "692", "790", "821",
                                    "823", "830", "831", "878", "879", "884", "890", "893")


class OperatorParams(BaseModel):
    """Base: unknown parameters are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ReplaceParams(OperatorParams):
    """Replace the span with a fixed text; by default the typed tag ``<ENTITY_TYPE>``."""

    new_value: str | None = None


class RedactParams(OperatorParams):
    """Remove the span entirely."""


class KeepLastParams(OperatorParams):
    """Mask every character but the last ``keep_last`` (card and account numbers)."""

    keep_last: int = Field(default=4, ge=0, le=16)
    masking_char: str = Field(default="*", min_length=1, max_length=1)


class HmacParams(OperatorParams):
    """Keyed one-way token (HMAC-SHA256), the same for the same value and key."""

    length: int = Field(default=16, ge=8, le=64)  # hex characters kept


class EncryptParams(OperatorParams):
    """Authenticated encryption, reversible with the key (``redact decrypt``)."""


class PseudonymParams(OperatorParams):
    """A realistic surrogate (Faker), the same for the same value across a run."""

    kind: Literal["person", "email", "phone", "address", "city", "organization", "date",
                  "identifier"] = "identifier"
    locale: str = "en_US"


class GeneralizeParams(OperatorParams):
    """Safe Harbor generalizers without options: year-only dates, ages over 89."""


class Zip3Params(OperatorParams):
    """Keep a ZIP code's first three digits; restricted areas become ``000``."""

    restricted_prefixes: tuple[str, ...] = RESTRICTED_ZIP3


OPERATOR_PARAMS: dict[str, type[OperatorParams]] = {
    "replace": ReplaceParams,
    "redact": RedactParams,
    "keep_last": KeepLastParams,
    "hmac": HmacParams,
    "aes_siv": EncryptParams,  # deterministic: equal values give equal tokens (joins keep working)
    "aes_gcm": EncryptParams,  # randomized nonce: equal values give different tokens
    "pseudonym": PseudonymParams,
    "year_only": GeneralizeParams,
    "age_90_plus": GeneralizeParams,
    "zip3": Zip3Params,
}
