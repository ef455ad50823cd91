"""Fast CPU inference: what :meth:`GLiNER2.optimized` adds to a loaded model.

Measured on the shipped MiniLM model with a policy prompt (issue #8,
``benchmarks/bench_speed.py``): the encoder reading the schema prompt is nearly all
of the cost of a short text (a GDPR prompt is ~650 subwords in three label-group
passes; the text ~20), so no exact change to the code can make a text much cheaper.
What is here:

* an exact-duplicate cache (a :class:`~redactor.lru.LRUCache` on the extractor), on by
  default: a repeated text (log lines, CSV cells, form letters) is run once; results
  are keyed by the schema, the decoding options and the text, so nothing else is
  served from it, and they are shared, so callers only read them;
* int8 dynamic quantization of the encoder's Linear layers (:func:`quantize_encoder`),
  opt-in only: on the shipped model it made the encoder 1.3-1.6x faster but moved
  span probabilities by up to 0.7-0.8 and changed ~15% of the findings above the
  policy thresholds, more than a redaction default may.  It quantizes a copy, never
  the weights a trainer or another caller holds.

The exact speed-ups (one GRU call for every count-embedding task, one threshold
pass over every label) are in the plain path too.
"""

from __future__ import annotations

import copy
import warnings

import torch
from torch import nn

from redactor.model.network import GLiNER2Network


def quantize_encoder(network: GLiNER2Network) -> GLiNER2Network:
    """A copy of ``network`` whose encoder Linear layers run int8 (weights per
    output channel, activations per batch); the heads stay fp32: they are a small
    share of the time, and their outputs are the scores the thresholds apply to."""
    fast = copy.deepcopy(network)
    with warnings.catch_warnings():  # torch.ao is deprecated in favour of torchao (not a dependency)
        warnings.simplefilter("ignore")
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        fast.encoder = quantize_dynamic(fast.encoder, {nn.Linear: per_channel_dynamic_qconfig},
                                        dtype=torch.qint8)
    return fast.eval()
