"""Short sentences we wrote ourselves, filled with fresh values (training only).

Why: the real corpora lend the model too little of some contexts persons are named in
(German news, comments under videos and posts); a few dozen templates per context,
filled with Faker names, add that context without borrowing anyone's template
collection.  This module renders them; ``press`` and ``social`` hold the templates
and say which values fill which slot.

A template has slots ``{X}`` (one upper-case letter: the writer's slot kinds) and
``{X2}`` (a second value of the kind).  Half of the records are spaced the way the
detokenised real corpora are (every token between single spaces: "sagte Kolb .").
Records annotate only the writer's labels (``Record.annotates``) and carry no
routing domain; they are measured through real dev text, so there are no splits.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

from faker import Faker

from redactor.training.name_swap import seeded_fakers
from redactor.training.records import Record, SpanLabel
from redactor.training.synthetic.builder import InvalidSpan, check_record

SLOT = re.compile(r"\{([A-Z])(\d?)\}")
Unit = tuple[str, str | None]  # a text piece and its label (None: not personal)


class SentenceWriter:
    """Renders ``templates`` into records; subclasses say what fills a slot (``value``)."""

    templates: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    family = ""   # Record.family, e.g. "press_de"
    id_prefix = ""  # record ids are f"{id_prefix}-{index}"; the writer's rng is seeded from it
    locale = ""
    name_locales: tuple[str, ...] = ()  # Faker locales names are drawn from, with their weights
    name_weights: tuple[float, ...] = ()
    # A word (with inner hyphens or apostrophes) or one punctuation mark: the real corpora's tokens.
    token = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")

    def __init__(self, seed: int) -> None:
        """One Faker per name locale, all seeded once from ``seed`` (the same records in
        every process: tested under two hash seeds)."""
        self.rng = random.Random(f"{self.id_prefix}|{seed}")
        self.fakers = dict(zip(self.name_locales, seeded_fakers(self.name_locales, seed)))

    def _fake(self) -> Faker:
        """The Faker of a locale drawn by ``name_weights``."""
        return self.fakers[self.rng.choices(self.name_locales, weights=self.name_weights)[0]]

    def value(self, slot: str) -> Unit:
        """The text for one slot kind and its label (None: not personal, e.g. a year)."""
        raise NotImplementedError

    def record(self, index: int) -> Record:
        """One or two sentences, spaced as written or as the real corpora's tokens."""
        tokenised = self.rng.random() < 0.5
        units: list[Unit] = []
        for template in self.rng.sample(self.templates, 1 if self.rng.random() < 0.7 else 2):
            units += self._render(template, tokenised)
        text, spans, pos = "", [], 0
        for piece, label in units:
            gap = " " if tokenised and text else ""
            start = pos + len(gap)
            text += gap + piece
            pos = len(text)
            if label is not None:
                spans.append(SpanLabel(start, pos, label))
        record = Record(text.rstrip(), spans, domain=None, family=self.family, locale=self.locale,
                        id=f"{self.id_prefix}-{index}", annotates=self.labels)
        check_record(record)
        return record

    def _render(self, template: str, tokenised: bool) -> list[Unit]:
        """The template's text pieces and slot values, in order; with ``tokenised`` every
        text piece is cut into tokens that will be joined by single spaces."""
        units: list[Unit] = []
        seen: dict[str, Unit] = {}
        cursor = 0
        for match in SLOT.finditer(template):
            units += self._text(template[cursor:match.start()], tokenised)
            slot = match.group(0)
            if slot not in seen:
                seen[slot] = self.value(match.group(1))
            units.append(seen[slot])
            cursor = match.end()
        units += self._text(template[cursor:], tokenised)
        if not tokenised:  # one sentence after another, separated by a space
            units.append((" ", None))
        return units

    def _text(self, piece: str, tokenised: bool) -> list[Unit]:
        if tokenised:
            return [(token, None) for token in self.token.findall(piece)]
        return [(piece, None)] if piece else []


def generate_sentences(writer: SentenceWriter, n: int) -> Iterator[Record]:
    """``n`` records from ``writer`` (a record whose spans the word splitters would cut
    is drawn again)."""
    for index in range(n):
        yield _drawn(writer, index)


def _drawn(writer: SentenceWriter, index: int, attempts: int = 25) -> Record:
    for _ in range(attempts - 1):
        try:
            return writer.record(index)
        except InvalidSpan:
            continue
    return writer.record(index)  # the last attempt's error propagates
