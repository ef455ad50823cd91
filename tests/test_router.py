"""The pooled domain router (issue #8): it answers the routing task from the text states
the span pass computes anyway, so the prompt loses its 27 reader tokens; it routes what
the reader-token head routes, whatever else the schema asks; it saves and loads with the
model; ``train_router`` fits one from a recipe."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from redactor import GLiNER2, Schema
from redactor.assets import DEFAULT_MODEL_DIR
from redactor.model.router import ROUTER_FILE, load_router, save_router
from redactor.recognizers.gliner2 import GLiNER2Recognizer, shared_model
from redactor.training.collate import DOMAIN_TASK
from redactor.training.labels import DOMAINS
from redactor.training.synthetic import generate
from redactor.training.train_router import fit_router, pooled_states

ROUTED = {  # plain texts a user would send, one per domain
    "health": "Discharge summary: Mary Jones, admitted 3 May with pneumonia, treated with amoxicillin.",
    "employment": "Employee Anna Berg joined the sales team on 1 March; salary 52,000 EUR.",
    "finance": ("Invoice 2291: 3 x widget, total 89.90 EUR, paid by card ending 4242, "
                "IBAN DE44500105175407324931."),
    "customer communication": "Hi, my order 1234 never arrived, can you help? Thanks, Tom",
    "logs and telemetry": "2024-03-01 12:00:01 ERROR auth failed for user jdoe from 10.0.0.7",
    "legal": "The court found a violation of Article 6 in the case of Mr Dupont.",
    "no personal data": "Release 2.4.1 fixes a crash when importing CSV files and speeds up search.",
}
ALONE = Schema().classification(DOMAIN_TASK, list(DOMAINS))


@pytest.fixture(scope="module")
def model() -> GLiNER2:
    return shared_model(fast=False)


def domains(results: list[dict]) -> list[str]:
    return [r[DOMAIN_TASK]["label"] for r in results]


def spans_of(results: list[dict]) -> list[tuple[str, int, int]]:
    return [(label, s["start"], s["end"])
            for r in results for label, found in r["entities"].items() for s in found]


def test_the_shipped_router_takes_the_routing_task_out_of_the_prompt(model: GLiNER2) -> None:
    assert set(ROUTED) == set(DOMAINS)
    schema = GLiNER2Recognizer("auto", model).schema()
    routed = model.routed_task(schema)
    assert model.router is not None and routed is not None and routed.name == DOMAIN_TASK
    assert model.with_options(pooled_routing=False).routed_task(schema) is None
    other_labels = Schema().classification(DOMAIN_TASK, ["health", "legal"])
    assert model.routed_task(other_labels) is None
    assert domains(model.extract(list(ROUTED.values()), schema)) == list(ROUTED)


def test_the_router_reads_no_prompt_and_the_reader_still_answers_when_asked(model: GLiNER2) -> None:
    """Text states do not read the prompt, so the router's answer is the same asked alone
    (no span pass at all) or beside the policies' labels; ``pooled_routing=False`` brings
    the reader-token head back: it answers with its own probabilities (v0.6's reader routes
    only some of these texts right, the model card says which), and most spans stay."""
    texts = list(ROUTED.values())
    schema = GLiNER2Recognizer("auto", model).schema()
    beside = model.extract(texts, schema)
    alone = model.extract(texts, ALONE)
    assert domains(alone) == list(ROUTED) and "entities" not in alone[0]
    assert [r[DOMAIN_TASK]["confidence"] for r in alone] == pytest.approx(
        [r[DOMAIN_TASK]["confidence"] for r in beside], abs=1e-5)
    reader = model.with_options(pooled_routing=False).extract(texts, schema)
    assert len(reader) == len(texts) and set(domains(reader)) <= set(DOMAINS)
    assert [r[DOMAIN_TASK]["confidence"] for r in reader] != pytest.approx(
        [r[DOMAIN_TASK]["confidence"] for r in beside], abs=1e-3)
    # the label states read the whole prompt, so the reader's 27 tokens move span scores, and with
    # v0.6 some findings (9 of the router's 10 stay; 3 others appear): the spans mostly stay
    kept = set(spans_of(reader)) & set(spans_of(beside))
    assert len(kept) >= 0.8 * len(spans_of(beside)) > 0


def test_a_long_text_is_routed_over_its_windows(model: GLiNER2) -> None:
    text = " ".join([ROUTED["health"]] * 60)  # well past one encoder window
    assert len(model.plan_windows(text, ALONE)) > 1
    assert domains(model.extract([text], ALONE)) == ["health"]


def test_router_saves_loads_and_fits(model: GLiNER2, tmp_path: Path) -> None:
    records = [r for r in generate(70, 5, "train") if r.domain in DOMAINS]
    features = pooled_states(model, [r.text for r in records])
    assert features.shape == (len(records), model.network.hidden_size)
    targets = torch.tensor([DOMAINS.index(r.domain) for r in records])
    router = fit_router(features, targets, DOMAINS, steps=200)
    assert (router(features).argmax(-1) == targets).float().mean() == 1.0
    save_router(tmp_path, router)
    loaded = load_router(tmp_path)
    assert loaded is not None and loaded.task == DOMAIN_TASK and loaded.labels == DOMAINS
    assert torch.equal(loaded(features), router(features))
    assert load_router(tmp_path / "elsewhere") is None
    from safetensors.torch import save_file

    save_file({"mean": torch.zeros(3)}, str(tmp_path / ROUTER_FILE))
    with pytest.raises(ValueError, match=f"{ROUTER_FILE}: metadata must name the router's task and labels"):
        load_router(tmp_path)


def test_train_router_writes_a_router_into_a_model_directory(tmp_path: Path) -> None:
    """The CLI on a copy of the shipped model without its router and a recipe of synthetic
    documents only; the model directory then loads with the new router."""
    directory = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, directory)
    (directory / ROUTER_FILE).unlink()
    assert GLiNER2.from_pretrained(directory).router is None
    (tmp_path / "recipe.yaml").write_text("data:\n  synthetic: {n: 10, seed: 4}\n")
    done = subprocess.run([sys.executable, "-m", "redactor.training.train_router", "--model", str(directory),
                           "--config", str(tmp_path / "recipe.yaml"), "--n", "80", "--test", "30"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "synthetic test routing accuracy" in done.stdout
    loaded = GLiNER2.from_pretrained(directory)
    assert loaded.router is not None and loaded.router.labels == DOMAINS
