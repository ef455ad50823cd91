"""Schema and text as attention segments, so the schema prompt can be encoded once.

In the reference layout every token attends to every other, so the schema prompt
(~300 subwords for a described GDPR label group) is re-encoded with every text: on a
15-word text it is ~90% of the encoder's work (README, *Fast inference*).  A model
trained with ``schema_attention`` other than ``"joint"`` restricts attention by role:

* schema tokens (the entity, structure and relation tasks) attend only to schema
  tokens, so their states are the same for every text: computed once per schema,
  their per-layer keys and values are cached;
* text tokens (``[SEP_TEXT]``, the choice prefix and the words) attend to the schema
  and the text under ``"prefix"``, to the text alone under ``"separate"`` (whose text
  positions restart at 0, so a text's states do not depend on the schema either);
* reader tokens (classification tasks: routing must read the text) attend to
  everything, and only readers attend to them.

``encode`` is the full pass with the role mask (training, mixed schemas);
``encode_cached`` runs only the text and reader tokens against cached schema states
and gives the same states.  This is our own extension; reference checkpoints are
``"joint"`` and keep the encoder's own forward.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import torch
from torch import nn
from torch.nn import functional as F

from redactor.model.prompt import EncodedSchema, EncodedText

SchemaAttention = Literal["joint", "prefix", "separate"]
SCHEMA_ATTENTIONS: tuple[str, ...] = ("joint", "prefix", "separate")

SCHEMA, TEXT, READER = 0, 1, 2
#: May a query of role row attend to a key of role column?  (schema, text, reader)
_ALLOWED: dict[str, tuple[tuple[bool, bool, bool], ...]] = {
    "prefix": ((True, False, False), (True, True, False), (True, True, True)),
    "separate": ((True, False, False), (False, True, False), (True, True, True)),
}


def roles(schema: EncodedSchema, length: int) -> list[int]:
    """The attention role of each of ``length`` positions of a text encoded with ``schema``."""
    out = [SCHEMA] * (len(schema.ids) - 1) + [TEXT] * (length - len(schema.ids) + 1)
    for task, (start, end) in zip(schema.tasks, schema.task_ranges):
        if task.kind == "classification":
            out[start:end] = [READER] * (end - start)
    return out


def positions(schema: EncodedSchema, role_list: list[int], mode: SchemaAttention) -> list[int]:
    """Position ids: the layout's, except that ``"separate"`` restarts the text at 0."""
    if mode != "separate":
        return list(range(len(role_list)))
    offset = len(schema.ids) - 1  # [SEP_TEXT] takes position 0
    return [i - offset if role == TEXT else i for i, role in enumerate(role_list)]


@dataclass(frozen=True)
class SchemaStates:
    """What one schema contributes to every text: its positions, their final states,
    and per layer the attention keys and values ``[1, heads, S, head_dim]``."""

    columns: torch.Tensor
    hidden: torch.Tensor
    keys: tuple[torch.Tensor, ...]
    values: tuple[torch.Tensor, ...]


@dataclass(frozen=True)
class _Batch:
    ids: torch.Tensor  # [B, T]
    role: torch.Tensor  # [B, T], -1 on padding
    position: torch.Tensor  # [B, T]


def _batch(texts: list[EncodedText], mode: SchemaAttention, device: torch.device) -> _Batch:
    width = max(len(t.input_ids) for t in texts)
    ids = torch.zeros(len(texts), width, dtype=torch.long)
    role = torch.full((len(texts), width), -1, dtype=torch.long)
    position = torch.zeros(len(texts), width, dtype=torch.long)
    for row, text in enumerate(texts):
        n = len(text.input_ids)
        role_list = roles(text.schema, n)
        ids[row, :n] = torch.tensor(text.input_ids)
        role[row, :n] = torch.tensor(role_list)
        position[row, :n] = torch.tensor(positions(text.schema, role_list, mode))
    return _Batch(ids.to(device), role.to(device), position.to(device))


def _mask(query_role: torch.Tensor, key_role: torch.Tensor, mode: SchemaAttention) -> torch.Tensor:
    """``[B, 1, Q, K]`` boolean: role table, padding keys off, and every query sees
    itself (the table allows that for real tokens already; it keeps padded rows, whose
    states are never read, from attending to nothing)."""
    table = torch.tensor(_ALLOWED[mode], device=query_role.device)
    q = query_role.clamp(min=0)[:, :, None]
    k = key_role.clamp(min=0)[:, None, :]
    allowed = table[q, k] & (key_role >= 0)[:, None, :]
    if allowed.shape[1] == allowed.shape[2]:
        allowed = allowed | torch.eye(allowed.shape[1], dtype=torch.bool, device=allowed.device)
    else:  # queries are the last Q keys
        allowed[:, :, -q.shape[1]:] |= torch.eye(q.shape[1], dtype=torch.bool, device=allowed.device)
    return allowed[:, None]


def _heads(x: torch.Tensor, heads: int) -> torch.Tensor:
    batch, length, width = x.shape
    return x.view(batch, length, heads, width // heads).transpose(1, 2)


def _layer(layer: nn.Module, x: torch.Tensor, mask: torch.Tensor,
           past: tuple[torch.Tensor, torch.Tensor] | None = None
           ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One BERT layer with an explicit mask and optional cached keys/values in front.
    Returns the new states and this pass's own keys and values."""
    attn = layer.attention.self
    heads = attn.num_attention_heads
    q, k, v = (_heads(proj(x), heads) for proj in (attn.query, attn.key, attn.value))
    keys, values = k, v
    if past is not None:
        keys = torch.cat([past[0].expand(x.shape[0], -1, -1, -1), k], dim=2)
        values = torch.cat([past[1].expand(x.shape[0], -1, -1, -1), v], dim=2)
    dropout = attn.dropout.p if layer.training else 0.0
    context = F.scaled_dot_product_attention(q, keys, values, attn_mask=mask, dropout_p=dropout)
    return _finish(layer, context.transpose(1, 2).reshape(x.shape), x), k, v


def _finish(layer: nn.Module, context: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """The rest of a BERT layer after attention: output projection and residual, then the FFN."""
    attended = layer.attention.output(context, x)
    return layer.output(layer.intermediate(attended), attended)


def _layers(encoder: nn.Module, x: torch.Tensor, mask: torch.Tensor | None,
            pasts: list[tuple[torch.Tensor, torch.Tensor]] | None = None
            ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]:
    """Every encoder layer in turn; the final states and each layer's own keys and values."""
    keys, values = [], []
    for n, layer in enumerate(encoder.encoder.layer):
        x, k, v = _layer(layer, x, mask, None if pasts is None else pasts[n])
        keys.append(k)
        values.append(v)
    return x, tuple(keys), tuple(values)


def _embed(encoder: nn.Module, ids: torch.Tensor, position: torch.Tensor) -> torch.Tensor:
    return encoder.embeddings(input_ids=ids, position_ids=position, token_type_ids=torch.zeros_like(ids))


def encode(encoder: nn.Module, texts: list[EncodedText], mode: SchemaAttention) -> torch.Tensor:
    """Full pass over right-padded inputs with the role mask; ``[B, T, H]``."""
    batch = _batch(texts, mode, encoder.embeddings.word_embeddings.weight.device)
    return _layers(encoder, _embed(encoder, batch.ids, batch.position), _mask(batch.role, batch.role, mode))[0]


def schema_states(encoder: nn.Module, schema: EncodedSchema, mode: SchemaAttention) -> SchemaStates:
    """Encode the schema tokens alone (they see nothing else) and keep their keys/values."""
    device = encoder.embeddings.word_embeddings.weight.device
    role_list = roles(schema, len(schema.ids))
    columns = torch.tensor([i for i, r in enumerate(role_list) if r == SCHEMA], dtype=torch.long, device=device)
    ids = torch.tensor(schema.ids, device=device)[None, columns]
    x, keys, values = _layers(encoder, _embed(encoder, ids, columns[None]), None)
    return SchemaStates(columns, x[0], keys, values)


def encode_cached(encoder: nn.Module, texts: list[EncodedText], states: SchemaStates,
                  mode: SchemaAttention) -> torch.Tensor:
    """``encode`` for texts sharing the schema of ``states``: only text and reader
    tokens run, against the cached schema keys/values.  Same ``[B, T, H]`` states."""
    device = states.hidden.device
    batch = _batch(texts, mode, device)
    rest = (batch.role[0] != SCHEMA).nonzero().squeeze(-1)  # schema columns are the same in every row
    role = batch.role[:, rest]
    schema_role = torch.full((len(texts), len(states.columns)), SCHEMA, dtype=torch.long, device=device)
    mask = _mask(role, torch.cat([schema_role, role], dim=1), mode)
    x = _layers(encoder, _embed(encoder, batch.ids[:, rest], batch.position[:, rest]), mask,
                list(zip(states.keys, states.values)))[0]
    out = x.new_empty(len(texts), batch.ids.shape[1], x.shape[-1])
    out[:, states.columns] = states.hidden
    out[:, rest] = x
    return out


@dataclass(frozen=True)
class TextStates:
    """A text's own states under ``"separate"``: they depend on its ids alone, so one
    pass serves every label group; per layer its keys and values ``[heads, n, head_dim]``
    for the reader tokens of the group that has them."""

    hidden: torch.Tensor
    keys: tuple[torch.Tensor, ...]
    values: tuple[torch.Tensor, ...]


def _flat_layer(layer: nn.Module, x: torch.Tensor, lengths: list[int]
                ) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
    """``_layer`` on several texts' tokens one after another, flat ``[N, H]``, each text
    attending to itself alone (``lengths``).  The linear layers, nearly all of the work,
    see no padding, and attention runs per text without a mask (3x faster than padded
    and masked on ~15-word texts, measured).  Returns the new states and each text's
    keys and values ``[heads, n, head_dim]``."""
    attn = layer.attention.self
    heads = attn.num_attention_heads

    def per_text(proj: nn.Module) -> list[torch.Tensor]:
        return [part.view(len(part), heads, -1).transpose(0, 1) for part in proj(x).split(lengths)]

    q, k, v = per_text(attn.query), per_text(attn.key), per_text(attn.value)
    # 4-d inputs: with 3-d ones torch 2.13 takes a 3x slower kernel on CPU (measured, 512 subwords)
    per_head = (F.scaled_dot_product_attention(*(t[None] for t in qkv))[0] for qkv in zip(q, k, v))
    context = torch.cat([part.transpose(0, 1).reshape(n, -1) for part, n in zip(per_head, lengths)])
    return _finish(layer, context, x), k, v


def text_states(encoder: nn.Module, texts: list[tuple[int, ...]]) -> list[TextStates]:
    """Encode texts (``[SEP_TEXT]`` onwards) alone, positions from 0.

    The texts run flat (``_flat_layer``), so a batch of texts of mixed lengths is not
    padded to its longest (on ~15-word texts in batches of 8, 40% of the padded
    positions were real)."""
    device = encoder.embeddings.word_embeddings.weight.device
    lengths = [len(t) for t in texts]
    ids = torch.tensor([i for t in texts for i in t], device=device)[None]
    position = torch.cat([torch.arange(n) for n in lengths]).to(device)[None]
    x = _embed(encoder, ids, position)[0]
    keys, values = [], []
    for layer in encoder.encoder.layer:
        x, k, v = _flat_layer(layer, x, lengths)
        keys.append(k)
        values.append(v)
    return [TextStates(hidden, tuple(k[row] for k in keys), tuple(v[row] for v in values))
            for row, hidden in enumerate(x.split(lengths))]


def _padded(parts: list[torch.Tensor], dim: int) -> torch.Tensor:
    """Stack tensors that differ in size along ``dim`` only, zero-padded."""
    moved = [p.movedim(dim, 0) for p in parts]
    return nn.utils.rnn.pad_sequence(moved, batch_first=True).movedim(1, dim + 1)


def text_part(text: EncodedText) -> tuple[int, ...]:
    """A text's own ids (``[SEP_TEXT]`` onwards): what its states depend on under ``"separate"``."""
    return text.input_ids[len(text.schema.ids) - 1:]


@dataclass
class TextMemo:
    """What label groups share under ``"separate"``, where neither depends on the schema:
    each text's encoder states, and each batch's span states (the span head's largest
    tensor, ``SpanMarker.span_states``), keyed by the batch's text ids and span width."""

    states: dict[tuple[int, ...], TextStates] = field(default_factory=dict)
    spans: dict[tuple[int, tuple[tuple[int, ...], ...]], torch.Tensor] = field(default_factory=dict)


def memo_states(encoder: nn.Module, memo: TextMemo, own: list[tuple[int, ...]]) -> list[TextStates]:
    """The states of texts given by their own ids (``text_part``), from ``memo``; the
    texts it lacks are encoded (once each) and added to it."""
    missing = [ids for ids in dict.fromkeys(own) if ids not in memo.states]
    if missing:
        memo.states.update(zip(missing, text_states(encoder, missing)))
    return [memo.states[ids] for ids in own]


def encode_separate(encoder: nn.Module, texts: list[EncodedText], states: SchemaStates,
                    memo: TextMemo) -> torch.Tensor:
    """``encode`` under ``"separate"`` for texts sharing the schema of ``states``: text
    states come from ``memo`` (filled here), so another label group reuses them; only
    the reader tokens run against schema and text.  Same ``[B, T, H]`` states."""
    device = states.hidden.device
    start = len(texts[0].schema.ids) - 1  # [SEP_TEXT]
    own = [text_part(t) for t in texts]
    found = memo_states(encoder, memo, own)
    out = states.hidden.new_empty(len(texts), start + max(len(ids) for ids in own), states.hidden.shape[-1])
    out[:, states.columns] = states.hidden
    out[:, start:] = _padded([f.hidden for f in found], 0)
    batch = _batch(texts, "separate", device)
    readers = (batch.role[0] == READER).nonzero().squeeze(-1)
    if len(readers):
        text_valid = batch.role[:, start:] >= 0
        x = _embed(encoder, batch.ids[:, readers], batch.position[:, readers])
        for n, layer in enumerate(encoder.encoder.layer):
            text = (_padded([f.keys[n] for f in found], 1), _padded([f.values[n] for f in found], 1))
            x = _reader_layer(layer, x, (states.keys[n], states.values[n]), text, text_valid)
        out[:, readers] = x
    return out


def _reader_layer(layer: nn.Module, x: torch.Tensor, schema: tuple[torch.Tensor, torch.Tensor],
                  text: tuple[torch.Tensor, torch.Tensor], text_valid: torch.Tensor) -> torch.Tensor:
    """One layer for the reader tokens ``x`` ``[B, R, H]`` (routing), which attend to
    the schema, their own text and the readers.  Attention is written out in three key
    blocks so that the schema's cached keys and values (``[1, heads, S, head_dim]``,
    the largest block) are read once for the whole batch, not copied into every row:
    that copy was a third of the routing pass on short texts.  ``text``: the texts'
    keys and values ``[B, heads, T, head_dim]``, padding off in ``text_valid`` ``[B, T]``."""
    attn = layer.attention.self
    q, k, v = (_heads(proj(x), attn.num_attention_heads) for proj in (attn.query, attn.key, attn.value))
    batch, heads, n_readers, head_dim = q.shape

    def rows_as_one(t: torch.Tensor) -> torch.Tensor:  # [B, heads, R, X] -> [heads, B * R, X]
        return t.transpose(0, 1).reshape(heads, batch * n_readers, -1)

    def rows_apart(t: torch.Tensor) -> torch.Tensor:  # the inverse
        return t.view(heads, batch, n_readers, -1).transpose(0, 1)

    text_scores = (q @ text[0].transpose(2, 3)).masked_fill(~text_valid[:, None, None, :], float("-inf"))
    scores = torch.cat([rows_apart(rows_as_one(q) @ schema[0][0].transpose(1, 2)), text_scores,
                        q @ k.transpose(2, 3)], dim=-1)
    weights = (scores * head_dim ** -0.5).softmax(-1)
    n_schema, n_text = schema[0].shape[2], text[0].shape[2]
    context = (rows_apart(rows_as_one(weights[..., :n_schema]) @ schema[1][0])
               + weights[..., n_schema: n_schema + n_text] @ text[1] + weights[..., n_schema + n_text:] @ v)
    return _finish(layer, context.transpose(1, 2).reshape(x.shape), x)
