"""Encoder input: the serialized schema prompt followed by the text's words.

Layout (identical to the reference, so checkpoints transfer and ids match)::

    ( [P] entities [DESCRIPTION] person: ... ( [E] person [E] email ) ) [SEP_STRUCT]
    ( [P] works_for ( [R] head [R] tail ) ) [SEP_TEXT] <choice prefix words> <text words>

Every element is tokenized on its own (no [CLS]/[SEP]); a word's vector is the
encoder state of its first subword and a label's vector is the state of its marker.
The schema part depends only on the schema, so it is built once per schema and
reused for every text; word tokenizations are cached, as texts repeat words.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from transformers import PreTrainedTokenizerBase

from redactor.model.schema import Schema
from redactor.model.words import Splitter, Word, normalize_text, split_words

SEP_STRUCT, SEP_TEXT = "[SEP_STRUCT]", "[SEP_TEXT]"
P_TOKEN, C_TOKEN, E_TOKEN, R_TOKEN, L_TOKEN = "[P]", "[C]", "[E]", "[R]", "[L]"
EXAMPLE_TOKEN, OUTPUT_TOKEN, DESC_TOKEN = "[EXAMPLE]", "[OUTPUT]", "[DESCRIPTION]"
#: In this order, so their ids are ``len(base vocabulary) + 0..9`` as in every checkpoint.
SPECIAL_TOKENS = (SEP_STRUCT, SEP_TEXT, P_TOKEN, C_TOKEN, E_TOKEN, R_TOKEN, L_TOKEN,
                  EXAMPLE_TOKEN, OUTPUT_TOKEN, DESC_TOKEN)

TaskKind = Literal["structure", "entities", "relation", "classification"]
ENTITY_TASK = "entities"
RELATION_ROLES = ("head", "tail")


@dataclass(frozen=True)
class Task:
    """One serialized task: its kind, name, label names and prompt elements."""

    kind: TaskKind
    name: str
    labels: tuple[str, ...]
    elements: tuple[str, ...]


@dataclass(frozen=True)
class EncodedSchema:
    """The schema half of the input, shared by every text encoded with it.

    ``ids`` ends with ``[SEP_TEXT]``; ``markers[t]`` holds the positions of task t's
    ``[P]`` followed by one position per label; ``label_spans[t]`` the ``[start, end)``
    positions of each label's name subwords (for ``label_pooling="mean"``);
    ``prefix_ids`` are the subword ids of the choice-prefix pseudo-words that precede
    the text words; ``task_ranges[t]`` the ``[start, end)`` positions of task t's tokens
    (attention roles, ``redactor.model.segments``).
    """

    schema: Schema
    tasks: tuple[Task, ...]
    ids: tuple[int, ...]
    markers: tuple[tuple[int, ...], ...]
    prefix: tuple[str, ...]
    prefix_ids: tuple[tuple[int, ...], ...]
    label_spans: tuple[tuple[tuple[int, int], ...], ...] = ()
    task_ranges: tuple[tuple[int, int], ...] = ()

    @property
    def prefix_subwords(self) -> int:
        """Subwords taken by the choice prefix (part of every window's budget)."""
        return sum(max(1, len(ids)) for ids in self.prefix_ids)


@dataclass(frozen=True)
class EncodedText:
    """One text ready for the encoder.

    ``words`` index ``text`` (the normalized string, possibly with an appended
    period); ``original_length`` is the caller's length, used to clamp spans.
    """

    input_ids: tuple[int, ...]
    word_positions: tuple[int, ...]
    words: tuple[Word, ...]
    text: str
    original_length: int
    schema: EncodedSchema


def _task_elements(parent: str, labels: Sequence[str], marker: str, prompt: str | None,
                   descriptions: Sequence[tuple[str, str]],
                   examples: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    head = f"{parent}: {prompt}" if prompt else parent
    for label, description in descriptions:
        if label in labels:
            head += f" {DESC_TOKEN} {label}: {description}"
    for text, output in examples:
        if output in labels:
            head += f" {EXAMPLE_TOKEN} {text} {OUTPUT_TOKEN} {output}"
    elements = ["(", P_TOKEN, head, "("]
    for label in labels:
        elements += [marker, label]
    return (*elements, ")", ")")


def schema_tasks(schema: Schema) -> tuple[Task, ...]:
    """Serialize a schema into tasks in the reference's fixed order:
    structures, the entity task, relations, classifications."""
    tasks: list[Task] = []
    for structure in schema.structures:
        labels = tuple(f.name for f in structure.fields)
        descs = [(f.name, f.description) for f in structure.fields if f.description]
        tasks.append(Task("structure", structure.name, labels,
                          _task_elements(structure.name, labels, C_TOKEN, None, descs, ())))
    if schema.entity_types:
        labels = tuple(e.name for e in schema.entity_types)
        descs = [(e.name, e.description) for e in schema.entity_types if e.description is not None]
        tasks.append(Task("entities", ENTITY_TASK, labels,
                          _task_elements(ENTITY_TASK, labels, E_TOKEN, None, descs, ())))
    for relation in schema.relation_types:
        tasks.append(Task("relation", relation.name, RELATION_ROLES,
                          _task_elements(relation.name, RELATION_ROLES, R_TOKEN,
                                         relation.description, (), ())))
    for task in schema.classifications:
        tasks.append(Task("classification", task.name, task.labels,
                          _task_elements(task.name, task.labels, L_TOKEN, task.prompt,
                                         task.descriptions, task.examples)))
    return tuple(tasks)


def choice_prefix(schema: Schema) -> tuple[str, ...]:
    """Pseudo-words listing every choice field's options, scored like text words."""
    prefix: list[str] = []
    for structure in schema.structures:
        inner: list[str] = []
        for fld in structure.fields:
            if not fld.choices:
                continue
            options: list[str] = []
            for i, choice in enumerate(fld.choices):
                options += ["|", choice] if i else [choice]
            inner += [fld.name, "(", *options, ")", ","]
        if inner:
            prefix += ["(", f"{structure.name}:", *inner[:-1], ")"]
    return tuple(prefix)


class PromptEncoder:
    """Turns schemas and texts into encoder inputs with a given tokenizer and word
    splitter (the model's: ``GLiNER2.set_word_splitter`` keeps the two in step)."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, cache_size: int = 65536,
                 splitter: Splitter = "reference") -> None:
        self.tokenizer = tokenizer
        self.splitter: Splitter = splitter
        self.special_ids = {tok: tokenizer.convert_tokens_to_ids(tok) for tok in SPECIAL_TOKENS}
        self._piece_ids = functools.lru_cache(maxsize=cache_size)(self._uncached_piece_ids)
        self._schemas = functools.lru_cache(maxsize=256)(self._encode_schema)
        self._texts = functools.lru_cache(maxsize=256)(self._split_text)

    def _uncached_piece_ids(self, element: str) -> tuple[int, ...]:
        tokens = self.tokenizer.tokenize(element)
        return tuple(self.tokenizer.convert_tokens_to_ids(tokens))

    def piece_ids(self, element: str) -> tuple[int, ...]:
        """Subword ids of one element (word, label or prompt string), cached."""
        return self._piece_ids(element)

    def split(self, text: str) -> list[Word]:
        """``text``'s words under this encoder's splitter."""
        return split_words(text, self.splitter)

    def encode_schema(self, schema: Schema) -> EncodedSchema:
        """Build (or fetch from cache) the schema half of the input."""
        return self._schemas(_SchemaKey(schema))

    def _encode_schema(self, key: _SchemaKey) -> EncodedSchema:
        source = key.schema  # snapshot: the caller may keep mutating its builder
        schema = Schema(list(source.entity_types), list(source.classifications),
                        list(source.structures), list(source.relation_types))
        tasks = schema_tasks(schema)
        ids: list[int] = []
        markers: list[tuple[int, ...]] = []
        label_spans: list[tuple[tuple[int, int], ...]] = []
        ranges: list[tuple[int, int]] = []
        for t, task in enumerate(tasks):
            if t:
                ids.append(self.special_ids[SEP_STRUCT])
            task_start = len(ids)
            marker_slots = {1, *range(4, len(task.elements) - 2, 2)}
            positions: list[int] = []
            spans: list[tuple[int, int]] = []
            for index, element in enumerate(task.elements):
                if index in marker_slots:
                    positions.append(len(ids))
                start = len(ids)
                ids.extend(self.piece_ids(element))
                if index - 1 in marker_slots and index > 2:  # the label name after a marker
                    spans.append((start, max(len(ids), start + 1)))
            markers.append(tuple(positions))
            label_spans.append(tuple(spans))
            ranges.append((task_start, len(ids)))
        ids.append(self.special_ids[SEP_TEXT])
        prefix = choice_prefix(schema)
        return EncodedSchema(schema, tasks, tuple(ids), tuple(markers), prefix,
                             tuple(self.piece_ids(w) for w in prefix), tuple(label_spans), tuple(ranges))

    def _split_text(self, normalized: str, splitter: Splitter
                    ) -> tuple[tuple[Word, ...], tuple[tuple[int, ...], ...]]:
        words = tuple(split_words(normalized, splitter))
        return words, tuple(self.piece_ids(w.token) for w in words)

    def encode_text(self, text: str, encoded_schema: EncodedSchema) -> EncodedText:
        """Append ``text``'s words to the schema prompt; record word positions.  A
        text's words and subwords are cached for the next few calls: every label group
        of a long policy encodes the same text with its own prompt."""
        normalized = normalize_text(text)
        words, word_ids = self._texts(normalized, self.splitter)
        ids = list(encoded_schema.ids)
        positions: list[int] = []
        for pieces in (*encoded_schema.prefix_ids, *word_ids):
            positions.append(len(ids))
            ids.extend(pieces)
        # A word that tokenizes to nothing (e.g. a lone control character) points at
        # the next subword, as in the reference; clamp so the last one stays in range.
        last = len(ids) - 1
        return EncodedText(tuple(ids), tuple(min(p, last) for p in positions), words,
                           normalized, len(text), encoded_schema)


class _SchemaKey:
    """Hashable wrapper so schemas (mutable builders) can key the prompt cache."""

    __slots__ = ("schema", "_key")

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self._key = schema.key()

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SchemaKey) and self._key == other._key
