"""Annotated documents: the JSONL format shared by the generator, trainer and evaluator.

One JSON object per line: ``{"text", "spans": [{"start", "end", "label"}], "domain",
"family", "locale", "id"}`` (only ``text`` and ``spans`` are required).  Offsets are
code-point offsets, end exclusive.  ``validate`` checks a span against the model's
word splitter: a span that does not start and end on word boundaries can never be
predicted and would silently vanish as a training target.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from redactor.model.words import Splitter, split_words
from redactor.training.labels import BY_KEY


@dataclass(frozen=True)
class SpanLabel:
    """A gold span ``[start, end)`` with its label key."""

    start: int
    end: int
    label: str


@dataclass
class Record:
    """One annotated document."""

    text: str
    spans: list[SpanLabel] = field(default_factory=list)
    domain: str | None = None
    family: str | None = None
    locale: str | None = None
    id: str | None = None
    # The label keys its source annotates; None: every label (our synthetic documents).
    # A real corpus mapped to a few labels says nothing about the others: a city in a
    # tweet annotated for persons only is not evidence that cities are not PII.
    annotates: tuple[str, ...] | None = None

    @classmethod
    def from_json(cls, data: dict[str, object], where: str = "record") -> Record:
        """Parse one JSON object; errors name ``where`` (file:line) and the field."""
        text = data.get("text")
        if not isinstance(text, str):
            raise ValueError(f"{where}: 'text' must be a string")
        spans = []
        for i, raw in enumerate(data.get("spans") or []):  # type: ignore[union-attr]
            try:
                span = SpanLabel(int(raw["start"]), int(raw["end"]), str(raw["label"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{where}: spans[{i}] needs integer start/end and a label") from exc
            if not 0 <= span.start < span.end <= len(text):
                raise ValueError(f"{where}: spans[{i}] offsets {span.start}-{span.end} outside the text")
            spans.append(span)
        extra = {k: data.get(k) for k in ("domain", "family", "locale", "id")}
        annotates = data.get("annotates")
        if annotates is not None and not (isinstance(annotates, list)
                                          and all(isinstance(a, str) for a in annotates)):
            raise ValueError(f"{where}: 'annotates' must be a list of label keys")
        return cls(text, spans, **{k: None if v is None else str(v) for k, v in extra.items()},
                   annotates=None if annotates is None else tuple(annotates))

    def to_json(self) -> str:
        """One JSONL line."""
        payload = asdict(self)
        return json.dumps({k: v for k, v in payload.items() if v is not None}, ensure_ascii=False)


def unaligned_spans(record: Record, splitter: Splitter = "reference") -> list[SpanLabel]:
    """Spans whose boundaries do not fall on the word splitter's word boundaries."""
    words = split_words(record.text, splitter)
    starts = {w.start for w in words}
    ends = {w.end for w in words}
    return [s for s in record.spans if s.start not in starts or s.end not in ends]


def read_jsonl(path: str | Path) -> Iterator[Record]:
    """Stream records from a JSONL file."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                yield Record.from_json(json.loads(line), f"{path}:{number}")


def write_jsonl(path: str | Path, records: Iterable[Record]) -> int:
    """Write records as JSONL; returns how many were written."""
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(record.to_json() + "\n")
            count += 1
    return count


def load_records(path: str | Path, label_map: Mapping[str, str | None] | None = None,
                 labels: Sequence[str] | None = None) -> tuple[list[Record], dict[str, int]]:
    """Read a JSONL corpus, mapping foreign labels to canonical keys.

    With a ``label_map`` (foreign -> key, or null to drop), labels neither mapped nor
    canonical are dropped; without one, labels are kept as they are.  ``labels``
    keeps only those keys.  Returns the records and how many spans each dropped
    label lost, so a wrong map is visible rather than silent.
    """
    dropped: dict[str, int] = defaultdict(int)
    records = []
    for record in read_jsonl(path):
        spans = []
        for s in record.spans:
            key: str | None = s.label
            if label_map is not None:
                key = label_map[s.label] if s.label in label_map else (s.label if s.label in BY_KEY else None)
            if key is None or (labels is not None and key not in labels):
                dropped[s.label] += 1
                continue
            spans.append(SpanLabel(s.start, s.end, key))
        record.spans = spans
        records.append(record)
    return records, dict(dropped)
