"""Redaction on Spark: DataFrame columns (pandas UDFs) and document dumps (``binaryFile``).

    from redactor.spark import RedactorSpec, analyze_column, redact_column, redact_files

    spec = RedactorSpec("gdpr", key_file="/secrets/redactor.key")    # or just "hipaa" / "auto"
    out = df.withColumn("r", redact_column("note", spec))            # r.text, r.findings, r.policy, r.domain, r.error
    summary = redact_files(spark, "s3a://lake/dump/", "/mnt/shared/redacted", spec,
                           report="/mnt/shared/redacted.report.jsonl")

Why this shape (see ``../shared/design/peers.md`` §4): Presidio's Spark recipe broadcasts
its engines from the driver; a GLiNER2 model pickled into every task is slow and
fragile.  Here the driver ships only a :class:`RedactorSpec` (a validated policy and
*where* the key and the model are), and each Python worker builds its engine once, on
first use, and keeps it for every later batch and task it runs (``spark.python.worker.reuse``
is on by default).  Texts reach the model in Arrow batches, so the model runs batched.

Guarantees:

* **Same results as** :class:`redactor.Redactor` on the same texts (columns) and as the
  ``redact`` CLI on the same files (file dumps: the CLI's format handlers, checks, atomic
  writes and report records run on the executors).
* **Fail closed.**  A row that cannot be redacted (not a string, longer than
  ``max_chars``, or the engine fails on it) comes out as ``text = null`` with an ``error``
  naming the problem (never the text); the other rows of its batch are redacted as usual
  and the job goes on.  A file that fails gets no output and an ``error`` record.
  Configuration errors (a bad policy, a missing key, a missing model) fail the job: a
  policy on the driver before any task, a key or model on the first task.
* **No key in the plan, the closure or the logs.**  The spec never holds key bytes: the
  executors read the key from ``key_file`` (a path on the executors, or a name shipped
  with ``--files`` / ``SparkContext.addFile``) or from their own ``REDACTOR_KEY`` /
  ``REDACTOR_KEY_FILE``.  Findings carry offsets, labels, types, scores and recognizers,
  never the values.
"""

from __future__ import annotations

try:
    import pyspark  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the installed extras
    raise ImportError("redactor.spark needs pyspark: pip install 'redactor[spark]'") from error

from redactor.spark.columns import ANALYSIS_TYPE, REDACTION_TYPE, analyze_column, redact_column
from redactor.spark.files import redact_files
from redactor.spark.session import local_session
from redactor.spark.spec import RedactorSpec

__all__ = ["ANALYSIS_TYPE", "REDACTION_TYPE", "RedactorSpec", "analyze_column", "local_session",
           "redact_column", "redact_files"]
