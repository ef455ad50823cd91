"""Python ``logging`` hooks: ``RedactingFilter`` and ``RedactingHandler``.

What a record carries that a formatter or handler can print, and what happens to it:

* the message: rendered here (``record.getMessage()``: ``msg % args``), redacted, and
  stored back as ``record.msg`` with ``record.args = ()`` -- so ``%s`` arguments are
  redacted *in context* (``"password=%s"`` with ``"hunter2"`` is caught);
* ``extra`` attributes (anything not a standard ``LogRecord`` attribute): see
  :mod:`redactor.logging.values`;
* the traceback: ``exc_info`` is rendered now (the handler's formatter's
  ``formatException``, else the default), the text redacted into ``record.exc_text``
  and ``exc_info`` cleared, so no formatter renders the raw traceback later (stock
  ``Formatter.format`` appends ``exc_text`` when set); ``stack_info`` likewise.

All strings of a record are redacted in one ``try_batch`` call.  If anything fails
(rendering the message, a model error or timeout) the record is **withheld**: its
message becomes the placeholder, ``args``/``exc_info``/``exc_text``/``stack_info`` are
cleared, every ``extra`` attribute becomes ``"[withheld]"`` (kept, so a format string
naming it still works), ``stats.withheld`` is incremented -- and the record is still
emitted, so the failure is visible in the log itself.  No hook ever raises into the
application's logging call and none calls ``Handler.handleError`` with a raw record
(its stderr report prints ``record.msg`` and ``record.args``).

``RedactingFilter`` mutates the record in place (a filter on 3.11 cannot return a
replacement), so every handler after it sees the redacted record.  The handlers
redact a *copy* and pass that on: the logger's other handlers still get the
original record, each with its own configuration.  Processed records are marked
(``record.redactor_state``: "redacted", "withheld" or "failed-open", and
``record.redactor_by``: the sanitizer's id); a record already redacted by the same
sanitizer, or withheld, is not processed again; one redacted by *another* sanitizer
is scanned again with this one's configuration (the union of both is removed).

Where to attach: a **filter on a handler** sees every record that handler emits; a
filter on a logger only sees records logged directly on that logger (not those
propagated from child loggers).  ``RedactingHandler`` wraps the handlers that write.
"""

from __future__ import annotations

import copy
import logging
import logging.handlers
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from redactor.logging.sanitizer import Sanitizer, TemplatedText, as_sanitizer
from redactor.logging.values import collect, normalize, rebuild

__all__ = ["BY_ATTR", "STATE_ATTR", "WITHHELD_VALUE", "RedactingFilter", "RedactingHandler", "redact_record"]

#: The attribute marking a processed record: "redacted", "withheld" or "failed-open".
STATE_ATTR = "redactor_state"
#: The attribute holding ``id()`` of the sanitizer that processed the record.
BY_ATTR = "redactor_by"
#: What each ``extra`` attribute of a withheld record becomes.
WITHHELD_VALUE = "[withheld]"

_DEFAULT_FORMATTER = logging.Formatter()
#: Attributes every LogRecord has (plus those formatters add, and 3.12's taskName).
STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message", "asctime", "taskName", STATE_ATTR, BY_ATTR}


@dataclass
class PreparedRecord:
    """A record's printable strings, rendered in the logging thread."""

    texts: list[str]
    extras: dict[str, Any]  # name -> normalized value
    has_exc: bool
    has_stack: bool
    failed: bool = False


def prepare_record(record: logging.LogRecord, formatter: logging.Formatter | None = None) -> PreparedRecord:
    """Render what a handler could print (see the module docstring); never raises."""
    extras = {k: v for k, v in record.__dict__.items() if k not in STANDARD_ATTRS}
    try:
        message = record.getMessage()
        if isinstance(record.msg, str) and record.args:  # the model cache can use the template
            message = TemplatedText(message, record.msg, record.args)
        exc_text = record.exc_text
        if record.exc_info and not exc_text:
            exc_text = (formatter or _DEFAULT_FORMATTER).formatException(record.exc_info)
        stack = record.stack_info
        texts = [message]
        if exc_text:
            texts.append(exc_text)
        if stack:
            texts.append(stack)
        normalized = {k: normalize(v) for k, v in extras.items()}
        for value in normalized.values():
            collect(value, texts)
        return PreparedRecord(texts, normalized, bool(exc_text), bool(stack))
    except Exception:  # noqa: BLE001 -- e.g. "%d" % "x" in the caller's own format
        return PreparedRecord([], dict.fromkeys(extras), False, False, failed=True)


def already_done(record: logging.LogRecord, sanitizer: Sanitizer) -> bool:
    """Whether ``record`` needs no processing by ``sanitizer`` (module docstring)."""
    state = getattr(record, STATE_ATTR, None)
    return state == "withheld" or (state is not None and getattr(record, BY_ATTR, None) == id(sanitizer))


def _mark(record: logging.LogRecord, state: str, sanitizer: Sanitizer) -> None:
    setattr(record, STATE_ATTR, state)
    setattr(record, BY_ATTR, id(sanitizer))


def apply_record(record: logging.LogRecord, prepared: PreparedRecord, outputs: Sequence[str] | None,
                 sanitizer: Sanitizer) -> None:
    """Store redacted strings on the record, or withhold it (``outputs`` None)."""
    if outputs is None or prepared.failed:
        _withhold(record, prepared.extras, sanitizer)
        return
    it = iter(outputs)
    message = next(it)
    record.msg, record.args = message, ()
    if "message" in record.__dict__:
        record.message = message
    record.exc_info = None
    record.exc_text = next(it) if prepared.has_exc else None
    record.stack_info = next(it) if prepared.has_stack else None
    for name, value in prepared.extras.items():
        setattr(record, name, rebuild(value, it))
    _mark(record, "redacted", sanitizer)


def _withhold(record: logging.LogRecord, extras: Mapping[str, Any], sanitizer: Sanitizer) -> None:
    record.msg, record.args = sanitizer.placeholder, ()
    if "message" in record.__dict__:
        record.message = sanitizer.placeholder
    record.exc_info = record.exc_text = record.stack_info = None
    for name in extras:
        setattr(record, name, WITHHELD_VALUE)
    _mark(record, "withheld", sanitizer)


def redact_record(record: logging.LogRecord, sanitizer: Sanitizer,
                  formatter: logging.Formatter | None = None) -> logging.LogRecord:
    """Redact ``record`` in place (module docstring) and return it; never raises."""
    if already_done(record, sanitizer):
        return record
    try:
        prepared = prepare_record(record, formatter)
        outputs = None
        if not prepared.failed:
            attempt = sanitizer.try_batch(prepared.texts)
            outputs = sanitizer.finish(prepared.texts, attempt)
            if outputs is not None and None in attempt:  # fail_open let raw text through
                apply_record(record, prepared, outputs, sanitizer)
                _mark(record, "failed-open", sanitizer)
                return record
        elif sanitizer.fail_open:
            sanitizer.stats.add(failed_open=1)
            _mark(record, "failed-open", sanitizer)
            return record
        else:
            sanitizer.stats.add(withheld=1)
        apply_record(record, prepared, outputs, sanitizer)
    except Exception:  # noqa: BLE001 -- a bug here must not leak the record either
        sanitizer.stats.add(errors=1, withheld=1)
        _withhold(record, {k: None for k in record.__dict__ if k not in STANDARD_ATTRS}, sanitizer)
    return record


class RedactingFilter(logging.Filter):
    """A ``logging.Filter`` that redacts records in place and always lets them pass.

    Args:
        sanitizer: a shared :class:`Sanitizer`, or a mapping of its options (what
            ``dictConfig`` passes); default: built from ``options``.
        formatter: renders ``exc_info`` (default: a stock ``logging.Formatter``).
        name: the ``logging.Filter`` name (records of other loggers pass untouched --
            stock semantics; the default ``""`` redacts every record).
        options: :class:`Sanitizer` keyword options.

    dictConfig: ``{"filters": {"redact": {"()": "redactor.logging.RedactingFilter"}}}``
    and ``"filters": ["redact"]`` on each handler.
    """

    def __init__(self, sanitizer: Sanitizer | Mapping[str, Any] | None = None, *,
                 formatter: logging.Formatter | None = None, name: str = "", **options: Any) -> None:
        super().__init__(name)
        self.sanitizer = as_sanitizer(sanitizer, **options)
        self.formatter = formatter

    @property
    def stats(self) -> Any:
        return self.sanitizer.stats

    def filter(self, record: logging.LogRecord) -> bool:
        if super().filter(record):
            redact_record(record, self.sanitizer, self.formatter)
        return True


def _handler_by_name(name: str) -> logging.Handler | None:
    getter = getattr(logging, "getHandlerByName", None)  # 3.12+
    if getter is not None:
        return getter(name)
    return logging._handlers.get(name)  # type: ignore[attr-defined]  # 3.11: the same registry


class _TargetsMixin(logging.handlers.MemoryHandler):
    """Wrapped handlers given as objects or as names of ``dictConfig`` handlers.

    The wrappers subclass ``MemoryHandler`` -- "a handler that passes records on to a
    target handler" -- for one reason: ``dictConfig`` resolves the ``target`` *name* of
    a ``"class"``-configured ``MemoryHandler`` subclass to the configured handler
    object, configuring the target first whatever the names' order (the stdlib's own
    mechanism for wrapper handlers).  Nothing is buffered: each record is passed on
    as soon as it is redacted.  With a ``"()"`` factory, ``dictConfig`` passes the name
    as a string; it is looked up among the handlers configured so far (they are
    configured in name order, so name the wrapper after its target).
    """

    def _init_wrapper(self, target: Any, level: int | str) -> None:
        if target is None:
            raise ValueError("a redacting handler needs a target handler (object or dictConfig name)")
        items = [target] if isinstance(target, (str, logging.Handler)) else list(target)
        handlers: list[logging.Handler] = []
        for item in items:
            if isinstance(item, logging.Handler):
                handlers.append(item)
                continue
            found = _handler_by_name(str(item))
            if found is None:
                raise ValueError(
                    f"target handler {item!r} is not configured yet: configure the wrapper with "
                    f"'class' (dictConfig then configures the target first) or give it a name that "
                    f"sorts after {item!r}")
            handlers.append(found)
        logging.handlers.MemoryHandler.__init__(self, capacity=1, target=handlers[0], flushOnClose=False)
        self.setLevel(level)
        self.targets = handlers

    def setTarget(self, target: logging.Handler | None) -> None:
        with self.lock:
            self.target = target
            self.targets = [] if target is None else [target]

    def shouldFlush(self, record: logging.LogRecord) -> bool:
        return False

    def _formatter_for_exc(self) -> logging.Formatter | None:
        if self.formatter is not None:
            return self.formatter
        return next((t.formatter for t in self.targets if t.formatter is not None), None)

    def _deliver(self, record: logging.LogRecord) -> None:
        for target in self.targets:
            if record.levelno >= target.level:
                target.handle(record)  # the target reports its own emit errors

    def handle(self, record: logging.LogRecord) -> Any:
        """Filters, then ``emit`` -- without holding this handler's lock (redaction and
        queueing run concurrently; each target serializes its own writes)."""
        rv = self.filter(record)
        if isinstance(rv, logging.LogRecord):  # 3.12+: a filter may return a replacement
            record = rv
        if rv:
            self.emit(record)
        return rv

    def flush(self) -> None:
        for target in self.targets:
            target.flush()

    def close(self) -> None:
        logging.Handler.close(self)  # targets are closed by logging.shutdown (or their owner)


class RedactingHandler(_TargetsMixin):
    """Wraps handlers: redacts each record (synchronously, in the logging thread),
    then passes it to the wrapped ``target`` handler(s).

    Args:
        target: a handler, a ``dictConfig`` handler name, or a list of handlers.
            Attach only this wrapper to loggers, not the target itself.
        sanitizer: a shared :class:`Sanitizer` or a mapping of its options.
        level: this handler's level.
        options: :class:`Sanitizer` keyword options.

    dictConfig (``"class"`` lets ``dictConfig`` resolve the target by name; a ``"()"``
    factory works too when the target is configured first)::

        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "plain"},
            "redacted": {"class": "redactor.logging.RedactingHandler", "target": "console",
                         "sanitizer": {"exclude_entities": ["URL"]}},
        },
        "root": {"handlers": ["redacted"], "level": "INFO"}
    """

    def __init__(self, target: Any = None, sanitizer: Sanitizer | Mapping[str, Any] | None = None, *,
                 level: int | str = logging.NOTSET, **options: Any) -> None:
        self.sanitizer = as_sanitizer(sanitizer, **options)
        self._init_wrapper(target, level)

    @property
    def stats(self) -> Any:
        return self.sanitizer.stats

    def emit(self, record: logging.LogRecord) -> None:
        self._deliver(redact_record(copy.copy(record), self.sanitizer, self._formatter_for_exc()))


def format_exception(exc_info: Any) -> str | None:
    """A traceback as text for ``exc_info`` given as True (the current exception), an
    exception, or a ``(type, value, tb)`` tuple; None when there is none."""
    import sys

    if exc_info is True:
        exc_info = sys.exc_info()
    elif isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    if not isinstance(exc_info, tuple) or len(exc_info) != 3 or exc_info[0] is None:
        return None
    return "".join(traceback.format_exception(*exc_info)).rstrip("\n")
