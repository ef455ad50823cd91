"""String columns: :func:`redact_column` and :func:`analyze_column` (Iterator-of-Series pandas UDFs).

Each returns a struct column.  ``redact_column``: ``text`` (the redacted text),
``findings``, ``policy``, ``domain``, ``error``; ``analyze_column``: the same without
``text``.  A finding is ``start``, ``end`` (offsets into the *input* text), ``label``
(the policy's), ``entity_type``, ``score`` and ``recognizer`` -- never the value.

Per row: null in, null out (no findings, no error).  A row that cannot be redacted gets
``text = null`` and an ``error``: a value that is not a string (a binary column), a text
longer than ``max_chars`` (the model never truncates, so one huge row could hold a task
for hours), or a text the engine fails on.  Texts reach the engine ``CALL_TEXTS`` at a
time (batched model passes); if a call raises, its texts are retried one by one, so a bad
row costs only itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pandas as pd
from pyspark.sql import Column
from pyspark.sql.functions import pandas_udf

from redactor.spark.spec import RedactorSpec, as_spec, worker_redactor

FINDING_FIELDS = ("start", "end", "label", "entity_type", "score", "recognizer")
_FINDINGS_TYPE = ("findings array<struct<start: int, end: int, label: string, entity_type: string, "
                  "score: double, recognizer: string>>")
ANALYSIS_TYPE = f"{_FINDINGS_TYPE}, policy string, domain string, error string"
REDACTION_TYPE = f"text string, {ANALYSIS_TYPE}"
MAX_CHARS = 1 << 20  # a longer text is an error row: about 10 minutes of one CPU core
CALL_TEXTS = 64  # texts per engine call (an Arrow batch holds up to 10,000): what one bad text makes run again

# (text or None, findings, policy name, domain) per input text
Outcome = tuple[str | None, list[Any], str, str | None]


def redact_column(column: Column | str, spec: RedactorSpec | str = "auto", *,
                  max_chars: int = MAX_CHARS) -> Column:
    """``column`` redacted under ``spec`` (a :class:`RedactorSpec` or a policy name), as a
    struct (:data:`REDACTION_TYPE`): ``text``, ``findings``, ``policy``, ``domain``, ``error``."""
    return _udf(as_spec(spec).resolved(), analysis=False, max_chars=max_chars)(column)


def analyze_column(column: Column | str, spec: RedactorSpec | str = "auto", *,
                   max_chars: int = MAX_CHARS) -> Column:
    """The personal data in ``column`` under ``spec``, as a struct (:data:`ANALYSIS_TYPE`):
    ``findings``, ``policy``, ``domain``, ``error``.  Needs no key."""
    return _udf(as_spec(spec).resolved(), analysis=True, max_chars=max_chars)(column)


def _udf(spec: RedactorSpec, analysis: bool, max_chars: int) -> Any:
    """The pandas UDF.  Its closure holds ``spec`` (no key, no model) and two flags; the
    engine is this worker's, built on the first batch."""

    def run(batches: Iterator[pd.Series]) -> Iterator[pd.DataFrame]:
        for values in batches:  # an empty partition builds no engine
            redactor = worker_redactor(spec, analysis)
            engine = _analyzing(redactor) if analysis else _redacting(redactor)
            yield _redact_values(engine, list(values), analysis=analysis, max_chars=max_chars)

    run.__name__ = "analyze" if analysis else "redact"  # the name the plan shows
    return pandas_udf(run, ANALYSIS_TYPE if analysis else REDACTION_TYPE)  # type: ignore[call-overload]


def _redacting(redactor: Any) -> Callable[[Sequence[str]], list[Outcome]]:
    return lambda texts: [(r.text, r.findings, r.policy, r.domain) for r in redactor.redact_batch(texts)]


def _analyzing(redactor: Any) -> Callable[[Sequence[str]], list[Outcome]]:
    # the engine's analysis half, which also says which policy applied (analyze_batch does not)
    return lambda texts: [(None, findings, p.policy.name, p.domain) for findings, p in redactor._analyze(texts)]


def _redact_values(engine: Callable[[Sequence[str]], list[Outcome]], values: list[Any], *, analysis: bool,
                  max_chars: int) -> pd.DataFrame:
    """One Arrow batch: rows in the UDF's struct layout, one per value (see the module docstring)."""
    rows: list[dict[str, Any]] = [_row() for _ in values]
    todo: list[int] = []
    for i, value in enumerate(values):
        if value is None:
            continue
        if not isinstance(value, str):
            rows[i]["error"] = f"the value is {type(value).__name__}, not a string"
        elif len(value) > max_chars:
            rows[i]["error"] = f"the text has {len(value)} characters, more than max_chars={max_chars}"
        else:
            todo.append(i)
    for i, (outcome, error) in zip(todo, _isolated(engine, [values[i] for i in todo])):
        if outcome is None:
            rows[i]["error"] = error
            continue
        text, findings, policy, domain = outcome
        rows[i] |= {"text": text, "policy": policy, "domain": domain,
                    "findings": [{name: getattr(f, name) for name in FINDING_FIELDS} for f in findings]}
    columns = ["findings", "policy", "domain", "error"] if analysis else ["text", "findings", "policy", "domain",
                                                                           "error"]
    return pd.DataFrame(rows, columns=columns)


def _row() -> dict[str, Any]:
    return {"text": None, "findings": [], "policy": None, "domain": None, "error": None}


def _isolated(engine: Callable[[Sequence[str]], list[Outcome]],
              texts: list[str]) -> list[tuple[Outcome | None, str | None]]:
    """(outcome, None) or (None, error) per text (see the module docstring); an error is
    described by its type and, for the model's window errors, counts -- never text."""
    out: list[tuple[Outcome | None, str | None]] = []
    for start in range(0, len(texts), CALL_TEXTS):
        chunk = texts[start:start + CALL_TEXTS]
        try:
            out += [(outcome, None) for outcome in engine(chunk)]
        except Exception:  # noqa: BLE001 - whatever a text does, it costs only that text
            out += [_alone(engine, text) for text in chunk]
    return out


def _alone(engine: Callable[[Sequence[str]], list[Outcome]], text: str) -> tuple[Outcome | None, str | None]:
    from redactor.cli.worker import describe_error

    try:
        return engine([text])[0], None
    except Exception as error:  # noqa: BLE001 - see _isolated
        return None, describe_error(error, False, hint="")
