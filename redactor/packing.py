"""Packing short texts into one model input, and mapping spans back to their texts.

Why: the model reads the schema prompt (every label of a policy, with its
description) before the text, in every window.  On a 15-word text the prompt is
~95% of the encoder's input, so analyzing ten such texts joined by newlines costs
about what one costs alone.  The texts then also give each other context, which
moves scores a little: packing is exact for offsets, not for scores.  The CLI
(cells, JSON values, HTML nodes), the log hooks (short lines) and
``Redactor(pack_chars=...)`` pack with these helpers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

SEPARATOR = "\n"


F = TypeVar("F")  # a dataclass with ``start`` and ``end`` (e.g. ``redactor.engine.Finding``)


@dataclass(frozen=True)
class Pack:
    """Some consecutive texts joined by :data:`SEPARATOR`.

    ``members`` are the texts' indices in the packed sequence and ``bounds`` their
    ``(start, end)`` in ``text``.
    """

    members: tuple[int, ...]
    text: str
    bounds: tuple[tuple[int, int], ...]

    def split(self, findings: Sequence[F]) -> list[list[F]]:
        """Per member text, the ``findings`` of the packed text that overlap it (see :func:`clip`)."""
        return [clip(findings, self.text[a:b], a) for a, b in self.bounds]


def pack_texts(texts: Sequence[str], max_chars: int, max_texts: int | None = None) -> list[Pack]:
    """``texts`` grouped in order into packs of at most ``max_chars`` characters (with
    separators) and ``max_texts`` texts; a text longer than ``max_chars`` is a pack of its
    own (the model windows it as usual)."""
    if max_chars < 1 or (max_texts is not None and max_texts < 1):
        raise ValueError(f"max_chars and max_texts must be >= 1, got {max_chars}, {max_texts}")
    groups: list[list[int]] = []
    size = 0
    for i, text in enumerate(texts):
        fits = groups and size + len(SEPARATOR) + len(text) <= max_chars
        if fits and (max_texts is None or len(groups[-1]) < max_texts):
            groups[-1].append(i)
            size += len(SEPARATOR) + len(text)
        else:
            groups.append([i])
            size = len(text)
    packs = []
    for group in groups:
        bounds, pos = [], 0
        for i in group:
            bounds.append((pos, pos + len(texts[i])))
            pos += len(texts[i]) + len(SEPARATOR)
        packs.append(Pack(tuple(group), SEPARATOR.join(texts[i] for i in group), tuple(bounds)))
    return packs


def clip(findings: Sequence[Any], text: str, offset: int) -> list[Any]:
    """The ``findings`` (dataclasses with ``start``/``end``) that overlap ``text``, which
    starts at ``offset`` of the text they were found in, with offsets relative to ``text``.
    A finding across its ends is cut there; a cut piece that is only whitespace is dropped."""
    if offset < 0:
        raise ValueError(f"offset must be >= 0, got {offset}")
    end = offset + len(text)
    local = []
    for finding in findings:
        if finding.start < end and finding.end > offset:
            start, stop = max(finding.start, offset) - offset, min(finding.end, end) - offset
            if text[start:stop].strip():
                local.append(finding if (start, stop) == (finding.start, finding.end)
                             else replace(finding, start=start, end=stop))
    return local
