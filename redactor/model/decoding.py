"""From head outputs to results: thresholds, overlap rules and the public payload.

Decoding follows the reference span model rule for rule (so outputs match on the
same weights) with one deliberate difference: spans are reported against the
caller's text.  The period the model appends to unpunctuated texts is clamped away
before overlap resolution, so it can neither appear in a surface nor suppress a
real span.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import torch

from redactor.model.config import DecodingMode
from redactor.model.network import TaskScores
from redactor.model.prompt import EncodedText, Task
from redactor.model.schema import Classification, Field, Schema


@dataclass(frozen=True)
class Span:
    """A decoded span: surface text, score and ``[start, end)`` in the caller's text."""

    text: str
    score: float
    start: int
    end: int
    label: str = ""


@dataclass(frozen=True)
class OutputOptions:
    """Per-call decoding options."""

    threshold: float = 0.5
    include_confidence: bool = True
    include_spans: bool = True
    decoding: DecodingMode = "nested"


def candidates(probs: torch.Tensor, threshold: float, encoded: EncodedText,
               label: str = "") -> list[Span]:
    """Spans of one label with probability >= threshold, in (start, width) order.

    ``probs`` is ``[L_text, W]`` over the real text words.  Offsets are clamped to
    the caller's text (dropping the appended period) and trailing space trimmed;
    spans that clamp to the same offsets keep their best score.
    """
    return labelled_candidates(probs[None], [threshold], encoded, [label])[0]


def labelled_candidates(probs: torch.Tensor, thresholds: Sequence[float], encoded: EncodedText,
                        labels: Sequence[str]) -> list[list[Span]]:
    """:func:`candidates` for every label at once (``probs`` is ``[M, L_text, W]``).

    One threshold comparison and one device-to-host copy for all labels: with a
    policy's ~37 labels, a per-label pass cost more than the spans it found.
    """
    words, limit, text = encoded.words, encoded.original_length, encoded.text
    n_words = len(words)
    cut = torch.tensor(thresholds, dtype=probs.dtype, device=probs.device)[:, None, None]
    hits = probs >= cut
    found: list[list[Span]] = [[] for _ in labels]
    for (index, start, width), score in zip(torch.nonzero(hits).tolist(), probs[hits].tolist()):
        last = start + width
        if last >= n_words:
            continue
        char_start, char_end = words[start].start, min(words[last].end, limit)
        surface = text[char_start:char_end].strip()
        if not surface:
            continue
        char_start = text.index(surface, char_start)
        found[index].append(Span(surface, score, char_start, char_start + len(surface), labels[index]))
    return [best_per_offsets(spans) for spans in found]


def best_per_offsets(spans: Sequence[Span]) -> list[Span]:
    """One span per ``(start, end)``: the best-scoring, in first-seen order."""
    best: dict[tuple[int, int], Span] = {}
    for span in spans:
        key = (span.start, span.end)
        if key not in best or span.score > best[key].score:
            best[key] = span
    return list(best.values())


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def greedy(spans: Sequence[Span]) -> list[Span]:
    """Highest score first, drop anything overlapping a kept span (stable on ties)."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: -s.score):
        if not any(_overlaps(span, k) for k in kept):
            kept.append(span)
    return kept


def flat(spans_by_label: Sequence[Sequence[Span]]) -> list[list[Span]]:
    """No overlap across labels: score, then label order, longer, earlier wins."""
    ranked = sorted(
        ((s, i) for i, spans in enumerate(spans_by_label) for s in spans),
        key=lambda p: (-p[0].score, p[1], -(p[0].end - p[0].start), p[0].start))
    kept: list[list[Span]] = [[] for _ in spans_by_label]
    chosen: list[Span] = []
    for span, label_index in ranked:
        if not any(_overlaps(span, k) for k in chosen):
            chosen.append(span)
            kept[label_index].append(span)
    return kept


def _span_value(span: Span, opts: OutputOptions) -> Any:
    if not (opts.include_confidence or opts.include_spans):
        return span.text
    value: dict[str, Any] = {"text": span.text}
    if opts.include_confidence:
        value["confidence"] = span.score
    if opts.include_spans:
        value.update(start=span.start, end=span.end)
    return value


def format_spans(spans: Sequence[Span], dtype: str, opts: OutputOptions) -> Any:
    """``list`` -> all spans (without offsets, case-insensitive duplicates dropped);
    ``str`` -> the best span or ``None``."""
    if dtype == "str":
        return _span_value(spans[0], opts) if spans else None
    if opts.include_spans:
        return [_span_value(s, opts) for s in spans]
    seen: set[str] = set()
    unique = []
    for span in spans:
        if span.text.lower() not in seen:
            seen.add(span.text.lower())
            unique.append(_span_value(span, opts))
    return unique


def _text_probs(logits: torch.Tensor, encoded: EncodedText) -> torch.Tensor:
    """Sigmoid over the real-text words only (the choice prefix comes first)."""
    return torch.sigmoid(logits[..., -len(encoded.words):, :])


ChoiceScores = list[tuple[str, float]]
Record = dict[str, "list[Span] | ChoiceScores"]


@dataclass
class RawResult:
    """Decoded spans of one text (or window) before formatting.

    ``None`` for entities or a structure means the count head predicted no instance.
    Classification keeps every label's probability so windows can be merged.
    """

    entities: dict[str, list[Span]] | None = None
    structures: dict[str, list[Record] | None] = field(default_factory=dict)
    relations: dict[str, list[tuple[Span, Span]]] = field(default_factory=dict)
    classes: dict[str, list[float]] = field(default_factory=dict)

    def shifted(self, offset: int) -> RawResult:
        """The same result with every character offset moved by ``offset``."""
        def move(span: Span) -> Span:
            return replace(span, start=span.start + offset, end=span.end + offset)

        def move_record(record: Record) -> Record:
            return {k: [move(s) if isinstance(s, Span) else s for s in v] for k, v in record.items()}

        return RawResult(
            entities=None if self.entities is None else {
                k: [move(s) for s in v] for k, v in self.entities.items()},
            structures={k: None if v is None else [move_record(r) for r in v]
                        for k, v in self.structures.items()},
            relations={k: [(move(h), move(t)) for h, t in v] for k, v in self.relations.items()},
            classes=dict(self.classes))


def resolve_entities(found: Sequence[Sequence[Span]], decoding: DecodingMode) -> list[list[Span]]:
    """Apply the configured overlap rule to per-label candidates."""
    return flat(found) if decoding == "flat" else [greedy(f) for f in found]


def _decode_entities(scores: TaskScores, encoded: EncodedText,
                     opts: OutputOptions) -> dict[str, list[Span]] | None:
    if scores.span_logits is None:
        return None
    types = encoded.schema.schema.entity_types
    found = labelled_candidates(_text_probs(scores.span_logits[0], encoded),
                                [opts.threshold if e.threshold is None else e.threshold for e in types],
                                encoded, [e.name for e in types])
    return {e.name: spans for e, spans in zip(types, resolve_entities(found, opts.decoding))}


def _decode_relation(scores: TaskScores, task: Task, encoded: EncodedText,
                     opts: OutputOptions) -> list[tuple[Span, Span]]:
    if scores.span_logits is None:
        return []
    relation = next(r for r in encoded.schema.schema.relation_types if r.name == task.name)
    threshold = opts.threshold if relation.threshold is None else relation.threshold
    pairs = []
    for instance in _text_probs(scores.span_logits, encoded):
        head, tail = (greedy(candidates(instance[r], threshold, encoded)) for r in range(2))
        if head and tail:
            pairs.append((head[0], tail[0]))
    return pairs


def _choice_scores(fld: Field, prefix_probs: torch.Tensor, prefix: Sequence[str]) -> ChoiceScores:
    lowered = [w.lower() for w in prefix]
    return [(c, float(prefix_probs[lowered.index(c.lower()), 0]))
            for c in dict.fromkeys(fld.choices) if c.lower() in lowered]


def _decode_structure(scores: TaskScores, task: Task, encoded: EncodedText,
                      opts: OutputOptions) -> list[Record] | None:
    if scores.span_logits is None:
        return None
    structure = next(s for s in encoded.schema.schema.structures if s.name == task.name)
    n_prefix = len(encoded.schema.prefix)
    records = []
    for inst in torch.sigmoid(scores.span_logits):
        record: Record = {}
        for index, fld in enumerate(structure.fields):
            if fld.choices:
                record[fld.name] = _choice_scores(fld, inst[index, :n_prefix], encoded.schema.prefix)
            else:
                threshold = opts.threshold if fld.threshold is None else fld.threshold
                record[fld.name] = greedy(candidates(inst[index, n_prefix:], threshold, encoded))
        records.append(record)
    return records


def decode_raw(task_scores: Sequence[TaskScores], encoded: EncodedText,
               opts: OutputOptions) -> RawResult:
    """Thresholds and overlap rules for one encoded text; offsets into that text."""
    raw = RawResult()
    for task, scores in zip(encoded.schema.tasks, task_scores):
        if task.kind == "entities":
            raw.entities = _decode_entities(scores, encoded, opts)
        elif task.kind == "relation":
            raw.relations[task.name] = _decode_relation(scores, task, encoded, opts)
        elif task.kind == "structure":
            raw.structures[task.name] = _decode_structure(scores, task, encoded, opts)
        else:
            assert scores.class_logits is not None
            cls = next(c for c in encoded.schema.schema.classifications if c.name == task.name)
            sigmoid = cls.activation == "sigmoid" or (cls.activation == "auto" and cls.multi_label)
            logits = scores.class_logits
            raw.classes[task.name] = (torch.sigmoid(logits) if sigmoid
                                      else torch.softmax(logits, -1)).tolist()
    return raw


def _format_classification(task: Classification, probs: Sequence[float], opts: OutputOptions) -> Any:
    """Single-label: the argmax.  Multi-label: labels >= threshold, else the best one,
    then ``top_k``."""
    def value(i: int) -> Any:
        label = task.labels[i]
        return {"label": label, "confidence": probs[i]} if opts.include_confidence else label

    best = max(range(len(probs)), key=lambda i: (probs[i], -i))
    if not task.multi_label:
        return value(best)
    chosen = [i for i, p in enumerate(probs) if p >= task.threshold] or [best]
    if task.top_k is not None:
        chosen = sorted(chosen, key=lambda i: -probs[i])[: task.top_k]
    return [value(i) for i in chosen]


def _format_record(record: Record, fields: Sequence[Field], opts: OutputOptions) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fld in fields:
        values = record[fld.name]
        if not fld.choices:
            out[fld.name] = format_spans(values, fld.dtype, opts)  # type: ignore[arg-type]
            continue
        threshold = opts.threshold if fld.threshold is None else fld.threshold

        def choice(c: str, s: float) -> Any:
            return {"text": c, "confidence": s} if opts.include_confidence else c

        if fld.dtype == "list":
            out[fld.name] = [choice(c, s) for c, s in values if s >= threshold]  # type: ignore[misc]
        else:
            best = max(values, key=lambda cs: cs[1], default=None)  # type: ignore[arg-type, return-value]
            out[fld.name] = choice(*best) if best and best[1] >= threshold else None  # type: ignore[misc]
    return out


def format_result(raw: RawResult, schema: Schema, opts: OutputOptions) -> dict[str, Any]:
    """The public payload (same shape as the reference ``gliner2`` payload)."""
    result: dict[str, Any] = {}
    for structure in schema.structures:
        records = raw.structures.get(structure.name)
        if records is None:
            result[structure.name] = {}
            continue
        formatted = [_format_record(r, structure.fields, opts) for r in records]
        result[structure.name] = [r for r in formatted
                                  if any(v is not None and v != [] for v in r.values())]
    if schema.entity_types:
        result["entities"] = {} if raw.entities is None else {
            e.name: format_spans(raw.entities[e.name], e.dtype, opts) for e in schema.entity_types}
    for cls in schema.classifications:
        result[cls.name] = _format_classification(cls, raw.classes[cls.name], opts)
    if schema.relation_types:
        result["relation_extraction"] = {
            r.name: [_format_pair(h, t, opts) for h, t in raw.relations.get(r.name, [])]
            for r in schema.relation_types}
    return result


def _format_pair(head: Span, tail: Span, opts: OutputOptions) -> Any:
    if opts.include_confidence or opts.include_spans:
        return {"head": _span_value(head, opts), "tail": _span_value(tail, opts)}
    return (head.text, tail.text)
