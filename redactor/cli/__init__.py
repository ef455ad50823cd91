"""The ``redact`` command line: redacted copies of document dumps with an audit report.

One module per job:

* :mod:`~redactor.cli.main` -- argument parsing and the subcommands (redact, scan, decrypt,
  policies, keygen, train, eval); exit codes in :mod:`~redactor.cli.errors`.
* :mod:`~redactor.cli.settings` -- the picklable settings of a run and the policy they build.
* :mod:`~redactor.cli.walk` -- input discovery (include/exclude globs) and output paths.
* :mod:`~redactor.cli.formats` -- one handler per file format, all driven by a batch transform.
* :mod:`~redactor.cli.transform` -- the engine side of a handler: redact, scan or decrypt text
  units in batches and record located findings.
* :mod:`~redactor.cli.fileio` -- sniffing (binary, size), atomic writes, in-place backups.
* :mod:`~redactor.cli.runner` -- one file end to end, worker processes, the resume manifest.
* :mod:`~redactor.cli.report` -- the JSONL audit report and its summary.
* :mod:`~redactor.cli.progress` -- the terminal progress bar.

Nothing here is imported by the library; the engine is imported only by commands that need it,
so ``redact policies`` and ``redact keygen`` start without loading torch.
"""
