"""Which files a run covers, and where each one's output goes.

Inputs are files and directories; directories are walked recursively in sorted order
(symbolic links to directories are not followed; links to files are, and a broken one is
reported as an error).  Each file gets a *relative name*: its path below the input
directory when one directory is given, prefixed by the directory's own name when several
inputs are given, the bare file name for a file input.  Outputs mirror these names under
``--out``.

``--include`` / ``--exclude`` are shell globs (``*``, ``?``, ``[...]``; ``*`` also matches
``/``).  A file is taken when it matches some include (default: all) by relative name or
by file name, and no exclude by relative name or by any one path component
(``--exclude .git`` drops a whole ``.git`` folder).  Folders named ``.redactor`` (run
state), the output folder itself, backups of an in-place run and temporary files are
never taken.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from redactor.cli.errors import UsageError
from redactor.cli.fileio import TMP_SUFFIX

STATE_DIR_NAME = ".redactor"


@dataclass(frozen=True)
class Item:
    src: Path
    rel: str  # posix relative name (see the module docstring)


def discover(inputs: list[Path], include: list[str], exclude: list[str], *, avoid: list[Path],
             ignore_suffixes: tuple[str, ...] = (), skip_files: tuple[Path, ...] = ()) -> list[Item]:
    """The files to process, sorted by relative name.  ``avoid``: folders never walked into
    (the output and state folders); ``skip_files``: files of the run itself (report, vault)."""
    avoid_resolved = {p.resolve() for p in avoid}
    skip_resolved = {p.resolve() for p in skip_files}
    items: list[Item] = []
    several = len(inputs) > 1
    for root in inputs:
        if not root.exists() and not root.is_symlink():
            raise UsageError(f"{root}: no such file or directory")
        if root.is_dir():
            if root.resolve() in avoid_resolved:
                raise UsageError(f"{root}: is the output folder; use --in-place to redact a folder in place")
            prefix = PurePosixPath(root.resolve().name) if several else PurePosixPath()
            for directory, dirs, files in os.walk(root):
                here = Path(directory)
                dirs[:] = sorted(d for d in dirs if d != STATE_DIR_NAME
                                 and (here / d).resolve() not in avoid_resolved)
                for name in sorted(files):
                    path = here / name
                    rel = prefix / PurePosixPath(path.relative_to(root).as_posix())
                    items.append(Item(path, str(rel)))
        else:
            items.append(Item(root, root.name))
    chosen = [item for item in items
              if _taken(item.rel, include, exclude)
              and not item.rel.endswith(TMP_SUFFIX)
              and not any(item.rel.endswith(s) for s in ignore_suffixes)
              and (not skip_resolved or item.src.resolve() not in skip_resolved)]
    seen: dict[str, Path] = {}
    for item in chosen:
        if item.rel in seen:
            raise UsageError(f"two inputs map to the same output name {item.rel!r}: {seen[item.rel]} and "
                             f"{item.src}; give their parent folder instead")
        seen[item.rel] = item.src
    return sorted(chosen, key=lambda item: item.rel)


def _taken(rel: str, include: list[str], exclude: list[str]) -> bool:
    name = PurePosixPath(rel).name
    if include and not any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(name, p) for p in include):
        return False
    parts = PurePosixPath(rel).parts
    return not any(fnmatch.fnmatchcase(rel, p) or any(fnmatch.fnmatchcase(part, p) for part in parts)
                   for p in exclude)


def output_for(out_root: Path, rel: str, output_suffix: str = "") -> Path:
    return out_root / PurePosixPath(rel + output_suffix)
