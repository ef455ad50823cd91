"""One file end to end (:func:`process_file`), and the processes that run it (:func:`execute`).

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

import errno
import os
import sys
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redactor.cli.errors import CliError, FatalError, FileFailed, FileSkipped
from redactor.cli.fileio import NullOutput, atomic_output, backup, check_readable, open_input
from redactor.cli.formats import handler_for
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
    chosen = handler_for(path, settings.format)
    if chosen is None:
        result.status, result.reason = "skipped", f"unsupported format {path.suffix or '(no suffix)'!r}"
        return result
    handler, suffix = chosen
    result.format = handler.name
    made_backup: Path | None = None
    try:
        result.bytes = check_readable(path, streamed=handler.streamed, binary_format=handler.binary,
                                      max_size=settings.max_file_size)
        transform.begin(job.rel)
        try:
            if settings.mode == "scan":
                with open_input(path) as src, NullOutput() as dst:
                    result.stats = handler.convert(src, dst, transform, settings.formats, suffix)
            elif job.in_place:
                if handler.output_suffix:
                    raise FileFailed(f"cannot redact a .{handler.name} file in place: its output is text; "
                                     f"use --out")
                made_backup = backup(path, job.backup_suffix)
                mode = path.stat().st_mode
                with open_input(path) as src, atomic_output(path, mode) as dst:
                    result.stats = handler.convert(src, dst, transform, settings.formats, suffix)
                result.output = job.rel
            else:
                assert job.out_root is not None
                target = Path(job.out_root) / (job.rel + handler.output_suffix)
                with open_input(path) as src, atomic_output(target) as dst:
                    result.stats = handler.convert(src, dst, transform, settings.formats, suffix)
                result.output = job.rel + handler.output_suffix
            result.output_format = str(result.stats.get("output_format") or "") or None
        finally:
            result.findings, result.vault = transform.end()
    except FileSkipped as error:
        result.status, result.reason = "skipped", str(error)
    except FileFailed as error:
        result.status, result.reason = "error", str(error)
    except CliError:
        raise
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):  # every next file would fail too
            raise FatalError(f"cannot write outputs: {error.strerror}") from None
        result.status, result.reason = "error", _describe(error, debug)
    except Exception as error:  # noqa: BLE001 - one file's failure, whatever it is, is that file's
        result.status, result.reason = "error", _describe(error, debug)
    if result.status != "done":
        result.findings, result.vault, result.output = [], None, None
        if made_backup is not None:  # the original was not replaced: its copy is not needed
            made_backup.unlink(missing_ok=True)
    result.seconds = time.perf_counter() - started
    return result


def _describe(error: BaseException, debug: bool) -> str:
    """An error for the report: the type and, for errors of the engine's own making, the
    message; never text that could quote the file (``--debug`` prints the traceback)."""
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
    return f"internal error {type(error).__name__} (run with --debug for details)"


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
