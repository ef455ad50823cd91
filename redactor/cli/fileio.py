"""File-system safety: what may be opened, atomic writes, in-place backups.

Fail closed: an output appears under its final name only by ``os.replace`` of a complete,
fsynced temporary file in the same directory.  A file that fails leaves nothing behind
(the temporary file is removed); a run killed mid-file leaves at most a temporary file
named ``.NAME.<random>.redactor-tmp`` (swept at the start of the next run into the same
output).  Temporary files only ever hold transformed text.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from redactor.cli.errors import FileFailed, FileSkipped

TMP_SUFFIX = ".redactor-tmp"
SNIFF_BYTES = 8192


def check_readable(path: Path, *, streamed: bool, binary_format: bool, max_size: int) -> int:
    """The file's size; ``FileFailed`` if it is not a readable regular file,
    ``FileSkipped`` if it is too large for a whole-read format or looks binary."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise FileFailed("cannot read: no such file (a broken symbolic link?)") from None
    except OSError as error:
        raise FileFailed(f"cannot read: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise FileFailed("not a regular file")
    check_size(info.st_size, streamed=streamed, max_size=max_size)
    if not binary_format:
        with open_input(path) as handle:
            check_head(handle.read(SNIFF_BYTES))
    return info.st_size


def check_size(size: int, *, streamed: bool, max_size: int) -> None:
    """``FileSkipped`` if a format that is read whole would hold more than ``max_size`` bytes."""
    if not streamed and size > max_size:
        raise FileSkipped(f"file of {size} bytes is larger than --max-file-size {max_size} "
                          f"(this format is read whole)")


def check_head(head: bytes) -> None:
    """``FileSkipped`` if the first ``SNIFF_BYTES`` of a text format hold a NUL byte (binary)."""
    if b"\x00" in head[:SNIFF_BYTES]:
        raise FileSkipped("binary file (NUL byte in the first 8 KiB)")


def open_input(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as error:
        raise FileFailed(f"cannot read: {error.strerror}") from None


@contextlib.contextmanager
def atomic_output(target: Path, mode: int | None = None) -> Iterator[BinaryIO]:
    """A temporary file next to ``target`` that replaces it only if the block succeeds."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TMP_SUFFIX, dir=target.parent)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT):
            raise  # the whole run cannot go on (the worker makes it fatal)
        raise FileFailed(f"cannot write the output: {error.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, stat.S_IMODE(mode))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def backup(path: Path, suffix: str) -> Path:
    """Copy ``path`` to ``path + suffix`` before it is replaced in place.

    An existing backup is never overwritten (it may be the only copy of the original).  If
    it holds the same bytes as ``path`` it is reused (a run was killed between backup and
    replace).  If it differs the file fails, also on ``--resume``: the backup may be the
    user's own, or the file may have been replaced just before a kill; telling those apart
    is left to a person rather than guessed.
    """
    target = path.with_name(path.name + suffix)
    if target.exists() or target.is_symlink():
        if target.is_file() and _same_bytes(target, path):
            return target
        raise FileFailed(f"backup {target.name} already exists and differs from the file; not overwriting "
                         f"it (if an interrupted run already redacted this file, check it and remove the "
                         f"backup's copy elsewhere)")
    try:
        shutil.copy2(path, target)
    except OSError as error:
        raise FileFailed(f"cannot write the backup: {error.strerror}") from None
    return target


def _same_bytes(a: Path, b: Path) -> bool:
    import filecmp

    try:
        return filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def sweep_temporaries(root: Path) -> int:
    """Remove temporary files a killed run left under ``root``; returns how many."""
    removed = 0
    if not root.is_dir():
        return 0
    for directory, _, files in os.walk(root):
        for name in files:
            if name.startswith(".") and name.endswith(TMP_SUFFIX):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(directory, name))
                    removed += 1
    return removed


class NullOutput:
    """A writable binary sink that keeps nothing (``scan``)."""

    def __enter__(self) -> BinaryIO:
        import io

        class _Null(io.RawIOBase):
            def writable(self) -> bool:
                return True

            def write(self, data) -> int:  # type: ignore[no-untyped-def, override]
                return len(data)

        return io.BufferedWriter(_Null())  # type: ignore[return-value]

    def __exit__(self, *exc: object) -> None:
        return None
