"""``python -m redactor.training.train_router --model DIR --config RECIPE.yaml [--n 3000]``

Trains the pooled domain router (``redactor.model.router``) of a trained span model and
writes it into the model directory as ``router.safetensors``.  The encoder stays frozen:
the router reads the mean of the text states the span pass computes anyway, so the
span model's findings do not change; only which head answers the routing task does.

Documents: ``n`` synthetic training documents of the recipe's generator seed (train
split families only) and, from each of the recipe's ``files`` entries that names a
``domain``, up to ``--per-file`` real records, so the router also sees real court
judgments and clinical reports.  Printed: accuracy on the synthetic test split (held-out
template families) with this router and with the model's reader-token head.
A recipe with a ``router: {n, per_file}`` section gets its router at the end of
``redactor.training.train`` (one command for the whole shipped model).
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional as F

from redactor.model.extractor import GLiNER2
from redactor.model.router import PooledRouter, pool, save_router
from redactor.model.schema import Schema
from redactor.model.segments import text_part, text_states
from redactor.training.collate import DOMAIN_TASK
from redactor.training.evaluate import routing_accuracy
from redactor.training.labels import DOMAINS
from redactor.training.records import Record
from redactor.training.synthetic import generate
from redactor.training.train import load_config, load_corpus


def pooled_states(model: GLiNER2, texts: Sequence[str], batch_size: int = 16) -> torch.Tensor:
    """``[N, H]``: each text's pooled own states as inference computes them (a long
    text's first encoder window only)."""
    encoded_schema = model.prompts.encode_schema(Schema().entities(["person"]))  # no choice prefix
    rows = []
    with torch.inference_mode():
        for begin in range(0, len(texts), batch_size):
            parts = [text_part(model.prompts.encode_text(t, encoded_schema))[: model.config.max_positions]
                     for t in texts[begin: begin + batch_size]]
            rows += [pool(s.hidden) for s in text_states(model.network.encoder, parts)]
    return torch.stack(rows)


def fit_router(features: torch.Tensor, targets: torch.Tensor, labels: Sequence[str], *, steps: int = 300,
               lr: float = 1e-2, weight_decay: float = 1e-2, seed: int = 0) -> PooledRouter:
    """A router fitted full-batch (AdamW, cross-entropy, classes weighed by their inverse
    frequency so a rare domain is not traded for a common one) on pooled states."""
    torch.manual_seed(seed)
    router = PooledRouter(DOMAIN_TASK, labels, features.mean(0), features.std(0))
    counts = torch.bincount(targets, minlength=len(labels)).clamp_min(1).float()
    weight = counts.sum() / (len(labels) * counts)
    optimizer = torch.optim.AdamW(router.linear.parameters(), lr=lr, weight_decay=weight_decay)
    x = router.features(features)
    for _ in range(steps):
        optimizer.zero_grad()
        F.cross_entropy(router.linear(x), targets, weight=weight).backward()
        optimizer.step()
    return router.eval()


def routing_documents(config: dict[str, Any], base: Path, n: int, per_file: int) -> list[Record]:
    """The router's training documents (see the module docstring)."""
    seed = int(config.get("data", {}).get("synthetic", {}).get("seed", 0))
    records = [r for r in generate(n, seed, "train") if r.domain in DOMAINS]
    for entry in config.get("data", {}).get("files", []):
        if entry.get("domain") in DOMAINS:
            real = load_corpus({**entry, "repeat": 1, "swap_names": None}, base)
            records += random.Random(0).sample(real, min(per_file, len(real)))
    return records


def train_router(model: GLiNER2, config: dict[str, Any], base: Path, n: int = 3000,
                 per_file: int = 300) -> PooledRouter:
    """Fit a router for ``model`` on the documents of its recipe ``config`` (paths relative
    to ``base``); the model is left as it is."""
    records = routing_documents(config, base, n, per_file)
    features = pooled_states(model, [r.text for r in records])
    targets = torch.tensor([DOMAINS.index(r.domain) for r in records])  # type: ignore[arg-type]
    return fit_router(features, targets, DOMAINS)


def accuracy(model: GLiNER2, records: Sequence[Record]) -> float:
    """Share of ``records`` whose routing task answer (as the model is set) is their domain."""
    schema = Schema().entities(["person"]).classification(DOMAIN_TASK, list(DOMAINS))
    results = model.extract([r.text for r in records], schema, include_confidence=False)
    routed = routing_accuracy([r.domain for r in records], [res[DOMAIN_TASK] for res in results])
    return float(routed["accuracy"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, required=True,
                        help="trained model directory (the router is written into it)")
    parser.add_argument("--config", type=Path, required=True, help="the recipe the model was trained with")
    parser.add_argument("--n", type=int, default=3000, help="synthetic training documents")
    parser.add_argument("--per-file", type=int, default=300, help="real records per domain-labelled file")
    parser.add_argument("--test", type=int, default=600, help="synthetic test documents to report on")
    parser.add_argument("--test-seed", type=int, default=7,
                        help="their seed (7: the model card's test split)")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    model = GLiNER2.from_pretrained(args.model)
    router = train_router(model, config, args.config.parent, args.n, args.per_file)
    test = [r for r in generate(args.test, args.test_seed, "test") if r.domain in DOMAINS]
    reader = accuracy(model.with_options(pooled_routing=False), test)
    model.router = router
    print(f"router fitted; synthetic test routing accuracy {accuracy(model, test):.3f} "
          f"(reader-token head {reader:.3f}, {len(test)} documents)")
    save_router(args.model, router)
    print(f"wrote {args.model}/router.safetensors")


if __name__ == "__main__":
    main()
