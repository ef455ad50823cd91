"""Segmented schema attention: the schema is encoded once per schema, and the cached
pass gives the states of the full masked pass."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from redactor import GLiNER2, Schema
from redactor.model.segments import READER, SCHEMA, TEXT, roles

TEXTS = ["Call Ann Lee at ann@example.com today.", "Nothing here.",
         "Bob Stone, bob@x.org, MRN 44521, admitted 2024-01-02 with chest pain."]


@pytest.fixture(scope="module")
def model() -> GLiNER2:
    torch.manual_seed(0)
    return GLiNER2.from_encoder()


def schema(labels: dict[str, str | None] | None = None) -> Schema:
    return (Schema().classification("domain", ["health", "finance"])
            .entities(labels or {"person": "names of people", "email": None}))


def states(model: GLiNER2, texts: list[str], sch: Schema, cached: bool) -> tuple[torch.Tensor, list[int]]:
    encoded_schema = model.prompts.encode_schema(sch)
    encoded = [model.prompts.encode_text(t, encoded_schema) for t in texts]
    if cached:
        with torch.inference_mode():
            return model.network.encode(encoded), roles(encoded_schema, len(encoded[0].input_ids))
    with torch.no_grad():
        return model.network.encode(encoded), roles(encoded_schema, len(encoded[0].input_ids))


@pytest.mark.parametrize("mode", ["prefix", "separate"])
def test_cached_schema_pass_matches_the_full_masked_pass(model: GLiNER2, mode: str) -> None:
    model.set_schema_attention(mode)  # type: ignore[arg-type]
    full, role = states(model, TEXTS, schema(), cached=False)
    cached, _ = states(model, TEXTS, schema(), cached=True)
    assert READER in role and SCHEMA in role and TEXT in role
    lengths = [len(model.prompts.encode_text(t, model.prompts.encode_schema(schema())).input_ids) for t in TEXTS]
    for row, n in enumerate(lengths):  # padding states are never read
        assert torch.allclose(full[row, :n], cached[row, :n], atol=1e-4)
    assert len(model.network._schema_states) == 1  # computed once for the three texts
    model.network.train()  # weights may change: the cache is dropped
    assert len(model.network._schema_states) == 0
    model.network.eval()


@pytest.mark.parametrize("mode", ["prefix", "separate"])
def test_schema_states_do_not_depend_on_the_text_but_readers_do(model: GLiNER2, mode: str) -> None:
    model.set_schema_attention(mode)  # type: ignore[arg-type]
    one, role = states(model, TEXTS[:1], schema(), cached=False)
    two, _ = states(model, TEXTS[1:2], schema(), cached=False)
    schema_cols = [i for i, r in enumerate(role) if r == SCHEMA]
    reader_cols = [i for i, r in enumerate(role) if r == READER]
    # equal up to rounding: the masked attention kernel blocks rows of different lengths differently
    # (bit-equal on earlier CPUs, 1-ulp-level differences on the 2026-12-01 one)
    assert torch.allclose(one[0, schema_cols], two[0, schema_cols], rtol=0, atol=1e-5)
    assert not torch.allclose(one[0, reader_cols], two[0, reader_cols], atol=1e-3)  # routing reads the text


def test_text_reads_the_schema_under_prefix_only(model: GLiNER2) -> None:
    other = schema({"city": "a town", "date": None, "phone number": None})
    found = {}
    for mode in ("prefix", "separate", "joint"):
        model.set_schema_attention(mode)  # type: ignore[arg-type]
        a, role_a = states(model, TEXTS[:1], schema(), cached=False)
        b, role_b = states(model, TEXTS[:1], other, cached=False)
        text_a = a[0, [i for i, r in enumerate(role_a) if r == TEXT]]
        text_b = b[0, [i for i, r in enumerate(role_b) if r == TEXT]]
        found[mode] = torch.allclose(text_a, text_b, atol=1e-5)
    assert found == {"prefix": False, "separate": True, "joint": False}


def test_layout_is_saved_and_fixed_by_training(model: GLiNER2, tmp_path: Path) -> None:
    model.set_schema_attention("prefix")
    model.save_pretrained(tmp_path)
    loaded = GLiNER2.from_pretrained(tmp_path)
    assert loaded.config.schema_attention == "prefix" and loaded.network.schema_attention == "prefix"
    expected = model.extract(TEXTS, schema(), threshold=0.0)
    assert loaded.extract(TEXTS, schema(), threshold=0.0) == expected
    with pytest.raises(ValueError, match="schema_attention is fixed by training"):
        loaded.with_options(schema_attention="joint")
    with pytest.raises(ValueError, match="schema_attention must be one of"):
        model.set_schema_attention("sideways")  # type: ignore[arg-type]


def test_separate_label_groups_share_one_text_pass(model: GLiNER2, monkeypatch: pytest.MonkeyPatch) -> None:
    from redactor.model import segments
    from redactor.model.decoding import OutputOptions

    model.set_schema_attention("separate")
    small = model.with_options(max_positions=96)  # a 48-position prompt budget: several label groups
    sch = schema({"person": "names of people", "email address": "an e-mail address",
                  "phone number": "a telephone number", "street address": "where someone lives",
                  "medical record number": "a patient id"})
    opts = OutputOptions(threshold=0.0, decoding="flat")
    groups = small.label_groups(sch)
    assert len(groups) >= 2
    apart = small._merge_groups([small._extract_pass(TEXTS, g, opts, 8) for g in groups], sch, opts)
    calls, span_calls = [], []
    real = segments.text_states
    monkeypatch.setattr(segments, "text_states", lambda enc, texts: calls.append(len(texts)) or real(enc, texts))
    head = type(small.network.span_rep.span_rep_layer)
    real_spans = head.span_states
    monkeypatch.setattr(head, "span_states",
                        lambda self, words, width: span_calls.append(len(words)) or real_spans(self, words, width))
    shared = small._extract_groups(TEXTS, sch, opts, 8)
    assert calls == [len(TEXTS)]  # one text pass for every group
    assert len(span_calls) == 1  # and one set of span states (the texts' words run flat: one row)
    assert [r.entities for r in shared] == [r.entities for r in apart]
    assert [r.classes for r in shared] == [r.classes for r in apart]


def test_separate_gives_the_text_the_whole_window(model: GLiNER2, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under "separate" the text is encoded alone from position 0, so the prompt takes
    no room from it: a text that the joint layout must window goes whole, and all label
    groups share its one text pass."""
    from redactor.model import segments
    from redactor.model.decoding import OutputOptions

    sch = schema({"person": "names of people", "email address": "an e-mail address",
                  "phone number": "a telephone number", "street address": "where someone lives"})
    text = " ".join(TEXTS * 2)
    model.set_schema_attention("joint")
    joint = model.with_options(max_positions=96)
    model.set_schema_attention("separate")
    separate = model.with_options(max_positions=96)
    n_subwords = len(separate.prompts.encode_text(text, separate.prompts.encode_schema(Schema())).input_ids)
    assert 48 < n_subwords < 96  # longer than joint's room next to the prompt, shorter than a window
    assert len(joint.plan_windows(text, sch)) > 1
    assert len(separate.plan_windows(text, sch)) == 1
    calls: list[int] = []
    real = segments.text_states
    monkeypatch.setattr(segments, "text_states", lambda enc, texts: calls.append(len(texts)) or real(enc, texts))
    groups = separate.label_groups(sch)
    assert len(groups) >= 2
    separate._extract_groups([text], sch, OutputOptions(threshold=0.0, decoding="flat"), 8)
    assert calls == [1]


@pytest.mark.parametrize("mode", ["prefix", "separate"])
def test_a_routing_only_schema_has_no_schema_tokens_to_cache(model: GLiNER2, mode: str) -> None:
    """A classification-only prompt is all reader tokens: the cached pass then holds an
    empty schema and still gives the full masked pass's states."""
    model.set_schema_attention(mode)  # type: ignore[arg-type]
    routing = Schema().classification("domain", ["health", "finance"])
    full, role = states(model, TEXTS, routing, cached=False)
    cached, _ = states(model, TEXTS, routing, cached=True)
    assert SCHEMA not in role and READER in role
    lengths = [len(model.prompts.encode_text(t, model.prompts.encode_schema(routing)).input_ids) for t in TEXTS]
    for row, n in enumerate(lengths):
        assert torch.allclose(full[row, :n], cached[row, :n], atol=1e-4)


def test_separate_scores_texts_flat_as_the_padded_batch_does(model: GLiNER2) -> None:
    """At inference under "separate" the texts' words run flat (no padding) against
    queries made once per schema; every span logit, including the ``-inf`` of spans
    past a text's end, equals the padded full pass's."""
    from redactor.model.segments import TextMemo

    model.set_schema_attention("separate")
    network = model.network.eval()  # (also empties the caches earlier tests filled)
    encoded_schema = model.prompts.encode_schema(schema())
    encoded = [model.prompts.encode_text(t, encoded_schema) for t in TEXTS]
    with torch.no_grad():
        padded = network.score(encoded, 12, entity_count_gate=False)
    with torch.inference_mode():
        memo = TextMemo()
        flat = network.score(encoded, 12, entity_count_gate=False, memo=memo)
        again = network.score(encoded, 12, entity_count_gate=False, memo=memo)
    assert len(network._queries) == 1  # one entity task of one schema: made once
    assert next(iter(memo.spans.values())).shape[0] == 1  # one flat row of words
    task = [t.kind for t in encoded_schema.tasks].index("entities")
    for text, p_row, f_row, a_row in zip(encoded, padded, flat, again):
        p, f, a = p_row[task].span_logits, f_row[task].span_logits, a_row[task].span_logits
        assert p is not None and f is not None and a is not None
        assert f.shape == p.shape == (1, 2, len(text.word_positions), 12)
        assert torch.equal(f.isinf(), p.isinf()) and f.isinf().any()
        assert torch.allclose(f[~f.isinf()], p[~p.isinf()], atol=1e-4)
        assert torch.equal(a, f)
    network.train()  # weights may change: cached queries go too
    assert len(network._queries) == 0
    network.eval()
