"""Output parity with the reference ``gliner2==2.1.0`` on the same weights.

A seeded reference model on the bundled MiniLM encoder is saved by ``gliner2`` and
loaded by ours.  Two checkpoints: a plain one (raw head init, logits of order 0.01-1,
compared at 1e-4 absolute) and a decisive one (heads rescaled so decoding is not a
coin toss; its span logits are amplified ~10^3, so they are compared at 1e-4
relative) on which decoded results must be identical.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from redactor import GLiNER2, Schema
from tests import reference_gliner2 as ref

# -- cases ---------------------------------------------------------------------------
SCHEMAS: dict[str, dict[str, Any]] = {
    "entities": {"entities": ["person", "organization", "email address", "date"]},
    "described": {"entities": {"person": "names of people", "email": "", "city": "a town or city"}},
    "single_label": {"classifications": [("sentiment", ["positive", "negative", "neutral"], {})]},
    "multi_label": {"classifications": [("topics", {"health": "medical matters", "money": "payments",
                                                     "work": "jobs"}, {"multi_label": True,
                                                                        "cls_threshold": 0.4})]},
    "structure": {"structures": [("contact", [("name", {"dtype": "str"}), ("phone", {}),
                                              ("kind", {"dtype": "str", "choices": ["home", "work"],
                                                        "description": "type"})])]},
    "relations": {"relations": ["works_for", "lives_in"]},
    "everything": {"entities": {"person": "Names of people", "email": ""},
                   "classifications": [("sentiment", ["positive", "negative", "neutral"], {})],
                   "relations": ["works_for"],
                   "structures": [("contact", [("name", {"dtype": "str"}), ("phone", {}),
                                               ("kind", {"dtype": "str", "choices": ["home", "work"],
                                                         "description": "type"})])]},
}
TEXTS = {
    "worked_example": "John Smith emails john@acme.com at Acme",
    "unicode": "Dr. María José Núñez (café, naïve, Zoë) flew from São Paulo to Łódź on 12/03/2021!",
    "identifiers": "Call +1 (555) 010-0199 or see https://example.org/a?b=1, then write to ann.lee@mail.co.uk.",
    "very_short": "ok",
    "empty": "",
    "question": "Who paid invoice 4471 for Acme Corp?",
    "subwords": "Supercalifragilistic antidisestablishmentarianism interoperability qwertyuiop",
    "combining": "cafe\u0301 nai\u0308ve Ko\u0308ln 192.168.0.1 and 2001:db8::1 O'Brien's",
}
CASES = [(t, s) for t in TEXTS for s in SCHEMAS] + [("near_512", s) for s in ("entities", "everything")]


def ref_schema(model: Any, spec: dict[str, Any]) -> Any:
    """The spec as a reference ``Schema`` builder."""
    schema = model.create_schema()
    if "entities" in spec:
        schema = schema.entities(spec["entities"])
    for name, labels, options in spec.get("classifications", []):
        schema = schema.classification(name, labels, **options)
    if "relations" in spec:
        schema = schema.relations(spec["relations"])
    for name, fields in spec.get("structures", []):
        builder = schema.structure(name)
        for field, options in fields:
            builder = builder.field(field, **options)
        schema = builder
    return schema


def our_schema(spec: dict[str, Any]) -> Schema:
    """The spec as our ``Schema``."""
    schema = Schema()
    if "entities" in spec:
        entities = spec["entities"]
        schema.entities(entities)
    for name, labels, options in spec.get("classifications", []):
        options = dict(options)
        if "cls_threshold" in options:
            options["threshold"] = options.pop("cls_threshold")
        schema.classification(name, labels, **options)
    if "relations" in spec:
        schema.relations(spec["relations"])
    for name, fields in spec.get("structures", []):
        builder = schema.structure(name)
        for field, options in fields:
            builder.field(field, **options)
        builder.end()
    return schema


@pytest.fixture(scope="session")
def plain_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A reference checkpoint with the raw seeded head init."""
    directory = tmp_path_factory.mktemp("plain")
    ref._new_span_model(0).save_pretrained(str(directory))
    return directory


@pytest.fixture(scope="session")
def decisive_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A reference checkpoint with decisive heads (see tests/reference_gliner2.py)."""
    return ref.build_reference_checkpoint(tmp_path_factory.mktemp("decisive") / "ckpt")


@pytest.fixture(scope="session")
def pairs(plain_dir: Path, decisive_dir: Path) -> dict[str, tuple[Any, GLiNER2]]:
    return {name: (ref.load_reference(d), GLiNER2.from_pretrained(d))
            for name, d in (("plain", plain_dir), ("decisive", decisive_dir))}


def text_for(case: str, ours: GLiNER2, schema: Schema) -> str:
    """The case's text; ``near_512`` grows until the input is just under 512 positions."""
    if case != "near_512":
        return TEXTS[case]
    encoded_schema = ours.prompts.encode_schema(schema)
    words: list[str] = []
    vocabulary = "the patient Anna Lee of 12 Main Street called Dr. Brown about invoice 4471".split()
    while True:
        candidate = " ".join(words + [vocabulary[len(words) % len(vocabulary)]])
        if len(ours.prompts.encode_text(candidate, encoded_schema).input_ids) > 510:
            break
        words.append(vocabulary[len(words) % len(vocabulary)])
    text = " ".join(words)
    assert len(ours.prompts.encode_text(text, encoded_schema).input_ids) >= 500
    return text


def our_internals(model: GLiNER2, text: str, schema: Schema) -> tuple[Any, list[Any]]:
    encoded = model.prompts.encode_text(text, model.prompts.encode_schema(schema))
    with torch.inference_mode():
        scores = model.network.score([encoded], model.config.max_width)[0]
    return encoded, scores


def assert_close(ours: torch.Tensor, theirs: torch.Tensor, kind: str) -> None:
    assert ours.shape == theirs.shape
    finite = torch.isfinite(theirs)
    assert torch.equal(finite, torch.isfinite(ours))  # same invalid (-inf) cells
    if kind == "plain":
        torch.testing.assert_close(ours[finite], theirs[finite], rtol=0, atol=1e-4)
    else:
        torch.testing.assert_close(ours[finite], theirs[finite], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(("text_case", "schema_case"), CASES)
@pytest.mark.parametrize("kind", ["plain", "decisive"])
def test_ids_and_logits_match(pairs, kind: str, text_case: str, schema_case: str) -> None:
    reference, ours = pairs[kind]
    spec = SCHEMAS[schema_case]
    schema = our_schema(spec)
    text = text_for(text_case, ours, schema)
    theirs = ref.reference_internals(reference, text, ref_schema(reference, spec))
    encoded, scores = our_internals(ours, text, schema)
    assert list(encoded.input_ids) == theirs["input_ids"]
    assert list(encoded.word_positions) == theirs["word_positions"]
    assert [list(m) for m in encoded.schema.markers] == theirs["marker_positions"]
    for t, task in enumerate(scores):
        assert task.count == theirs["counts"][t]
        for ours_t, theirs_t in ((task.count_logits, theirs["count_logits"][t]),
                                 (task.class_logits, theirs["class_logits"][t]),
                                 (task.span_logits, theirs["span_logits"][t])):
            assert (ours_t is None) == (theirs_t is None)
            if ours_t is not None:
                assert_close(ours_t, theirs_t, kind)


def clamp_reference(value: Any, text: str) -> Any:
    """Map the reference's offsets onto the caller's text: a span may run into the
    period the reference appends; ours reports it without (see decoding.py)."""
    if isinstance(value, list):
        return [clamp_reference(v, text) for v in value]
    if isinstance(value, tuple):
        return tuple(clamp_reference(v, text) for v in value)
    if isinstance(value, dict):
        out = {k: clamp_reference(v, text) for k, v in value.items()}
        if {"start", "end", "text"} <= out.keys() and out["end"] > len(text):
            out["end"] = len(text)
            out["text"] = text[out["start"]:out["end"]].rstrip()
            out["end"] = out["start"] + len(out["text"])
        return out
    if isinstance(value, str) and value.endswith(".") and value[:-1] and text and \
            not text.rstrip().endswith(".") and text.rstrip().endswith(value[:-1]):
        return value[:-1]
    return value


def approx_equal(ours: Any, theirs: Any, path: str = "") -> None:
    if isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-4, abs=1e-5), path
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and ours.keys() == theirs.keys(), path
        for key in theirs:
            approx_equal(ours[key], theirs[key], f"{path}.{key}")
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            approx_equal(a, b, f"{path}[{i}]")
    else:
        assert ours == theirs, path


@pytest.mark.parametrize("flags", [(True, True), (False, False), (True, False), (False, True)])
@pytest.mark.parametrize("schema_case", list(SCHEMAS))
def test_decoded_results_match(pairs, schema_case: str, flags: tuple[bool, bool]) -> None:
    reference, ours = pairs["decisive"]
    spec = SCHEMAS[schema_case]
    texts = list(TEXTS.values())
    kwargs = dict(include_confidence=flags[0], include_spans=flags[1])
    theirs = ref.reference_extract(reference, texts, ref_schema(reference, spec), **kwargs)
    mine = ours.extract(texts, our_schema(spec), batch_size=3, **kwargs)
    for text, a, b in zip(texts, mine, theirs):
        approx_equal(a, clamp_reference(b, text), schema_case)
    found = sum(len(str(r)) for r in mine)
    assert found  # the decisive heads do produce output to compare


def test_long_text_equals_reference_on_the_same_windows(pairs) -> None:
    """Our windowed result == the reference run on each of our windows, shifted and
    merged (each span from the window owning its first character)."""
    reference, ours = pairs["decisive"]
    ours = ours.with_options(max_positions=160, window_overlap=24)
    spec = SCHEMAS["entities"]
    schema = our_schema(spec)
    vocabulary = ("the patient Anna Lee of 12 Main Street called Dr. Brown at Acme Corp about "
                  "invoice 4471 on 3 May 2021 and wrote to anna@example.org").split()
    text = " ".join(vocabulary[i % len(vocabulary)] for i in range(1500))
    windows = ours.plan_windows(text, schema)
    assert len(windows) > 10
    owned: dict[str, list[tuple[float, str, int, int]]] = {label: [] for label in spec["entities"]}
    window_texts = [text[w.char_start:w.char_end] for w in windows]
    results = ref.reference_extract(reference, window_texts, ref_schema(reference, spec),
                                    include_spans=True, include_confidence=True)
    for window, window_text, result in zip(windows, window_texts, results):
        for label, spans in clamp_reference(result, window_text)["entities"].items():
            for span in spans:
                if window.owns(window.char_start + span["start"]):
                    owned[label].append((span["confidence"], span["text"],
                                         window.char_start + span["start"],
                                         window.char_start + span["end"]))
    # merge as the reference merges within one text: per label, most confident first,
    # dropping spans that overlap a kept one (spans can cross an ownership cut)
    expected: dict[str, set[tuple[str, int, int]]] = {}
    for label, spans in owned.items():
        kept: list[tuple[float, str, int, int]] = []
        for span in sorted(spans, key=lambda s: -s[0]):
            if not any(span[2] < k[3] and k[2] < span[3] for k in kept):
                kept.append(span)
        expected[label] = {(t, a, b) for _, t, a, b in kept}
    got = ours.extract(text, schema, include_confidence=False)["entities"]
    assert {label: {(s["text"], s["start"], s["end"]) for s in spans} for label, spans in got.items()} \
        == expected
    assert sum(len(s) for s in owned.values()) > sum(len(s) for s in expected.values())  # merging mattered
    assert sum(map(len, expected.values())) > 20
