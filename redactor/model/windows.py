"""Long texts: overlapping word windows that fit the encoder, and merging them back.

Encoders with absolute positions (MiniLM/BERT: 512) cannot see a long document at
once, and silently truncating it would leak everything past the cut.  A text whose
prompt + words exceed the budget is split into word windows that overlap by
``overlap`` words.  Each window *owns* the words from the middle of its left overlap
to the middle of its right overlap; a span is kept only from the window that owns
its first word.  With ``overlap >= 2 * max_width`` every span a window keeps lies
wholly inside it, at least ``overlap / 2 - max_width`` words from its cut edges, so
an entity that crosses a window boundary is reported once, from a window that saw
all of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from redactor.model.decoding import RawResult, Record, Span, best_per_offsets, resolve_entities
from redactor.model.config import DecodingMode
from redactor.model.words import Word


class WindowError(ValueError):
    """A text cannot be windowed (a single word or the prompt alone is too long)."""


@dataclass(frozen=True)
class Window:
    """Words ``[first, stop)`` of a text; ``[own_start, own_end)`` are the character
    offsets of the words it owns (``own_end`` is ``None`` for the last window)."""

    first: int
    stop: int
    char_start: int
    char_end: int
    own_start: int
    own_end: int | None

    def owns(self, offset: int) -> bool:
        """Whether a span starting at character ``offset`` belongs to this window."""
        return offset >= self.own_start and (self.own_end is None or offset < self.own_end)


def plan_windows(words: Sequence[Word], costs: Sequence[int], budget: int,
                 overlap: int) -> list[Window]:
    """Cut ``words`` (subword ``costs`` each) into windows of at most ``budget``.

    Raises:
        WindowError: when the budget is not positive or one word alone exceeds it.
    """
    if budget <= 0:
        raise WindowError(f"the schema prompt leaves no room for text in the encoder window "
                          f"({-budget} subwords over); use fewer or shorter labels")
    spans: list[tuple[int, int]] = []
    first = 0
    while True:
        stop, used = first, 0
        while stop < len(words) and used + costs[stop] <= budget:
            used += costs[stop]
            stop += 1
        if stop == first:
            raise WindowError(
                f"word {first} (characters {words[first].start}-{words[first].end}) needs "
                f"{costs[first]} subwords, more than the {budget} the encoder window leaves")
        spans.append((first, stop))
        if stop >= len(words):
            break
        first = max(stop - overlap, first + 1)
    windows = []
    for i, (first, stop) in enumerate(spans):
        own_from = 0 if i == 0 else (first + spans[i - 1][1]) // 2
        own_to = None if i + 1 == len(spans) else (spans[i + 1][0] + stop) // 2
        windows.append(Window(first, stop, words[first].start, words[stop - 1].end,
                              words[own_from].start if i else 0,
                              None if own_to is None else words[own_to].start))
    return windows


def _owned(window: Window, spans: Sequence[Span]) -> list[Span]:
    return [s for s in spans if window.owns(s.start)]


def _record_anchor(record: Record) -> int | None:
    starts = [s.start for values in record.values() for s in values if isinstance(s, Span)]
    return min(starts) if starts else None


def merge_windows(parts: Sequence[tuple[Window, RawResult]], decoding: DecodingMode,
                  multi_label: dict[str, bool]) -> RawResult:
    """Merge per-window results (offsets already global) into one text's result.

    Entities: owned spans, then the same overlap rule across windows.  Relations and
    structure records: owned by the window holding their first span.  Single-label
    classification: the most confident window decides; multi-label: per-label max.
    """
    if len(parts) == 1:
        return parts[0][1]
    merged = RawResult()
    entity_parts = [(w, r.entities) for w, r in parts if r.entities is not None]
    if entity_parts:
        labels = list(entity_parts[0][1])
        found = [best_per_offsets([s for w, ents in entity_parts for s in _owned(w, ents[label])])
                 for label in labels]
        merged.entities = dict(zip(labels, resolve_entities(found, decoding)))
    for name in parts[0][1].relations:
        merged.relations[name] = [pair for w, r in parts for pair in r.relations[name]
                                  if w.owns(min(pair[0].start, pair[1].start))]
    for name in parts[0][1].structures:
        records: list[Record] = []
        seen_any = False
        for index, (w, r) in enumerate(parts):
            if r.structures[name] is None:
                continue
            seen_any = True
            for record in r.structures[name]:  # type: ignore[union-attr]
                anchor = _record_anchor(record)
                if (index == 0) if anchor is None else w.owns(anchor):
                    records.append(record)
        merged.structures[name] = records if seen_any else None
    for name in parts[0][1].classes:
        vectors = [r.classes[name] for _, r in parts]
        merged.classes[name] = ([max(col) for col in zip(*vectors)] if multi_label[name]
                                else max(vectors, key=max))
    return merged
