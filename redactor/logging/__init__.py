"""Log sanitization hooks that fail closed (issue #6).

    import logging
    from redactor.logging import RedactingHandler, Sanitizer

    sanitizer = Sanitizer()                          # patterns; Sanitizer(use_model=True) adds the model
    handler = RedactingHandler(logging.StreamHandler(), sanitizer)
    logging.getLogger().addHandler(handler)

* :class:`Sanitizer` -- the core: exact-text cache, validated patterns inline, the
  GLiNER2 model on free text with a shape cache, fail-closed ``try_batch``.
* stdlib ``logging``: :class:`RedactingFilter`, :class:`RedactingHandler` (sync),
  :class:`AsyncRedactingHandler` (queue + worker, batched model calls).
* :class:`StructlogRedactor` (processor), :func:`loguru_patcher` / :func:`install_loguru`.
* :func:`stream` -- ``tail -f app.log | redact --stream``.

The name shadows the stdlib ``logging`` only as ``redactor.logging``; inside this
package ``import logging`` is absolute and means the stdlib.  Importing this package
does not import Presidio, spaCy or torch; building the first ``Sanitizer`` does
(Presidio's import pulls them in), and the model loads only with ``use_model=True``.
"""

from __future__ import annotations

from redactor.logging.asyncqueue import OVERFLOW_CHOICES, AsyncRedactingHandler, QueueRedactor
from redactor.logging.loguru_hook import LoguruRedactor, install_loguru, loguru_patcher
from redactor.logging.sanitizer import (
    DEFAULT_REPLACEMENT,
    LOG_MODEL_LABELS,
    PLACEHOLDER,
    RedactionError,
    RedactionTimeout,
    Sanitizer,
    SanitizerStats,
)
from redactor.logging.stdlib import (
    STATE_ATTR,
    WITHHELD_VALUE,
    RedactingFilter,
    RedactingHandler,
    redact_record,
)
from redactor.logging.stream import LINE_PLACEHOLDER, StreamStats, stream
from redactor.logging.structlog_hook import StructlogRedactor

__all__ = [
    "DEFAULT_REPLACEMENT", "LINE_PLACEHOLDER", "LOG_MODEL_LABELS", "OVERFLOW_CHOICES", "PLACEHOLDER",
    "STATE_ATTR", "WITHHELD_VALUE", "AsyncRedactingHandler", "LoguruRedactor", "QueueRedactor",
    "RedactingFilter", "RedactingHandler", "RedactionError", "RedactionTimeout", "Sanitizer",
    "SanitizerStats", "StreamStats", "StructlogRedactor", "install_loguru", "loguru_patcher",
    "redact_record", "stream",
]
