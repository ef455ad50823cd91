"""Checkpoint I/O: exact round trips, clear failures, and no network access."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from redactor import CheckpointError, GLiNER2, Schema, UnsupportedCheckpointError

TEXTS = ["Maria Garcia met Peter Clark in the report room", "nothing here", "Anna Lee!"]
SCHEMA = (Schema().entities({"person": "names of people"}).classification("kind", ["memo", "mail"])
          .relations(["knows"]).structure("meeting").field("who").field("mode", choices=["call", "visit"]).end())


def _state(model: GLiNER2) -> dict[str, torch.Tensor]:
    return model.network.state_dict()


def test_save_load_round_trip_is_exact(name_model: GLiNER2, name_model_dir: Path) -> None:
    loaded = GLiNER2.from_pretrained(name_model_dir)
    original, restored = _state(name_model), _state(loaded)
    assert original.keys() == restored.keys()
    assert all(torch.equal(original[k], restored[k]) for k in original)
    assert loaded.extract(TEXTS, SCHEMA) == name_model.extract(TEXTS, SCHEMA)
    assert loaded.prompts.encode_text(TEXTS[0], loaded.prompts.encode_schema(SCHEMA)).input_ids == \
        name_model.prompts.encode_text(TEXTS[0], name_model.prompts.encode_schema(SCHEMA)).input_ids


def test_runtime_options_override_the_saved_config(name_model_dir: Path) -> None:
    model = GLiNER2.from_pretrained(name_model_dir, max_width=12, decoding="flat")
    assert (model.config.max_width, model.config.decoding) == (12, "flat")
    with pytest.raises(TypeError, match="unknown model option 'colour'"):
        GLiNER2.from_pretrained(name_model_dir, colour="red")


def test_boundary_architecture_is_refused_by_name(name_model_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "boundary"
    shutil.copytree(name_model_dir, target)
    config = json.loads((target / "config.json").read_text())
    config["architecture"] = "boundary"
    (target / "config.json").write_text(json.dumps(config))
    with pytest.raises(UnsupportedCheckpointError, match="architecture 'boundary' is not supported"):
        GLiNER2.from_pretrained(target)


def test_incomplete_directory_names_the_missing_files(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(CheckpointError, match="missing encoder_config/config.json, tokenizer.json"):
        GLiNER2.from_pretrained(tmp_path)


def test_hub_id_offline_fails_with_a_clear_message() -> None:
    with pytest.raises(CheckpointError, match="Hugging Face hub could not provide it"):
        GLiNER2.from_pretrained("fastino/gliner2-base-v1")


def test_no_network_at_import_load_or_inference(name_model_dir: Path) -> None:
    """Run a full load + extract in a subprocess whose sockets refuse to connect."""
    script = f"""
import socket
def refuse(*a, **k):
    raise RuntimeError("network access attempted")
socket.socket.connect = refuse
socket.create_connection = refuse
import redactor
model = redactor.GLiNER2.from_pretrained({str(name_model_dir)!r})
print(model.extract_entities("Anna Lee called", ["person"]))
"""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(name_model_dir), "HF_HUB_OFFLINE": "0"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "entities" in done.stdout


@pytest.mark.parametrize(("dtype", "max_ratio"), [(torch.float16, 0.55), (torch.int8, 0.3)])
def test_compact_checkpoints_shrink_and_keep_decisions(name_model: GLiNER2, name_model_dir: Path,
                                                       tmp_path: Path, dtype: torch.dtype,
                                                       max_ratio: float) -> None:
    name_model.save_pretrained(tmp_path, dtype=dtype)
    full = (name_model_dir / "model.safetensors").stat().st_size
    assert (tmp_path / "model.safetensors").stat().st_size < max_ratio * full
    small = GLiNER2.from_pretrained(tmp_path)
    assert next(small.network.parameters()).dtype == torch.float32
    schema = Schema().entities(["person"])
    texts = TEXTS + ["the plan for Laura White and Peter Clark is stable", "sales report for now"]
    def spans(model: GLiNER2, threshold: float) -> list[dict[tuple[int, int], float]]:
        return [{(s["start"], s["end"]): s["confidence"] for s in r["entities"]["person"]}
                for r in model.extract(texts, schema, threshold=threshold)]

    # compact weights move scores by < 0.05: every clear decision of the full model stays; only a
    # span within 0.05 of the 0.5 threshold may flip (which one depends on the trained weights)
    ours, sure, possible = spans(small, 0.5), spans(name_model, 0.55), spans(name_model, 0.45)
    assert any(sure)
    for found, kept, allowed in zip(ours, sure, possible):
        assert kept.keys() <= found.keys() <= allowed.keys()
        assert all(abs(found[key] - allowed[key]) < 0.05 for key in found)
