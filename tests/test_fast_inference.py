"""Fast inference (issue #8): the fast paths (int8 by default for the shipped model)
give the plain path's findings with scores within the documented int8 drift, the
duplicate cache is exact and bounded, int8 quantizes a copy and leaves the model
alone, and importing the package loads no model.  Speed is shown by
benchmarks/bench_speed.py, never asserted here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from redactor import GLiNER2, Redactor, Schema
from redactor.engine import Finding
from redactor.lru import LRUCache
from redactor.model.decoding import OutputOptions, RawResult
from redactor.model.fast import StaticInt8Linear, bf16_supported, quantized_layers, save_calibration
from redactor.model.segments import TextMemo
from redactor.operators import KeyRing
from redactor.recognizers import gliner2 as recognizer_module
from redactor.recognizers.gliner2 import FAST_ENV, GLiNER2Recognizer, shared_model

NOTE = ("Clinical note 14/02/2024. Patient John Miller (DOB 1957-08-21) was seen for chest pain. "
        "Contact: john.miller@example.com, SSN 219-45-6789. Follow-up in two weeks.")
CORPUS = [
    NOTE,
    "Hi Priya, send the contract to priya.raman@example.com or call +44 20 7946 0958 by Friday.",
    "Refund of 120 USD issued to card 4111 1111 1111 1111, IBAN DE89370400440532013000.",
    "2024-05-17T10:22:31Z INFO login ok user=jsmith src_ip=10.2.3.4",
    "Release 4.2 adds a dark theme and fixes a crash when the settings file is missing.",
    NOTE,  # an exact duplicate: served from the cache, must equal the first
]
# How far int8 may move a finding's score on CORPUS (measured with v0.6: 0.118 at most, a
# date fp32 scores 0.63 and int8 0.51, where the sigmoid is steepest; v0.5: 0.038); the
# findings themselves must not change.  What it costs on 600 test documents: README.
INT8_DRIFT = 0.15


@pytest.fixture(scope="module")
def plain() -> GLiNER2:
    return shared_model(fast=False)


@pytest.fixture(scope="module")
def fast() -> GLiNER2:
    return shared_model(fast=True)


def findings_of(batch: list[list[Finding]]) -> tuple[list[list[tuple[object, ...]]], list[float]]:
    """Findings without scores, and the scores apart: deduplicated texts batch
    differently, and padding to another width moves scores in the last float bits."""
    return ([[(f.start, f.end, f.label, f.entity_type, f.recognizer) for f in found] for found in batch],
            [f.score for found in batch for f in found])


def spans_of(raws: list[RawResult]) -> tuple[list[list[tuple[object, ...]]], list[float]]:
    """Decoded entity spans without scores, and the scores apart (see :func:`findings_of`)."""
    found = [[(name, s) for name, spans in (r.entities or {}).items() for s in spans] for r in raws]
    return ([[(name, s.start, s.end) for name, s in f] for f in found], [s.score for f in found for _, s in f])


def assert_same(actual: tuple[list[list[tuple[object, ...]]], list[float]],
                expected: tuple[list[list[tuple[object, ...]]], list[float]], drift: float = 1e-5) -> None:
    assert actual[0] == expected[0]
    assert actual[1] == pytest.approx(expected[1], abs=drift)


def test_importing_redactor_loads_no_model() -> None:
    script = ("import gc, sys, warnings, redactor\nwarnings.simplefilter(\"ignore\")\n"
              "assert 'torch' not in sys.modules, 'import redactor imported torch'\n"
              "from redactor import Redactor, GLiNER2, Schema, load_policy\n"
              "import redactor.recognizers.gliner2 as recognizer\n"
              "from redactor.model.network import GLiNER2Network\n"
              "from transformers import PreTrainedModel\n"
              "assert not recognizer._MODELS, recognizer._MODELS\n"
              "models = [type(o) for o in gc.get_objects() if isinstance(o, (GLiNER2Network, PreTrainedModel))]\n"
              "assert not models, f'models built at import: {models}'\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]


def test_fast_redactor_finds_what_the_plain_one_finds(fast: GLiNER2, plain: GLiNER2) -> None:
    keyring = KeyRing.generate()
    fast_redactor = Redactor("auto", keyring=keyring)  # fast is the default
    plain_redactor = Redactor("auto", keyring=keyring, fast=False)
    assert fast_redactor.recognizer.model is fast and plain_redactor.recognizer.model is plain
    assert isinstance(fast.network.encoder.encoder.layer[0].attention.self.query, StaticInt8Linear)
    expected = plain_redactor._analyze(CORPUS)
    assert any(findings for findings, _ in expected), "no findings: equality would prove nothing"
    first = fast_redactor._analyze(CORPUS)
    assert_same(findings_of([f for f, _ in first]), findings_of([f for f, _ in expected]), INT8_DRIFT)
    assert [(p.policy.name, p.domain) for _, p in first] == [(p.policy.name, p.domain) for _, p in expected]
    routed = [p.domain_score for _, p in expected]
    assert [p.domain_score for _, p in first] == pytest.approx(routed, abs=0.01)
    cached = fast_redactor._analyze(CORPUS[::-1])[::-1]  # served from the cache: the first run exactly
    assert_same(findings_of([f for f, _ in cached]), findings_of([f for f, _ in first]))
    assert [(p.policy.name, p.domain) for _, p in cached] == [(p.policy.name, p.domain) for _, p in first]


def test_duplicates_are_decoded_once_and_equal_the_uncached_result(fast: GLiNER2, plain: GLiNER2) -> None:
    schema = GLiNER2Recognizer("gdpr", plain).schema()
    opts = OutputOptions(threshold=1.0, decoding="flat")
    texts = [NOTE + " Seen again.", CORPUS[1] + " Thanks.", NOTE + " Seen again."]
    assert fast.cache is not None and plain.cache is None
    before = len(fast.cache)
    raws = fast.extract_raw(texts, schema, opts)
    assert len(fast.cache) == before + 2 and raws[0] is raws[2]
    uncached = plain.optimized(quantize=True, cache_size=0)  # the same int8 layers, every text decoded
    assert_same(spans_of(raws), spans_of(uncached.extract_raw(texts, schema, opts)))
    assert fast.extract_raw(texts[:1], schema, opts)[0] is raws[0]
    other = OutputOptions(threshold=1.0, decoding="nested")  # other options: not served from the cache
    assert fast.extract_raw(texts[:1], schema, other)[0] is not raws[0]


def test_result_cache_evicts_the_least_recently_used() -> None:
    cache: LRUCache[str, RawResult] = LRUCache(2)
    a, b, c = RawResult(), RawResult(), RawResult()
    cache.put("a", a)
    cache.put("b", b)
    assert cache.get("a") is a  # "b" is now the least recently used
    cache.put("c", c)
    assert (cache.get("a"), cache.get("b"), cache.get("c"), len(cache)) == (a, None, c, 2)
    off: LRUCache[str, RawResult] = LRUCache(0)  # size 0 (the log hooks' cache_size=0) stores nothing
    off.put("a", a)
    assert off.get("a") is None and len(off) == 0
    with pytest.raises(ValueError):
        LRUCache(-1)


def test_fast_switch_env_and_what_each_model_gets(plain: GLiNER2, name_model_dir: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped model (it carries an int8 calibration) gets int8 on the fast path and
    keeps its fp32 weights for the plain one; a directory without a calibration gets the
    cache alone; the fast path alone keeps no plain model beside it."""
    monkeypatch.setenv(FAST_ENV, "0")
    assert shared_model() is plain and GLiNER2Recognizer("gdpr").model is plain
    monkeypatch.setenv(FAST_ENV, "1")
    fast = shared_model()
    assert fast is not plain and fast.cache is not None and fast is GLiNER2Recognizer("gdpr").model
    assert type(fast.network.encoder.encoder.layer[0].output.dense) is torch.nn.Linear  # FFN down: fp32
    assert isinstance(fast.network.encoder.encoder.layer[0].intermediate.dense, StaticInt8Linear)
    assert type(plain.network.encoder.encoder.layer[0].intermediate.dense) is torch.nn.Linear
    uncalibrated = shared_model(name_model_dir)
    assert uncalibrated.cache is not None and uncalibrated.int8_calibration is None
    assert (str(name_model_dir.resolve()), False) not in recognizer_module._MODELS
    assert not any(isinstance(m, StaticInt8Linear) for m in uncalibrated.network.modules())
    assert shared_model(name_model_dir, fast=False).cache is None  # loaded when asked
    assert shared_model(name_model_dir) is uncalibrated


def test_int8_is_a_quantized_copy_that_leaves_the_model_alone(plain: GLiNER2) -> None:
    schema = Schema().entities({"person": "names of people", "email address": "an e-mail address"})
    before = plain.extract(NOTE, schema, decoding="flat")
    int8 = plain.optimized(quantize=True, cache_size=0)
    assert int8.cache is None and int8.network is not plain.network
    kinds = {name: type(m) for name, m in int8.network.encoder.named_modules() if name.startswith("encoder.layer.")}
    fp32 = {name for name, kind in kinds.items() if kind is torch.nn.Linear}
    layers = int8.network.encoder.config.num_hidden_layers
    assert fp32 == {f"encoder.layer.{n}.output.dense" for n in range(layers)}  # FFN down-projections only
    assert sum(kind is StaticInt8Linear for kind in kinds.values()) == 5 * layers  # q, k, v, attention out, FFN up
    head = int8.network.span_rep.span_rep_layer  # its per-word MLPs too; what reads the queries stays fp32
    mlps = (head.project_start, head.project_end)
    assert all(isinstance(mlp[i], StaticInt8Linear) for mlp in mlps for i in (0, 3))
    assert all(type(head.out_project[i]) is torch.nn.Linear for i in (0, 3))
    assert plain.extract(NOTE, schema, decoding="flat") == before  # fp32 weights untouched
    # int8 moves scores (README, Fast inference); the obvious still passes
    found = int8.extract(NOTE, schema, decoding="flat")["entities"]
    assert "John Miller" in {s["text"] for s in found["person"]}
    assert {s["text"] for s in found["email address"]} == {"john.miller@example.com"}


def test_bf16_span_grid_shares_the_weights_and_finds_what_fp32_finds(plain: GLiNER2) -> None:
    """The bfloat16 span grid is a copy of the modules only (no second set of weights,
    the plain model's grid stays fp32) and finds the same spans on the fixed corpus;
    scores move in the third decimal (products of 8-bit mantissas summed over 4H)."""
    schema = GLiNER2Recognizer("gdpr", plain).schema()
    bf16 = plain.optimized(bf16_spans=True, cache_size=0)
    assert bf16.network is not plain.network
    assert bf16.network.span_rep.span_rep_layer.grid_dtype == torch.bfloat16
    assert plain.network.span_rep.span_rep_layer.grid_dtype == torch.float32
    assert all(a is b for a, b in zip(bf16.network.parameters(), plain.network.parameters()))
    opts = OutputOptions(threshold=1.0, decoding="flat")  # the labels' own thresholds, as the recognizer asks
    expected = spans_of(plain.extract_raw(CORPUS[:5], schema, opts))
    actual = spans_of(bf16.extract_raw(CORPUS[:5], schema, opts))
    assert expected[0] and any(expected[0]), "no findings: equality would prove nothing"
    assert actual[0] == expected[0]
    assert actual[1] == pytest.approx(expected[1], abs=0.01)
    assert actual[1] != pytest.approx(expected[1], abs=1e-6)  # it did run in bfloat16
    by_default = plain.optimized(quantize=True, cache_size=0).network.span_rep.span_rep_layer
    assert by_default.grid_dtype == (torch.bfloat16 if bf16_supported() else torch.float32)


def test_static_int8_linear_smooths_an_outlier_channel_away() -> None:
    """One input channel 40x the others (BERT's hidden states have a few): one fixed
    range over raw activations costs ~19% relative error; smoothed, it stays under 5%,
    and each row's output is the same alone or batched."""
    torch.manual_seed(0)
    linear = torch.nn.Linear(384, 1536)
    x = torch.randn(64, 384)
    x[:, 7] *= 40
    with torch.no_grad():
        exact = linear(x)
        int8 = StaticInt8Linear(linear, x.amin(0), x.amax(0))
        assert (int8(x) - exact).norm() / exact.norm() < 0.05
        low, high = float(x.min()), float(x.max())
        scale = (high - low) / 127
        raw = linear(torch.fake_quantize_per_tensor_affine(x, scale, round(-low / scale), 0, 127))
        assert (raw - exact).norm() / exact.norm() > 0.15  # what the smoothing is for
        assert torch.equal(int8(x[:3]), int8(x)[:3])


def test_int8_scores_do_not_depend_on_the_texts_batched_with_them(plain: GLiNER2) -> None:
    """Activations are quantized on the calibrated fixed range, not on each call's own
    (torch.ao's dynamic quantization moved this text's probabilities by up to 0.2 when
    four other texts shared its batch, measured): alone or batched, the same scores."""
    int8 = plain.optimized(quantize=True, cache_size=0)
    schema = Schema().entities({"person": "names of people", "phone number": None, "iban": None})

    def logits(texts: list[str]) -> list[torch.Tensor]:
        encoded_schema = int8.prompts.encode_schema(schema)
        encoded = [int8.prompts.encode_text(text, encoded_schema) for text in texts]
        with torch.inference_mode():
            scores = int8.network.score(encoded, int8.config.max_width, entity_count_gate=False, memo=TextMemo())
        return [task[0].span_logits for task in scores]

    batched = logits(CORPUS[:5])
    for index in (1, 2):
        assert torch.equal(logits([CORPUS[index]])[0], batched[index])


def test_int8_needs_a_calibration_on_dev_text(name_model: GLiNER2, name_model_dir: Path, tmp_path: Path) -> None:
    """A model without a calibration refuses int8 by name; the calibration command
    writes one file next to the weights (which stay untouched); it loads back, travels
    with save_pretrained, and a broken one is refused naming the file and layer."""
    with pytest.raises(ValueError, match="no int8 calibration.*calibrate_int8"):
        name_model.optimized(quantize=True)
    target = tmp_path / "model"
    shutil.copytree(name_model_dir, target)
    before = {name: (target / name).read_bytes() for name in ("model.safetensors", "config.json")}
    texts = ["Maria Garcia met Peter Clark", "Call Anna Lee on 555-0101", "Release 4.2 fixes a crash"]
    (tmp_path / "dev.jsonl").write_text("".join(json.dumps({"text": t, "spans": []}) + "\n" for t in texts))
    done = subprocess.run([sys.executable, "-m", "redactor.training.calibrate_int8", str(target),
                           str(tmp_path / "dev.jsonl")], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert {name: (target / name).read_bytes() for name in before} == before
    loaded = GLiNER2.from_pretrained(target)
    calibration = loaded.int8_calibration or {}
    assert set(calibration) == set(quantized_layers(loaded.network))
    widths = {name: module.in_features for name, module in loaded.network.named_modules()
              if isinstance(module, torch.nn.Linear)}
    for name, (low, high) in calibration.items():  # an input after a ReLU may stay at 0 in a channel
        width = widths[name if name.startswith("span_rep.") else f"encoder.{name}"]
        assert low.shape == (width,) and bool((low <= high).all()) and bool((low < high).any()), name
    sentence = "Maria Garcia met Peter Clark"
    found = loaded.optimized(quantize=True).extract_entities(sentence, ["person"], include_confidence=False)
    assert found == loaded.extract_entities(sentence, ["person"], include_confidence=False)
    loaded.save_pretrained(tmp_path / "again")
    again = GLiNER2.from_pretrained(tmp_path / "again").int8_calibration or {}
    assert all(torch.equal(again[n][0], low) and torch.equal(again[n][1], high) for n, (low, high) in calibration.items())
    layer = "encoder.layer.0.attention.self.query"
    other = dict(calibration)
    other[layer] = (calibration[layer][0][:-1], calibration[layer][1][:-1])  # another model's width
    loaded.int8_calibration = other
    with pytest.raises(ValueError, match=f"calibration of {layer} has .383,. channels, the layer 384"):
        loaded.optimized(quantize=True)
    calibration[layer] = (calibration[layer][1] + 1, calibration[layer][1])
    save_calibration(target, calibration)
    with pytest.raises(ValueError, match=f"int8_calibration.safetensors: layer '{layer}' needs a low and a high"):
        GLiNER2.from_pretrained(target)


def test_names_only_prompt_needs_one_encoder_pass(plain: GLiNER2) -> None:
    described = GLiNER2Recognizer("gdpr", plain).schema()
    names = GLiNER2Recognizer("gdpr", plain, describe=False).schema()
    assert [e.name for e in names.entity_types] == [e.name for e in described.entity_types]
    assert all(e.description is None for e in names.entity_types)
    assert len(plain.label_groups(described)) > 1 and len(plain.label_groups(names)) == 1
