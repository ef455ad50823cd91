"""A tiny person-name model trained in seconds, for tests that need a model that
actually finds something (window boundaries, offsets), before the shipped PII model
exists.  Only the heads train; the encoder is frozen.  Every filler word and every
name is a single MiniLM subword, so word costs are uniform and tests can place names
exactly on window boundaries.
"""

from __future__ import annotations

import random

import torch
import torch.nn.functional as F

from redactor import GLiNER2, Schema

FIRST = ("maria", "john", "david", "sarah", "michael", "laura", "james", "anna", "robert",
         "linda", "peter", "susan", "thomas", "karen", "daniel", "nancy", "paul", "helen")
LAST = ("garcia", "smith", "miller", "johnson", "brown", "wilson", "taylor", "lee", "jones",
        "white", "clark", "hall", "young", "king", "wright", "green", "baker", "adams")
FILLER = ("the report shows that our team will meet again next week to review plan and "
          "discuss new ideas about sales growth in every region while costs remain stable "
          "for now").split()
SCHEMA = Schema().entities(["person"])


def random_name(rng: random.Random) -> list[str]:
    """A capitalized two- or three-word name."""
    parts = [rng.choice(FIRST)] + ([rng.choice(FIRST)] if rng.random() < 0.4 else []) + [rng.choice(LAST)]
    return [p.capitalize() for p in parts]


def filler(rng: random.Random, n: int) -> list[str]:
    """``n`` filler words (a period now and then, also a one-subword word)."""
    return ["." if rng.random() < 0.08 else rng.choice(FILLER) for _ in range(n)]


def _example(rng: random.Random) -> tuple[str, list[tuple[int, int]]]:
    words: list[str] = []
    gold: list[tuple[int, int]] = []
    for _ in range(rng.randint(1, 3)):
        words += filler(rng, rng.randint(0, 12))
        name = random_name(rng)
        gold.append((len(words), len(name) - 1))
        words += name
    words += filler(rng, rng.randint(1, 10))
    return " ".join(words) + " .", gold


def train_name_model(seed: int = 0, steps: int = 120, batch: int = 8, pool: int = 96) -> GLiNER2:
    """Train the heads of a fresh MiniLM GLiNER2 to tag ``person`` names.

    The encoder is frozen, so its states for a fixed pool of examples are computed
    once and the heads train on them for several epochs.
    """
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = GLiNER2.from_encoder()
    net = model.network
    net.encoder.requires_grad_(False)
    encoded_schema = model.prompts.encode_schema(SCHEMA)
    examples = [_example(rng) for _ in range(pool)]
    encoded = [model.prompts.encode_text(text, encoded_schema) for text, _ in examples]
    batches = [list(range(i, min(i + batch, pool))) for i in range(0, pool, batch)]
    with torch.no_grad():
        states = [net.encode([encoded[i] for i in rows]) for rows in batches]
    heads = [p for n, p in net.named_parameters() if not n.startswith("encoder.")]
    optimizer = torch.optim.AdamW(heads, lr=2e-3)
    net.train()
    for step in range(steps):
        rows = batches[step % len(batches)]
        scores = net.score([encoded[i] for i in rows], model.config.max_width,
                           counts=[[1]] * len(rows), hidden=states[step % len(batches)])
        loss = torch.zeros(())
        for row, task in zip(rows, scores):
            logits = task[0].span_logits[0, 0]  # type: ignore[index]
            target = torch.zeros_like(logits)
            for start, width in examples[row][1]:
                target[start, width] = 1.0
            valid = torch.isfinite(logits)
            loss = loss + F.binary_cross_entropy_with_logits(logits[valid], target[valid], reduction="sum")
            loss = loss + F.cross_entropy(task[0].count_logits[None], torch.tensor([1]))  # type: ignore[index]
        optimizer.zero_grad()
        (loss / len(rows)).backward()
        optimizer.step()
    net.eval()
    return model
