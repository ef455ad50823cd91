"""JSON and JSON Lines: string values redacted in place; keys, numbers, structure kept.

Only string *values* are text units (keys are structure; numbers, booleans and nulls are
kept as they are, so a card number stored as a JSON number is not redacted: see the
README).  ``--json-keys`` limits redaction to values under one of the given keys (at any
depth), ``--json-skip-keys`` exempts values under a key; the skip list wins.  A document
nested deeper than ``--max-json-depth`` fails with a clear error instead of exhausting
the stack.

The output is valid JSON with the same structure; whitespace is normalized (the input's
indentation width is kept, or one line when the input was on one line).  JSON Lines are
streamed line by line; blank lines are kept.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from redactor.cli.errors import FileFailed
from redactor.cli.formats.base import FormatOptions, Transform, decode_utf8, iter_lines, transform_all

NAME = "json"
SUFFIXES = (".json",)
STREAMED = False

_INDENT_RE = re.compile(r"\n([ \t]+)\S")


class _Slot:
    """Where one string value lives: ``container[key]``."""

    __slots__ = ("container", "key", "pointer")

    def __init__(self, container: Any, key: Any, pointer: str) -> None:
        self.container, self.key, self.pointer = container, key, pointer


def convert(src: BinaryIO, dst: BinaryIO, transform: Transform, opts: FormatOptions) -> dict[str, object]:
    text = decode_utf8(src.read())
    document = parse(text, opts, "")
    root = [document]
    slots = list(string_slots(root, opts))
    _apply(slots, transform, opts, lambda slot: {"pointer": slot.pointer})
    match = _INDENT_RE.search(text)
    indent = None if match is None else (match.group(1) if "\t" in match.group(1) else len(match.group(1)))
    out = json.dumps(root[0], ensure_ascii=False, indent=indent)
    dst.write((out + ("\n" if text.endswith("\n") else "")).encode("utf-8"))
    return {"strings": len(slots)}


def parse(text: str, opts: FormatOptions, where: str) -> Any:
    """``json.loads`` with errors that name the place (never the content) and a depth limit."""
    try:
        document = json.loads(text)
    except RecursionError:
        raise FileFailed(f"{where}JSON nested too deeply to parse (limit --max-json-depth "
                         f"{opts.max_json_depth})") from None
    except json.JSONDecodeError as error:
        raise FileFailed(f"{where}invalid JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    depth = _depth(document)
    if depth > opts.max_json_depth:
        raise FileFailed(f"{where}JSON nested {depth} levels deep, more than --max-json-depth "
                         f"{opts.max_json_depth}")
    return document


def _depth(document: Any) -> int:
    deepest = 0
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            deepest = max(deepest, depth)
            stack.extend((value, depth + 1) for value in node.values())
        elif isinstance(node, list):
            deepest = max(deepest, depth)
            stack.extend((value, depth + 1) for value in node)
    return deepest


def string_slots(root: list[Any], opts: FormatOptions) -> Iterator[_Slot]:
    """Every string value to transform, in document order (``root`` is ``[document]``)."""
    allow, deny = set(opts.json_keys), set(opts.json_skip_keys)
    # (container, key, pointer, under an allowed key, under a skipped key)
    stack: list[tuple[Any, Any, str, bool, bool]] = [(root, 0, "", not allow, False)]
    while stack:
        container, key, pointer, allowed, denied = stack.pop()
        value = container[key]
        if isinstance(value, str):
            if allowed and not denied:
                yield _Slot(container, key, pointer or "/")
        elif isinstance(value, dict):
            stack.extend((value, k, f"{pointer}/{_escape(k)}", allowed or k in allow, denied or k in deny)
                         for k in reversed(list(value)))
        elif isinstance(value, list):
            stack.extend((value, i, f"{pointer}/{i}", allowed, denied) for i in reversed(range(len(value))))


def _escape(key: str) -> str:
    """RFC 6901 JSON pointer escaping."""
    return key.replace("~", "~0").replace("/", "~1")


def _apply(slots: list[_Slot], transform: Transform, opts: FormatOptions, where: Any) -> None:
    texts = [slot.container[slot.key] for slot in slots]
    for slot, new in zip(slots, transform_all(transform, texts, [where(s) for s in slots], opts)):
        slot.container[slot.key] = new


class JsonLines:
    """``.jsonl`` / ``.ndjson``: one JSON document per line, streamed."""

    NAME = "jsonl"
    SUFFIXES = (".jsonl", ".ndjson")
    STREAMED = True

    @staticmethod
    def convert(src: BinaryIO, dst: BinaryIO, transform: Transform, opts: FormatOptions) -> dict[str, object]:
        writer = io.TextIOWrapper(dst, encoding="utf-8", newline="", write_through=True)
        records = strings = 0
        try:
            pending: list[tuple[str, list[Any] | None]] = []  # (line ending, [document]) per line
            slots: list[tuple[int, _Slot]] = []
            for number, line in enumerate(iter_lines(src), start=1):
                body = line.rstrip("\r\n")
                ending = line[len(body):]
                if not body.strip():
                    pending.append((line, None))
                    if len(pending) >= 16 * opts.batch_units:
                        strings += len(slots)
                        JsonLines._flush(writer, pending, slots, transform, opts)
                        pending, slots = [], []
                    continue
                root = [parse(body, opts, f"line {number}: ")]
                records += 1
                pending.append((ending, root))
                slots += [(number, slot) for slot in string_slots(root, opts)]
                if len(slots) >= opts.batch_units or len(pending) >= 16 * opts.batch_units:
                    strings += len(slots)
                    JsonLines._flush(writer, pending, slots, transform, opts)
                    pending, slots = [], []
            strings += len(slots)
            JsonLines._flush(writer, pending, slots, transform, opts)
            writer.flush()
        finally:
            writer.detach()
        return {"records": records, "strings": strings}

    @staticmethod
    def _flush(writer: io.TextIOWrapper, pending: list[tuple[str, list[Any] | None]],
               slots: list[tuple[int, _Slot]], transform: Transform, opts: FormatOptions) -> None:
        lines = {id(slot): number for number, slot in slots}
        _apply([slot for _, slot in slots], transform, opts,
               lambda slot: {"record": lines[id(slot)], "pointer": slot.pointer})
        writer.writelines(ending if root is None else json.dumps(root[0], ensure_ascii=False) + ending for ending, root in pending)
