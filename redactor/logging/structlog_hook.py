"""structlog: a processor that redacts the whole event dict.

    import structlog
    from redactor.logging import StructlogRedactor
    structlog.configure(processors=[
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso"),
        StructlogRedactor(),                  # last, right before the renderer
        structlog.processors.JSONRenderer(),
    ])

Every value is scanned (recursively, :mod:`redactor.logging.values`), ``event``
included; keys are not.  ``exc_info`` (True, an exception or a ``(type, value, tb)``
tuple) is rendered here, redacted into ``exception`` (structlog's key for a rendered
traceback) and removed, so no later processor or renderer formats the raw one;
``stack_info=True`` becomes a redacted ``stack``.

Failure: structlog propagates a processor's exception into the application's logging
call, and a processor that returns ``False`` does not drop the event (measured,
``peers.md`` section 3).  This processor therefore never raises: a failed event is
replaced by ``{"event": placeholder, "redaction_failed": True}`` plus the values of
``keep_on_error`` keys (default ``level``, ``timestamp``, ``logger``: set by
structlog's own processors) -- fail closed, counted in ``stats.withheld``.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping, MutableMapping
from typing import Any

from redactor.logging.sanitizer import Sanitizer, as_sanitizer
from redactor.logging.stdlib import format_exception
from redactor.logging.values import collect, normalize, rebuild

__all__ = ["StructlogRedactor"]


class StructlogRedactor:
    """A structlog processor (module docstring).

    Args:
        sanitizer: a shared :class:`Sanitizer` or a mapping of its options.
        keep_on_error: keys whose values survive when an event is withheld.
        options: :class:`Sanitizer` keyword options.
    """

    def __init__(self, sanitizer: Sanitizer | Mapping[str, Any] | None = None, *,
                 keep_on_error: tuple[str, ...] = ("level", "timestamp", "logger"), **options: Any) -> None:
        self.sanitizer = as_sanitizer(sanitizer, **options)
        self.keep_on_error = keep_on_error

    @property
    def stats(self) -> Any:
        return self.sanitizer.stats

    def __call__(self, logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> dict[str, Any]:
        try:
            event = dict(event_dict)
            exc_info = event.pop("exc_info", None)
            if exc_info:
                rendered = format_exception(exc_info)
                if rendered:
                    previous = event.get("exception")
                    event["exception"] = f"{previous}\n{rendered}" if isinstance(previous, str) else rendered
            if event.pop("stack_info", None) is True:
                event["stack"] = "".join(traceback.format_stack()[:-1]).rstrip("\n")
            normalized = normalize(event)
            texts: list[str] = []
            collect(normalized, texts)
            outputs = self.sanitizer.finish(texts, self.sanitizer.try_batch(texts))
            if outputs is not None:
                return rebuild(normalized, iter(outputs))  # type: ignore[no-any-return]
        except Exception:  # noqa: BLE001 -- never raise into the application
            self.sanitizer.stats.add(errors=1, withheld=1)
        kept = {k: event_dict[k] for k in self.keep_on_error if isinstance(event_dict.get(k), str)}
        return {**kept, "event": self.sanitizer.placeholder, "redaction_failed": True}
