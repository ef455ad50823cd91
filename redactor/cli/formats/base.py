"""What every format handler shares: options, the transform it calls, UTF-8 reading.

A handler reads a source (binary file object), finds the text units a person could have
written personal data into (lines, JSON string values, CSV cells, e-mail headers and text
parts, HTML text nodes), passes them *in batches* to a :class:`Transform`, and writes the
same structure back with the transformed units.  It never decides what is personal data,
and it never writes a unit it did not get back from the transform.

Handlers raise :class:`~redactor.cli.errors.FileFailed` with a message that names the place
(line, row, byte offset) but never quotes content, and
:class:`~redactor.cli.errors.FileSkipped` for files they cannot handle at all.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

from redactor.cli.errors import FileFailed

Where = Mapping[str, Any]

READ_BLOCK = 1 << 20  # bytes per read of a streamed file
MAX_RECORD_CHARS = 1 << 26  # one JSON Lines / CSV line may not be longer (64 Mi characters)


class Transform(Protocol):
    """The engine side: one output text per input text, findings recorded at ``wheres``.

    ``wheres[i]`` locates unit ``i`` in the file for the report (``{"line": 12}``,
    ``{"pointer": "/a/0"}``, ``{"row": 3, "column": "email"}`` ...).  A ``"line"`` entry
    means the unit starts at that line: findings are then reported by their own line and
    column.  With ``keep_newlines`` the output of every unit has exactly as many line
    breaks as its input (line-preserving formats).
    """

    def __call__(self, texts: Sequence[str], wheres: Sequence[Where], *,
                 keep_newlines: bool = False) -> list[str]: ...


@dataclass(frozen=True)
class FormatOptions:
    """Format settings from the command line (one object for all handlers)."""

    chunk_chars: int = 1200  # text: lines are grouped into units of about this many characters
    batch_units: int = 64  # units per transform call
    max_line_chars: int = 1 << 16  # text: a longer line is cut at whitespace into pieces
    json_keys: tuple[str, ...] = ()  # only string values under one of these keys (any depth)
    json_skip_keys: tuple[str, ...] = ()  # never string values under these keys
    max_json_depth: int = 200
    columns: tuple[str, ...] = ()  # csv/tsv: only these columns (header names or 1-based numbers)
    delimiter: str | None = None  # csv/tsv: override the delimiter
    header: bool = True  # csv/tsv: the first row is a header (kept as is)
    html_attributes: tuple[str, ...] = ("alt", "title", "placeholder", "aria-label", "content", "href")


def batched(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), max(1, size)):
        yield items[start:start + size]


def transform_all(transform: Transform, texts: Sequence[str], wheres: Sequence[Where],
                  opts: FormatOptions) -> list[str]:
    """``transform`` over many units, ``opts.batch_units`` at a time."""
    out: list[str] = []
    for start in range(0, len(texts), max(1, opts.batch_units)):
        out += transform(texts[start:start + opts.batch_units], wheres[start:start + opts.batch_units])
    return out


def decode_utf8(data: bytes, what: str = "") -> str:
    """Strict UTF-8 (a BOM is kept as a character); invalid bytes fail the file (no guessing,
    no replacement characters: a mis-decoded name is a name the model cannot see)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileFailed(f"invalid UTF-8{what} at byte {error.start}") from None


def split_lines(text: str) -> list[str]:
    """``text`` cut after every ``\\n`` only (``str.splitlines`` also cuts at form feeds)."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return [line for line in lines if line]


def iter_lines(src: BinaryIO, max_line_chars: int | None = None,
               line_limit: int | None = MAX_RECORD_CHARS) -> Iterator[str]:
    """Decoded lines with their endings (``\\n``, ``\\r\\n`` kept exactly), read in blocks.

    The concatenation of what is yielded is the decoded file.  With ``max_line_chars`` a
    longer line is yielded in pieces cut after a space or tab where possible, so a file with
    no line breaks still streams; without it, a line longer than ``line_limit`` fails the
    file (a record format cannot be cut, and memory stays bounded).  Invalid UTF-8 raises
    ``FileFailed`` with the byte offset.
    """
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    pending = ""
    consumed = 0
    while True:
        block = src.read(READ_BLOCK)
        final = not block
        buffered = len(decoder.getstate()[0])  # bytes of a character cut by the previous block
        try:
            text = decoder.decode(block, final)
        except UnicodeDecodeError as error:
            raise FileFailed(f"invalid UTF-8 at byte {consumed - buffered + error.start}") from None
        consumed += len(block)
        pending += text
        start = 0
        while True:
            newline = pending.find("\n", start)
            if newline == -1:
                break
            line = pending[start:newline + 1]
            start = newline + 1
            yield from _cut(line, max_line_chars)
        pending = pending[start:]
        if not max_line_chars and line_limit and len(pending) > line_limit:
            raise FileFailed(f"a line longer than {line_limit} characters near byte {consumed}")
        if max_line_chars:
            while len(pending) > max_line_chars:
                piece = _first_piece(pending, max_line_chars)
                yield piece
                pending = pending[len(piece):]
        if final:
            if pending:
                yield pending
            return


def _first_piece(text: str, limit: int) -> str:
    cut = max(text.rfind(" ", 0, limit), text.rfind("\t", 0, limit))
    return text[:cut + 1] if cut > limit // 2 else text[:limit]


def _cut(line: str, limit: int | None) -> Iterator[str]:
    while limit and len(line) > limit:
        piece = _first_piece(line, limit)
        yield piece
        line = line[len(piece):]
    if line:
        yield line
