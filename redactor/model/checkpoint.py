"""Checkpoint directories: read and write the reference ``gliner2`` layout.

A directory holds ``config.json`` (extractor config), ``encoder_config/config.json``
(the backbone's transformers config), ``model.safetensors`` (full state dict) and the
tokenizer files.  Loading never touches the network for a directory; a hub id goes
through ``huggingface_hub.snapshot_download`` and fails with a clear message when
offline.  Weights may be stored in fp16 (our shipped model) and are cast to fp32.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import AutoConfig, AutoModel, AutoTokenizer, PreTrainedTokenizerBase

from redactor.model.config import GLiNER2Config
from redactor.model.network import GLiNER2Network
from redactor.model.prompt import SPECIAL_TOKENS

CONFIG_FILE = "config.json"
ENCODER_CONFIG_FILE = os.path.join("encoder_config", "config.json")
WEIGHTS_FILE = "model.safetensors"
LEGACY_WEIGHTS_FILE = "pytorch_model.bin"
_REQUIRED = (CONFIG_FILE, ENCODER_CONFIG_FILE, "tokenizer.json")


class CheckpointError(OSError):
    """A checkpoint cannot be found or read; the message names the path and file."""


def resolve_directory(name_or_path: str | os.PathLike[str]) -> Path:
    """A local directory as is; otherwise a Hugging Face hub id, fetched through
    ``huggingface_hub`` (which honours ``HF_HUB_OFFLINE`` and its local cache)."""
    path = Path(name_or_path)
    if path.is_dir():
        return path
    if path.exists() or str(name_or_path).count("/") != 1 or str(name_or_path).startswith((".", "/")):
        raise CheckpointError(f"{name_or_path}: not a checkpoint directory")
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        return Path(snapshot_download(str(name_or_path)))
    except (LocalEntryNotFoundError, HFValidationError, OSError) as exc:
        raise CheckpointError(
            f"{name_or_path}: not a local directory, and the Hugging Face hub could not "
            f"provide it ({type(exc).__name__}); offline (HF_HUB_OFFLINE=1 or no network) "
            f"only cached snapshots load — pass a directory path instead"
        ) from exc


def load_tokenizer(directory: Path) -> PreTrainedTokenizerBase:
    """Load the tokenizer and make sure the 10 GLiNER2 tokens are present."""
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(directory))
    except AttributeError:  # legacy list-form extra_special_tokens on newer transformers
        tokenizer = AutoTokenizer.from_pretrained(str(directory), extra_special_tokens={})
    missing = [t for t in SPECIAL_TOKENS if t not in tokenizer.get_vocab()]
    if missing:
        tokenizer.add_special_tokens({"additional_special_tokens": list(SPECIAL_TOKENS)})
    return tokenizer


def read_checkpoint(directory: Path, **overrides: object) -> tuple[GLiNER2Config, GLiNER2Network,
                                                                  PreTrainedTokenizerBase]:
    """Build config, network and tokenizer from a checkpoint directory.

    ``overrides`` replace runtime config values (max_width, decoding, ...).
    """
    missing = [f for f in _REQUIRED if not (directory / f).is_file()]
    if missing:
        raise CheckpointError(f"{directory}: not a GLiNER2 checkpoint, missing {', '.join(missing)}")
    source = str(directory / CONFIG_FILE)
    try:
        raw = json.loads((directory / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{source}: unreadable ({exc})") from exc
    config = GLiNER2Config.from_checkpoint_dict(raw, source)
    for key, value in overrides.items():
        if not hasattr(config, key):
            raise TypeError(f"unknown model option {key!r}")
        setattr(config, key, value)
    config.__post_init__()

    tokenizer = load_tokenizer(directory)
    encoder_config = AutoConfig.from_pretrained(str(directory / "encoder_config"))
    encoder = AutoModel.from_config(encoder_config, attn_implementation="sdpa")
    network = GLiNER2Network(encoder)
    state = _read_weights(directory)
    saved_vocab = state["encoder.embeddings.word_embeddings.weight"].shape[0]
    if saved_vocab < len(tokenizer):
        raise CheckpointError(f"{directory}: embedding matrix has {saved_vocab} rows, "
                              f"tokenizer has {len(tokenizer)} tokens")
    encoder.resize_token_embeddings(saved_vocab, mean_resizing=False)
    result = network.load_state_dict(state, strict=False)
    unexpected = [k for k in result.unexpected_keys if not k.startswith("encoder.pooler.")]
    missing_keys = [k for k in result.missing_keys if not k.startswith("encoder.pooler.")]
    if unexpected or missing_keys:
        raise CheckpointError(
            f"{directory / WEIGHTS_FILE}: state dict does not match a GLiNER2 span model "
            f"(missing {missing_keys[:5]}, unexpected {unexpected[:5]})")
    config.max_positions = min(config.max_positions,
                               int(getattr(encoder_config, "max_position_embeddings", 512) or 512))
    return config, network.eval(), tokenizer


_SCALE = ".int8_row_scale"


def quantize_int8(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Row-wise symmetric int8 for every large matrix (Linear weights, embeddings),
    fp16 for the rest: a MiniLM GLiNER2 drops from 120 MB (fp32) to ~31 MB."""
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        value = value.detach().float()
        if value.ndim == 2 and value.numel() >= 4096:
            scale = value.abs().amax(dim=1, keepdim=True).clamp(min=1e-12) / 127.0
            out[key] = torch.round(value / scale).to(torch.int8).contiguous()
            out[key + _SCALE] = scale.contiguous()
        else:
            out[key] = value.half().contiguous()
    return out


def dequantize(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Inverse of :func:`quantize_int8` (a no-op for fp16/fp32 state dicts)."""
    out = {}
    for key, value in state.items():
        if key.endswith(_SCALE):
            continue
        scale = state.get(key + _SCALE)
        out[key] = value.float() * scale if scale is not None else value.float()
    return out


def _read_weights(directory: Path) -> dict[str, torch.Tensor]:
    if (directory / WEIGHTS_FILE).is_file():
        return dequantize(load_file(str(directory / WEIGHTS_FILE)))
    if (directory / LEGACY_WEIGHTS_FILE).is_file():
        return torch.load(directory / LEGACY_WEIGHTS_FILE, map_location="cpu", weights_only=True)
    raise CheckpointError(f"{directory}: no {WEIGHTS_FILE} or {LEGACY_WEIGHTS_FILE}")


def write_checkpoint(directory: Path, config: GLiNER2Config, network: GLiNER2Network,
                     tokenizer: PreTrainedTokenizerBase, dtype: torch.dtype = torch.float32) -> None:
    """Write a directory that both this package and ``gliner2`` can load
    (``dtype=torch.int8`` is ours only: row-wise quantized, for shipping)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "encoder_config").mkdir(exist_ok=True)
    network.encoder.config.vocab_size = network.encoder.get_input_embeddings().weight.shape[0]
    network.encoder.config.to_json_file(str(directory / ENCODER_CONFIG_FILE))
    payload = config.to_checkpoint_dict(transformers.__version__)
    (directory / CONFIG_FILE).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    state = network.state_dict()
    if dtype == torch.int8:
        state = quantize_int8(state)
    else:
        state = {k: v.detach().to(dtype).contiguous() for k, v in state.items()}
    save_file(state, str(directory / WEIGHTS_FILE))
    tokenizer.save_pretrained(str(directory))


def new_network(encoder_dir: str | os.PathLike[str]) -> tuple[GLiNER2Network, PreTrainedTokenizerBase]:
    """A fresh model on a pretrained encoder directory (heads randomly initialized)."""
    tokenizer = AutoTokenizer.from_pretrained(str(encoder_dir))
    tokenizer.add_special_tokens({"additional_special_tokens": list(SPECIAL_TOKENS)})
    encoder = AutoModel.from_pretrained(str(encoder_dir), attn_implementation="sdpa")
    encoder.resize_token_embeddings(len(tokenizer))
    return GLiNER2Network(encoder), tokenizer
