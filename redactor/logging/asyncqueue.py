"""Asynchronous redaction: application threads enqueue, one worker thread redacts in
batches (what the model needs) and emits.

``QueueRedactor`` is the engine (texts + an opaque payload in, ``deliver(payload,
redacted_texts_or_None)`` out); ``AsyncRedactingHandler`` is the ``logging`` handler
built on it.

* **Enqueue** (application thread): the record is *copied* (other handlers may be
  formatting the original), its message and traceback rendered (arguments and
  exceptions are captured as they are at logging time), and the copy queued.  The
  raw copy lives only in this private queue: the only way out is through the worker,
  after redaction.
* **Batch** (worker thread): take what is queued, up to ``batch_size`` records, or
  wait at most ``max_latency`` seconds (default 20 ms) for more when the queue runs
  dry; all their strings go to ``Sanitizer.try_batch`` in one call (one batched model
  call per distinct shape), then each record is redacted (or withheld) and passed to
  the target handler(s).
* **Back-pressure** (the queue holds ``queue_size`` records, default 10,000):
  ``overflow="block"`` (default) makes the logging call wait for space -- nothing is
  lost, the application slows to the redaction rate under sustained overload
  (``block_timeout`` seconds at most, then the record is dropped and counted; default
  None waits indefinitely: the worker always makes progress because model calls time
  out); ``overflow="drop"`` never blocks: a record that does not fit is discarded --
  **never emitted unredacted** -- and counted in ``dropped``; with
  ``report_drops=True`` the worker then emits one ``WARNING`` "N log records dropped"
  record (no message content) after each batch in which drops happened.
* **Shutdown**: ``flush()`` waits until every queued record is emitted; ``close()``
  (called by ``logging.shutdown`` at exit, and by our own ``atexit`` hook) stops the
  worker after it drained the queue.  A record logged after ``close()`` is redacted
  synchronously in the caller's thread, so nothing is lost at exit.  If the worker is
  stuck past ``close_timeout``, the closing thread drains the rest itself (a stuck
  model then times out: those records are withheld, not leaked).
* The worker never logs through ``logging`` itself; a record logged *from* the worker
  thread (by a target handler, say) is processed inline instead of queued, so a full
  queue cannot deadlock it.
"""

from __future__ import annotations

import atexit
import copy
import logging
import queue
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from redactor.logging.sanitizer import Sanitizer, as_sanitizer
from redactor.logging.stdlib import (
    BY_ATTR,
    STATE_ATTR,
    _TargetsMixin,
    already_done,
    apply_record,
    prepare_record,
)

__all__ = ["OVERFLOW_CHOICES", "AsyncRedactingHandler", "QueueRedactor"]

OVERFLOW_CHOICES = ("block", "drop")
_STOP = object()
_LIVE: weakref.WeakSet[QueueRedactor] = weakref.WeakSet()


class QueueRedactor:
    """A bounded queue and a worker thread that redacts in batches (module docstring).

    Args:
        sanitizer: the shared :class:`Sanitizer`.
        deliver: ``deliver(payload, texts)`` with the redacted texts of one item, or
            ``None`` when the item must be withheld; runs on the worker thread (or the
            caller's after ``close``); its exceptions are counted in
            ``delivery_errors``, never raised.
        queue_size, overflow, block_timeout, batch_size, max_latency: module docstring.
        on_drop: ``on_drop(n)`` on the worker thread after drops (n since last call).
    """

    def __init__(self, sanitizer: Sanitizer, deliver: Callable[[Any, list[str] | None], None], *,
                 queue_size: int = 10_000, overflow: str = "block", block_timeout: float | None = None,
                 batch_size: int = 32, max_latency: float = 0.02,
                 on_drop: Callable[[int], None] | None = None, name: str = "redactor-queue") -> None:
        if overflow not in OVERFLOW_CHOICES:
            raise ValueError(f"overflow must be one of {OVERFLOW_CHOICES}, got {overflow!r}")
        if queue_size < 1 or batch_size < 1 or max_latency < 0:
            raise ValueError("queue_size and batch_size must be >= 1 and max_latency >= 0")
        self.sanitizer, self.deliver, self.on_drop = sanitizer, deliver, on_drop
        self.overflow, self.block_timeout = overflow, block_timeout
        self.batch_size, self.max_latency = batch_size, max_latency
        self.dropped = 0
        self.delivery_errors = 0
        self.batches = 0
        self._reported = 0
        self._pending = 0
        self._closed = False
        self._cond = threading.Condition()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        _LIVE.add(self)

    @property
    def pending(self) -> int:
        """Items submitted and not yet delivered."""
        return self._pending

    def submit(self, texts: Sequence[str], payload: Any) -> bool:
        """Queue one item; False if it was dropped (counted).  Thread-safe."""
        item = (list(texts), payload)
        with self._cond:
            inline = self._closed or threading.current_thread() is self._thread
            if not inline:
                self._pending += 1
        if inline:
            self._process([item], counted=False)
            return True
        try:
            if self.overflow == "drop":
                self._queue.put_nowait(item)
            else:
                self._queue.put(item, timeout=self.block_timeout)
        except queue.Full:
            with self._cond:
                self._pending -= 1
                self.dropped += 1
                self._cond.notify_all()
            return False
        return True

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything submitted so far is delivered; False on timeout."""
        if threading.current_thread() is self._thread:
            return self._pending == 0
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float | None = 30.0) -> None:
        """Drain and stop the worker; later submits run inline.  Idempotent."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            pass
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
        # Items the worker did not get to (a stuck worker, or a submit racing close)
        # are drained here; a batch stuck inside the worker past the deadline is given up.
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                with self._cond:
                    if self._pending == 0 or (deadline is not None and time.monotonic() > deadline):
                        break
                    self._cond.wait(0.02)
                continue
            if item is not _STOP:
                self._process([item])
        self._report_drops()
        _LIVE.discard(self)

    # -- worker ---------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            batch, stop = [item], False
            deadline = time.monotonic() + self.max_latency
            while len(batch) < self.batch_size:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    try:
                        nxt = self._queue.get(timeout=remaining)
                    except queue.Empty:
                        break
                if nxt is _STOP:
                    stop = True
                    break
                batch.append(nxt)
            self._process(batch)
            if stop:
                return

    def _process(self, batch: list[tuple[list[str], Any]], counted: bool = True) -> None:
        try:
            texts = [t for texts, _ in batch for t in texts]
            try:
                outputs = self.sanitizer.try_batch(texts) if texts else []
            except BaseException:  # noqa: BLE001 -- try_batch does not raise; belt and braces
                outputs = [None] * len(texts)
            pos = 0
            for item_texts, payload in batch:
                chunk = outputs[pos:pos + len(item_texts)]
                pos += len(item_texts)
                final = self.sanitizer.finish(item_texts, chunk) if item_texts else []
                try:
                    self.deliver(payload, final)
                except Exception:  # noqa: BLE001 -- counted; the worker must survive
                    self.delivery_errors += 1
            self.batches += 1
        finally:
            if counted:
                with self._cond:
                    self._pending -= len(batch)
                    self._cond.notify_all()
            self._report_drops()

    def _report_drops(self) -> None:
        if self.on_drop is None:
            return
        with self._cond:
            new = self.dropped - self._reported
            self._reported += new
        if new > 0:
            try:
                self.on_drop(new)
            except Exception:  # noqa: BLE001
                self.delivery_errors += 1


@atexit.register
def _close_all() -> None:
    for redactor in list(_LIVE):
        redactor.close(timeout=10.0)


class AsyncRedactingHandler(_TargetsMixin):
    """A ``logging`` handler that redacts on a worker thread (module docstring) and
    passes redacted records to the wrapped ``target`` handler(s).

    Args:
        target: a handler, a ``dictConfig`` handler name, or a list of them.
        sanitizer: a shared :class:`Sanitizer` or a mapping of its options.
        queue_size, overflow, block_timeout, batch_size, max_latency: see
            :class:`QueueRedactor` (defaults 10,000 / ``"block"`` / None / 32 / 0.02 s).
        report_drops: emit a WARNING record counting dropped records (drop mode).
        close_timeout: seconds ``flush``/``close`` wait for the worker.
        level: this handler's level.
        options: :class:`Sanitizer` keyword options.

    ``dropped`` counts discarded records; ``stats`` is the sanitizer's counters.
    """

    def __init__(self, target: Any = None, sanitizer: Sanitizer | Mapping[str, Any] | None = None, *,
                 queue_size: int = 10_000, overflow: str = "block", block_timeout: float | None = None,
                 batch_size: int = 32, max_latency: float = 0.02, report_drops: bool = True,
                 close_timeout: float = 30.0, level: int | str = logging.NOTSET, **options: Any) -> None:
        self.sanitizer = as_sanitizer(sanitizer, **options)
        self.close_timeout = close_timeout
        self._init_wrapper(target, level)
        self.queue = QueueRedactor(self.sanitizer, self._deliver_item, queue_size=queue_size,
                                   overflow=overflow, block_timeout=block_timeout, batch_size=batch_size,
                                   max_latency=max_latency, on_drop=self._report_drops if report_drops else None,
                                   name=f"redactor-log-{id(self):x}")

    @property
    def stats(self) -> Any:
        return self.sanitizer.stats

    @property
    def dropped(self) -> int:
        return self.queue.dropped

    def emit(self, record: logging.LogRecord) -> None:
        rec = copy.copy(record)
        try:
            if already_done(rec, self.sanitizer):  # by a filter with this sanitizer
                self.queue.submit([], (rec, None))
                return
            prepared = prepare_record(rec, self._formatter_for_exc())
            rec.exc_info = None  # rendered into prepared; do not keep frames alive
            if prepared.failed:
                if self.sanitizer.fail_open:
                    self.sanitizer.stats.add(failed_open=1)
                    setattr(rec, STATE_ATTR, "failed-open")
                    setattr(rec, BY_ATTR, id(self.sanitizer))
                    self.queue.submit([], (rec, None))
                    return
                self.sanitizer.stats.add(withheld=1)
            self.queue.submit(prepared.texts, (rec, prepared))
        except Exception:  # noqa: BLE001 -- never raise into the application, never leak
            self.sanitizer.stats.add(errors=1)

    def _deliver_item(self, payload: tuple[logging.LogRecord, Any], texts: list[str] | None) -> None:
        rec, prepared = payload
        if prepared is not None:
            apply_record(rec, prepared, texts, self.sanitizer)
        self._deliver(rec)

    def _report_drops(self, count: int) -> None:
        rec = logging.LogRecord("redactor.logging", logging.WARNING, __file__, 0,
                                "redaction queue full: %d log records dropped (never emitted unredacted)",
                                (count,), None)
        setattr(rec, STATE_ATTR, "redacted")  # our own text: nothing to redact
        setattr(rec, BY_ATTR, id(self.sanitizer))
        self._deliver(rec)

    def flush(self) -> None:
        self.queue.flush(self.close_timeout)
        for target in self.targets:
            target.flush()

    def close(self) -> None:
        self.queue.close(self.close_timeout)
        for target in self.targets:
            target.flush()
        logging.Handler.close(self)
