"""loguru: a patcher that redacts each record before any sink sees it.

    from loguru import logger
    from redactor.logging import install_loguru
    install_loguru(logger)                      # logger.configure(patcher=...)
    # or, per bound logger:  log = logger.patch(loguru_patcher())

loguru formats ``message.format(*args, **kwargs)`` *before* patchers run, so the
patcher sees the rendered message (arguments redacted in context).  It redacts
``record["message"]`` and every ``record["extra"]`` value (loguru also puts the
formatting kwargs there).  An exception is rendered with the standard
``traceback`` module, redacted, appended to the message, and ``record["exception"]``
is set to None: loguru's own exception formatter (``diagnose=True`` by default
prints *local variable values*) never runs on the raw traceback.

Failure: loguru propagates a patcher's exception into the caller, and prints the raw
record to stderr when a sink or filter fails (``peers.md`` section 3).  This patcher
never raises, and mutates the record before any sink: a failed record gets the
placeholder message, no exception and ``"[withheld]"`` for every ``extra`` value
(kept, so ``{extra[user]}`` in a format still works) -- fail closed, counted.
Note ``logger.configure(patcher=...)`` replaces a previously configured patcher.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from redactor.logging.sanitizer import Sanitizer, as_sanitizer
from redactor.logging.stdlib import WITHHELD_VALUE, format_exception
from redactor.logging.values import collect, normalize, rebuild

__all__ = ["LoguruRedactor", "install_loguru", "loguru_patcher"]


class LoguruRedactor:
    """The patcher callable (module docstring); ``stats`` is the sanitizer's counters."""

    def __init__(self, sanitizer: Sanitizer | Mapping[str, Any] | None = None, **options: Any) -> None:
        self.sanitizer = as_sanitizer(sanitizer, **options)

    @property
    def stats(self) -> Any:
        return self.sanitizer.stats

    def __call__(self, record: dict[str, Any]) -> None:
        try:
            exception = record.get("exception")
            exc_text = None
            if exception is not None and getattr(exception, "type", None) is not None:
                exc_text = format_exception((exception.type, exception.value, exception.traceback))
            extra = normalize(dict(record.get("extra") or {}))
            texts = [str(record["message"])] + ([exc_text] if exc_text else [])
            collect(extra, texts)
            outputs = self.sanitizer.finish(texts, self.sanitizer.try_batch(texts))
            if outputs is not None:
                it = iter(outputs)
                message = next(it)
                if exc_text:
                    message = f"{message}\n{next(it)}"
                record["message"] = message
                record["exception"] = None
                record["extra"].clear()
                record["extra"].update(rebuild(extra, it))
                return
        except Exception:  # noqa: BLE001 -- never raise into the application
            self.sanitizer.stats.add(errors=1, withheld=1)
        record["message"] = self.sanitizer.placeholder
        record["exception"] = None
        extra = record.get("extra")
        if isinstance(extra, dict):
            for key in extra:
                extra[key] = WITHHELD_VALUE


def loguru_patcher(sanitizer: Sanitizer | Mapping[str, Any] | None = None, **options: Any) -> LoguruRedactor:
    """A patcher for ``logger.patch(...)`` / ``logger.configure(patcher=...)``."""
    return LoguruRedactor(sanitizer, **options)


def install_loguru(logger: Any = None, sanitizer: Sanitizer | Mapping[str, Any] | None = None,
                   **options: Any) -> Callable[[dict[str, Any]], None]:
    """Configure loguru's global ``logger`` (or the one given) with the patcher; returns it."""
    if logger is None:
        from loguru import logger as loguru_logger

        logger = loguru_logger
    patcher = loguru_patcher(sanitizer, **options)
    logger.configure(patcher=patcher)
    return patcher
