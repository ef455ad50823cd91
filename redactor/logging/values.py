"""Structured values (``extra`` attributes, structlog event dicts, loguru ``extra``):
find every string in them, redact all strings in one batch, put the results back.

Rules (fail safe: whatever a formatter or JSON renderer could print is scanned):

* ``str`` is scanned; ``bytes``/``bytearray`` are decoded (UTF-8, replacement
  characters) and scanned; the result is a ``str``.
* ``int`` is scanned as its decimal text (a card number logged as an int is still a
  card number) and stays an ``int`` unless something was found in it.
* ``bool``, ``None``, ``float`` and ``complex`` pass unchanged.
* ``dict`` values (not keys), ``list``, ``tuple``, ``set`` and ``frozenset`` elements are
  scanned recursively (depth 8; deeper values become their scanned ``str``).
* Any other object becomes its scanned ``str()`` (its ``repr``/``__str__`` could print
  personal data, so the object itself is not kept).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["collect", "normalize", "rebuild"]

MAX_DEPTH = 8
_PASS = (bool, float, complex, type(None))


def normalize(value: Any, depth: int = 0) -> Any:
    """Plain data: containers copied, unknown objects replaced by their ``str``."""
    if isinstance(value, (str, int, *_PASS)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if depth >= MAX_DEPTH:
        return str(value)
    if isinstance(value, dict):
        return {k: normalize(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [normalize(v, depth + 1) for v in value]
        if isinstance(value, list):
            return items
        if isinstance(value, tuple):
            return tuple(items)
        try:
            return type(value)(items) if type(value) in (set, frozenset) else items
        except TypeError:  # unhashable after normalizing: keep the items in a list
            return items
    return str(value)


def _walk(value: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, _PASS):
        return value
    if isinstance(value, int):
        text = str(value)
        out = fn(text)
        return value if out == text else out
    if isinstance(value, dict):
        return {k: _walk(v, fn) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, fn) for v in value]
    if isinstance(value, tuple):
        return tuple(_walk(v, fn) for v in value)
    if isinstance(value, (set, frozenset)):
        items = [_walk(v, fn) for v in value]
        return type(value)(items)
    raise TypeError(f"not normalized: {type(value).__name__}")


def collect(value: Any, out: list[str]) -> None:
    """Append the strings of a normalized value to ``out`` (traversal order)."""
    def take(text: str) -> str:
        out.append(text)
        return text

    _walk(value, take)


def rebuild(value: Any, outputs: Iterator[str]) -> Any:
    """The normalized value with its strings replaced, in ``collect`` order."""
    return _walk(value, lambda _text: next(outputs))
