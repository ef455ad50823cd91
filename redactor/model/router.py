"""A pooled classification head: one task answered from the mean of a text's own states.

Why: GLiNER2 answers a classification task with reader tokens that run through every
encoder layer for every text (27 of them for the 7 routing domains).  On ~15-word
texts that was ~40% of ``Redactor(policy="auto")``'s time on 2 cores.  Under
``schema_attention="separate"`` a text's states do not depend on the prompt, and the
span pass computes them anyway; a linear layer over their mean (standardised with
statistics from the training texts) costs one ``[H] x [H, C]`` product per text.
It is trained after the span model with its encoder frozen
(``python -m redactor.training.train_router``) and ships beside it as ``router.safetensors``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn

ROUTER_FILE = "router.safetensors"


class PooledRouter(nn.Module):
    """Softmax over ``labels`` of one single-label classification ``task`` from pooled states."""

    def __init__(self, task: str, labels: Sequence[str], mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        if len(labels) < 2 or len(set(labels)) != len(labels):
            raise ValueError(f"router task {task!r} needs two or more distinct labels, got {list(labels)}")
        self.task, self.labels = task, tuple(labels)
        self.register_buffer("mean", mean.float())
        self.register_buffer("std", std.float().clamp_min(1e-6))
        self.linear = nn.Linear(mean.shape[-1], len(labels))

    def features(self, pooled: torch.Tensor) -> torch.Tensor:
        """Standardised pooled states ``[B, H]`` (what the linear layer reads)."""
        return (pooled.float() - self.mean) / self.std

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        """Logits ``[B, C]`` for pooled states ``[B, H]``."""
        return self.linear(self.features(pooled))

    def probs(self, pooled: torch.Tensor) -> list[list[float]]:
        """Per text, the label probabilities in ``labels`` order."""
        return torch.softmax(self(pooled), -1).tolist()

    def answers(self, name: str, labels: Sequence[str]) -> bool:
        """Whether a schema's classification task is this router's (same name, same labels
        in the same order): another label set would need another head."""
        return name == self.task and tuple(labels) == self.labels


def pool(hidden: torch.Tensor) -> torch.Tensor:
    """A text's pooled vector: the mean of its own states ``[n, H]`` (``[SEP_TEXT]`` and words)."""
    return hidden.float().mean(0)


def save_router(directory: Path, router: PooledRouter) -> None:
    """Write ``ROUTER_FILE`` into a model directory (task and labels in its metadata)."""
    tensors = {name: t.detach().contiguous() for name, t in router.state_dict().items()}
    save_file(tensors, str(directory / ROUTER_FILE),
              metadata={"task": router.task, "labels": json.dumps(list(router.labels))})


def load_router(directory: Path) -> PooledRouter | None:
    """``ROUTER_FILE`` of a model directory, or None when the model has none."""
    path = directory / ROUTER_FILE
    if not path.is_file():
        return None
    from safetensors import safe_open

    with safe_open(str(path), "pt") as handle:
        metadata = handle.metadata() or {}
    if "task" not in metadata or "labels" not in metadata:
        raise ValueError(f"{path}: metadata must name the router's task and labels")
    tensors = load_file(str(path))
    missing = sorted({"mean", "std", "linear.weight", "linear.bias"} - set(tensors))
    if missing:
        raise ValueError(f"{path}: missing tensors {missing}")
    router = PooledRouter(metadata["task"], json.loads(metadata["labels"]), tensors["mean"], tensors["std"])
    router.load_state_dict(tensors)
    return router.eval()
