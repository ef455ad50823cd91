"""The GLiNER2 heads on top of the encoder.

Module and parameter names follow the reference state dict exactly
(``span_rep.span_rep_layer.project_start.0.weight`` ...), so checkpoints load with a
strict key match.  Shapes for hidden size H:

* span marker: start/end MLPs H -> 4H -> H, out MLP 2H -> 4H -> H ("markerV0");
* count embedding: a GRU seeded with each label vector, stepped over learned
  instance embeddings, then an MLP -> one query per (instance, label);
* count predictor: H -> 2H -> 20 on the task's ``[P]`` vector;
* classifier: H -> 2H -> 1 on each ``[L]`` vector.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from redactor.model.config import MAX_COUNT


def _mlp(d_in: int, d_hidden: int, d_out: int, dropout: float | None = None) -> nn.Sequential:
    """Linear-ReLU-(Dropout)-Linear; the dropout slot shifts indices as in checkpoints."""
    middle: list[nn.Module] = [nn.ReLU()] + ([nn.Dropout(dropout)] if dropout is not None else [])
    return nn.Sequential(nn.Linear(d_in, d_hidden), *middle, nn.Linear(d_hidden, d_out))


class SpanMarker(nn.Module):
    """Scores every (start word, width) span against query vectors.

    ``rep(s, w) = out(relu([start(x_s); end(x_{s+w})]))`` and ``logit = rep . q``.
    Computed factorized: the first out-layer is split into start/end halves applied
    once per word, and the last out-layer is folded into the queries, so the
    [words, widths, H] span tensor is never materialized.

    ``grid_dtype`` is the dtype of the ``[words, widths, 4H]`` hidden span grid and of its
    products with the queries (fp32; ``redactor.model.fast`` may set bfloat16: the grid is
    the head's largest tensor and its sum, ReLU and products are bound by memory traffic).
    """

    grid_dtype: torch.dtype = torch.float32

    def __init__(self, hidden: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.project_start = _mlp(hidden, 4 * hidden, hidden, dropout)
        self.project_end = _mlp(hidden, 4 * hidden, hidden, dropout)
        self.out_project = _mlp(2 * hidden, 4 * hidden, hidden, dropout)

    def span_states(self, words: torch.Tensor, max_width: int) -> torch.Tensor:
        """The query-independent half: ``[B, L * max_width, 4H]`` hidden span vectors
        (the last out-layer is applied through the queries in ``forward``)."""
        batch, n_words, hidden = words.shape
        first, dropout = self.out_project[0], self.out_project[2]
        starts = F.linear(self.project_start(words).relu(), first.weight[:, :hidden], first.bias)
        ends = F.linear(self.project_end(words).relu(), first.weight[:, hidden:])
        starts, ends = starts.to(self.grid_dtype), ends.to(self.grid_dtype)
        ends = F.pad(ends, (0, 0, 0, max_width - 1)).unfold(1, max_width, 1).transpose(2, 3)  # [B, L, W, 4H] view
        # the sum comes out contiguous in the [B, L, W, 4H] layout the queries read: no transposed
        # copy of the largest tensor of the head (the first out-layer's bias rides on the starts)
        return dropout((starts.unsqueeze(2) + ends).relu_()).reshape(batch, n_words * max_width, -1)

    def forward(self, words: torch.Tensor, queries: torch.Tensor, lengths: torch.Tensor,
                max_width: int, spans: torch.Tensor | None = None) -> torch.Tensor:
        """Span logits ``[B, Q, L, max_width]``; spans past a text's end are ``-inf``.

        Args:
            words: word vectors ``[B, L, H]`` (right-padded).
            queries: query vectors ``[B, Q, H]``.
            lengths: real word count per row ``[B]``.
            max_width: widths 0..max_width-1 are scored.
            spans: ``span_states(words, max_width)`` when already computed (label
                groups of one batch share it when the words do not read the schema).
        """
        batch, n_words, _ = words.shape
        last = self.out_project[3]
        spans = self.span_states(words, max_width) if spans is None else spans
        folded = queries @ last.weight  # [B, Q, 4H]
        bias = (queries @ last.bias)[:, None, :]
        if spans.dtype == folded.dtype:
            logits = torch.baddbmm(bias, spans, folded.transpose(1, 2))
        else:  # a low-precision grid: its products with the queries come back as fp32 logits
            logits = torch.bmm(spans, folded.to(spans.dtype).transpose(1, 2)).float() + bias
        logits = logits.transpose(1, 2).reshape(batch, -1, n_words, max_width)
        span_end = torch.arange(n_words, device=words.device)[:, None] + torch.arange(
            max_width, device=words.device)
        valid = span_end[None] < lengths[:, None, None]
        return logits.masked_fill(~valid[:, None], float("-inf"))


class SpanRep(nn.Module):
    """Namespace wrapper so parameter names read ``span_rep.span_rep_layer.*``."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.span_rep_layer = SpanMarker(hidden)


class CountEmbedding(nn.Module):
    """Expands label vectors ``[M, H]`` into per-instance queries ``[C, M, H]``.

    A structure may occur several times in a text; instance k's queries come from a
    GRU seeded with the label vector and stepped over instance embeddings 0..k.
    """

    def __init__(self, hidden: int, max_count: int = MAX_COUNT) -> None:
        super().__init__()
        self.max_count = max_count
        self.pos_embedding = nn.Embedding(max_count, hidden)
        self.gru = nn.GRU(hidden, hidden)
        self.projector = _mlp(2 * hidden, 4 * hidden, hidden)

    def forward(self, labels: torch.Tensor, count: int) -> torch.Tensor:
        count = min(count, self.max_count)
        n_labels, hidden = labels.shape
        steps = self.pos_embedding.weight[:count, None, :].expand(count, n_labels, hidden)
        states, _ = self.gru(steps.contiguous(), labels.unsqueeze(0).contiguous())
        return self.projector(torch.cat([states, labels.expand_as(states)], dim=-1))

    def expand_many(self, labels: list[torch.Tensor], counts: list[int]) -> list[torch.Tensor]:
        """``forward`` for many tasks in one GRU call: ``[count_i, M_i, H]`` each.

        Exact, not an approximation: the GRU treats label vectors as independent batch
        entries and is causal over instance steps, so the first ``count_i`` steps of a
        longer run are what a separate call would return.  One call instead of one per
        (text, task) removes most of the heads' time on short texts.
        """
        counts = [min(c, self.max_count) for c in counts]
        expanded = self.forward(torch.cat(labels), max(counts))
        return [part[:c] for part, c in zip(expanded.split([len(x) for x in labels], dim=1), counts)]


def count_predictor(hidden: int) -> nn.Sequential:
    """Predicts how many instances (0..19) of a task's structure the text holds."""
    return _mlp(hidden, 2 * hidden, MAX_COUNT)


def label_classifier(hidden: int) -> nn.Sequential:
    """One logit per classification label marker."""
    return _mlp(hidden, 2 * hidden, 1)
