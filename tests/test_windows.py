"""Texts beyond the encoder window are windowed and merged, never truncated."""

from __future__ import annotations

import random

import pytest

from redactor import GLiNER2, Schema, WindowError
from redactor.model.windows import plan_windows
from redactor.model.words import split_words
from tests.name_model import SCHEMA, filler, random_name


def test_plan_covers_every_word_with_single_ownership() -> None:
    text = " ".join(f"w{i}" for i in range(1000))
    words = split_words(text)
    windows = plan_windows(words, [1] * len(words), budget=100, overlap=20)
    assert windows[0].first == 0 and windows[-1].stop == len(words)
    assert all(w.stop - w.first <= 100 for w in windows)
    assert all(b.first == a.stop - 20 for a, b in zip(windows, windows[1:]))
    for word in words:
        assert sum(w.owns(word.start) for w in windows) == 1
    for a, b in zip(windows, windows[1:]):  # the ownership cut sits mid-overlap
        assert a.own_end == b.own_start == words[(b.first + a.stop) // 2].start


def test_word_longer_than_the_window_is_an_error_not_a_truncation() -> None:
    words = split_words("short " + "x" * 50 + " tail")
    with pytest.raises(WindowError, match="word 1 .* needs 9 subwords, more than the 8"):
        plan_windows(words, [1, 9, 1], budget=8, overlap=2)
    with pytest.raises(WindowError, match="schema prompt leaves no room"):
        plan_windows(words, [1, 1, 1], budget=-3, overlap=2)


def test_oversized_schema_prompt_is_reported(fresh_model: GLiNER2) -> None:
    with pytest.raises(WindowError, match="schema prompt leaves no room"):
        fresh_model.extract("some text", Schema().entities({"label": "a long description " * 200}))


def test_many_described_labels_are_split_into_passes(name_model: GLiNER2) -> None:
    labels = {f"label {i}": "a very long description of this label " * 3 for i in range(40)}
    schema = Schema().entities({"person": "names of people", **labels}).classification("kind", ["a", "b"])
    groups = name_model.label_groups(schema)
    assert len(groups) > 2
    assert [e for g in groups for e in g.entity_types] == schema.entity_types
    assert groups[0].classifications == schema.classifications and not groups[1].classifications
    budget = name_model.config.max_positions // 2
    assert all(len(name_model.prompts.encode_schema(g).ids) <= budget for g in groups)
    text = "the report was sent to Maria Garcia and Peter Clark"
    result = name_model.extract(text, schema, include_confidence=False)
    assert list(result["entities"]) == list(schema.entity_types[i].name for i in range(41))
    # each label's spans are exactly those of its own group's pass
    for group in groups[:2]:
        alone = name_model.extract(text, group, include_confidence=False)
        for entity in group.entity_types:
            assert result["entities"][entity.name] == alone["entities"][entity.name]
    assert result["kind"] in ("a", "b") or result["kind"]["label"] in ("a", "b")
    flat = name_model.extract(text, schema, decoding="flat")["entities"]
    spans = [(s["start"], s["end"]) for v in flat.values() for s in v]
    assert len(spans) == len(set(spans))


@pytest.mark.slow
def test_names_on_every_window_boundary_are_found_once(name_model: GLiNER2) -> None:
    """20,000 words with a 2-word name across every window edge and ownership cut.

    Windows are kept near the fixture model's training length (~40 words) so the
    test measures windowing, not how a 2-minute model copes with 500-word contexts.
    """
    name_model = name_model.with_options(max_positions=64, window_overlap=24)
    rng = random.Random(7)
    words = filler(rng, 20_000)
    text = " ".join(words)
    windows = name_model.plan_windows(text, SCHEMA)
    assert len(windows) > 150  # really long: hundreds of windows
    positions: set[int] = set()
    for a, b in zip(windows, windows[1:]):
        cut = (b.first + a.stop) // 2
        positions |= {a.stop - 1, b.first - 1, cut - 1}  # crosses a's edge, b's edge, the cut
    for pos in sorted(positions):
        words[pos: pos + 2] = [random_name(rng)[0], random_name(rng)[-1]]
    text = " ".join(words)
    # names and filler are single subwords, so the windows did not move
    moved = name_model.plan_windows(text, SCHEMA)
    assert [(w.first, w.stop) for w in moved] == [(w.first, w.stop) for w in windows]
    offsets = [0]
    for word in words:
        offsets.append(offsets[-1] + len(word) + 1)
    expected = sorted((offsets[p], offsets[p + 2] - 1) for p in positions)

    found = name_model.extract(text, SCHEMA, threshold=0.5)["entities"]["person"]
    got = sorted((s["start"], s["end"]) for s in found)
    assert len(got) == len(set(got))  # nothing reported twice
    assert all(text[s["start"]:s["end"]] == s["text"] for s in found)
    final = name_model.plan_windows(text, SCHEMA)

    def seen_alone(span: tuple[int, int]) -> bool:
        """Does the window owning ``span`` report it when run on its own?"""
        (owner,) = [w for w in final if w.owns(span[0])]
        assert owner.char_start <= span[0] and span[1] <= owner.char_end  # wholly inside
        alone = name_model.extract(text[owner.char_start:owner.char_end], SCHEMA)["entities"]["person"]
        return (span[0] - owner.char_start, span[1] - owner.char_start) in {
            (s["start"], s["end"]) for s in alone}

    missed = [span for span in expected if span not in got]
    # a floor that keeps the checks below from passing on a model that finds nothing: the
    # 20-second heads-only fixture misses ~26% of these edge names (deterministic, measured
    # on the 2-core CPU; more fixture steps barely help: 240 steps still miss 23%), and
    # whether windowing lost any of them is what the next assertions decide
    assert len(missed) <= len(expected) / 3, f"{len(missed)} of {len(expected)} names missed"
    # windowing lost nothing and invented nothing: every miss, and every other span
    # touching a name, is what the model itself says about the owning window
    assert not any(seen_alone(span) for span in missed)
    for start, end in expected:
        for other in [s for s in got if s != (start, end) and s[0] < end and start < s[1]]:
            assert seen_alone(other), text[start:end]
