"""Fast CPU inference: what :meth:`GLiNER2.optimized` adds to a loaded model.

The layout work is in the plain path too (``redactor.model.segments``: under
``schema_attention="separate"`` the prompt is encoded once per schema and texts run
flat, unpadded; ``redactor.model.network``: flat span scoring and queries made once per
schema).  What is here:

* an exact-duplicate cache (a :class:`~redactor.lru.LRUCache` on the extractor), on by
  default: a repeated text (log lines, CSV cells, form letters) is run once; results
  are keyed by the schema, the decoding options and the text, so nothing else is
  served from it, and they are shared, so callers only read them;
* int8 dynamic quantization of the encoder's Linear layers (:func:`quantize_encoder`),
  opt-in only.  Activations are quantized with one scale per call, so a text's scores
  depend a little on the texts batched with it, and they move: not a redaction
  default.  The FFN down-projections stay fp32: their inputs (after GELU) have the
  outliers that per-tensor int8 handles worst; measured on the shipped model (README,
  *Fast inference*), quantizing them too cost 1.2 points of character recall, leaving
  them cost 0.2 at the same speed.  It quantizes a copy, never the weights a trainer
  or another caller holds.
"""

from __future__ import annotations

import copy
import warnings

import torch
from torch import nn

from redactor.model.network import GLiNER2Network


def quantize_encoder(network: GLiNER2Network) -> GLiNER2Network:
    """A copy of ``network`` whose encoder Linear layers run int8 (weights per
    output channel, activations per call), except each layer's FFN down-projection
    (``output.dense``); the heads stay fp32: their outputs are the scores the
    thresholds apply to."""
    fast = copy.deepcopy(network)
    with warnings.catch_warnings():  # torch.ao is deprecated in favour of torchao (not a dependency)
        warnings.simplefilter("ignore")
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        chosen = {name: per_channel_dynamic_qconfig for name, module in fast.encoder.named_modules()
                  if isinstance(module, nn.Linear) and not _is_down_projection(name)}
        fast.encoder = quantize_dynamic(fast.encoder, chosen, dtype=torch.qint8)
    return fast.eval()


def _is_down_projection(name: str) -> bool:
    """``encoder.layer.N.output.dense`` (the FFN's 4H -> H), not ``attention.output.dense``."""
    return name.endswith(".output.dense") and not name.endswith("attention.output.dense")
