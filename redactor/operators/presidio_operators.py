"""Our operators as Presidio anonymizer operators, and the glue from policy parameters to them.

Presidio's ``AnonymizerEngine`` instantiates an operator class per span, copies the
``OperatorConfig`` params, adds ``params["entity_type"]`` and calls ``validate(params)`` then
``operate(text, params)``.  Operators therefore hold no state: the policy parameters (the
fields of the models in :mod:`redactor.operators.params`) and the run-time objects travel in
``params``: ``params["keyring"]`` (a :class:`KeyRing`, required by keyed operators) and
``params["vault"]`` (a :class:`PseudonymVault`, optional, pseudonym only).  :func:`operator_config`
builds those params from a validated model, and :func:`build_anonymizer` returns an engine
that knows every operator name a policy may use.

``replace`` and ``redact`` are Presidio's stock operators (``replace`` defaults to the tag
``<ENTITY_TYPE>``).  Presidio's stock ``hash`` and ``encrypt`` are deliberately not used: see
:mod:`redactor.operators.crypto`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from presidio_anonymizer import AnonymizerEngine, DeanonymizeEngine
from presidio_anonymizer.entities import InvalidParamError, OperatorConfig
from presidio_anonymizer.operators import Operator, OperatorType
from pydantic import ValidationError

from redactor.operators.crypto import TamperError, decrypt_token, encrypt_token, hmac_token
from redactor.operators.generalize import age_90_plus, year_only, zip3
from redactor.operators.keys import KeyRing, MissingKeyError
from redactor.operators.params import (
    OPERATOR_PARAMS,
    HmacParams,
    KeepLastParams,
    OperatorParams,
    PseudonymParams,
    ReplaceParams,
    Zip3Params,
)
from redactor.operators.pseudonyms import PseudonymVault, pseudonym

KEYRING_PARAM = "keyring"
VAULT_PARAM = "vault"
ENTITY_TYPE_PARAM = "entity_type"
_RUNTIME_PARAMS = frozenset({KEYRING_PARAM, VAULT_PARAM, ENTITY_TYPE_PARAM})
KEYED_OPERATORS: frozenset[str] = frozenset({"hmac", "aes_siv", "aes_gcm", "pseudonym"})
STOCK_OPERATORS: frozenset[str] = frozenset({"replace", "redact"})


class OperatorParamsError(InvalidParamError):
    """An operator got parameters it cannot use; the message names the operator and the field."""


def _describe_validation_error(name: str, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "(parameters)"
        problems.append(f"{field}: {error['msg']}")
    return f"operator {name!r}: " + "; ".join(problems)


def parse_params(name: str, params: dict[str, Any] | OperatorParams | None) -> OperatorParams:
    """Validate ``params`` (run-time keys ignored) against the model for operator ``name``."""
    model = OPERATOR_PARAMS.get(name)
    if model is None:
        raise OperatorParamsError(f"unknown operator {name!r}; expected one of {sorted(OPERATOR_PARAMS)}")
    if isinstance(params, OperatorParams):
        if not isinstance(params, model):
            raise OperatorParamsError(f"operator {name!r} takes {model.__name__}, "
                                      f"not {type(params).__name__}")
        return params
    fields = {k: v for k, v in (params or {}).items() if k not in _RUNTIME_PARAMS}
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise OperatorParamsError(_describe_validation_error(name, exc)) from None


class RedactorOperator(Operator):
    """Common plumbing: name, type, parameter parsing, key and entity type look-up."""

    NAME: ClassVar[str]
    NEEDS_KEY: ClassVar[bool] = False

    def operator_name(self) -> str:
        return self.NAME

    def operator_type(self) -> OperatorType:
        return OperatorType.Anonymize

    def validate(self, params: dict[str, Any] | None = None) -> None:
        """Reject unknown or out-of-range parameters, and a missing key ring for keyed operators."""
        params = params or {}
        parse_params(self.NAME, params)
        if self.NEEDS_KEY:
            self._keyring(params)
            self._entity_type(params)

    def _keyring(self, params: dict[str, Any]) -> KeyRing:
        keyring = params.get(KEYRING_PARAM)
        if keyring is None:
            raise MissingKeyError(f"operator {self.NAME!r} needs params[{KEYRING_PARAM!r}] (a redactor "
                                  f"KeyRing); none was given; load one with KeyRing.load()")
        if not isinstance(keyring, KeyRing):
            raise OperatorParamsError(f"operator {self.NAME!r}: params[{KEYRING_PARAM!r}] must be a KeyRing, "
                                      f"not {type(keyring).__name__}")
        return keyring

    def _entity_type(self, params: dict[str, Any]) -> str:
        entity_type = params.get(ENTITY_TYPE_PARAM)
        if not isinstance(entity_type, str) or not entity_type:
            raise OperatorParamsError(f"operator {self.NAME!r} needs params[{ENTITY_TYPE_PARAM!r}] "
                                      f"(Presidio sets it for every span)")
        return entity_type

    def operate(self, text: str | None = None, params: dict[str, Any] | None = None) -> str:
        params = params or {}
        return self.apply(text or "", parse_params(self.NAME, params), params)

    def apply(self, text: str, parsed: OperatorParams, params: dict[str, Any]) -> str:
        raise NotImplementedError


class KeepLastOperator(RedactorOperator):
    """Mask every character but the last N; a value of N characters or fewer is masked entirely."""

    NAME = "keep_last"

    def apply(self, text: str, parsed: OperatorParams, params: dict[str, Any]) -> str:
        assert isinstance(parsed, KeepLastParams)
        return keep_last(text, parsed.keep_last, parsed.masking_char)


def keep_last(text: str, keep: int = 4, masking_char: str = "*") -> str:
    """``text`` masked but for its last ``keep`` characters ("4111111111111111" -> "************1111").

    A value no longer than ``keep`` would be shown whole, so it is masked whole instead.
    """
    if keep <= 0 or len(text) <= keep:
        return masking_char * len(text)
    return masking_char * (len(text) - keep) + text[-keep:]


class HmacOperator(RedactorOperator):
    """Keyed one-way token: ``length`` hex digits of HMAC-SHA256 (see :func:`hmac_token`)."""

    NAME = "hmac"
    NEEDS_KEY = True

    def apply(self, text: str, parsed: OperatorParams, params: dict[str, Any]) -> str:
        assert isinstance(parsed, HmacParams)
        return hmac_token(text, self._entity_type(params), self._keyring(params), parsed.length)


class AesSivOperator(RedactorOperator):
    """Deterministic authenticated encryption token ``[ENC:siv:TYPE:...]``."""

    NAME = "aes_siv"
    NEEDS_KEY = True
    SCHEME: ClassVar[str] = "siv"

    def apply(self, text: str, parsed: OperatorParams, params: dict[str, Any]) -> str:
        return encrypt_token(text, self._entity_type(params), self._keyring(params), self.SCHEME)  # type: ignore[arg-type]


class AesGcmOperator(AesSivOperator):
    """Randomized authenticated encryption token ``[ENC:gcm:TYPE:...]``."""

    NAME = "aes_gcm"
    SCHEME = "gcm"


class PseudonymOperator(RedactorOperator):
    """Consistent Faker surrogate; recorded in ``params["vault"]`` when one is given."""

    NAME = "pseudonym"
    NEEDS_KEY = True

    def validate(self, params: dict[str, Any] | None = None) -> None:
        super().validate(params)
        vault = (params or {}).get(VAULT_PARAM)
        if vault is not None and not isinstance(vault, PseudonymVault):
            raise OperatorParamsError(f"operator 'pseudonym': params[{VAULT_PARAM!r}] must be a "
                                      f"PseudonymVault, not {type(vault).__name__}")

    def apply(self, text: str, parsed: OperatorParams, params: dict[str, Any]) -> str:
        assert isinstance(parsed, PseudonymParams)
        entity_type, keyring = self._entity_type(params), self._keyring(params)
        surrogate = pseudonym(text, entity_type, keyring, parsed.kind, parsed.locale)
        vault = params.get(VAULT_PARAM)
        if vault is not None and surrogate != f"<{entity_type}>":
            vault.record(surrogate, text, entity_type, keyring)
        return surrogate


class YearOnlyOperator(RedactorOperator):
    """Safe Harbor dates: the year only, ``<DATE>`` if none can be read."""

    NAME = "year_only"

    def apply(self, text: str, parsed: OperatorParams, params: dict[str, Any]) -> str:
        return year_only(text)


class Age90PlusOperator(RedactorOperator):
    """Safe Harbor ages: over 89 becomes ``90+``, unreadable becomes ``<AGE>``."""

    NAME = "age_90_plus"

    def apply(self, text: str, parsed: OperatorParams, params: dict[str, Any]) -> str:
        return age_90_plus(text)


class Zip3Operator(RedactorOperator):
    """Safe Harbor ZIP codes: first three digits, ``000`` for restricted areas."""

    NAME = "zip3"

    def apply(self, text: str, parsed: OperatorParams, params: dict[str, Any]) -> str:
        assert isinstance(parsed, Zip3Params)
        return zip3(text, parsed.restricted_prefixes)


class DecryptTokenOperator(Operator):
    """Deanonymize operator: an ``[ENC:...]`` token back to its plaintext (needs the keyring).

    For :class:`presidio_anonymizer.DeanonymizeEngine` with the anonymizer's result items;
    :func:`redactor.operators.crypto.decrypt_text` does the same on text alone.
    """

    NAME = "decrypt_token"

    def operator_name(self) -> str:
        return self.NAME

    def operator_type(self) -> OperatorType:
        return OperatorType.Deanonymize

    def validate(self, params: dict[str, Any] | None = None) -> None:
        keyring = (params or {}).get(KEYRING_PARAM)
        if not isinstance(keyring, KeyRing):
            raise MissingKeyError(f"operator {self.NAME!r} needs params[{KEYRING_PARAM!r}] (a redactor KeyRing)")

    def operate(self, text: str | None = None, params: dict[str, Any] | None = None) -> str:
        params = params or {}
        entity_type, plaintext = decrypt_token(text or "", params[KEYRING_PARAM])
        expected = params.get(ENTITY_TYPE_PARAM)
        if expected and expected != entity_type:
            raise TamperError(f"token of type {entity_type} found where a {expected} was expected")
        return plaintext


ANONYMIZE_OPERATORS: tuple[type[RedactorOperator], ...] = (
    KeepLastOperator, HmacOperator, AesSivOperator, AesGcmOperator, PseudonymOperator,
    YearOnlyOperator, Age90PlusOperator, Zip3Operator)


def build_anonymizer() -> AnonymizerEngine:
    """A Presidio ``AnonymizerEngine`` that knows every operator name in ``OPERATOR_PARAMS``."""
    engine = AnonymizerEngine()
    for operator in ANONYMIZE_OPERATORS:
        engine.add_anonymizer(operator)
    return engine


def build_deanonymizer() -> DeanonymizeEngine:
    """A Presidio ``DeanonymizeEngine`` with :class:`DecryptTokenOperator` (``decrypt_token``)."""
    engine = DeanonymizeEngine()
    engine.add_deanonymizer(DecryptTokenOperator)
    return engine


def operator_config(name: str, params_model: OperatorParams | dict[str, Any] | None, entity_type: str,
                    keyring: KeyRing | None, vault: PseudonymVault | None = None) -> OperatorConfig:
    """Presidio's ``OperatorConfig`` for one policy label: operator ``name`` with ``params_model``.

    ``replace`` without ``new_value`` replaces with ``<entity_type>``.  Keyed operators get the
    key ring (a missing one is a :class:`MissingKeyError` here, before any text is touched);
    ``pseudonym`` also gets the vault when one is given.
    """
    parsed = parse_params(name, params_model)
    if name == "replace":
        assert isinstance(parsed, ReplaceParams)
        return OperatorConfig("replace", {"new_value": parsed.new_value or f"<{entity_type}>"})
    if name == "redact":
        return OperatorConfig("redact", {})
    params: dict[str, Any] = parsed.model_dump()
    if name in KEYED_OPERATORS:
        if keyring is None:
            raise MissingKeyError(f"operator {name!r} (for {entity_type}) needs a key: set REDACTOR_KEY or "
                                  f"REDACTOR_KEY_FILE, or pass a key file")
        params[KEYRING_PARAM] = keyring
    if name == "pseudonym" and vault is not None:
        params[VAULT_PARAM] = vault
    return OperatorConfig(name, params)
