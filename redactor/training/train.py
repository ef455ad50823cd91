"""``python -m redactor.training.train --config CONFIG.yaml --out DIR [--resume] [--init MODEL_DIR]``

Builds the training set the config names (generated synthetic documents and mapped
real corpora), trains from the bundled MiniLM encoder (or ``init``), and writes the
model directory (fp16 safetensors; with the recipe's ``router`` section, the pooled
domain router too: ``train_router``) plus the resumable state.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import Any

import torch
import yaml

from redactor.model.extractor import GLiNER2
from redactor.training.collate import chunk_record
from redactor.training.labels import BY_KEY
from redactor.training.name_swap import NameSwapper
from redactor.training.records import Record, load_records
from redactor.training.synthetic.press import generate_press
from redactor.training.synthetic.social import generate_social
from redactor.training.trainer import Trainer, TrainConfig, prepare_model

# Recipe keys under ``data`` for the sentence generators, each ``{n, seed}``.
SENTENCE_CORPORA = {"press_de": generate_press, "social_en": generate_social}


def load_corpus(entry: dict[str, Any], base: Path) -> list[Record]:
    """Read one ``files`` entry with its label map (unmapped foreign labels dropped).

    ``skip: N`` leaves out the file's first N records: a dev set whose head the
    evaluator and the calibration read can lend its tail to training without the
    measured documents ever being seen.  ``repeat: K`` lists the records K times, to
    weigh a small real corpus against tens of thousands of synthetic documents.
    ``swap_names: {label, locales, seed}`` makes every copy after the first a
    mention-replaced one (``name_swap``): the weight without the same names again.
    The records annotate only the labels of ``_annotated_labels``.
    """
    skip, repeat = entry.get("skip", 0), entry.get("repeat", 1)
    if not (isinstance(skip, int) and skip >= 0 and isinstance(repeat, int) and repeat >= 1):
        raise ValueError(f"files entry {entry['path']}: skip must be an integer >= 0 and repeat >= 1, "
                         f"got skip={skip!r}, repeat={repeat!r}")
    records, _ = load_records(base / entry["path"], entry.get("label_map", {}))
    records = records[skip:]
    annotates = _annotated_labels(entry, records)
    for record in records:
        record.domain = entry.get("domain", record.domain)
        record.annotates = record.annotates if annotates is None else annotates
    limit = entry.get("limit")
    if limit is not None:
        records = random.Random(0).sample(records, min(limit, len(records)))
    swap = entry.get("swap_names")
    if swap is None:
        return records * repeat
    locales = swap.get("locales", ["en_US"]) if isinstance(swap, dict) else None
    if not (isinstance(swap, dict) and swap.get("label") in BY_KEY and isinstance(locales, list)
            and locales and all(isinstance(x, str) for x in locales)):
        raise ValueError(f"files entry {entry['path']}: swap_names needs a label key and a list of Faker "
                         f"locales, e.g. {{label: person, locales: [de_DE]}}, got {swap!r}")
    swapper = NameSwapper(swap["label"], locales, int(swap.get("seed", 0)))
    return records + [swapper.swap(record) for _ in range(repeat - 1) for record in records]


def _annotated_labels(entry: dict[str, Any], records: list[Record]) -> tuple[str, ...] | None:
    """The labels a corpus annotates: ``annotates`` when the entry lists them, else
    with a ``label_map`` its targets plus the labels its spans carry (a foreign corpus
    annotated for persons says nothing about cities), else every label (None)."""
    listed = entry.get("annotates")
    spans = {s.label for record in records for s in record.spans}
    if listed is not None:
        if not isinstance(listed, list):
            raise ValueError(f"files entry {entry['path']}: annotates must be a list of label keys, "
                             f"got {listed!r}")
        unknown = sorted(set(listed) - set(BY_KEY))
        if unknown:
            raise ValueError(f"files entry {entry['path']}: annotates unknown labels {unknown}")
        unlisted = sorted(spans - set(listed))  # their gold spans would carry no loss
        if unlisted:
            raise ValueError(f"files entry {entry['path']}: its spans carry labels {unlisted} "
                             f"that annotates does not list")
        return tuple(listed)
    label_map = entry.get("label_map")
    if not label_map:
        return None
    return tuple(sorted({v for v in label_map.values() if v is not None} | spans))


def build_records(config: dict[str, Any], base: Path, model: GLiNER2) -> list[Record]:
    """All training records of a config, chunked to fit the encoder."""
    data = config.get("data", {})
    records: list[Record] = []
    synthetic = data.get("synthetic")
    if synthetic:
        from redactor.training.synthetic import generate

        records += list(generate(int(synthetic["n"]), int(synthetic.get("seed", 0)), "train"))
    for key, generator in SENTENCE_CORPORA.items():
        if data.get(key):
            records += list(generator(int(data[key]["n"]), int(data[key].get("seed", 0))))
    for entry in data.get("files", []):
        records += load_corpus(entry, base)
    max_subwords = int(data.get("max_text_subwords", 256))
    return [piece for record in records for piece in chunk_record(record, model.prompts, max_subwords)]


def load_config(path: Path) -> dict[str, Any]:
    """A recipe, with ``extends: OTHER.yaml`` (relative to it) read first and this
    file's keys merged over it, mappings key by key: a later stage names only what
    it changes, so the stages cannot drift apart on the rest (data, splitter, ...)."""
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    base = config.pop("extends", None)
    return _merged(load_config(path.parent / base), config) if base else config


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--init", type=Path, help="start from this trained model directory (overrides the "
                        "config's init; a second stage starts from the first stage's output)")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    cfg = TrainConfig.from_dict(config.get("train", {}))
    torch.manual_seed(cfg.seed)
    init = args.init or config.get("init")
    model = GLiNER2.from_pretrained(init) if init else GLiNER2.from_encoder()
    prepare_model(model, cfg)  # chunking below splits words the way training will
    records = build_records(config, args.config.parent, model)
    trainer = Trainer(model, records, cfg, args.out / "state")
    losses = trainer.run(resume=args.resume, progress=not args.quiet)
    model.save_pretrained(args.out / "model", dtype=torch.float16)
    if "router" in config:  # after the span model: the router reads its frozen encoder
        from redactor.model.router import save_router
        from redactor.training.train_router import train_router

        options = config["router"] or {}
        saved = GLiNER2.from_pretrained(args.out / "model")  # the fp16 weights it will serve with
        router = train_router(saved, config, args.config.parent, int(options.get("n", 3000)),
                              int(options.get("per_file", 300)))
        save_router(args.out / "model", router)
    tail = losses[-50:] or [float("nan")]
    print(f"trained {trainer.step} steps on {len(records)} records; "
          f"mean loss of the last {len(tail)} steps {sum(tail) / len(tail):.4f}")


if __name__ == "__main__":
    main()
