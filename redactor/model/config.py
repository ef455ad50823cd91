"""Model configuration: what a checkpoint's ``config.json`` says, plus runtime knobs.

The checkpoint keys mirror the reference ``gliner2`` 2.1.0 ``ExtractorConfig`` so a
directory saved by either package loads in the other.  Runtime knobs (span width,
decoding mode, window overlap) are deliberately *not* tied to the weights: the span
head has no width embedding, so ``max_width`` can grow for long postal addresses
without retraining.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from redactor.model.segments import SCHEMA_ATTENTIONS, SchemaAttention
from redactor.model.words import SPLITTERS, Splitter

DecodingMode = Literal["nested", "flat"]
LabelPooling = Literal["marker", "mean"]

SUPPORTED_ARCHITECTURE = "span"
SUPPORTED_COUNTING_LAYER = "count_lstm"
SUPPORTED_TOKEN_POOLING = "first"
MAX_COUNT = 20


class UnsupportedCheckpointError(ValueError):
    """A checkpoint directory holds a model variant this package cannot run."""


@dataclass
class GLiNER2Config:
    """Architecture and runtime settings of a GLiNER2 span model.

    Attributes:
        max_width: longest span in words (reference: 8).  Runtime-adjustable.
        decoding: ``"nested"`` keeps the reference's per-label greedy decoding (the
            same span may carry two labels); ``"flat"`` forbids any overlap across
            labels, highest score first, ties broken by schema order, then longer
            span, then earlier start.
        max_positions: subword budget of one encoder window (schema prompt + text);
            texts beyond it are split into overlapping word windows.
        window_overlap: words shared by consecutive windows (at least 2 x max_width).
        counting_layer / token_pooling / architecture: checkpoint facts; only the
            values used by every published span checkpoint are supported.
        model_name: backbone the model was built from (informational only).
        entity_count_gate: empty the entity result when the count head predicts 0
            instances, as the reference does.  The reference never trains that count,
            so our own trained models switch the gate off (their checkpoints say so).
        label_pooling: what represents an entity label: ``"marker"`` (the reference:
            the ``[E]`` token's state) or ``"mean"`` (the mean of the label name's
            subword states).  On the small MiniLM encoder the ``[E]`` states of
            different labels are nearly identical (cosine ~0.97) and label types
            were not learned; the pooled name states separate them at once.  Our
            models use ``"mean"``; reference checkpoints keep ``"marker"``.
        word_splitter: the word segmentation the model was trained on (see
            ``redactor.model.words``): ``"reference"`` for reference checkpoints,
            ``"pii"`` (IPv6 and MAC addresses kept whole) for ours from v0.3 on.
        schema_attention: who attends to whom (``redactor.model.segments``):
            ``"joint"`` (the reference: everything sees everything), ``"prefix"``
            (schema tokens see only the schema, so it is encoded once per schema) or
            ``"separate"`` (text does not see the schema either).  Fixed by training.
        pooled_routing: answer the classification task of a model's pooled router
            (``redactor.model.router``, when the checkpoint has one) from the text
            states instead of the prompt's reader tokens.  Runtime-adjustable.
    """

    max_width: int = 8
    decoding: DecodingMode = "nested"
    max_positions: int = 512
    window_overlap: int = 64
    counting_layer: str = SUPPORTED_COUNTING_LAYER
    token_pooling: str = SUPPORTED_TOKEN_POOLING
    architecture: str = SUPPORTED_ARCHITECTURE
    model_name: str = ""
    entity_count_gate: bool = True
    label_pooling: LabelPooling = "marker"
    word_splitter: Splitter = "reference"
    schema_attention: SchemaAttention = "joint"
    pooled_routing: bool = True

    def __post_init__(self) -> None:
        if self.max_width < 1:
            raise ValueError(f"max_width must be >= 1, got {self.max_width}")
        if self.decoding not in ("nested", "flat"):
            raise ValueError(f"decoding must be 'nested' or 'flat', got {self.decoding!r}")
        if self.max_positions < 32:
            raise ValueError(f"max_positions must be >= 32, got {self.max_positions}")
        if self.window_overlap < 0:
            raise ValueError(f"window_overlap must be >= 0, got {self.window_overlap}")
        if self.label_pooling not in ("marker", "mean"):
            raise ValueError(f"label_pooling must be 'marker' or 'mean', got {self.label_pooling!r}")
        if self.word_splitter not in SPLITTERS:
            raise ValueError(f"word_splitter must be one of {SPLITTERS}, got {self.word_splitter!r}")
        if self.schema_attention not in SCHEMA_ATTENTIONS:
            raise ValueError(f"schema_attention must be one of {SCHEMA_ATTENTIONS}, "
                             f"got {self.schema_attention!r}")

    @classmethod
    def from_checkpoint_dict(cls, data: dict[str, Any], source: str) -> GLiNER2Config:
        """Read a reference-format ``config.json`` (legacy and 2.1.0 forms).

        Raises:
            UnsupportedCheckpointError: for the boundary architecture or head variants
                we do not implement, naming the file and the offending value.
        """
        architecture = data.get("architecture") or SUPPORTED_ARCHITECTURE
        if architecture != SUPPORTED_ARCHITECTURE:
            raise UnsupportedCheckpointError(
                f"{source}: architecture {architecture!r} is not supported; redactor runs "
                f"GLiNER2 'span' checkpoints only (the 'boundary' / GLiNER2.5 head differs)"
            )
        if data.get("model_type", "extractor") != "extractor":
            raise UnsupportedCheckpointError(
                f"{source}: model_type {data.get('model_type')!r} is not a GLiNER2 extractor"
            )
        counting = data.get("counting_layer") or SUPPORTED_COUNTING_LAYER
        pooling = data.get("token_pooling") or SUPPORTED_TOKEN_POOLING
        for key, value, supported in (
            ("counting_layer", counting, SUPPORTED_COUNTING_LAYER),
            ("token_pooling", pooling, SUPPORTED_TOKEN_POOLING),
        ):
            if value != supported:
                raise UnsupportedCheckpointError(
                    f"{source}: {key} {value!r} is not supported (only {supported!r})"
                )
        span_head = data.get("span_head") or {}
        max_width = span_head.get("max_width") or data.get("max_width") or 8
        runtime = data.get("redactor") or {}
        return cls(
            max_width=int(runtime.get("max_width", max_width)),
            decoding=runtime.get("decoding", "nested"),
            max_positions=int(runtime.get("max_positions", 512)),
            window_overlap=int(runtime.get("window_overlap", 64)),
            entity_count_gate=bool(runtime.get("entity_count_gate", True)),
            label_pooling=runtime.get("label_pooling", "marker"),
            word_splitter=runtime.get("word_splitter", "reference"),
            schema_attention=runtime.get("schema_attention", "joint"),
            counting_layer=counting,
            token_pooling=pooling,
            architecture=architecture,
            model_name=str(data.get("model_name") or ""),
        )

    def to_checkpoint_dict(self, transformers_version: str) -> dict[str, Any]:
        """Write the reference 2.1.0 keys (so ``gliner2`` loads our directories) plus ours."""
        runtime = {k: v for k, v in asdict(self).items()
                   if k in ("max_width", "decoding", "max_positions", "window_overlap",
                            "entity_count_gate", "label_pooling", "word_splitter",
                            "schema_attention")}
        return {
            "architecture": self.architecture,
            "architecture_version": 1,
            "architectures": ["GLiNER2"],
            "attn_implementation": "sdpa",
            "config_version": 3,
            "counting_layer": self.counting_layer,
            "max_len": None,
            "max_width": self.max_width,
            "model_name": self.model_name,
            "model_type": "extractor",
            "span_head": {"dropout": 0.1, "max_width": self.max_width, "span_mode": "markerV0"},
            "token_pooling": self.token_pooling,
            "transformers_version": transformers_version,
            "redactor": runtime,
        }
