"""Shared fixtures.  Everything is offline: HF_HUB_OFFLINE is forced before imports."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402

from redactor import GLiNER2  # noqa: E402


@pytest.fixture(scope="session")
def fresh_model() -> GLiNER2:
    """An untrained model on the bundled MiniLM encoder (seeded heads)."""
    torch.manual_seed(1234)
    return GLiNER2.from_encoder()


@pytest.fixture(scope="session")
def name_model() -> GLiNER2:
    """A small model whose heads were trained to tag person names (see name_model.py)."""
    from tests.name_model import train_name_model

    return train_name_model()


@pytest.fixture(scope="session")
def name_model_dir(name_model: GLiNER2, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trained name model saved as a checkpoint directory."""
    directory = tmp_path_factory.mktemp("name_model")
    name_model.save_pretrained(directory)
    return directory
