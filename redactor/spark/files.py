"""Document dumps: :func:`redact_files` reads a folder with Spark's ``binaryFile`` source and
runs the ``redact`` CLI's per-file processing on the executors.

What each executor does per file is :func:`redactor.cli.worker.process_bytes`: the CLI's
format handler by suffix, its checks (binary, size), its packed, batched transform, an
atomic write of the output (a failed file gets none), and its report records.  The driver
writes those records into one JSONL report with the CLI's :class:`~redactor.cli.report.Report`
(a ``run`` header with ``"engine": "spark"``, ``finding`` and ``file`` records, a closing
``summary``), so a Spark run and a ``redact`` run of the same files give the same outputs
and the same records.

Where things live: the input can be anything Spark reads (a local folder, ``hdfs://``,
``s3a://``); outputs are written by the executors' Python workers, so ``out`` must be a
folder every executor can write (local mode: any folder; a cluster: a shared mount such as
NFS or ``/dbfs``); the report is written by the driver.  Differences from the CLI: Spark
skips files and folders whose names start with ``.`` or ``_``, and one file may not exceed
Spark's ``binaryFile`` limit (2 GiB); there is no ``--resume``, ``--in-place`` or vault.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import pandas as pd
from pyspark import StorageLevel
from pyspark.sql import SparkSession

from redactor.cli.errors import ExitCode
from redactor.cli.formats.base import FormatOptions
from redactor.cli.report import Report, Summary
from redactor.cli.settings import Settings, tool_version
from redactor.cli.worker import process_bytes
from redactor.spark.spec import RedactorSpec, as_spec, worker_transform

RESULT_TYPE = "path string, record string, findings array<string>"
BATCH_CONF = "spark.sql.execution.arrow.maxRecordsPerBatch"


def redact_files(spark: SparkSession, source: str, out: str | Path | None, spec: RedactorSpec | str = "auto", *,
                 report: str | Path, mode: Literal["redact", "scan"] = "redact",
                 formats: FormatOptions | None = None, max_file_size: int = 1 << 30, glob: str | None = None,
                 partitions: int | None = None, files_per_batch: int = 8) -> dict[str, Any]:
    """Redact (or with ``mode="scan"`` only analyze) every file under ``source``.

    Args:
        source: a folder (walked recursively) or a file, in any file system Spark reads.
        out: the output folder (mirrors ``source``); None with ``mode="scan"``.
        spec: policy, model and key (:class:`RedactorSpec` or a policy name).
        report: the JSONL audit report, written by the driver.
        formats, max_file_size: the CLI's format options and ``--max-file-size``.
        glob: only files whose names match (Spark's ``pathGlobFilter``, e.g. ``"*.csv"``);
            other files are read by Spark only to be reported as skipped.
        partitions: repartition the files first (many small files, few input splits).
        files_per_batch: files per Arrow batch handed to a Python worker (file contents
            travel in the batch, so this bounds a worker's memory).

    Returns the report's ``summary`` record (counts, bytes, seconds, ``exit_code`` as the
    CLI's: 0 ok, 1 ``scan`` found personal data, 3 some files failed).
    """
    if mode not in ("redact", "scan"):
        raise ValueError(f"mode must be 'redact' or 'scan', not {mode!r}")
    if (out is None) != (mode == "scan"):
        raise ValueError("give out=FOLDER to redact, and out=None to scan (a scan writes no files)")
    spec = as_spec(spec).resolved()
    settings = Settings(mode, policy=spec.policy, model=spec.model, batch_size=spec.batch_size,
                        route_confidence=spec.route_confidence, max_file_size=max_file_size,
                        formats=formats or FormatOptions())
    started = time.perf_counter()
    summary = Summary()
    log = Report(Path(report), summary)
    log.start({"tool": "redactor", "version": tool_version(), "engine": "spark", "mode": mode,
               "policy": spec.policy_name, "model": spec.model, "source": source,
               "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    process = _process(spec, settings, _qualified(spark, source), str(Path(out).resolve()) if out else None)
    with _session_conf(spark, BATCH_CONF, str(files_per_batch)):
        reader = spark.read.format("binaryFile").option("recursiveFileLookup", "true")
        files = (reader.option("pathGlobFilter", glob) if glob else reader).load(source).select("path", "content")
        if partitions:
            files = files.repartition(partitions)
        results = files.mapInPandas(process, RESULT_TYPE).persist(StorageLevel.DISK_ONLY)  # type: ignore[arg-type]
        try:
            results.count()  # every file once, in parallel; then the records stream to the driver
            for row in results.toLocalIterator():
                log.file(json.loads(row.record), [json.loads(finding) for finding in row.findings])
        finally:
            results.unpersist()
    code = (ExitCode.FILE_ERRORS if summary.errors else
            ExitCode.FOUND if mode == "scan" and summary.findings else ExitCode.OK)
    return log.finish(time.perf_counter() - started, int(code))


def _process(spec: RedactorSpec, settings: Settings, root: str,
             out_root: str | None) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """The ``mapInPandas`` function: each ``binaryFile`` row to its report records."""

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            transform = worker_transform(spec, settings)
            rows = []
            for path, content in zip(batch["path"], batch["content"]):
                result = process_bytes(transform, settings, _relative(path, root), bytes(content), out_root)
                rows.append({"path": result.rel, "record": json.dumps(result.record(), ensure_ascii=False),
                             "findings": [json.dumps(f, ensure_ascii=False) for f in result.findings]})
            yield pd.DataFrame(rows, columns=["path", "record", "findings"])

    return run


def _qualified(spark: SparkSession, source: str) -> str:
    """``source`` as Spark names the files under it (``dump`` -> ``file:/abs/dump``)."""
    path = spark._jvm.org.apache.hadoop.fs.Path(source)  # type: ignore[union-attr]
    return str(path.getFileSystem(spark._jsc.hadoopConfiguration()).makeQualified(path).toString())  # type: ignore[union-attr]


def _relative(path: str, root: str) -> str:
    """The file's name below the source folder; a file given as the source is its own name."""
    prefix = root.rstrip("/") + "/"
    return path[len(prefix):] if path.startswith(prefix) else PurePosixPath(path).name


@contextlib.contextmanager
def _session_conf(spark: SparkSession, key: str, value: str) -> Iterator[None]:
    """``key`` set to ``value`` while the block plans and runs its queries, then restored."""
    before = spark.conf.get(key)
    spark.conf.set(key, value)
    try:
        yield
    finally:
        if before is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, before)
