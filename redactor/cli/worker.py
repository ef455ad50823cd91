"""One file end to end (:func:`process_file`; :func:`process_bytes` for content already in
memory), and the processes that run it (:func:`execute`).

Per file: choose the handler by suffix, check the file (regular, readable, size, not
binary), transform it into a temporary file and rename that into place (``--in-place``:
after copying the original to a backup).  Anything that goes wrong becomes a ``skipped``
or ``error`` result for that file and the run goes on; the file then has no output.

Processes: ``-j 1`` runs in this process; ``-j N`` starts N ``spawn`` worker processes,
each loading the model once in its initializer, with torch limited to its share of the
CPU cores (unless ``OMP_NUM_THREADS`` or ``--threads`` says otherwise).  Results come back
to the parent, the only writer of the report, the manifest and the vault.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from redactor.cli.errors import CliError, FatalError, FileFailed, FileSkipped
from redactor.cli.fileio import (NullOutput, atomic_output, backup, check_head, check_readable, check_size,
                                 open_input)
from redactor.cli.formats import Handler, handler_for
from redactor.cli.settings import Settings


@dataclass(frozen=True)
class Job:
    src: str
    rel: str
    out_root: str | None  # None: scan (nothing is written) or in place
    in_place: bool = False
    backup_suffix: str = ".bak"


@dataclass
class FileResult:
    rel: str
    status: str  # done | skipped | error
    src: str
    format: str | None = None
    output: str | None = None
    output_format: str | None = None
    bytes: int = 0
    seconds: float = 0.0
    reason: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)
    vault: dict[str, Any] | None = None

    def record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"type": "file", "path": self.rel, "status": self.status, "format": self.format}
        if self.output is not None:
            record["output"] = self.output
            if self.output_format:
                record["output_format"] = self.output_format
        record |= {"bytes": self.bytes, "findings": len(self.findings), "seconds": round(self.seconds, 3)}
        if self.reason is not None:
            record["reason" if self.status == "skipped" else "error"] = self.reason
        return record | {k: v for k, v in self.stats.items() if k != "output_format"}


# -- one file ------------------------------------------------------------------------------
def process_file(transform: Any, settings: Settings, job: Job, debug: bool = False) -> FileResult:
    started = time.perf_counter()
    path = Path(job.src)
    result = FileResult(job.rel, "done", job.src)
    chosen = _choose_handler(result, job.src, settings)
    if chosen is None:
        return result
    handler, suffix = chosen
    made_backup: Path | None = None
    with _file_outcome(result, debug):
        result.bytes = check_readable(path, streamed=handler.streamed, binary_format=handler.binary,
                                      max_size=settings.max_file_size)
        if job.in_place and settings.mode != "scan":
            if handler.output_suffix:
                raise FileFailed(f"cannot redact a .{handler.name} file in place: its output is text; "
                                 f"use --out")
            made_backup = backup(path, job.backup_suffix)
            mode = path.stat().st_mode
            with open_input(path) as src, atomic_output(path, mode) as dst:
                _convert(transform, settings, result, handler, suffix, src, dst)
            result.output = job.rel
        else:
            out_root = None if settings.mode == "scan" else job.out_root
            assert out_root is not None or settings.mode == "scan"
            with open_input(path) as src:
                _convert_into(transform, settings, result, handler, suffix, src, out_root)
    if result.status != "done" and made_backup is not None:  # the original was not replaced
        made_backup.unlink(missing_ok=True)
    return _settle(result, started)


def process_bytes(transform: Any, settings: Settings, rel: str, data: bytes, out_root: str | None,
                  debug: bool = False) -> FileResult:
    """:func:`process_file` for a file whose bytes are already in memory: a row of Spark's
    ``binaryFile`` source, whose input may live where no local path reaches (HDFS, S3).
    ``rel`` chooses the handler and names the output under ``out_root`` (None: nothing is
    written, as in ``scan``); the checks, outputs and report records are the CLI's."""
    started = time.perf_counter()
    result = FileResult(rel, "done", rel)
    chosen = _choose_handler(result, rel, settings)
    if chosen is None:
        return result
    handler, suffix = chosen
    with _file_outcome(result, debug):
        check_size(len(data), streamed=handler.streamed, max_size=settings.max_file_size)
        if not handler.binary:
            check_head(data)
        result.bytes = len(data)
        out_root = None if settings.mode == "scan" else out_root
        _convert_into(transform, settings, result, handler, suffix, io.BytesIO(data), out_root)
    return _settle(result, started)


def _choose_handler(result: FileResult, name: str, settings: Settings) -> tuple[Handler, str] | None:
    """The handler for file ``name`` by suffix (or ``--format``); None after marking it skipped."""
    chosen = handler_for(name, settings.format)
    if chosen is None:
        suffix = PurePosixPath(name).suffix
        result.status, result.reason = "skipped", f"unsupported format {suffix or '(no suffix)'!r}"
        return None
    result.format = chosen[0].name
    return chosen


def _convert_into(transform: Any, settings: Settings, result: FileResult, handler: Handler, suffix: str,
                  src: BinaryIO, out_root: str | None) -> None:
    """``src`` transformed into ``out_root``/REL (+ the handler's output suffix), written
    atomically; with no ``out_root`` (``scan``) the output is discarded."""
    if out_root is None:
        with NullOutput() as dst:
            _convert(transform, settings, result, handler, suffix, src, dst)
        return
    name = result.rel + handler.output_suffix
    with atomic_output(Path(out_root) / name) as dst:
        _convert(transform, settings, result, handler, suffix, src, dst)
    result.output = name


def _convert(transform: Any, settings: Settings, result: FileResult, handler: Handler, suffix: str,
             src: BinaryIO, dst: BinaryIO) -> None:
    transform.begin(result.rel)
    try:
        result.stats = handler.convert(src, dst, transform, settings.formats, suffix)
    finally:
        result.findings, result.vault = transform.end()
    result.output_format = str(result.stats.get("output_format") or "") or None


@contextlib.contextmanager
def _file_outcome(result: FileResult, debug: bool) -> Iterator[None]:
    """Whatever goes wrong with one file in the block becomes that file's ``skipped`` or
    ``error`` result and the run goes on; only run-wide failures propagate (a ``CliError``,
    a full or read-only disk: every next file would fail too)."""
    try:
        yield
    except FileSkipped as error:
        result.status, result.reason = "skipped", str(error)
    except FileFailed as error:
        result.status, result.reason = "error", str(error)
    except CliError:
        raise
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
            raise FatalError(f"cannot write outputs: {error.strerror}") from None
        result.status, result.reason = "error", describe_error(error, debug)
    except Exception as error:  # noqa: BLE001 - one file's failure, whatever it is, is that file's
        result.status, result.reason = "error", describe_error(error, debug)


def _settle(result: FileResult, started: float) -> FileResult:
    """A file that did not finish keeps no findings, pseudonyms or output name."""
    if result.status != "done":
        result.findings, result.vault, result.output = [], None, None
    result.seconds = time.perf_counter() - started
    return result


def describe_error(error: BaseException, debug: bool, hint: str = " (run with --debug for details)") -> str:
    """An error for the report: the type and, for errors of the engine's own making, the
    message; never text that could quote the file (``--debug`` prints the traceback).
    ``hint`` follows an unexpected error's type (callers without ``--debug`` drop it)."""
    from redactor.model.windows import WindowError
    from redactor.operators import TamperError

    if debug:
        traceback.print_exception(error, file=sys.stderr)
    if isinstance(error, WindowError):  # its message names offsets and counts, never text
        return f"the model cannot read a text unit: {error}"
    if isinstance(error, TamperError):
        return f"an encryption token failed authentication or is malformed ({error})"
    if isinstance(error, OSError):
        return f"{type(error).__name__}: {error.strerror or 'I/O error'}"
    if isinstance(error, (MemoryError, RecursionError)):
        return f"{type(error).__name__} (input too large or too deeply nested)"
    return f"internal error {type(error).__name__}{hint}"


# -- workers -------------------------------------------------------------------------------
_STATE: dict[str, Any] = {}


def init_worker(settings: Settings, keyring: Any, threads: int | None, debug: bool) -> None:
    if threads:
        import torch

        torch.set_num_threads(threads)
    from redactor.cli.transform import EngineTransform

    _STATE.update(transform=EngineTransform(settings, keyring), settings=settings, debug=debug)


def run_job(job: Job) -> FileResult:
    return process_file(_STATE["transform"], _STATE["settings"], job, _STATE["debug"])


def execute(jobs: list[Job], settings: Settings, keyring: Any, workers: int,
            debug: bool = False) -> Iterator[FileResult]:
    """Results as files finish (in order with one worker)."""
    if not jobs:
        return
    if workers <= 1:
        from redactor.cli.transform import EngineTransform

        if settings.threads:
            import torch

            torch.set_num_threads(settings.threads)

        transform = EngineTransform(settings, keyring)
        for job in jobs:
            yield process_file(transform, settings, job, debug)
        return
    import multiprocessing

    threads = settings.threads
    if threads is None and not os.environ.get("OMP_NUM_THREADS"):
        threads = max(1, (os.cpu_count() or 1) // workers)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=init_worker, initargs=(settings, keyring, threads, debug))
    try:
        pending: dict[Future[FileResult], Job] = {}
        queue = iter(jobs)
        while True:
            while len(pending) < 2 * workers:
                job = next(queue, None)
                if job is None:
                    break
                pending[pool.submit(run_job, job)] = job
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                job = pending.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool:
                    raise FatalError("a worker process died (out of memory? killed?); finished files "
                                     "are kept: run again with --resume") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
