"""The GLiNER2 network: one encoder pass, then count, span and classification heads.

``score`` is the whole forward pass for a batch of already-encoded texts.  It is
written for variable-length batches: word vectors and queries are padded per batch
so the span head runs as one batched matmul (under ``"separate"`` at inference, where
every text of a batch has the same queries, the words run flat instead), and the
count head runs once over every span task of the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn
from transformers import PreTrainedModel

from redactor.lru import LRUCache
from redactor.model import segments
from redactor.model.config import LabelPooling
from redactor.model.layers import CountEmbedding, SpanRep, count_predictor, label_classifier
from redactor.model.prompt import EncodedSchema, EncodedText
from redactor.model.segments import SchemaAttention, SchemaStates, TextMemo


@dataclass
class TaskScores:
    """Raw head outputs for one task of one text.

    ``span_logits`` is ``[C, M, L, W]`` over all words (choice prefix first), or
    ``None`` for classification tasks and span tasks whose predicted count is 0.
    """

    count: int | None
    count_logits: torch.Tensor | None
    span_logits: torch.Tensor | None
    class_logits: torch.Tensor | None


class GLiNER2Network(nn.Module):
    """Encoder plus the four GLiNER2 heads, with reference parameter names."""

    def __init__(self, encoder: PreTrainedModel) -> None:
        super().__init__()
        hidden = int(encoder.config.hidden_size)
        self.encoder = encoder
        self.span_rep = SpanRep(hidden)
        self.classifier = label_classifier(hidden)
        self.count_pred = count_predictor(hidden)
        self.count_embed = CountEmbedding(hidden)
        self.label_pooling: LabelPooling = "marker"  # set from the config by GLiNER2
        self.schema_attention: SchemaAttention = "joint"  # likewise
        # (layout, device, schema ids) -> schema states; only filled under inference mode,
        # emptied by train()
        self._schema_states: LRUCache[tuple[str, str, tuple[int, ...]], SchemaStates] = LRUCache(64)
        # the same key plus (task, instances) -> the count embedding's queries; likewise
        self._queries: LRUCache[tuple[str, str, tuple[int, ...], int, int], torch.Tensor] = LRUCache(256)

    def train(self, mode: bool = True) -> GLiNER2Network:
        """Also forget cached schema states and queries: weights are about to change."""
        self._schema_states = LRUCache(64)
        self._queries = LRUCache(256)
        return super().train(mode)

    @property
    def hidden_size(self) -> int:
        """Width of the encoder states (384 for MiniLM)."""
        return int(self.encoder.config.hidden_size)

    def _label_vectors(self, hidden: torch.Tensor, text: EncodedText, row: int, t: int) -> torch.Tensor:
        """One vector per label of task t: the marker states (reference), or for
        entity tasks under ``label_pooling="mean"`` the mean of the name's subwords."""
        schema = text.schema
        if self.label_pooling == "mean" and schema.tasks[t].kind == "entities":
            return torch.stack([hidden[row, start:end].mean(0) for start, end in schema.label_spans[t]])
        return hidden[row, list(schema.markers[t][1:])]

    def encode(self, texts: Sequence[EncodedText], memo: TextMemo | None = None) -> torch.Tensor:
        """Run the encoder on right-padded input ids; returns ``[B, T, H]``.  Under a
        segmented ``schema_attention`` at inference, texts sharing one schema run
        against its cached states (``redactor.model.segments``); under ``"separate"``
        their own states go into ``memo``, where the next label group finds them.  In
        training, texts sharing one prompt under ``"separate"`` take the same route with
        the prompt encoded afresh (weights change between steps, so nothing is cached)."""
        if self.schema_attention != "joint":
            shared = len({t.schema.ids for t in texts}) == 1
            inference = torch.is_inference_mode_enabled()
            if shared and (inference or self.schema_attention == "separate"):
                states = (self._states(texts[0].schema) if inference
                          else segments.schema_states(self.encoder, texts[0].schema, self.schema_attention))
                if self.schema_attention == "separate":
                    return segments.encode_separate(self.encoder, list(texts), states,
                                                    TextMemo() if memo is None else memo)
                return segments.encode_cached(self.encoder, list(texts), states, self.schema_attention)
            return segments.encode(self.encoder, list(texts), self.schema_attention)
        device = self.count_pred[0].weight.device
        width = max(len(t.input_ids) for t in texts)
        ids = torch.zeros(len(texts), width, dtype=torch.long)
        mask = torch.zeros(len(texts), width, dtype=torch.long)
        for row, text in enumerate(texts):
            ids[row, : len(text.input_ids)] = torch.tensor(text.input_ids)
            mask[row, : len(text.input_ids)] = 1
        out = self.encoder(input_ids=ids.to(device), attention_mask=mask.to(device))
        return out.last_hidden_state

    def _states(self, schema: EncodedSchema) -> SchemaStates:
        key = (self.schema_attention, str(self.count_pred[0].weight.device), schema.ids)
        states = self._schema_states.get(key)
        if states is None:
            states = segments.schema_states(self.encoder, schema, self.schema_attention)
            self._schema_states.put(key, states)
        return states

    def _span_states(self, texts: Sequence[EncodedText], words: torch.Tensor, max_width: int,
                     memo: TextMemo | None) -> torch.Tensor | None:
        """The batch's span states from ``memo`` when another label group computed them
        (only ``encode_separate``, at inference, fills a memo: there the words do not read
        the schema)."""
        if memo is None or not memo.states:
            return None
        key = (max_width, tuple(segments.text_part(t) for t in texts))
        spans = memo.spans.get(key)
        if spans is None:
            spans = memo.spans[key] = self.span_rep.span_rep_layer.span_states(words, max_width)
        return spans

    def _expanded(self, texts: Sequence[EncodedText], hidden: torch.Tensor,
                  active: list[tuple[int, int, int]]) -> list[torch.Tensor]:
        """The count embedding's queries ``[instances, labels, H]`` per active (row,
        task, instances).  Where schema tokens read only the schema (a segmented
        layout), the queries depend on the schema alone: at inference they are made
        once per schema, task and count and cached (a batch of one policy's texts ran
        the GRU once per text: ~10% of a short text's time)."""
        def fresh(todo: list[tuple[int, int, int]]) -> list[torch.Tensor]:
            if not todo:
                return []
            labels = [self._label_vectors(hidden, texts[row], row, t) for row, t, _ in todo]
            return self.count_embed.expand_many(labels, [steps for _, _, steps in todo])

        if self.schema_attention == "joint" or not torch.is_inference_mode_enabled():
            return fresh(active)
        keys = [(self.schema_attention, str(hidden.device), texts[row].schema.ids, t, steps)
                for row, t, steps in active]
        found = {key: self._queries.get(key) for key in keys}
        todo = {key: item for key, item in zip(keys, active) if found[key] is None}
        for key, queries in zip(todo, fresh(list(todo.values()))):
            found[key] = queries
            self._queries.put(key, queries)
        return [found[key] for key in keys]  # type: ignore[misc]  # every key is filled

    def score(self, texts: Sequence[EncodedText], max_width: int,
              counts: Sequence[Sequence[int | None]] | None = None,
              hidden: torch.Tensor | None = None,
              entity_count_gate: bool = True, memo: TextMemo | None = None) -> list[list[TaskScores]]:
        """Forward pass: per text, per task, the raw head outputs.

        Args:
            texts: encoded inputs (they may use different schemas).
            max_width: span widths scored (1..max_width words).
            counts: optional forced instance counts per text and task (teacher
                forcing in training); by default the count head decides.
            hidden: precomputed ``encode(texts)`` output (training the heads on a
                frozen encoder reuses it across epochs).
            entity_count_gate: when False, the entity task always gets one instance
                (its count head only gates; entity queries use instance 0 anyway).
            memo: text and span states shared between label groups (see ``encode``).
        """
        hidden = self.encode(texts, memo) if hidden is None else hidden
        span_tasks: list[tuple[int, int]] = []
        class_tasks: list[tuple[int, int]] = []
        markers: dict[tuple[int, int], torch.Tensor] = {}
        for row, text in enumerate(texts):
            for t, (task, positions) in enumerate(zip(text.schema.tasks, text.schema.markers)):
                markers[row, t] = hidden[row, list(positions)]
                (class_tasks if task.kind == "classification" else span_tasks).append((row, t))

        out: list[list[TaskScores]] = [
            [TaskScores(None, None, None, None) for _ in t.schema.tasks] for t in texts]
        if class_tasks:
            label_vecs = [markers[key][1:] for key in class_tasks]
            logits = self.classifier(torch.cat(label_vecs)).squeeze(-1)
            for key, part in zip(class_tasks, logits.split([len(v) for v in label_vecs])):
                out[key[0]][key[1]].class_logits = part
        if not span_tasks:
            return out

        count_logits = self.count_pred(torch.stack([markers[key][0] for key in span_tasks]))
        predicted = count_logits.argmax(-1).tolist()
        active: list[tuple[int, int, int]] = []  # row, task, instances to expand
        for (row, t), logits, count in zip(span_tasks, count_logits, predicted):
            is_entities = texts[row].schema.tasks[t].kind == "entities"
            if counts is not None and counts[row][t] is not None:
                count = int(counts[row][t])  # type: ignore[arg-type]
            elif not entity_count_gate and is_entities:
                count = max(count, 1)
            scores = out[row][t]
            scores.count, scores.count_logits = count, logits
            if count > 0:  # entity types use instance 0 only: expanding more is wasted work
                active.append((row, t, 1 if is_entities else count))
        if not active:
            return out
        expanded = self._expanded(texts, hidden, active)
        queries: list[list[torch.Tensor]] = [[] for _ in texts]
        slots: list[tuple[int, int, int, int, int]] = []  # row, task, offset, count, labels
        for (row, t, _), task_queries in zip(active, expanded):
            offset = sum(len(q) for q in queries[row])
            queries[row].append(task_queries.reshape(-1, task_queries.shape[-1]))
            slots.append((row, t, offset, task_queries.shape[0], task_queries.shape[1]))

        per_row = [torch.cat(q) if q else hidden.new_zeros(0, hidden.shape[-1]) for q in queries]
        logits = self._span_logits(texts, hidden, per_row, max_width, memo)
        for row, t, offset, count, labels in slots:
            block = logits[row][offset: offset + count * labels]
            out[row][t].span_logits = block.reshape(count, labels, *block.shape[1:])
        return out

    def _span_logits(self, texts: Sequence[EncodedText], hidden: torch.Tensor, queries: list[torch.Tensor],
                     max_width: int, memo: TextMemo | None) -> list[torch.Tensor]:
        """Per text, the logits of its queries on its spans, ``[Q, words, max_width]``.

        In general texts are padded to the most words and each is scored against its
        own queries in one batched matmul.  Under ``"separate"`` at inference (``memo``
        filled) with one schema, every text has the same queries (label vectors, and the
        count that gates them, read the schema alone), so the texts' words run flat, one
        after another, with no padding: the span tensor, the head's largest, shrinks to
        the real words (on ~15-word texts in batches of 8 about half of the padded
        ones).  A span running into the next text is past its own text's end, masked
        ``-inf`` like every such span."""
        head = self.span_rep.span_rep_layer
        device = hidden.device
        n_words = [len(t.word_positions) for t in texts]
        if memo is not None and memo.states and len({t.schema.ids for t in texts}) == 1:
            rows = torch.cat([torch.full((n,), row, dtype=torch.long) for row, n in enumerate(n_words)])
            columns = torch.tensor([p for t in texts for p in t.word_positions], dtype=torch.long)
            words = hidden[rows.to(device), columns.to(device)][None]
            total = torch.tensor([words.shape[1]], device=device)
            spans = self._span_states(texts, words, max_width, memo)
            flat = head(words, queries[0][None], total, max_width, spans)[0]
            widths = torch.arange(max_width, device=device)
            out = []
            for part, n in zip(flat.split(n_words, dim=1), n_words):
                past_end = torch.arange(n, device=device)[:, None] + widths >= n
                out.append(part.masked_fill(past_end, float("-inf")))
            return out
        gather = torch.zeros(len(texts), max(n_words), dtype=torch.long, device=device)
        for row, text in enumerate(texts):
            gather[row, : n_words[row]] = torch.tensor(text.word_positions, device=device)
        words = hidden.gather(1, gather[..., None].expand(-1, -1, hidden.shape[-1]))
        padded = nn.utils.rnn.pad_sequence(queries, batch_first=True)
        logits = head(words, padded, torch.tensor(n_words, device=device), max_width,
                      self._span_states(texts, words, max_width, memo))
        return [logits[row, : len(q), :n] for row, (q, n) in enumerate(zip(queries, n_words))]
