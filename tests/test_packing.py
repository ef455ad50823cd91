"""Packing short texts into one model input (``redactor.packing``) and ``Redactor(pack_chars=...)``."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from redactor import Redactor
from redactor.operators import KeyRing
from redactor.packing import SEPARATOR, clip, pack_texts


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str


def test_packs_keep_order_limits_and_offsets() -> None:
    texts = ["alpha", "beta gamma", "x" * 30, "", "delta", "epsilon zeta", "eta"]
    packs = pack_texts(texts, max_chars=20, max_texts=3)
    assert [i for p in packs for i in p.members] == list(range(len(texts)))  # every text once, in order
    for pack in packs:
        assert len(pack.members) <= 3
        assert len(pack.text) <= 20 or len(pack.members) == 1  # only a text longer than the limit goes over
        assert pack.text == SEPARATOR.join(texts[i] for i in pack.members)
        assert [pack.text[a:b] for a, b in pack.bounds] == [texts[i] for i in pack.members]
    assert [p.members for p in packs] == [(0, 1), (2,), (3, 4, 5), (6,)]
    with pytest.raises(ValueError, match="max_chars and max_texts must be >= 1"):
        pack_texts(texts, 0)


def test_findings_are_mapped_back_and_cut_at_text_ends() -> None:
    texts = ["call Ann", "Lee today", "  ", "mail a@b.io now"]
    (pack,) = pack_texts(texts, max_chars=100)
    across = pack.text.index("Ann")
    findings = [Span(across, pack.text.index("Lee") + 3, "person"),        # runs over a separator
                Span(pack.text.index("a@b.io"), pack.text.index("a@b.io") + 6, "email"),
                Span(pack.bounds[2][0] - 1, pack.bounds[2][1] + 1, "noise")]  # only whitespace in text 2
    per_text = pack.split(findings)
    values = [[(t[f.start:f.end], f.label) for f in found] for t, found in zip(texts, per_text)]
    assert values == [[("Ann", "person")], [("Lee", "person")], [], [("a@b.io", "email")]]
    assert clip(findings, "mail a@b.io now", pack.bounds[3][0]) == per_text[3]


KEYED = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\b(?:\d[ -]?){13,16}\b")
TEXTS = [f"Ticket {i}: customer {name} wrote from {name.split()[0].lower()}{i}@example.org, card 4111 1111 1111 1111."
         for i, name in enumerate(["Maria Garcia", "John Smith", "Laura Chen", "Peter Clark", "Anna Novak",
                                   "David Okafor", "Sarah Miller", "Paul Wright"])] + ["Nothing personal here."]


@pytest.fixture(scope="module")
def engines() -> tuple[Redactor, Redactor]:
    keyring = KeyRing.generate()
    return Redactor("gdpr", keyring=keyring), Redactor("gdpr", keyring=keyring, pack_chars=600)


def test_packed_redactor_maps_every_finding_into_its_own_text(engines: tuple[Redactor, Redactor]) -> None:
    alone, packed = engines
    assert len(pack_texts(TEXTS, 600)) < len(TEXTS) / 3  # the texts really share model inputs
    one_by_one = alone.analyze_batch(TEXTS)
    together = packed.analyze_batch(TEXTS)
    for text, a, b in zip(TEXTS, one_by_one, together):
        assert all(0 <= f.start < f.end <= len(text) and text[f.start:f.end].strip() for f in b)
        # the checksummed and pattern identifiers do not depend on context: the same spans
        pattern_spans = {(f.start, f.end, f.entity_type) for f in b if f.entity_type in ("EMAIL_ADDRESS",
                                                                                         "CREDIT_CARD")}
        assert pattern_spans == {(f.start, f.end, f.entity_type) for f in a
                                 if f.entity_type in ("EMAIL_ADDRESS", "CREDIT_CARD")}
    redacted = packed.redact_batch(TEXTS)
    for text, result in zip(TEXTS, redacted):  # e-mails become pseudonyms (also e-mails): compare values
        assert not set(KEYED.findall(text)) & set(KEYED.findall(result.text)), result.text
    assert redacted[-1].text == TEXTS[-1]
    person_values = {text[f.start:f.end] for text, found in zip(TEXTS, together) for f in found
                     if f.label == "person"}
    assert {"Maria Garcia", "John Smith"} <= person_values


def test_packing_needs_a_fixed_policy() -> None:
    with pytest.raises(ValueError, match="packing needs .* a fixed policy"):
        Redactor("auto", keyring=KeyRing.generate(), pack_chars=600)
