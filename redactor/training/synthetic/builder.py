"""Build a document piece by piece so every span offset is known exactly.

Templates never search the finished text for a value (a name that also occurs in
a street name would be found at the wrong place); they append literal text and
labelled values in order, and the builder records ``[start, end)`` as it goes.
``check_record`` is the gate every emitted record passes: in range, not blank,
not overlapping, and on the model's word-splitter boundaries.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence
from typing import TypeVar

from redactor.training.labels import BY_KEY
from redactor.model.words import SPLITTERS
from redactor.training.records import Record, SpanLabel, unaligned_spans

T = TypeVar("T")


class InvalidSpan(ValueError):
    """A span that must not be emitted (the generator retries the document)."""


class Doc:
    """An append-only document with two sources of randomness.

    ``style`` choices (``pick``) depend only on the template family and the option
    list, never on call order, so one family keeps one skeleton (field names,
    separators, casing) and a different family shows the model different phrasing.
    ``any``/``chance`` vary per document (values, optional lines, noise).
    """

    def __init__(self, rng: random.Random, family: str, split: str, locale: str) -> None:
        self.rng = rng
        self.family = family
        self.split = split
        self.locale = locale
        self._parts: list[str] = []
        self._spans: list[SpanLabel] = []
        self._pos = 0
        self.typo_rate = self.pick([0.0, 0.0, 0.01, 0.03])
        self.space_rate = self.pick([0.0, 0.0, 0.0, 0.05, 0.15])
        self.case = self.pick(["keep", "keep", "keep", "upper", "lower", "title"])
        self.sep = self.pick([": ", ": ", ":  ", ":\t", " - ", " = ", " : "])
        self.eol = self.pick(["\n", "\n", "\n", "\r\n"])

    # -- choices ---------------------------------------------------------------
    def pick(self, options: Sequence[T]) -> T:
        """A per-family choice: stable for this family and this option list."""
        key = zlib.crc32(f"{self.family}|{options!r}".encode())
        return options[key % len(options)]

    def any(self, options: Sequence[T]) -> T:
        """A per-document choice."""
        return options[self.rng.randrange(len(options))]

    def chance(self, p: float) -> bool:
        """True with probability ``p`` for this document."""
        return self.rng.random() < p

    @property
    def held_out_allowed(self) -> bool:
        """Held-out (zero-shot) labels appear only in the test split."""
        return self.split == "test"

    # -- writing ---------------------------------------------------------------
    def t(self, text: str) -> Doc:
        """Append template text, with this family's light typos and doubled spaces."""
        if self.typo_rate and text:
            text = self._typos(text)
        if self.space_rate and " " in text:
            text = "".join(c + " " if c == " " and self.rng.random() < self.space_rate else c for c in text)
        self._append(text)
        return self

    def raw(self, text: str) -> Doc:
        """Append text verbatim (code, logs, look-alikes that must stay exact)."""
        self._append(text)
        return self

    def v(self, label: str | None, value: str) -> Doc:
        """Append a value; labelled with ``label`` unless it is ``None`` (a look-alike)."""
        if label is not None:
            if label not in BY_KEY:
                raise KeyError(f"unknown label {label!r}")
            if not value.strip() or value != value.strip():
                raise InvalidSpan(f"blank or padded value {value!r} for {label}")
            self._spans.append(SpanLabel(self._pos, self._pos + len(value), label))
        self._append(value)
        return self

    def nl(self, n: int = 1) -> Doc:
        """Line break(s) in this family's style."""
        self._append(self.eol * n)
        return self

    def key(self, names: Sequence[str]) -> str:
        """A field name: one synonym per family, in the family's casing."""
        name = self.pick(names)
        if self.case == "upper":
            return name.upper()
        if self.case == "lower":
            return name.lower()
        if self.case == "title":
            return name.title()
        return name

    def field(self, names: Sequence[str], label: str | None, value: str) -> Doc:
        """``Name: value`` on its own line."""
        return self.t(self.key(names) + self.sep).v(label, value).nl()

    def build(self) -> tuple[str, list[SpanLabel]]:
        """The text and its spans."""
        return "".join(self._parts), list(self._spans)

    def _append(self, text: str) -> None:
        self._parts.append(text)
        self._pos += len(text)

    def _typos(self, text: str) -> str:
        """Swap two inner letters of some words; word edges never change, so spans stay aligned."""
        chars = list(text)
        for i in range(1, len(chars) - 2):
            if (chars[i].isalpha() and chars[i + 1].isalpha() and chars[i - 1].isalpha()
                    and chars[i + 2].isalpha() and self.rng.random() < self.typo_rate):
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
        return "".join(chars)


def check_record(record: Record) -> None:
    """Raise ``InvalidSpan`` unless every span is in range, non-blank, disjoint and aligned."""
    previous_end = 0
    for span in sorted(record.spans, key=lambda s: s.start):
        if not 0 <= span.start < span.end <= len(record.text):
            raise InvalidSpan(f"span {span} outside the text")
        if not record.text[span.start:span.end].strip():
            raise InvalidSpan(f"blank span {span}")
        if span.start < previous_end:
            raise InvalidSpan(f"overlapping span {span}")
        previous_end = span.end
    bad = [s for splitter in SPLITTERS for s in unaligned_spans(record, splitter)]
    if bad:
        raise InvalidSpan(f"spans off word boundaries: {[(s, record.text[s.start:s.end]) for s in bad]}")
