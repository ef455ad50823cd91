"""A whole run: inputs to outputs, the report, the manifest, the vault, the exit code.

:func:`run_tree` (files and folders) discovers the inputs, drops the files the manifest
says are finished (``--resume``), runs the rest (:func:`~redactor.cli.worker.execute`), and
for each result, in this order: writes its report records, appends its pseudonyms to the
vault journal, appends it to the manifest (fsynced).  A kill at any point therefore loses
at most the files in flight, which ``--resume`` redoes.  :func:`run_stdin` is ``-``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from redactor.cli.errors import CliError, ExitCode, FatalError, FileFailed, FileSkipped, UsageError
from redactor.cli.fileio import NullOutput, sweep_temporaries
from redactor.cli.formats import handler_for
from redactor.cli.manifest import Manifest
from redactor.cli.progress import Progress
from redactor.cli.report import Report, Summary
from redactor.cli.settings import Settings, tool_version
from redactor.cli.walk import STATE_DIR_NAME, discover
from redactor.cli.worker import FileResult, Job, describe_error, execute


# -- the vault journal -----------------------------------------------------------------------
class VaultJournal:
    """Pseudonyms recorded during a run: each file's vault entries are appended (fsynced) to
    ``VAULT.journal`` before the file is marked finished; at the end (and at the start of
    a run, after a kill) the journal is merged into the vault file."""

    def __init__(self, path: Path, keyring: Any) -> None:
        self.path, self.keyring = path, keyring
        self.journal = path.with_name(path.name + ".journal")
        if path.exists():  # a vault of another key would fail only at the end, after all the work
            from redactor.operators import PseudonymVault, VaultError

            try:
                key_id = PseudonymVault.load(path).key_id
            except VaultError as error:
                raise FatalError(str(error)) from None
            if key_id not in (None, keyring.key_id):
                raise FatalError(f"vault {path} was written with key {key_id}, not with this key "
                                 f"({keyring.key_id}); use another --vault file")
        self.merge()
        fd = os.open(self.journal, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._handle = os.fdopen(fd, "a", encoding="utf-8")

    def add(self, entries: dict[str, Any]) -> None:
        self._handle.write(json.dumps(entries) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def merge(self) -> int:
        from redactor.operators import PseudonymVault, VaultError

        if not self.journal.exists():
            return 0
        try:
            vault = PseudonymVault.load(self.path) if self.path.exists() else PseudonymVault(self.keyring.key_id)
        except VaultError as error:
            raise FatalError(str(error)) from None
        merged = 0
        for line in self.journal.read_text(encoding="utf-8").splitlines():
            try:
                part = PseudonymVault.from_json(json.loads(line), source=str(self.journal))
            except (json.JSONDecodeError, VaultError):
                continue  # a line cut by a kill: its file was not marked finished and is redone
            for surrogate, original in part.originals(self.keyring).items():
                entry = next(e for e in part.entries if e.surrogate == surrogate)
                vault.record(surrogate, original, entry.entity_type, self.keyring)
                merged += 1
        vault.save(self.path)
        self.journal.unlink()
        return merged

    def close(self) -> None:
        self._handle.close()
        self.merge()


def read_stdin_prefixed(stream: BinaryIO, head: bytes) -> BinaryIO:
    """``stream`` with ``head`` (already read for sniffing) put back in front."""
    import io

    class _Prefixed(io.RawIOBase):
        def __init__(self) -> None:
            self.head = head

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
            if self.head:
                n = min(len(buffer), len(self.head))
                buffer[:n] = self.head[:n]
                self.head = self.head[n:]
                return n
            data = stream.read(len(buffer))
            buffer[:len(data)] = data
            return len(data)

    return io.BufferedReader(_Prefixed(), buffer_size=1 << 20)  # type: ignore[return-value]


# -- a whole run -----------------------------------------------------------------------------
@dataclass
class RunOptions:
    inputs: list[Path]
    out: Path | None = None
    in_place: bool = False
    backup_suffix: str = ".bak"
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    resume: bool = False
    jobs: int = 1
    report: Path | None = None
    state_dir: Path | None = None
    quiet: bool = False
    progress: bool | None = None
    fail_score: float = 0.0
    fail_on_skipped: bool = False
    debug: bool = False


def run_tree(settings: Settings, opts: RunOptions, keyring: Any) -> int:
    """Files and folders -> mirrored outputs (or in place, or nothing for ``scan``)."""
    started = time.perf_counter()
    scan = settings.mode == "scan"
    state_dir = None if scan else (opts.state_dir or ((opts.out / STATE_DIR_NAME) if opts.out is not None
                                                      else Path(STATE_DIR_NAME)))
    report_path = opts.report if (scan or opts.report is not None) else state_dir / "report.jsonl"  # type: ignore[operator]
    avoid = [p for p in (opts.out, state_dir) if p is not None]
    own = [p for p in (report_path, Path(settings.vault_file) if settings.vault_file else None)
           if p is not None and str(p) != "-"]
    own += [p.with_name(p.name + ".journal") for p in own]
    items = discover(opts.inputs, opts.include, opts.exclude, avoid=avoid,
                     ignore_suffixes=(opts.backup_suffix,) if opts.in_place else (), skip_files=tuple(own))
    if settings.mode != "decrypt" and items:
        check_model(settings)
    extra = {"inputs": [str(p.resolve()) for p in opts.inputs], "in_place": opts.in_place,
             "key_id": keyring.key_id if keyring is not None and not scan else None}
    digest = settings.digest(extra)
    try:
        manifest = Manifest(state_dir / "manifest.jsonl", digest, resume=opts.resume) if state_dir else None
    except OSError as error:
        raise FatalError(f"cannot write the run state in {state_dir}: {error.strerror}") from None
    if opts.out is not None:
        sweep_temporaries(opts.out)
    finished = {item.rel for item in items
                if manifest is not None and opts.resume and manifest.finished(item.rel, item.src)}
    summary = Summary()
    try:
        report = Report(report_path, summary, keep=finished if opts.resume else None)
    except OSError as error:
        raise FatalError(f"cannot write the report {report_path}: {error.strerror}") from None
    report.start({"tool": "redactor", "version": tool_version(), "mode": settings.mode,
                  "policy": settings.policy if settings.mode != "decrypt" else None,
                  "operators": [f"{label}={op}" for label, op in settings.operators] or None,
                  "model": _model_name(settings) if settings.mode != "decrypt" else None,
                  "key_id": keyring.key_id if keyring is not None and not scan else None,
                  "digest": digest, "resumed": opts.resume and bool(finished),
                  "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    journal = VaultJournal(Path(settings.vault_file), keyring) \
        if settings.vault_file and settings.mode == "redact" else None
    jobs = [Job(str(item.src), item.rel, str(opts.out) if opts.out is not None and not scan else None,
                opts.in_place, opts.backup_suffix)
            for item in items if item.rel not in finished]
    progress = Progress(len(jobs), enabled=None if opts.progress is None else opts.progress,
                        desc=settings.mode) if not opts.quiet else Progress(0, enabled=False)
    found = False
    try:
        for result in execute(jobs, settings, keyring, opts.jobs, opts.debug):
            report.file(result.record(), result.findings)
            if journal is not None and result.vault:
                journal.add(result.vault)
            if manifest is not None:
                manifest.add(result.rel, result.status, Path(result.src))
            progress.update(result.bytes)
            if result.status == "error" or (result.status == "skipped" and opts.fail_on_skipped):
                progress.write(f"{settings.mode}: {result.status}: {result.rel}: {result.reason}")
            if scan and result.findings:
                found |= any(f["score"] >= opts.fail_score for f in result.findings)
                if not opts.quiet and str(report_path) != "-":  # stdout is the report's
                    kinds = Counter(f["entity_type"] for f in result.findings)
                    listed = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
                    print(f"{result.rel}: {len(result.findings)} findings ({listed})", flush=True)
    finally:
        progress.close()
        if manifest is not None:
            manifest.close()
        if journal is not None:
            journal.close()
    failed = summary.errors + (summary.skipped if opts.fail_on_skipped else 0)
    code = ExitCode.FILE_ERRORS if failed else ExitCode.FOUND if found else ExitCode.OK
    seconds = time.perf_counter() - started
    record = report.finish(seconds, int(code))
    if not opts.quiet:
        _print_summary(settings.mode, record, report_path)
    return int(code)


def run_stdin(settings: Settings, opts: RunOptions, keyring: Any) -> int:
    """``-``: standard input to standard output (``scan``: a report only).  Streamed formats
    are written as they go; a failure part-way leaves only transformed text on stdout."""
    from redactor.cli.transform import EngineTransform

    started = time.perf_counter()
    chosen = handler_for("stdin", settings.format or "text")
    if chosen is None:
        raise UsageError(f"unknown --format {settings.format!r}")
    handler, suffix = chosen
    if handler.output_suffix:
        raise UsageError(f"--format {handler.name} cannot be read from standard input")
    if settings.mode != "decrypt":
        check_model(settings)
    summary = Summary()
    report = Report(opts.report, summary)
    report.start({"tool": "redactor", "version": tool_version(), "mode": settings.mode,
                  "policy": settings.policy if settings.mode != "decrypt" else None,
                  "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    transform = EngineTransform(settings, keyring)
    result = FileResult("-", "done", "-", format=handler.name)
    stdin = sys.stdin.buffer
    head = stdin.read(8192)
    transform.begin("-")
    try:
        if b"\x00" in head:
            raise FileSkipped("binary input (NUL byte in the first 8 KiB)")
        src: BinaryIO = read_stdin_prefixed(stdin, head)
        if not handler.streamed:
            import io

            data = src.read(settings.max_file_size + 1)
            if len(data) > settings.max_file_size:
                raise FileSkipped(f"input larger than --max-file-size {settings.max_file_size}")
            src = io.BytesIO(data)
        if settings.mode == "scan":
            with NullOutput() as dst:
                result.stats = handler.convert(src, dst, transform, settings.formats, suffix)
        else:
            out = sys.stdout.buffer
            result.stats = handler.convert(src, out, transform, settings.formats, suffix)
            out.flush()
    except FileSkipped as error:
        result.status, result.reason = "skipped", str(error)
    except FileFailed as error:
        result.status, result.reason = "error", str(error)
    except (BrokenPipeError, CliError):
        raise
    except Exception as error:  # noqa: BLE001 - reported as this input's error
        result.status, result.reason = "error", describe_error(error, opts.debug)
    finally:
        result.findings, _ = transform.end()
    result.seconds = time.perf_counter() - started
    report.file(result.record(), result.findings if result.status == "done" else [])
    if result.status != "done":
        print(f"{settings.mode}: {result.status}: standard input: {result.reason}", file=sys.stderr)
    found = any(f["score"] >= opts.fail_score for f in result.findings) and result.status == "done"
    failed = result.status == "error" or (result.status == "skipped" and opts.fail_on_skipped)
    code = ExitCode.FILE_ERRORS if failed else ExitCode.FOUND if settings.mode == "scan" and found else ExitCode.OK
    record = report.finish(time.perf_counter() - started, int(code))
    if settings.mode == "scan" and not opts.quiet:
        _print_summary(settings.mode, record, opts.report)
    return int(code)


def check_model(settings: Settings) -> None:
    """Fail before any work (and before starting workers) when there is no model."""
    path = settings.model or os.environ.get("REDACTOR_MODEL")
    if path is None:
        from redactor.assets import DEFAULT_MODEL_DIR

        if not (DEFAULT_MODEL_DIR / "model.safetensors").is_file():
            raise FatalError(f"the shipped model is missing ({DEFAULT_MODEL_DIR}); reinstall redactor, or "
                             f"give a checkpoint directory with --model or REDACTOR_MODEL")
    elif settings.model is not None and not (Path(path) / "model.safetensors").is_file():
        raise FatalError(f"--model {path}: not a checkpoint directory (no model.safetensors)")


def _model_name(settings: Settings) -> str:
    return settings.model or os.environ.get("REDACTOR_MODEL") or "shipped (redactor/assets/pii-minilm)"



def _print_summary(mode: str, record: dict[str, Any], report_path: Path | None) -> None:
    processed = record["files"] - record["resumed"]
    parts = [f"{record['files']} files: {record['done']} done, {record['skipped']} skipped, "
             f"{record['errors']} failed" + (f" ({record['resumed']} finished earlier)" if record["resumed"] else ""),
             f"{record['findings']} findings",
             f"{record['bytes'] / 1e6:.2f} MB in {record['seconds']:.1f} s"
             + (f" ({processed / record['seconds']:.2f} files/s, {record['mb_per_s']:.3f} MB/s)"
                if record["seconds"] else "")]
    if report_path is not None and str(report_path) != "-":
        parts.append(f"report: {report_path}")
    print(f"{mode}: " + "; ".join(parts), file=sys.stderr)
