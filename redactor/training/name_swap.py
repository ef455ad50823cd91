"""Mention replacement for real corpora: copies of a record with its person names swapped.

Why: GermEval-14 lends training only ~1,000 German sentences and WNUT-17 ~3,400 tweets.
Listing them several times (``repeat``) weighs them up but shows the same few hundred
names again, and the model learns those names rather than the contexts that mark a
person ("sagte Merkel", "Zabels Vorschlag").  A copy whose names are fresh Faker names
of the same shape (a bare surname stays a bare surname, a genitive ``-s`` stays) keeps
the real context and makes the name itself uninformative.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace

from faker import Faker

from redactor.training.records import Record, SpanLabel


def seeded_fakers(locales: Sequence[str], seed: int) -> list[Faker]:
    """One Faker per locale, each seeded from ``seed`` and its position: a name source
    that gives the same names in every process."""
    fakers = []
    for i, locale in enumerate(locales):
        fake = Faker(locale)
        fake.seed_instance(seed * 1000 + i)
        fakers.append(fake)
    return fakers


class NameSwapper:
    """Replaces every span of one label with a fresh name drawn from the given locales."""

    def __init__(self, label: str, locales: Sequence[str], seed: int) -> None:
        if not locales:
            raise ValueError("swap_names needs at least one Faker locale")
        self.label = label
        self.rng = random.Random(seed)
        self.fakers = seeded_fakers(locales, seed)

    def name_like(self, original: str) -> str:
        """A fresh name with the original's word count (1: mostly a surname; 2: first
        and last; more: two first names and a last) and its genitive ``s``."""
        fake = self.rng.choice(self.fakers)
        words = len(original.split())
        if words == 1:
            name = fake.last_name() if self.rng.random() < 0.75 else fake.first_name()
            if original.endswith("s") and not name.endswith(("s", "x", "z")) and self.rng.random() < 0.5:
                name += "s"
            return name
        if words == 2:
            return f"{fake.first_name()} {fake.last_name()}"
        return f"{fake.first_name()} {fake.first_name()} {fake.last_name()}"

    def swap(self, record: Record) -> Record:
        """A copy of ``record`` with its ``label`` spans renamed and every offset moved."""
        pieces: list[str] = []
        spans: list[SpanLabel] = []
        cursor = shift = 0  # read position in the old text; new offset minus old offset
        for span in sorted(record.spans, key=lambda s: (s.start, s.end)):
            if span.start < cursor:  # nested or overlapping: keep the record's own text
                return record
            surface = record.text[span.start:span.end]
            name = self.name_like(surface) if span.label == self.label else surface
            pieces += [record.text[cursor:span.start], name]
            spans.append(SpanLabel(span.start + shift, span.start + shift + len(name), span.label))
            shift += len(name) - len(surface)
            cursor = span.end
        pieces.append(record.text[cursor:])
        new_id = None if record.id is None else f"{record.id}~swap"
        return replace(record, text="".join(pieces), spans=spans, id=new_id)
