"""Format handlers, one module per format, found by file suffix.

Each handler module (or class) has ``NAME``, ``SUFFIXES``, ``STREAMED`` (never read whole:
no size limit applies), optionally ``OUTPUT_SUFFIX`` (appended to the output name when
the output is another format: ``.docx`` -> ``.docx.txt``) and ``BINARY`` (a binary
container: no NUL-byte sniffing), and ``convert(src, dst, transform, opts) -> stats``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, BinaryIO

from redactor.cli.formats import csv_doc, docx_doc, email_doc, html_doc, json_doc, pdf_doc, text_doc
from redactor.cli.formats.base import FormatOptions, Transform


@dataclass(frozen=True)
class Handler:
    name: str
    suffixes: tuple[str, ...]
    streamed: bool
    output_suffix: str
    binary: bool
    _convert: Any

    def convert(self, src: BinaryIO, dst: BinaryIO, transform: Transform, opts: FormatOptions,
                suffix: str = "") -> dict[str, object]:
        if "suffix" in inspect.signature(self._convert).parameters:
            return self._convert(src, dst, transform, opts, suffix=suffix)
        return self._convert(src, dst, transform, opts)


def _handler(module: Any) -> Handler:
    return Handler(module.NAME, module.SUFFIXES, module.STREAMED, getattr(module, "OUTPUT_SUFFIX", ""),
                   getattr(module, "BINARY", False), module.convert)


HANDLERS: tuple[Handler, ...] = tuple(_handler(m) for m in (
    text_doc, json_doc, json_doc.JsonLines, csv_doc, email_doc, html_doc, docx_doc, pdf_doc))
BY_NAME: dict[str, Handler] = {h.name: h for h in HANDLERS}
BY_SUFFIX: dict[str, Handler] = {s: h for h in HANDLERS for s in h.suffixes}
# --format accepts a handler name or any suffix without its dot (tsv, md, log, ndjson ...)
FORMAT_CHOICES: tuple[str, ...] = tuple(sorted({*BY_NAME, *(s[1:] for s in BY_SUFFIX)}))


def handler_for(path: str | PurePath, forced: str | None = None) -> tuple[Handler, str] | None:
    """The handler and the suffix it was chosen by (None: unsupported)."""
    if forced:
        suffix = "." + forced if "." + forced in BY_SUFFIX else ""
        handler = BY_SUFFIX.get(suffix) or BY_NAME.get(forced)
        return (handler, suffix or (handler.suffixes[0] if handler else "")) if handler else None
    suffix = PurePath(path).suffix.lower()
    handler = BY_SUFFIX.get(suffix)
    return (handler, suffix) if handler else None


__all__ = ["BY_NAME", "BY_SUFFIX", "FORMAT_CHOICES", "HANDLERS", "FormatOptions", "Handler", "Transform",
           "handler_for"]
