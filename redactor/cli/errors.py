"""Exit codes and the exceptions that map to them.

===  ==================================================================================
0    success (``scan``: no finding at or above ``--fail-score``)
1    ``scan`` found personal data at or above ``--fail-score``
2    usage or configuration error (bad option, unknown or invalid policy, bad globs)
3    some files failed (each has an ``error`` entry in the report; the others are done)
4    fatal: nothing (more) could be done (missing or bad key, model missing, output
     not writable, a worker process died)
===  ==================================================================================

When several apply, the highest wins: a scan that found personal data *and* could not
read some files exits 3, because its answer is incomplete.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FOUND = 1
    USAGE = 2
    FILE_ERRORS = 3
    FATAL = 4


EXIT_CODES_HELP = """\
exit codes:
  0  success (scan: nothing found at or above --fail-score)
  1  scan found personal data at or above --fail-score
  2  usage or configuration error (bad option, invalid policy)
  3  some files failed (see the error entries in the report); the rest were processed
  4  fatal error (missing or bad key, model missing, output not writable, worker died)
"""


class CliError(Exception):
    """An error that ends the command with ``code``; the message is shown as is."""

    code: ExitCode = ExitCode.FATAL

    def __init__(self, message: str, code: ExitCode | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class UsageError(CliError):
    code = ExitCode.USAGE


class FatalError(CliError):
    code = ExitCode.FATAL


class FileSkipped(Exception):
    """The file is not processed, for a reason that is not a failure (unsupported format,
    binary, too large); it gets no output and a ``skipped`` entry in the report."""


class FileFailed(Exception):
    """The file could not be processed (malformed, invalid UTF-8, unreadable); it gets no
    output and an ``error`` entry in the report.  Messages never quote file content."""
