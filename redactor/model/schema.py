"""What to extract: a typed, validated schema and its chainable builder.

A schema is a list of *tasks* that are all answered in one encoder pass: one entity
task (all entity types together), structures (records with fields), relations and
classifications.  Entity types and labels may carry natural-language descriptions;
the model reads them, so they matter as much as the names.

    schema = (Schema()
              .entities({"person": "names of people", "email": None})
              .classification("domain", ["health", "finance"], multi_label=True)
              .relations(["works_for"])
              .structure("contact")
                  .field("name", dtype="str")
                  .field("kind", choices=["home", "work"])
              .end())
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Union

Dtype = Literal["list", "str"]
Activation = Literal["auto", "softmax", "sigmoid"]

#: ``entities(...)`` input: a name, names, or name -> description / options.
EntitySpec = Union[str, Sequence[str], Mapping[str, Union[str, None, Mapping[str, object]]]]


class SchemaError(ValueError):
    """A schema is malformed; the message names the task and field at fault."""


def _check_threshold(where: str, value: float | None) -> float | None:
    if value is not None and not 0.0 <= float(value) <= 1.0:
        raise SchemaError(f"{where}: threshold must be within [0, 1], got {value!r}")
    return None if value is None else float(value)


def _check_name(where: str, name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise SchemaError(f"{where}: names must be non-empty strings, got {name!r}")
    return name


def _check_unique(where: str, names: Iterable[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise SchemaError(f"{where}: duplicate name {name!r}")
        seen.add(name)


@dataclass(frozen=True)
class EntityType:
    """An entity label.  ``description=None`` means "not described"; an empty string
    is still shown to the model (the reference does the same)."""

    name: str
    description: str | None = None
    threshold: float | None = None
    dtype: Dtype = "list"


@dataclass(frozen=True)
class Classification:
    """A document-level classification task over ``labels``."""

    name: str
    labels: tuple[str, ...]
    descriptions: tuple[tuple[str, str], ...] = ()
    multi_label: bool = False
    threshold: float = 0.5
    top_k: int | None = None
    activation: Activation = "auto"
    prompt: str | None = None
    examples: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Field:
    """A structure field: free text spans, or one of ``choices``."""

    name: str
    dtype: Dtype = "list"
    choices: tuple[str, ...] = ()
    description: str | None = None
    threshold: float | None = None


@dataclass(frozen=True)
class Structure:
    """A record type whose instances are filled from the text (``extract_json``)."""

    name: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Relation:
    """A directed relation between a head span and a tail span."""

    name: str
    description: str | None = None
    threshold: float | None = None


@dataclass
class Schema:
    """Chainable builder of extraction tasks; also the validated value passed around."""

    entity_types: list[EntityType] = field(default_factory=list)
    classifications: list[Classification] = field(default_factory=list)
    structures: list[Structure] = field(default_factory=list)
    relation_types: list[Relation] = field(default_factory=list)

    # -- builder ---------------------------------------------------------------
    def entities(self, types: EntitySpec, *, threshold: float | None = None,
                 dtype: Dtype = "list") -> Schema:
        """Add entity types: a name, a list of names, or a dict name -> description.

        A dict value may also be ``{"description": ..., "threshold": ..., "dtype": ...}``.
        """
        items: list[tuple[str, object]]
        if isinstance(types, str):
            items = [(types, None)]
        elif isinstance(types, Mapping):
            items = list(types.items())
        elif isinstance(types, Sequence):
            items = [(name, None) for name in types]
        else:
            raise SchemaError(f"entities: expected str, list or dict, got {type(types).__name__}")
        for name, spec in items:
            where = f"entity {name!r}"
            _check_name("entities", name)
            options: Mapping[str, object]
            if spec is None or isinstance(spec, str):
                options = {"description": spec}
            elif isinstance(spec, Mapping):
                unknown = set(spec) - {"description", "threshold", "dtype"}
                if unknown:
                    raise SchemaError(f"{where}: unknown option(s) {sorted(unknown)}")
                options = spec
            else:
                raise SchemaError(f"{where}: description must be a string, got {spec!r}")
            entity_dtype = options.get("dtype", dtype)
            if entity_dtype not in ("list", "str"):
                raise SchemaError(f"{where}: dtype must be 'list' or 'str', got {entity_dtype!r}")
            description = options.get("description")
            if description is not None and not isinstance(description, str):
                raise SchemaError(f"{where}: description must be a string")
            self.entity_types.append(EntityType(
                name=name, description=description,
                threshold=_check_threshold(where, options.get("threshold", threshold)),  # type: ignore[arg-type]
                dtype=entity_dtype,  # type: ignore[arg-type]
            ))
        _check_unique("entities", (e.name for e in self.entity_types))
        return self

    def classification(self, name: str, labels: Sequence[str] | Mapping[str, str], *,
                       multi_label: bool = False, threshold: float = 0.5,
                       top_k: int | None = None, activation: Activation = "auto",
                       prompt: str | None = None,
                       examples: Sequence[tuple[str, str]] = ()) -> Schema:
        """Add a classification task; ``labels`` may map label -> description.

        ``threshold`` applies to multi-label tasks only (single-label takes the argmax);
        ``examples`` are few-shot ``(text, label)`` pairs shown in the prompt.
        """
        where = f"classification {name!r}"
        _check_name("classification", name)
        label_names = list(labels.keys()) if isinstance(labels, Mapping) else list(labels)
        if not label_names:
            raise SchemaError(f"{where}: needs at least one label")
        for label in label_names:
            _check_name(where, label)
        _check_unique(where, label_names)
        if activation not in ("auto", "softmax", "sigmoid"):
            raise SchemaError(f"{where}: activation must be auto, softmax or sigmoid")
        if top_k is not None and top_k < 1:
            raise SchemaError(f"{where}: top_k must be >= 1, got {top_k}")
        for example in examples:
            if len(example) != 2 or not all(isinstance(x, str) for x in example):
                raise SchemaError(f"{where}: examples are (text, label) string pairs")
        descriptions = tuple(labels.items()) if isinstance(labels, Mapping) else ()
        self.classifications.append(Classification(
            name=name, labels=tuple(label_names), descriptions=descriptions,
            multi_label=multi_label, threshold=_check_threshold(where, threshold) or 0.0,
            top_k=top_k, activation=activation, prompt=prompt,
            examples=tuple((str(t), str(lab)) for t, lab in examples),
        ))
        _check_unique("classifications", (c.name for c in self.classifications))
        return self

    def relations(self, types: str | Sequence[str] | Mapping[str, str | None], *,
                  threshold: float | None = None) -> Schema:
        """Add relation types (a name, names, or name -> description)."""
        if isinstance(types, str):
            items: list[tuple[str, str | None]] = [(types, None)]
        elif isinstance(types, Mapping):
            items = list(types.items())
        else:
            items = [(name, None) for name in types]
        for name, description in items:
            _check_name("relations", name)
            self.relation_types.append(Relation(
                name=name, description=description or None,
                threshold=_check_threshold(f"relation {name!r}", threshold)))
        _check_unique("relations", (r.name for r in self.relation_types))
        return self

    def structure(self, name: str) -> StructureBuilder:
        """Start a structure; chain ``.field(...)`` calls and finish with ``.end()``."""
        _check_name("structure", name)
        if any(s.name == name for s in self.structures):
            raise SchemaError(f"structure {name!r}: declared twice")
        return StructureBuilder(self, name)

    # -- queries used by the prompt builder and decoders --------------------------
    @property
    def is_empty(self) -> bool:
        """True when no task was declared (nothing to extract)."""
        return not (self.entity_types or self.classifications or self.structures
                    or self.relation_types)

    def key(self) -> tuple[object, ...]:
        """A hashable identity of everything that changes the prompt or decoding."""
        return (tuple(self.entity_types), tuple(self.classifications),
                tuple(self.structures), tuple(self.relation_types))


class StructureBuilder:
    """Collects the fields of one structure, then returns to its ``Schema``."""

    def __init__(self, schema: Schema, name: str) -> None:
        self._schema = schema
        self._name = name
        self._fields: list[Field] = []

    def field(self, name: str, *, dtype: Dtype = "list", choices: Sequence[str] | None = None,
              description: str | None = None, threshold: float | None = None) -> StructureBuilder:
        """Add a field; with ``choices`` the model picks among them instead of a span."""
        where = f"structure {self._name!r} field {name!r}"
        _check_name(f"structure {self._name!r}", name)
        if dtype not in ("list", "str"):
            raise SchemaError(f"{where}: dtype must be 'list' or 'str', got {dtype!r}")
        for choice in choices or ():
            _check_name(where, choice)
        self._fields.append(Field(name=name, dtype=dtype, choices=tuple(choices or ()),
                                  description=description or None,
                                  threshold=_check_threshold(where, threshold)))
        _check_unique(f"structure {self._name!r}", (f.name for f in self._fields))
        return self

    def end(self) -> Schema:
        """Finish the structure and return the schema for further chaining."""
        if not self._fields:
            raise SchemaError(f"structure {self._name!r}: needs at least one field")
        self._schema.structures.append(Structure(self._name, tuple(self._fields)))
        return self._schema


def parse_field_spec(spec: str) -> Field:
    """Parse the compact ``"name::dtype::description"`` / ``"name::[a|b]::str"`` form."""
    parts = spec.split("::")
    name, dtype, choices, description = parts[0], None, (), None
    for part in parts[1:]:
        if part in ("str", "list"):
            dtype = part
        elif part.startswith("[") and part.endswith("]"):
            choices = tuple(c.strip() for c in part[1:-1].split("|") if c.strip())
        else:
            description = part
    if dtype is None:
        dtype = "str" if choices else "list"
    return Field(name=_check_name("structure field", name), dtype=dtype,  # type: ignore[arg-type]
                 choices=choices, description=description)
