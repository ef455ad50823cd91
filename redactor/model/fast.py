"""Fast CPU inference: what :meth:`GLiNER2.optimized` adds to a loaded model.

The layout work is in the plain path too (``redactor.model.segments``: under
``schema_attention="separate"`` the prompt is encoded once per schema and texts run
flat, unpadded; ``redactor.model.network``: flat span scoring and queries made once per
schema).  What is here:

* an exact-duplicate cache (a :class:`~redactor.lru.LRUCache` on the extractor), on by
  default: a repeated text (log lines, CSV cells, form letters) is run once; results
  are keyed by the schema, the decoding options and the text, so nothing else is
  served from it, and they are shared, so callers only read them;
* int8 Linear layers (:func:`quantize_encoder`), opt-in.  Activations are
  quantized on a *fixed* range per layer, from a calibration on dev text stored with
  the model (:func:`channel_ranges`, ``int8_calibration.safetensors``).  A range per
  call (``torch.ao``'s dynamic quantization) made a text's scores depend on the texts
  batched with it (probabilities moved by up to 0.2, measured); a fixed one does not,
  and it skips a min/max pass over every input.  A fixed range must hold every input
  channel, and a few of BERT's hidden channels run 5-10x larger than the rest, so the
  input channels are smoothed first (SmoothQuant, Xiao et al. 2023): channel j is
  divided by ``s_j = sqrt(max|x_j| / max|W_:,j|)`` and the weight column multiplied
  by it, which leaves the product unchanged and splits the range between activations
  and weights.  The FFN down-projections stay fp32: their inputs (after GELU) carry the
  largest outliers.  The span head's per-word MLPs run int8 the same way.  It
  quantizes a copy, never the weights a trainer or another caller holds;
* a bfloat16 span grid (:func:`with_span_grid`), with int8 where the CPU's oneDNN
  computes bfloat16 (:func:`bf16_supported`): the ``[words, widths, 4H]`` hidden span
  grid and its products with the queries, the head's memory-bound part (the grid is
  12 x 4 times a text's hidden states), in half the bytes; logits come back as fp32.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from redactor.model.network import GLiNER2Network

CALIBRATION_FILE = "int8_calibration.safetensors"
# layer name -> (smallest, largest) value seen per input channel on dev text
Int8Calibration = dict[str, tuple[torch.Tensor, torch.Tensor]]
# fbgemm on AVX2 without VNNI sums pairs of u8 x s8 products in int16: activations get 7 bits
_LEVELS = 127


class StaticInt8Linear(nn.Module):
    """A Linear layer with int8 weights (one scale per output channel) whose smoothed
    input is quantized on a fixed range: the output for a row depends on that row
    alone.  Inputs beyond the calibrated range are clipped to it."""

    def __init__(self, linear: nn.Linear, low: torch.Tensor, high: torch.Tensor) -> None:
        super().__init__()
        weight = linear.weight.detach().float()
        reach = torch.maximum(low.abs(), high.abs()).clamp_min(1e-5)
        smooth = (reach / weight.abs().amax(dim=0).clamp_min(1e-5)).sqrt()
        weight = weight * smooth
        scales = (weight.abs().amax(dim=1) / 127).clamp_min(1e-12).double()
        with warnings.catch_warnings():  # quantized tensors are deprecated in favour of torchao (not a dependency)
            warnings.simplefilter("ignore")
            qweight = torch.quantize_per_channel(weight, scales, torch.zeros_like(scales, dtype=torch.long),
                                                 0, torch.qint8)
        bias = None if linear.bias is None else linear.bias.detach().float()
        self.packed = torch.ops.quantized.linear_prepack(qweight, bias)
        self.register_buffer("inverse_smooth", 1.0 / smooth)
        self.low = min(float((low / smooth).min()), 0.0)  # zero must stay exact
        self.high = max(float((high / smooth).max()), 0.0)
        self.scale = max(self.high - self.low, 1e-8) / _LEVELS
        self.zero_point = round(-self.low / self.scale)
        self.out_features = linear.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = (x.reshape(-1, x.shape[-1]) * self.inverse_smooth).clamp_(self.low, self.high)
        out = torch.ops.quantized.linear_with_input_q_dq_qweight_dq_output_fp32(
            flat, self.scale, self.zero_point, self.packed)
        return out.reshape(*x.shape[:-1], self.out_features)


#: The span head's per-word MLPs (H -> 4H -> H for span starts and ends): as much work per
#: word as two encoder layers, a third of a 55-word text's time in fp32 (profiled).  What
#: reads the queries (the out-layer folded into them, the span products) stays fp32.
_SPAN_MLPS = tuple(f"span_rep.span_rep_layer.{mlp}.{index}" for mlp in ("project_start", "project_end")
                   for index in (0, 3))


def quantized_layers(network: GLiNER2Network) -> list[str]:
    """The Linear layers that run int8: the encoder's transformer layers' own (not the
    unused pooler's) but each FFN down-projection, named as in ``network.encoder``,
    then the span head's per-word MLPs, named as in ``network``."""
    encoder = [name for name, module in network.encoder.named_modules()
               if isinstance(module, nn.Linear) and name.startswith("encoder.layer.")
               and not _is_down_projection(name)]
    return encoder + list(_SPAN_MLPS)


def _layer_owner(network: nn.Module, name: str) -> tuple[nn.Module, str]:
    """The module holding layer ``name`` of :func:`quantized_layers`, and its attribute."""
    root = network if name.startswith("span_rep.") else network.encoder  # type: ignore[union-attr]
    parent, _, child = name.rpartition(".")
    return root.get_submodule(parent), child


def channel_ranges(network: GLiNER2Network, run: Callable[[], Any]) -> Int8Calibration:
    """Per input channel, the smallest and largest value each layer of
    :func:`quantized_layers` sees while ``run()`` drives the network (on dev text)."""
    seen: Int8Calibration = {}

    def recorder(name: str) -> Callable[[nn.Module, tuple[torch.Tensor, ...]], None]:
        def record(_module: nn.Module, inputs: tuple[torch.Tensor, ...]) -> None:
            x = inputs[0].detach().reshape(-1, inputs[0].shape[-1])
            low, high = x.amin(dim=0), x.amax(dim=0)
            if name in seen:
                low, high = torch.minimum(seen[name][0], low), torch.maximum(seen[name][1], high)
            seen[name] = (low, high)
        return record

    handles = [getattr(*_layer_owner(network, name)).register_forward_pre_hook(recorder(name))
               for name in quantized_layers(network)]
    try:
        run()
    finally:
        for handle in handles:
            handle.remove()
    return seen


def quantize_encoder(network: GLiNER2Network, calibration: Int8Calibration) -> GLiNER2Network:
    """A copy of ``network`` whose :func:`quantized_layers` run int8 on the calibrated
    ranges; what makes the scores from the queries stays fp32."""
    missing = [name for name in quantized_layers(network) if name not in calibration]
    if missing:
        raise ValueError(f"the int8 calibration lacks {len(missing)} layers (e.g. {missing[0]}): "
                         f"calibrate this model again (GLiNER2.calibrate_int8)")
    fast = copy.deepcopy(network)
    for name in quantized_layers(fast):
        parent, child = _layer_owner(fast, name)
        linear, (low, high) = getattr(parent, child), calibration[name]
        if low.shape != (linear.in_features,) or high.shape != low.shape:
            raise ValueError(f"the int8 calibration of {name} has {tuple(low.shape)} channels, the layer "
                             f"{linear.in_features}: it belongs to another model (calibrate this one)")
        setattr(parent, child, StaticInt8Linear(linear, low, high))
    return fast.eval()


def bf16_supported() -> bool:
    """Whether oneDNN runs bfloat16 matrix products on this CPU (AVX-512 or newer);
    elsewhere torch emulates them, slower than fp32."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())  # torch has no public query for it
    except (AttributeError, RuntimeError):  # a torch built without oneDNN
        return False


def with_span_grid(network: GLiNER2Network, dtype: torch.dtype) -> GLiNER2Network:
    """``network``, or a copy of its modules whose span head builds its hidden span grid
    in ``dtype`` (``SpanMarker.grid_dtype``); weights and buffers are shared, never cast."""
    if network.span_rep.span_rep_layer.grid_dtype == dtype:
        return network
    shared: dict[int, Any] = {id(t): t for t in (*network.parameters(), *network.buffers())}
    fast = copy.deepcopy(network, shared)
    fast.span_rep.span_rep_layer.grid_dtype = dtype
    return fast


def save_calibration(directory: Path, calibration: Int8Calibration) -> None:
    """Write ``CALIBRATION_FILE`` into a model directory."""
    tensors = {f"{name}.{end}": t.contiguous() for name, pair in calibration.items()
               for end, t in zip(("low", "high"), pair)}
    save_file(tensors, str(directory / CALIBRATION_FILE))


def load_calibration(directory: Path) -> Int8Calibration | None:
    """``CALIBRATION_FILE`` of a model directory, or None when it was not calibrated."""
    path = directory / CALIBRATION_FILE
    if not path.is_file():
        return None
    tensors = load_file(str(path))
    names = {key.rpartition(".")[0] for key in tensors}
    broken = [name for name in names if f"{name}.low" not in tensors or f"{name}.high" not in tensors
              or bool((tensors[f"{name}.low"] > tensors[f"{name}.high"]).any())]
    if broken:
        raise ValueError(f"{path}: layer {sorted(broken)[0]!r} needs a low and a high tensor with low <= high")
    return {name: (tensors[f"{name}.low"].float(), tensors[f"{name}.high"].float()) for name in names}


def _is_down_projection(name: str) -> bool:
    """``encoder.layer.N.output.dense`` (the FFN's 4H -> H), not ``attention.output.dense``."""
    return name.endswith(".output.dense") and not name.endswith("attention.output.dense")
