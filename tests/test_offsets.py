"""Offsets always index the caller's text; the model's appended period never leaks."""

from __future__ import annotations

import pytest

from redactor import GLiNER2, Schema
from redactor.model.decoding import Span, flat

PERSON = Schema().entities(["person"])


@pytest.mark.parametrize("text", [
    "the report was sent to Maria Garcia",
    "the report was sent to Maria Garcia   ",
    "the report was sent to Maria Garcia\n",
    "Maria Garcia",
])
def test_span_at_the_end_of_an_unpunctuated_text(name_model: GLiNER2, text: str) -> None:
    found = name_model.extract(text, PERSON)["entities"]["person"]
    assert [(p["text"], p["start"], p["end"]) for p in found] == [
        ("Maria Garcia", text.index("Maria"), text.index("Garcia") + len("Garcia"))]
    assert all(not p["text"].endswith(".") and p["end"] <= len(text) for p in found)


def test_every_surface_equals_its_slice(name_model: GLiNER2) -> None:
    texts = ["Zoë met Anna Lee — and Peter Clark — at the région office", "Ünïcödé Paul Baker"]
    for text, result in zip(texts, name_model.extract(texts, PERSON)):
        for span in result["entities"]["person"]:
            assert text[span["start"]:span["end"]] == span["text"]


def test_batches_return_results_in_input_order(name_model: GLiNER2) -> None:
    texts = ["a", "long filler text about sales growth with Maria Garcia in it " * 3, "Paul Baker", ""]
    batched = name_model.extract(texts, PERSON, batch_size=2)
    single = [name_model.extract(t, PERSON) for t in texts]
    strip = lambda r: [(s["text"], s["start"], s["end"]) for s in r["entities"]["person"]]  # noqa: E731
    assert [strip(r) for r in batched] == [strip(r) for r in single]
    for b, s in zip(batched, single):  # padding changes float sums only in the last bits
        for x, y in zip(b["entities"]["person"], s["entities"]["person"]):
            assert x["confidence"] == pytest.approx(y["confidence"], abs=1e-5)


def test_span_width_is_a_runtime_setting(name_model: GLiNER2) -> None:
    text = "we will meet Maria Elena Garcia next week"
    assert name_model.extract(text, PERSON, include_spans=False, include_confidence=False
                              )["entities"]["person"] == ["Maria Elena Garcia"]
    narrow = name_model.with_options(max_width=2).extract(text, PERSON)["entities"]["person"]
    assert all(len(p["text"].split()) <= 2 for p in narrow)
    wide = name_model.with_options(max_width=16).extract(text, PERSON, include_confidence=False)
    assert wide["entities"]["person"] == [{"text": "Maria Elena Garcia", "start": 13, "end": 31}]


def test_nested_allows_one_span_under_two_labels_flat_does_not(name_model: GLiNER2) -> None:
    schema = Schema().entities(["person", "name"])
    text = "the report names Peter Clark and Anna Lee"
    nested = name_model.extract(text, schema, threshold=0.3, decoding="nested")["entities"]
    flat_result = name_model.extract(text, schema, threshold=0.3, decoding="flat")["entities"]
    spans = lambda result: {(s["start"], s["end"]) for label in result.values() for s in label}  # noqa: E731
    nested_pairs = [(s["start"], s["end"]) for label in nested.values() for s in label]
    flat_pairs = [(s["start"], s["end"]) for label in flat_result.values() for s in label]
    assert len(nested_pairs) > len(set(nested_pairs))  # the same span under both labels
    assert len(flat_pairs) == len(set(flat_pairs)) and spans(flat_result) == spans(nested)
    ordered = sorted((s for label in flat_result.values() for s in label), key=lambda s: s["start"])
    assert all(a["end"] <= b["start"] for a, b in zip(ordered, ordered[1:]))


def test_flat_tie_break_is_deterministic() -> None:
    a, b = Span("Ann Lee", 0.9, 0, 7), Span("Ann", 0.9, 0, 3)
    c = Span("Lee", 0.9, 4, 7)
    # equal scores: earlier label wins, then the longer span, then the earlier start
    assert flat([[b], [a]]) == [[b], []]
    assert flat([[a, b, c]]) == [[a]]
    assert flat([[c, b]]) == [[b, c]]
