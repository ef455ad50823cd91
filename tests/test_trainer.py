"""The trainer learns, resumes bit-for-bit, and its CLI runs end to end."""

from __future__ import annotations

import dataclasses
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from redactor import GLiNER2, Schema
from redactor.training.labels import BY_KEY, DOMAINS
from redactor.model import segments
from redactor.model.segments import TextMemo
from redactor.training.collate import Augmentation, build_example, build_shared_examples, chunk_record
from redactor.training.records import Record, SpanLabel, write_jsonl
from redactor.training.trainer import Trainer, TrainConfig, example_loss, micro_batches


def records(n: int = 40) -> list[Record]:
    rng = random.Random(0)
    out = []
    for i in range(n):
        name = f"{rng.choice(['Maria', 'John', 'Anna', 'Peter'])} {rng.choice(['Garcia', 'Smith', 'Lee'])}"
        email = f"user{i}@example.org"
        text = f"Please contact {name} at {email} about invoice 44{i}."
        out.append(Record(text, [SpanLabel(15, 15 + len(name), "person"),
                                 SpanLabel(text.index(email), text.index(email) + len(email), "email")],
                          domain="customer communication"))
    return out


def fresh(seed: int = 0) -> GLiNER2:
    torch.manual_seed(seed)
    return GLiNER2.from_encoder()


def test_examples_carry_word_targets_and_negative_labels() -> None:
    model = fresh()
    record = records(1)[0]
    example = build_example(record, model.prompts, random.Random(3), 12, Augmentation(drop_label_prob=0))
    (task,) = [t for t in example.encoded.schema.tasks if t.kind == "entities"]
    assert len(task.labels) > 2 and len(example.span_targets) == 2  # negatives were added
    words, names = example.encoded.words, task.labels
    targets = {(words[s].start, words[s + w].end, names[i]) for i, s, w in example.span_targets}
    gold = {(s.start, s.end, s.label) for s in record.spans}
    assert {(a, b) for a, b, _ in targets} == {(s.start, s.end) for s in record.spans}
    for start, end, name in targets:  # each target sits under one of its label's names
        (label,) = [s.label for s in record.spans if (s.start, s.end) == (start, end)]
        assert name in BY_KEY[label].names and (start, end, label) in gold


def test_confusable_labels_join_the_prompt_as_negatives() -> None:
    from redactor.training.collate import _negatives
    from redactor.training.labels import TRAINED, confusable

    present = ["ssn", "email"]
    lookalikes = set(confusable("ssn")) | set(confusable("email"))
    assert {"national_id", "phone_number", "password"} <= lookalikes and "ssn" not in lookalikes
    aug = Augmentation(negatives=(10, 10), confusable_prob=1.0)
    for seed in range(5):
        negatives = _negatives(present, random.Random(seed), aug)
        assert len(negatives) == len(set(negatives)) == 10 and not set(negatives) & set(present)
        assert lookalikes - {"ssn", "email"} <= set(negatives)  # fewer than 10: all of them, then random
    # Off (the default), the draws are the ones older recipes made: same seed, same prompt.
    off, old_rng = _negatives(present, random.Random(7), Augmentation()), random.Random(7)
    absent = [lab.key for lab in TRAINED if lab.key not in present]
    assert off == old_rng.sample(absent, min(len(absent), old_rng.randint(*Augmentation().negatives)))


def test_long_documents_are_chunked_without_cutting_spans() -> None:
    model = fresh()
    text = " ".join(["filler"] * 600) + " Maria Garcia"
    record = Record(text, [SpanLabel(len(text) - 12, len(text), "person")])
    pieces = chunk_record(record, model.prompts, 200)
    assert len(pieces) >= 3 and "".join(p.text for p in pieces).replace(" ", "") == text.replace(" ", "")
    last = pieces[-1]
    assert [last.text[s.start:s.end] for s in last.spans] == ["Maria Garcia"]


@pytest.mark.parametrize("attention,shared", [(None, False), ("separate", False), ("separate", True)])
def test_training_reduces_loss_and_finds_the_pattern(tmp_path: Path, attention: str | None, shared: bool) -> None:
    model = fresh()
    cfg = TrainConfig(steps=32, batch_size=4, save_every=100, positive_weight=3.0,
                      schema_attention=attention, shared_schema=shared)  # type: ignore[arg-type]
    losses = Trainer(model, records(), cfg, tmp_path).run(progress=False)
    assert sum(losses[-5:]) / 5 < 0.6 * sum(losses[:5]) / 5
    found = model.extract("Please contact Anna Lee at ann@x.org today.", Schema().entities(["person"]),
                          threshold=0.01)["entities"]["person"]
    best = max(found, key=lambda span: span["confidence"])  # a few steps: ranking, not calibration
    assert (best["text"], best["start"], best["end"]) == ("Anna Lee", 15, 23)
    assert model.config.entity_count_gate is False  # trained models never gate entities
    assert model.config.schema_attention == (attention or "joint")


def test_resume_is_bit_exact(tmp_path: Path) -> None:
    cfg = TrainConfig(steps=6, batch_size=2, save_every=3)
    straight = fresh()
    Trainer(straight, records(), cfg, tmp_path / "a").run(progress=False)
    interrupted = fresh()
    Trainer(interrupted, records(), cfg, tmp_path / "b").run(progress=False, until=3)
    resumed = fresh(seed=99)  # different init: everything must come from the state file
    Trainer(resumed, records(), cfg, tmp_path / "b").run(resume=True, progress=False)
    a, b = straight.network.state_dict(), resumed.network.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_micro_batches_cover_every_example_once_within_the_token_budget() -> None:
    lengths = [147, 158, 266, 54, 229, 390, 148, 1500]
    groups = micro_batches(lengths, 512)
    assert sorted(i for g in groups for i in g) == list(range(len(lengths)))
    for group in groups:
        assert len(group) == 1 or max(lengths[i] for i in group) * len(group) <= 512
    assert [7] in groups  # longer than the budget: runs alone


def test_micro_batching_keeps_the_objective(tmp_path: Path) -> None:
    """One step with examples run one by one has the loss and gradients of one step on
    the padded batch (dropout off: the masks are the only thing allowed to differ)."""
    losses, grads = [], []
    for tokens in (10**6, 1):
        model = fresh()
        for module in model.network.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = 0.0
        cfg = TrainConfig(steps=1, batch_size=4, micro_batch_tokens=tokens)
        losses.append(Trainer(model, records(), cfg, tmp_path / str(tokens)).train_step())
        grads.append({n: p.grad for n, p in model.network.named_parameters() if p.grad is not None})
    assert abs(losses[0] - losses[1]) <= 1e-5 * losses[0]
    assert grads[0].keys() == grads[1].keys() and len(grads[0]) > 50
    for name, grad in grads[0].items():
        assert torch.allclose(grad, grads[1][name], rtol=1e-3, atol=1e-6), name


def mixed_records() -> list[Record]:
    """Three documents with different labels, one of them not routed."""
    texts = [("Call Maria Garcia on +44 20 7946 0958.", [(5, 17, "person"), (21, 37, "phone_number")],
              "customer communication"),
             ("SSN 078-05-1120 belongs to John Lee.", [(4, 15, "ssn"), (27, 35, "person")], "finance"),
             ("Release 4.2 ships on Monday.", [], None)]
    return [Record(t, [SpanLabel(a, b, lab) for a, b, lab in spans], domain=d) for t, spans, d in texts]


def test_a_shared_prompt_asks_every_document_for_the_batchs_labels() -> None:
    model = fresh()
    docs = mixed_records()
    for seed in range(20):
        examples = build_shared_examples(docs, model.prompts, random.Random(seed), 12,
                                         Augmentation(drop_label_prob=0, domain_task_prob=1.0), schema_budget=256)
        (schema,) = {e.encoded.schema.ids for e in examples}  # one prompt for the batch
        assert len(schema) <= 256
        (task,) = [t for t in examples[0].encoded.schema.tasks if t.kind == "entities"]
        asked = {name: key for key in BY_KEY for name in task.labels if name in BY_KEY[key].names}
        assert {"person", "phone_number", "ssn"} <= set(asked.values())
        for example, record in zip(examples, docs):
            words = example.encoded.words
            targets = {(words[s].start, words[s + w].end, asked[task.labels[i]]) for i, s, w in example.span_targets}
            assert targets == {(s.start, s.end, s.label) for s in record.spans}  # others' labels: negatives here
        assert [e.domain_target is None for e in examples] == [False, False, True]


def test_labels_a_corpus_does_not_annotate_teach_nothing_on_its_documents() -> None:
    """A tweet annotated for persons only shares the batch's prompt (SSN, phone...),
    but those rows are unknown on it: no loss, whatever the model scores there."""
    model = fresh()
    docs = mixed_records()
    docs[0].annotates = ("person",)
    examples = build_shared_examples(docs, model.prompts, random.Random(3), 12,
                                     Augmentation(drop_label_prob=0, domain_task_prob=0.0), schema_budget=256)
    (task,) = [t for t in examples[0].encoded.schema.tasks if t.kind == "entities"]
    asked = [next(k for k in BY_KEY if name in BY_KEY[k].names) for name in task.labels]
    assert {asked[i] for i in examples[0].unknown_labels} == set(asked) - {"person"}
    assert examples[1].unknown_labels == ()  # an unrestricted record learns every row
    counts = [[1] for _ in examples]
    with torch.no_grad():
        scores = model.network.eval().score([e.encoded for e in examples], 12, counts=counts)
    cfg = TrainConfig()
    base = float(example_loss(examples[0], scores[0], cfg))
    unknown, known = examples[0].unknown_labels[0], asked.index("person")
    for row, changes in ((unknown, False), (known, True)):
        logits = scores[0][0].span_logits.clone()
        logits[0, row] += 5.0
        shifted = [dataclasses.replace(scores[0][0], span_logits=logits)]
        assert (abs(float(example_loss(examples[0], shifted, cfg)) - base) > 1e-3) is changes


def test_a_shared_prompt_is_cut_to_its_budget_negatives_first() -> None:
    model = fresh()
    examples = build_shared_examples(mixed_records(), model.prompts, random.Random(1), 12,
                                     Augmentation(negatives=(30, 30), description_prob=1.0, drop_label_prob=0),
                                     schema_budget=120)
    (task,) = [t for t in examples[0].encoded.schema.tasks if t.kind == "entities"]
    assert len(examples[0].encoded.schema.ids) <= 120 and 3 <= len(task.labels) < 30
    assert sum(len(e.span_targets) for e in examples) == 4  # every present label survived the cut


def test_a_shared_prompt_step_keeps_the_objective_of_the_masked_pass() -> None:
    """Encoding the prompt once and the texts flat (training with ``shared_schema``)
    gives the loss and gradients of the full role-masked pass over each padded row."""
    docs = mixed_records()
    cfg = TrainConfig(shared_schema=True, schema_attention="separate")
    losses, grads = [], []
    for flat in (True, False):
        model = fresh()
        model.set_schema_attention("separate")
        net = model.network.eval()  # dropout off: the masks are the only thing allowed to differ
        examples = build_shared_examples(docs, model.prompts, random.Random(5), 12,
                                         Augmentation(domain_task_prob=1.0), schema_budget=256)
        texts = [e.encoded for e in examples]
        counts = [[1 if t.kind != "classification" else None for t in e.schema.tasks] for e in texts]
        hidden = None if flat else segments.encode(net.encoder, texts, "separate")
        memo = TextMemo() if flat else None
        scores = net.score(texts, 12, counts=counts, hidden=hidden, memo=memo)
        assert memo is None or len(memo.states) == len(docs)  # the flat route ran: each text encoded alone
        loss = torch.stack([example_loss(e, s, cfg) for e, s in zip(examples, scores)]).sum()
        loss.backward()
        losses.append(float(loss.detach()))
        grads.append({n: p.grad for n, p in net.named_parameters() if p.grad is not None})
    assert abs(losses[0] - losses[1]) <= 1e-5 * losses[0]
    assert grads[0].keys() == grads[1].keys() and len(grads[0]) > 50
    for name, grad in grads[0].items():
        assert torch.allclose(grad, grads[1][name], rtol=1e-3, atol=1e-6), name


def test_a_shared_prompt_needs_separate_attention(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="shared_schema needs schema_attention 'separate'.*'joint'"):
        Trainer(fresh(), records(), TrainConfig(shared_schema=True), tmp_path)


def test_cli_trains_and_writes_a_loadable_model(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "train.jsonl", records(20))
    config = {"train": {"steps": 4, "batch_size": 2, "save_every": 2, "word_splitter": "pii",
                        "schema_attention": "prefix"},
              "data": {"files": [{"path": "train.jsonl", "label_map": {"person": "person",
                                                                       "email": "email"}}]}}
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(config))
    done = subprocess.run([sys.executable, "-m", "redactor.training.train", "--config",
                           str(tmp_path / "cfg.yaml"), "--out", str(tmp_path / "run"), "--quiet"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "trained 4 steps on 20 records" in done.stdout
    model = GLiNER2.from_pretrained(tmp_path / "run" / "model")
    assert model.config.max_width == 12 and model.config.entity_count_gate is False
    assert model.config.word_splitter == "pii"  # the splitter it was trained on travels with it
    assert model.config.schema_attention == "prefix"  # and so does the attention layout
    encoded = model.prompts.encode_text("from fe80::1 today", model.prompts.encode_schema(Schema().entities(["ip"])))
    assert [w.token for w in encoded.words] == ["from", "fe80::1", "today", "."]
    with pytest.raises(ValueError, match="word_splitter is fixed by training"):
        model.with_options(word_splitter="reference")


def test_cli_second_stage_starts_from_the_first_stages_model(tmp_path: Path) -> None:
    """``--init``: a second stage (here with a new attention layout) starts from the
    first stage's weights; with zero learning rates it writes them back unchanged.  The
    second stage's ``router`` section adds a pooled domain router to its model."""
    write_jsonl(tmp_path / "train.jsonl", records(8))
    data = {"files": [{"path": "train.jsonl", "label_map": {"person": "person", "email": "email"}}]}
    stages = {"one": {"steps": 2, "batch_size": 2}, "two": {"steps": 1, "batch_size": 2, "lr_encoder": 0.0,
                                                            "lr_heads": 0.0, "schema_attention": "separate"}}
    for name, train in stages.items():
        extra = {"router": {"n": 40}} if name == "two" else {}
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump({"train": train, "data": data, **extra}))
    command = [sys.executable, "-m", "redactor.training.train", "--quiet"]
    first = subprocess.run([*command, "--config", str(tmp_path / "one.yaml"), "--out", str(tmp_path / "one")],
                           capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr[-3000:]
    second = subprocess.run([*command, "--config", str(tmp_path / "two.yaml"), "--out", str(tmp_path / "two"),
                             "--init", str(tmp_path / "one" / "model")], capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr[-3000:]
    one, two = (GLiNER2.from_pretrained(tmp_path / name / "model") for name in ("one", "two"))
    assert two.config.schema_attention == "separate"
    assert one.router is None and two.router is not None and two.router.labels == DOMAINS
    weights = two.network.state_dict()  # without --init, stage two would start from the bare encoder and new heads
    for name, tensor in one.network.state_dict().items():
        assert torch.equal(tensor, weights[name]), name


def test_a_stage_extends_its_base_recipe(tmp_path: Path) -> None:
    from redactor.training.train import load_config

    base = {"train": {"steps": 2000, "batch_size": 8, "max_width": 12},
            "data": {"synthetic": {"n": 30000, "seed": 0}, "files": [{"path": "a.jsonl"}]}}
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base))
    (tmp_path / "stage.yaml").write_text(yaml.safe_dump(
        {"extends": "base.yaml", "train": {"steps": 800, "schema_attention": "separate"},
         "data": {"synthetic": {"seed": 1}}}))
    assert load_config(tmp_path / "stage.yaml") == {
        "train": {"steps": 800, "batch_size": 8, "max_width": 12, "schema_attention": "separate"},
        "data": {"synthetic": {"n": 30000, "seed": 1}, "files": [{"path": "a.jsonl"}]}}
    assert load_config(tmp_path / "base.yaml") == base


def test_a_corpus_entry_can_skip_its_head_and_repeat_its_tail(tmp_path: Path) -> None:
    """``skip`` keeps a dev set's evaluated head out of training; ``repeat`` weighs the rest."""
    from redactor.training.train import load_corpus

    corpus = records(10)
    write_jsonl(tmp_path / "dev.jsonl", corpus)
    entry = {"path": "dev.jsonl", "label_map": {"person": "person"}, "skip": 6, "repeat": 2}
    loaded = load_corpus(entry, tmp_path)
    assert [r.text for r in loaded] == [r.text for r in corpus[6:]] * 2
    assert [r.text for r in load_corpus({"path": "dev.jsonl"}, tmp_path)] == [r.text for r in corpus]
    with pytest.raises(ValueError, match="files entry dev.jsonl: skip must be an integer >= 0 and repeat >= 1"):
        load_corpus({"path": "dev.jsonl", "repeat": 0}, tmp_path)


def test_swap_names_renames_persons_in_every_copy_after_the_first(tmp_path: Path) -> None:
    """Mention replacement: the first copy is the corpus itself; later copies keep the text
    around each name and every other span, with fresh names of the same word count whose
    offsets point at them; the same seed gives the same copies."""
    from redactor.training.train import load_corpus

    corpus = [Record("Laut Merkels Sprecher traf Kerstin Holm den Vorstand von Siemens .",
                     [SpanLabel(5, 12, "person"), SpanLabel(27, 39, "person"),
                      SpanLabel(57, 64, "organization")],
                     id="de-1")]
    write_jsonl(tmp_path / "de.jsonl", corpus)
    entry = {"path": "de.jsonl", "label_map": {"PER": "person"}, "repeat": 4,
             "swap_names": {"label": "person", "locales": ["de_DE", "pl_PL"], "seed": 3}}
    loaded = load_corpus(entry, tmp_path)
    assert loaded[0].text == corpus[0].text and len(loaded) == 4
    for copy in loaded[1:]:
        names = [copy.text[s.start:s.end] for s in copy.spans if s.label == "person"]
        assert names != ["Merkels", "Kerstin Holm"]
        assert [len(n.split()) for n in names] == [1, 2]
        assert copy.text.startswith("Laut ") and copy.text.endswith(" den Vorstand von Siemens .")
        assert [copy.text[s.start:s.end] for s in copy.spans if s.label == "organization"] == ["Siemens"]
        assert copy.id == "de-1~swap" and copy.annotates == ("organization", "person")
    assert [r.text for r in load_corpus(entry, tmp_path)] == [r.text for r in loaded]
    assert len({r.text for r in loaded}) == 4
    for bad in ({"label": "persons"}, {"label": "person", "locales": "de_DE"}):
        with pytest.raises(ValueError, match="files entry de.jsonl: swap_names needs a label key and a list"):
            load_corpus({**entry, "swap_names": bad}, tmp_path)


def test_a_mapped_corpus_annotates_only_its_mapped_labels(tmp_path: Path) -> None:
    """A foreign corpus's label map says which labels it annotates; ``annotates`` says it
    outright; a corpus in our own labels annotates every label; chunks keep it."""
    from redactor.training.train import load_corpus

    write_jsonl(tmp_path / "c.jsonl", records(4))
    mapped = load_corpus({"path": "c.jsonl", "label_map": {"person": "person", "x": None}}, tmp_path)
    assert {r.annotates for r in mapped} == {("email", "person")}  # the map's target and the kept spans
    listed = load_corpus({"path": "c.jsonl", "annotates": ["person", "email", "date"]}, tmp_path)
    assert listed[0].annotates == ("person", "email", "date")
    assert load_corpus({"path": "c.jsonl"}, tmp_path)[0].annotates is None
    with pytest.raises(ValueError, match="files entry c.jsonl: annotates unknown labels \\['persons'\\]"):
        load_corpus({"path": "c.jsonl", "annotates": ["persons"]}, tmp_path)
    with pytest.raises(ValueError, match="files entry c.jsonl: annotates must be a list of label keys"):
        load_corpus({"path": "c.jsonl", "annotates": "person"}, tmp_path)
    with pytest.raises(ValueError, match="spans carry labels \\['email'\\] that annotates does not list"):
        load_corpus({"path": "c.jsonl", "annotates": ["person"]}, tmp_path)
    long = Record(" ".join(["word"] * 600) + " Maria Garcia", [SpanLabel(3000, 3012, "person")],
                  annotates=("person",))
    pieces = chunk_record(long, fresh().prompts, 256)
    assert len(pieces) > 1 and {p.annotates for p in pieces} == {("person",)}
    assert Record.from_json(json.loads(long.to_json())) == long
