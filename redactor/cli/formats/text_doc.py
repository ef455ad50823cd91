"""Plain text, Markdown and logs: line-preserving and streamed.

The file is read in blocks and never held whole (a 1 GB log uses a few MB).  Lines are
grouped into units of about ``chunk_chars`` characters, so the model sees some context
and its prompt is paid once per unit rather than once per line; the output has exactly
the input's lines and line endings (the transform re-runs a unit line by line if a
replacement would join two lines).  A line longer than ``max_line_chars`` is cut at
whitespace into pieces.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from redactor.cli.formats.base import FormatOptions, Transform, iter_lines

NAME = "text"
SUFFIXES = (".txt", ".text", ".md", ".markdown", ".rst", ".log")
STREAMED = True


def convert(src: BinaryIO, dst: BinaryIO, transform: Transform, opts: FormatOptions) -> dict[str, object]:
    return redact_lines(iter_lines(src, opts.max_line_chars), dst, transform, opts)


def redact_lines(lines: Iterable[str], dst: BinaryIO, transform: Transform,
                 opts: FormatOptions) -> dict[str, object]:
    """Transform an iterable of lines (with endings) and write them to ``dst`` as UTF-8."""
    writer = io.TextIOWrapper(dst, encoding="utf-8", newline="", write_through=True)
    count = 0  # line breaks seen
    try:
        batch: list[str] = []
        wheres: list[dict[str, int]] = []
        for first_line, unit in _units(lines, opts.chunk_chars):
            batch.append(unit)
            wheres.append({"line": first_line})
            count += unit.count("\n")
            if len(batch) >= opts.batch_units:
                writer.write("".join(transform(batch, wheres, keep_newlines=True)))
                batch, wheres = [], []
        if batch:
            writer.write("".join(transform(batch, wheres, keep_newlines=True)))
        writer.flush()
    finally:
        writer.detach()
    return {"line_breaks": count}


def _units(lines: Iterable[str], chunk_chars: int) -> Iterator[tuple[int, str]]:
    """(first line number, text) of consecutive lines adding up to about ``chunk_chars``."""
    buffer: list[str] = []
    size = 0
    line = 1  # the line the next piece starts on
    first = 1
    for piece in lines:
        if buffer and size + len(piece) > chunk_chars:
            yield first, "".join(buffer)
            buffer, size, first = [], 0, line
        buffer.append(piece)
        size += len(piece)
        line += piece.endswith("\n")
    if buffer:
        yield first, "".join(buffer)
