"""Line streams: ``tail -f app.log | redact --stream``.

:func:`stream` is what the CLI's ``--stream`` mode calls.  A reader thread reads
lines as they arrive; the main loop takes one line (waiting for it), then whatever
further lines are *already* read (without waiting, up to ``batch_size``), redacts
them in one call, writes them and flushes.  A line is therefore never held back
waiting for more input, and a burst is batched (one model call per distinct shape).

Each line is redacted without its line ending (kept as read: ``\\n``, ``\\r\\n`` or
none at EOF).  A line that cannot be redacted is replaced by the placeholder (fail
closed, counted) unless the redactor's ``fail_open`` is set.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from redactor.logging.sanitizer import Sanitizer

__all__ = ["LINE_PLACEHOLDER", "StreamStats", "stream"]

LINE_PLACEHOLDER = "[redaction failed: line withheld]"
_EOF = object()


@dataclass
class StreamStats:
    """What :func:`stream` did: lines written, lines withheld, redaction calls."""

    lines: int = 0
    withheld: int = 0
    batches: int = 0


class _ReadError:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _batch_function(redactor: Any) -> tuple[Callable[[list[str]], list[str | None]], Sanitizer | None]:
    """``texts -> outputs or None per text`` for a Sanitizer, a ``redactor.Redactor``
    (its policy's operators: ``redact_batch``), or a plain batch callable."""
    if redactor is None:
        redactor = Sanitizer()
    if isinstance(redactor, Sanitizer):
        return redactor.try_batch, redactor
    if hasattr(redactor, "redact_batch"):
        engine = redactor

        def run(texts: list[str]) -> list[str | None]:
            try:
                return [r.text for r in engine.redact_batch(texts)]
            except Exception:  # noqa: BLE001 -- retry alone, then fail closed
                out: list[str | None] = []
                for text in texts:
                    try:
                        out.append(engine.redact_batch([text])[0].text)
                    except Exception:  # noqa: BLE001
                        out.append(None)
                return out

        return run, None
    if callable(redactor):
        fn = redactor

        def call(texts: list[str]) -> list[str | None]:
            try:
                result = list(fn(texts))
                if len(result) != len(texts):
                    raise ValueError("batch function returned a different number of texts")
                return result
            except Exception:  # noqa: BLE001
                return [None] * len(texts)

        return call, None
    raise TypeError(f"cannot redact with a {type(redactor).__name__}")


def _split_ending(line: str) -> tuple[str, str]:
    if line.endswith("\r\n"):
        return line[:-2], "\r\n"
    if line.endswith(("\n", "\r")):
        return line[:-1], line[-1]
    return line, ""


def stream(lines_in: TextIO, lines_out: TextIO, redactor: Sanitizer | Any = None, *,
           batch_size: int = 64, placeholder: str | None = None) -> StreamStats:
    """Redact ``lines_in`` line by line into ``lines_out``, flushing after each batch
    of already-available lines (module docstring); returns when ``lines_in`` ends.

    Args:
        lines_in: a text stream (``sys.stdin``, a pipe, a file, ``io.StringIO``).
        lines_out: a text stream; flushed after every write batch.
        redactor: a :class:`Sanitizer` (default: patterns only, tags like
            ``<EMAIL_ADDRESS>``), a ``redactor.Redactor`` (its policy's operators,
            via ``redact_batch``), or a callable ``list[str] -> list[str]``.
        batch_size: most lines redacted in one call.
        placeholder: the text of a withheld line (default :data:`LINE_PLACEHOLDER`).

    Raises what reading ``lines_in`` raises (e.g. a decode error), after writing
    every line read before it.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    redact, sanitizer = _batch_function(redactor)
    fail_open = bool(sanitizer and sanitizer.fail_open)
    placeholder = LINE_PLACEHOLDER if placeholder is None else placeholder
    lines: queue.Queue[Any] = queue.Queue(maxsize=batch_size * 4)

    def read() -> None:
        try:
            for line in iter(lines_in.readline, ""):
                lines.put(line)
        except BaseException as exc:  # noqa: BLE001 -- re-raised by the main loop
            lines.put(_ReadError(exc))
        lines.put(_EOF)

    reader = threading.Thread(target=read, name="redactor-stream-reader", daemon=True)
    reader.start()
    stats = StreamStats()
    done: Any = None
    while done is None:
        batch: list[str] = []
        item = lines.get()
        while True:
            if item is _EOF or isinstance(item, _ReadError):
                done = item
                break
            batch.append(item)
            if len(batch) >= batch_size:
                break
            try:
                item = lines.get_nowait()
            except queue.Empty:
                break
        if batch:
            _write(batch, redact, sanitizer, lines_out, placeholder, fail_open, stats)
    reader.join()
    if isinstance(done, _ReadError):
        raise done.exc
    return stats


def _write(batch: Sequence[str], redact: Callable[[list[str]], list[str | None]], sanitizer: Sanitizer | None,
           out: TextIO, placeholder: str, fail_open: bool, stats: StreamStats) -> None:
    bodies, endings = zip(*(_split_ending(line) for line in batch))
    results = redact(list(bodies))
    for body, ending, result in zip(bodies, endings, results):
        if result is None:
            if fail_open:
                result = body
                if sanitizer is not None:
                    sanitizer.stats.add(failed_open=1)
            else:
                result = placeholder
                stats.withheld += 1
                if sanitizer is not None:
                    sanitizer.stats.add(withheld=1)
        out.write(result + ending)
    out.flush()
    stats.lines += len(batch)
    stats.batches += 1
