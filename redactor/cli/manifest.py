"""The resume manifest: one JSON line per finished file, appended and fsynced.

A file is *finished* once its output is in place (``done``) or it was ``skipped``; a
later ``--resume`` run skips it if the input's size and modification time are unchanged
and the run settings have the same digest (otherwise ``--resume`` is refused: mixing
outputs of two configurations would make a tree no single run could have written).
Files with an ``error`` entry are retried.  Outputs are deterministic for the same
settings and key (encryption with ``aes_gcm`` aside: its tokens are randomized by design),
so a resumed tree is byte-identical to an uninterrupted run's.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from redactor.cli.errors import UsageError

FINISHED = ("done", "skipped")


class Manifest:
    def __init__(self, path: Path, digest: str, *, resume: bool) -> None:
        self.path = path
        self.digest = digest
        self.entries: dict[str, dict[str, Any]] = {}
        if resume:
            self._load()
        path.parent.mkdir(parents=True, exist_ok=True)
        if not resume or not path.exists():
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(json.dumps({"type": "run", "digest": digest}) + "\n")
        self._handle = open(path, "a", encoding="utf-8")  # noqa: SIM115

    def _load(self) -> None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return
        for number, line in enumerate(lines, start=1):
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                if number == len(lines):  # a line cut by the kill
                    break
                raise UsageError(f"--resume: {self.path} line {number} is not JSON; "
                                 f"run without --resume to start over") from None
            if entry.get("type") == "run":
                if entry.get("digest") != self.digest:
                    raise UsageError(f"--resume: the settings (policy, model, key, options or inputs) "
                                     f"differ from the interrupted run's ({self.path}); run without "
                                     f"--resume to start over")
            else:
                self.entries[entry["path"]] = entry

    def finished(self, rel: str, src: Path) -> bool:
        entry = self.entries.get(rel)
        if entry is None or entry.get("status") not in FINISHED:
            return False
        try:
            info = src.stat()
        except OSError:
            return False
        return entry.get("size") == info.st_size and entry.get("mtime_ns") == info.st_mtime_ns

    def add(self, rel: str, status: str, src: Path) -> None:
        entry: dict[str, Any] = {"path": rel, "status": status}
        try:
            info = src.stat()
            entry |= {"size": info.st_size, "mtime_ns": info.st_mtime_ns}
        except OSError:
            pass
        self.entries[rel] = entry
        self._handle.write(json.dumps(entry) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()
