"""The generator: seeded, split-aware, and every emitted span checked.

Each document gets its own ``random.Random`` seeded from ``(seed, split, index)``
so output is reproducible and any single document can be regenerated alone.  A
template that produces an invalid span (a Faker value the word splitter cuts
differently, a value needing JSON escaping) is re-drawn with a new sub-seed rather
than emitted with a wrong or missing label.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from functools import cache

from faker import Faker

from redactor.training.labels import BY_KEY
from redactor.training.records import Record
from redactor.training.synthetic.builder import Doc, check_record
from redactor.training.synthetic.families import KINDS
from redactor.training.synthetic.lookalikes import Lookalikes
from redactor.training.synthetic.splits import SPLITS, Split, families
from redactor.training.synthetic.values import LOCALE_WEIGHTS, LOCALES, Values

MAX_ATTEMPTS = 25


@cache
def _faker(locale: str) -> Faker:
    """One Faker per locale (construction is slow); re-seeded per document.

    Faker's it_IT address provider builds its city list from a set, so its order, and
    every seeded draw from it, changed with ``PYTHONHASHSEED`` (each process got other
    data from the same seed); sorted, the corpus is the same in every process.
    """
    fake = Faker(locale)
    for provider in fake.get_providers():
        if isinstance(getattr(provider, "cities", None), list):
            provider.cities = sorted(provider.cities)
    return fake


def make_document(seed: int, split: Split, index: int) -> Record:
    """Document ``index`` of ``(seed, split)``: deterministic, validated."""
    kinds = families(split)
    names = sorted(kinds)
    last_error: Exception | None = None
    for attempt in range(MAX_ATTEMPTS):
        rng = random.Random(f"{seed}|{split}|{index}|{attempt}")
        kind = KINDS[names[rng.randrange(len(names))]]
        family = rng.choice(kinds[kind.name])
        locale = rng.choices(LOCALES, weights=LOCALE_WEIGHTS)[0]
        fake = _faker(locale)
        fake.seed_instance(rng.getrandbits(64))
        doc = Doc(rng, family, split, locale)
        try:
            kind.build(doc, Values(fake, rng, locale), Lookalikes(rng))
            text, spans = doc.build()
            record = Record(text, spans, domain=kind.domain, family=family, locale=locale,
                            id=f"{split}-{seed}-{index}")
            check_record(record)
        except ValueError as exc:  # InvalidSpan or a value the format cannot hold: re-draw
            last_error = exc
            continue
        assert split == "test" or not any(BY_KEY[s.label].held_out for s in spans), "held-out label outside test"
        return record
    raise RuntimeError(f"document {index} failed {MAX_ATTEMPTS} attempts: {last_error}")


def generate(n: int, seed: int, split: Split) -> Iterator[Record]:
    """``n`` annotated synthetic documents of ``split``, reproducible from ``seed``."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    for index in range(n):
        yield make_document(seed, split, index)
