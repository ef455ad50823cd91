"""HTML: text nodes (and a few human-text attributes) redacted, markup kept byte for byte.

Parsed with the standard library's ``html.parser``, which tolerates broken markup.  Every
parser event is located in the source, so everything that is not transformed (tags,
comments, doctype, ``<script>``/``<style>`` bodies, unchanged text) is copied from the
input exactly.  Text nodes are unescaped before they reach the model (``Tom &amp; Jerry``
is ``Tom & Jerry``) and re-escaped if they changed.  The attributes in
``FormatOptions.html_attributes`` (``alt``, ``title``, ``href`` ... where people write
names and ``mailto:`` addresses) are redacted too; a tag with a changed attribute is
re-serialized.  Script and style bodies and comments are copied as they are.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser
from typing import BinaryIO

from redactor.cli.formats.base import FormatOptions, Transform, decode_utf8, transform_all

NAME = "html"
SUFFIXES = (".html", ".htm", ".xhtml")
STREAMED = False

_RAW_TEXT = {"script", "style"}


class _Events(HTMLParser):
    """Records (offset, kind, payload) for every event; the raw source of event i runs from
    its offset to the next event's offset."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.events: list[tuple[int, str, object]] = []
        self.raw_depth = 0

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append((self._offset(), "start", (tag, attrs, self.get_starttag_text())))
        if tag in _RAW_TEXT:
            self.raw_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append((self._offset(), "start", (tag, attrs, self.get_starttag_text())))

    def handle_endtag(self, tag: str) -> None:
        self.events.append((self._offset(), "other", None))
        if tag in _RAW_TEXT and self.raw_depth:
            self.raw_depth -= 1

    def handle_data(self, data: str) -> None:
        self.events.append((self._offset(), "other" if self.raw_depth else "text", data))

    def handle_comment(self, data: str) -> None:
        self.events.append((self._offset(), "other", None))

    def handle_decl(self, decl: str) -> None:
        self.events.append((self._offset(), "other", None))

    def handle_pi(self, data: str) -> None:
        self.events.append((self._offset(), "other", None))

    def unknown_decl(self, data: str) -> None:
        self.events.append((self._offset(), "other", None))


def convert(src: BinaryIO, dst: BinaryIO, transform: Transform, opts: FormatOptions) -> dict[str, object]:
    out, count = redact_html(decode_utf8(src.read()), transform, opts)
    dst.write(out.encode("utf-8"))
    return {"text_nodes": count}


def redact_html(source: str, transform: Transform, opts: FormatOptions,
                where: dict[str, object] | None = None) -> tuple[str, int]:
    """``source`` with its text nodes and listed attributes transformed; (html, units)."""
    parser = _Events(source)
    parser.feed(source)
    parser.close()
    events = parser.events
    bounds = [offset for offset, _, _ in events] + [len(source)]
    attributes = set(opts.html_attributes)
    texts: list[str] = []
    wheres: list[dict[str, object]] = []
    owners: list[tuple[int, int | None]] = []  # (event, attribute index or None)
    for index, (offset, kind, payload) in enumerate(events):
        if kind == "text" and isinstance(payload, str) and payload.strip():
            texts.append(payload)
            wheres.append({**(where or {}), "offset": offset})
            owners.append((index, None))
        elif kind == "start":
            _, attrs, _ = payload  # type: ignore[misc]
            for a, (name, value) in enumerate(attrs):
                if name in attributes and value and value.strip():
                    texts.append(value)
                    wheres.append({**(where or {}), "offset": offset, "attribute": name})
                    owners.append((index, a))
    results = transform_all(transform, texts, wheres, opts)
    changed_text: dict[int, str] = {}
    changed_attrs: dict[int, dict[int, str]] = {}
    for (index, a), old, new in zip(owners, texts, results):
        if new == old:
            continue
        if a is None:
            changed_text[index] = new
        else:
            changed_attrs.setdefault(index, {})[a] = new
    pieces = []
    for index, (offset, kind, payload) in enumerate(events):
        raw = source[offset:bounds[index + 1]]
        if index in changed_text:
            pieces.append(html.escape(changed_text[index], quote=False))
        elif index in changed_attrs:
            _, attrs, start_text = payload  # type: ignore[misc]
            pieces.append(_start_tag(start_text, attrs, changed_attrs[index]) + raw[len(start_text):])
        else:
            pieces.append(raw)
    prefix = source[:bounds[0]] if events else source
    return prefix + "".join(pieces), len(texts)


def _start_tag(start_text: str, attrs: list[tuple[str, str | None]], new: dict[int, str]) -> str:
    """The start tag re-serialized with the new attribute values (original tag-name case)."""
    name_end = 1
    while name_end < len(start_text) and not start_text[name_end].isspace() and start_text[name_end] not in "/>":
        name_end += 1
    parts = [start_text[:name_end]]
    for a, (name, value) in enumerate(attrs):
        value = new.get(a, value)
        parts.append(f" {name}" if value is None else f' {name}="{html.escape(value, quote=True)}"')
    closing = "/>" if start_text.rstrip().endswith("/>") else ">"
    return "".join(parts) + closing
