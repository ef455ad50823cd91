"""Redaction policies: which labels to find, how sure to be, and what to do with them.

A policy file (YAML; the format is documented at the top of every shipped file in
``policies/``) maps label keys to rules: the name and description the span model is
asked for, the Presidio entity type a finding is reported as, a score threshold, and an
operator with its parameters (checked against :data:`~redactor.operators.params.OPERATOR_PARAMS`).

Everything is validated when the file is read, because a policy that silently drops or
misspells a label leaks the data it was meant to remove.  Every error is a
:class:`PolicyError` whose message names the file, the label and the field.

Inheritance: ``extends`` names a shipped policy or a path (relative to the extending
file).  With several parents, their labels are first combined by :func:`union`.  A
child's label entry is merged field by field over the inherited rule; naming a new
``operator`` drops the inherited ``params`` (they belonged to the old operator).
``routes`` are never inherited, so each domain stays routed by exactly one policy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any

import yaml
from pydantic import (BaseModel, ConfigDict, Field, SerializeAsAny, StringConstraints, ValidationError,
                      ValidationInfo, field_serializer, field_validator)
from pydantic_core import ErrorDetails, PydanticCustomError

from redactor.operators.params import OPERATOR_PARAMS, OperatorParams
from redactor.policies import POLICY_DIR, shipped
from redactor.training.labels import DOMAINS

if TYPE_CHECKING:
    from presidio_anonymizer.entities import OperatorConfig

    from redactor.operators import KeyRing, PseudonymVault

#: How protective each operator is (0 = most).  :func:`union` keeps the most protective
#: rule: removal beats a typed tag, which beats generalizing (part of the value stays),
#: which beats showing the last digits, which beats keyed tokens and pseudonyms (the
#: value, or at least its joins, survive for whoever holds the key).
PROTECTION: dict[str, int] = {"redact": 0, "replace": 1, "year_only": 2, "age_90_plus": 2, "zip3": 2,
                              "keep_last": 3, "aes_siv": 4, "aes_gcm": 4, "hmac": 4, "pseudonym": 4}

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
UpperSnake = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")]
LabelKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
PolicyName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_+-]*$")]  # "+": unions


class PolicyError(ValueError):
    """A policy cannot be used; the message names the file, the label and the field."""


def _invalid(detail: str, *at: str) -> PydanticCustomError:
    """A validation error whose message is ``detail``; ``at`` extends the error location."""
    return PydanticCustomError("policy", "{detail}", {"detail": detail, "at": at})


class LabelRule(BaseModel):
    """One label of a policy: what the model is asked for and what happens to a finding."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Text  # the label name fed to the model
    description: Text  # fed to the model next to the name
    entity_type: UpperSnake  # Presidio entity type of a finding
    threshold: Annotated[float, Field(ge=0.0, le=1.0, strict=True)] = 0.5
    operator: str
    params: SerializeAsAny[OperatorParams] = Field(default_factory=dict, validate_default=True)
    reference: str = ""  # the legal basis, for the audit trail

    @field_validator("operator")
    @classmethod
    def _known_operator(cls, operator: str) -> str:
        if operator not in OPERATOR_PARAMS:
            raise _invalid(f"unknown operator {operator!r} (known: {', '.join(OPERATOR_PARAMS)})")
        return operator

    @field_validator("params", mode="before")
    @classmethod
    def _operator_params(cls, value: Any, info: ValidationInfo) -> OperatorParams:
        operator = info.data.get("operator")
        if operator is None:  # the operator itself is invalid and already reported
            return OperatorParams()
        model = OPERATOR_PARAMS[operator]
        try:
            return model.model_validate(value)
        except ValidationError as error:
            problems = "; ".join(_param_problem(problem, model) for problem in error.errors())
            raise _invalid(f"operator {operator!r}: {problems}") from None


def _param_problem(problem: ErrorDetails, model: type[OperatorParams]) -> str:
    where = ".".join(str(part) for part in problem["loc"])
    if problem["type"] == "extra_forbidden":
        return f"unknown parameter {where!r} (known: {', '.join(model.model_fields) or 'none'})"
    return f"parameter {where!r}: {problem['msg']}" if where else problem["msg"]


class Policy(BaseModel):
    """A validated, immutable policy; ``labels`` keeps the file's order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: PolicyName
    title: Text
    reference: str = ""
    extends: tuple[Text, ...] = ()  # the parents as written (provenance for the audit trail)
    routes: tuple[str, ...] = ()  # document domains that policy="auto" sends here
    labels: Mapping[LabelKey, LabelRule] = Field(min_length=1)

    @field_validator("routes")
    @classmethod
    def _known_domains(cls, routes: tuple[str, ...]) -> tuple[str, ...]:
        for domain in routes:
            if domain not in DOMAINS:
                raise _invalid(f"unknown domain {domain!r} (known: {', '.join(DOMAINS)})")
        if len(set(routes)) != len(routes):
            raise _invalid("a domain is listed twice")
        return routes

    @field_validator("labels")
    @classmethod
    def _distinct(cls, labels: Mapping[str, LabelRule]) -> Mapping[str, LabelRule]:
        # The model returns spans by name and Presidio configures operators by entity
        # type, so either one shared by two labels would make a finding ambiguous.
        for field, what, value_of in (("name", "model name", lambda rule: rule.name.casefold()),
                                      ("entity_type", "entity type", lambda rule: rule.entity_type)):
            owner: dict[str, str] = {}
            for key, rule in labels.items():
                value = value_of(rule)
                if value in owner:
                    raise _invalid(f"{what} {getattr(rule, field)!r} is also used by label {owner[value]!r}",
                                   key, field)
                owner[value] = key
        return MappingProxyType(dict(labels))

    @field_serializer("labels")
    def _dump_labels(self, labels: Mapping[str, LabelRule]) -> dict[str, LabelRule]:
        return dict(labels)

    def model_labels(self) -> dict[str, str]:
        """Model name -> description: what the recognizer asks the span model for."""
        return {rule.name: rule.description for rule in self.labels.values()}

    def by_model_name(self, name: str) -> tuple[str, LabelRule]:
        """The label the model reported ``name`` for (KeyError if none)."""
        return self._find(lambda rule: rule.name == name, f"model name {name!r}")

    def entity_types(self) -> set[str]:
        """Every entity type the policy reports (Presidio's ``entities`` argument)."""
        return {rule.entity_type for rule in self.labels.values()}

    def by_entity_type(self, entity_type: str) -> tuple[str, LabelRule]:
        """The label a (pattern) recognizer's ``entity_type`` belongs to (KeyError if none)."""
        return self._find(lambda rule: rule.entity_type == entity_type, f"entity type {entity_type!r}")

    def params(self, key: str) -> OperatorParams:
        """The validated operator parameters of label ``key``."""
        return self.labels[key].params

    def needs_key(self) -> bool:
        """Whether some label's operator is keyed (hmac, encryption, pseudonym)."""
        from redactor.operators import KEYED_OPERATORS

        return any(rule.operator in KEYED_OPERATORS for rule in self.labels.values())

    def operators(self, keyring: KeyRing | None = None, vault: PseudonymVault | None = None
                  ) -> dict[str, OperatorConfig]:
        """Presidio ``AnonymizerEngine`` operators, one per entity type (each label has
        its own type), for an anonymizer from ``redactor.operators.build_anonymizer``."""
        from redactor.operators import operator_config

        return {rule.entity_type: operator_config(rule.operator, rule.params, rule.entity_type, keyring, vault)
                for rule in self.labels.values()}

    def _find(self, match: Callable[[LabelRule], bool], what: str) -> tuple[str, LabelRule]:
        for key, rule in self.labels.items():
            if match(rule):
                return key, rule
        raise KeyError(f"policy {self.name!r} has no label with {what}")


def load_policy(name_or_path: str | Path) -> Policy:
    """Load a shipped policy by name (``"gdpr"``) or a policy file by path.

    A bare string that names a shipped policy always means the shipped one; write
    ``./gdpr.yaml`` for a local file.  Shipped policies are loaded once and cached.
    """
    if isinstance(name_or_path, str) and name_or_path in shipped():
        return _load_shipped(name_or_path)
    return _load(Path(name_or_path), ())


def union(policies: Sequence[Policy], name: str, title: str | None = None) -> Policy:
    """Every label of every policy; on conflict the most protective rule (see :data:`PROTECTION`).

    Ties keep the rule of the earliest policy, the threshold is the lowest of all (more
    recall), and the references of all are kept.  Used by the ``strict`` policy and
    for fail-safe routing when the router is unsure of a document's domain.
    """
    names = [policy.name for policy in policies]
    data = {"name": name, "title": title or f"union of {', '.join(names)}", "extends": names,
            "labels": _union_labels(policies)}
    return _validated(data, f"union {name!r}")


def routing_table(policies: Sequence[Policy] | None = None) -> dict[str, str]:
    """Domain -> policy name, checked to route every domain in ``DOMAINS`` exactly once.

    Defaults to the shipped policies.
    """
    table: dict[str, str] = {}
    for policy in policies if policies is not None else [load_policy(name) for name in shipped()]:
        for domain in policy.routes:
            if domain in table:
                raise PolicyError(f"policy {policy.name!r}: field 'routes': domain {domain!r} "
                                  f"is already routed by policy {table[domain]!r}")
            table[domain] = policy.name
    missing = [domain for domain in DOMAINS if domain not in table]
    if missing:
        raise PolicyError(f"field 'routes': no policy routes {', '.join(map(repr, missing))}")
    return {domain: table[domain] for domain in DOMAINS}


@functools.cache
def _load_shipped(name: str) -> Policy:
    return _load(POLICY_DIR / f"{name}.yaml", ())


def _load(path: Path, stack: tuple[Path, ...]) -> Policy:
    """Read, resolve ``extends`` (``stack``: the files being loaded, for cycles) and validate."""
    raw = _read(path)
    stack = (*stack, path.resolve())
    refs = _extends(raw.get("extends"), path)
    parents = [_load(_locate(ref, path, stack), stack) for ref in refs]
    labels = raw.get("labels", {})
    if parents and isinstance(labels, dict):
        labels = _merge(_union_labels(parents), labels)
    return _validated({**raw, "extends": refs, "labels": labels}, str(path))


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError(f"{path}: cannot read the policy file ({error}); "
                          f"shipped policies: {', '.join(shipped())}") from None
    try:
        data = _parse_yaml(text, path)
    except yaml.YAMLError as error:
        raise PolicyError(f"{path}: invalid YAML: {error}") from None
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        raise PolicyError(f"{path}: a policy must be a YAML mapping, not {found}")
    return data


def _parse_yaml(text: str, path: Path) -> Any:
    """Safe-load one YAML document, rejecting duplicate keys (PyYAML keeps the last silently)."""
    loader = yaml.SafeLoader(text)
    loader.name = str(path)  # YAML syntax errors then point at the file, not "<unicode string>"
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _reject_duplicate_keys(node, (), path)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _reject_duplicate_keys(node: yaml.Node, loc: tuple[str, ...], path: Path) -> None:
    if not isinstance(node, yaml.MappingNode):
        return
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in seen:
            where = ": ".join(_where((*loc, key)))
            raise PolicyError(f"{path}: {where}: duplicate key (line {key_node.start_mark.line + 1})")
        seen.add(key)
        _reject_duplicate_keys(value_node, (*loc, key), path)


def _extends(value: Any, path: Path) -> tuple[str, ...]:
    if value is None:
        return ()
    refs = [value] if isinstance(value, str) else value
    if not isinstance(refs, list) or not all(isinstance(ref, str) and ref.strip() for ref in refs):
        raise PolicyError(f"{path}: field 'extends': must be a policy name or path, or a list of them")
    return tuple(refs)


def _locate(ref: str, child: Path, stack: tuple[Path, ...]) -> Path:
    """The file a parent reference names: a shipped policy, else a path relative to the child."""
    target = POLICY_DIR / f"{ref}.yaml" if ref in shipped() else child.parent / ref
    if not target.is_file():
        raise PolicyError(f"{child}: field 'extends': unknown policy {ref!r}: neither a shipped policy "
                          f"({', '.join(shipped())}) nor a file at {target}")
    if target.resolve() in stack:
        cycle = " -> ".join(str(step) for step in (*stack, target.resolve()))
        raise PolicyError(f"{child}: field 'extends': {ref!r} closes a cycle: {cycle}")
    return target


def _merge(inherited: Mapping[str, LabelRule], entries: dict[Any, Any]) -> dict[Any, Any]:
    """Child label entries over inherited rules, field by field (new labels are appended)."""
    merged: dict[Any, Any] = dict(inherited)
    for key, entry in entries.items():
        parent = inherited.get(key)
        if parent is not None and isinstance(entry, dict):
            base = parent.model_dump()
            if "operator" in entry:
                del base["params"]
            entry = base | entry
        merged[key] = entry
    return merged


def _union_labels(policies: Sequence[Policy]) -> dict[str, LabelRule]:
    candidates: dict[str, list[LabelRule]] = {}
    for policy in policies:
        for key, rule in policy.labels.items():
            candidates.setdefault(key, []).append(rule)
    return {key: _most_protective(rules) for key, rules in candidates.items()}


def _most_protective(rules: list[LabelRule]) -> LabelRule:
    chosen = min(rules, key=lambda rule: PROTECTION[rule.operator])  # min keeps the first of ties
    references = dict.fromkeys(rule.reference for rule in rules if rule.reference)
    return chosen.model_copy(update={"threshold": min(rule.threshold for rule in rules),
                                     "reference": "; ".join(references)})


def _validated(data: dict[str, Any], source: str) -> Policy:
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        raise PolicyError("\n".join(f"{source}: {_describe(problem)}" for problem in error.errors())) from None


def _describe(problem: ErrorDetails) -> str:
    loc = (*problem["loc"], *problem.get("ctx", {}).get("at", ()))
    return ": ".join([*_where(loc), problem["msg"]])


def _where(loc: Sequence[str | int]) -> list[str]:
    """``("labels", "person", "operator")`` -> ``["label 'person'", "field 'operator'"]``."""
    parts: list[str] = []
    if len(loc) > 1 and loc[0] == "labels":
        parts.append(f"label {loc[1]!r}")
        loc = loc[2:]
    if loc:
        parts.append(f"field {'.'.join(str(part) for part in loc)!r}")
    return parts
