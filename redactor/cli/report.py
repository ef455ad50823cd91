"""The JSONL audit report.

One JSON object per line, each with a ``type``:

* ``run`` (first line): tool version, mode, policy, model, key id, settings digest, start
  time, whether the run resumed an earlier one.
* ``finding``: ``path`` (relative input name), the location fields of its format
  (``line`` | ``pointer`` (+ ``record`` = line of a JSON Lines file) | ``row`` and
  ``column`` | ``part`` and ``header``/``mime`` | ``offset`` (+ ``attribute``) for HTML),
  ``start``/``end`` (character offsets in that line, value, cell, header or text node),
  ``label``, ``entity_type``, ``policy``, ``operator``, ``score``, ``recognizer`` and, with
  routing, ``domain``; with ``--report-hash`` a keyed ``hash`` (HMAC-SHA256 under the run's
  key, 16 hex digits).  **Never the value itself.**
* ``file``: ``path``, ``status`` (``done`` | ``skipped`` | ``error``), ``format``, ``output``
  and ``output_format`` (``text`` for .docx/.pdf), ``bytes``, ``findings``, ``seconds``,
  ``reason`` (skipped) or ``error``, and format counters.
* ``summary`` (last line): ``files``, ``done``, ``skipped``, ``errors``, ``resumed`` (finished
  by an earlier run), ``findings``, ``findings_by_label``, ``findings_by_entity_type``,
  ``bytes``, ``seconds``, ``files_per_s``, ``mb_per_s``, ``exit_code``.

File names are reported as they are: name files so that their names hold no personal data.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any


@dataclass
class Summary:
    files: int = 0
    done: int = 0
    skipped: int = 0
    errors: int = 0
    resumed: int = 0
    findings: int = 0
    by_label: Counter[str] = field(default_factory=Counter)
    by_entity_type: Counter[str] = field(default_factory=Counter)
    bytes: int = 0
    max_score: float = 0.0

    def add_file(self, record: dict[str, Any], *, resumed: bool = False) -> None:
        self.files += 1
        status = record.get("status")
        self.done += status == "done"
        self.skipped += status == "skipped"
        self.errors += status == "error"
        self.resumed += resumed
        if not resumed:
            self.bytes += int(record.get("bytes") or 0)

    def add_finding(self, record: dict[str, Any]) -> None:
        self.findings += 1
        self.by_label[record["label"]] += 1
        self.by_entity_type[record["entity_type"]] += 1
        self.max_score = max(self.max_score, float(record.get("score") or 0.0))

    def record(self, seconds: float, exit_code: int) -> dict[str, Any]:
        processed = self.files - self.resumed
        return {"type": "summary", "files": self.files, "done": self.done, "skipped": self.skipped,
                "errors": self.errors, "resumed": self.resumed, "findings": self.findings,
                "findings_by_label": dict(sorted(self.by_label.items())),
                "findings_by_entity_type": dict(sorted(self.by_entity_type.items())),
                "bytes": self.bytes, "seconds": round(seconds, 3),
                "files_per_s": round(processed / seconds, 3) if seconds > 0 else None,
                "mb_per_s": round(self.bytes / 1e6 / seconds, 4) if seconds > 0 else None,
                "exit_code": exit_code}


class Report:
    """Writes the report; on ``--resume`` keeps the earlier run's records of finished files
    (``keep``) and drops the rest (a file cut short by the kill is redone and re-reported)."""

    def __init__(self, path: Path | None, summary: Summary, *, keep: set[str] | None = None) -> None:
        self.path = path
        self.summary = summary
        self._kept: list[dict[str, Any]] = []
        self._handle: IO[str] | None = None
        self._pending_rename: tuple[Path, Path] | None = None
        if path is None:
            return
        if keep is not None and path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue  # the last line, cut by the kill
                if record.get("type") in ("finding", "file") and record.get("path") in keep:
                    self._kept.append(record)
        if str(path) == "-":
            self._handle = sys.stdout
        else:  # written beside and renamed over the old report once the kept records are in
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            self._handle = open(tmp, "w", encoding="utf-8")  # noqa: SIM115
            self._pending_rename = (tmp, path)

    def start(self, run: dict[str, Any]) -> None:
        """The run header, then the kept records of an earlier run (counted as resumed)."""
        self._write({"type": "run", **run})
        for record in self._kept:
            self._write(record)
            if record["type"] == "finding":
                self.summary.add_finding(record)
            else:
                self.summary.add_file(record, resumed=True)
        self._kept = []
        self._flush()
        if self._pending_rename is not None:
            os.replace(*self._pending_rename)  # the open handle follows the file
            self._pending_rename = None

    def file(self, record: dict[str, Any], findings: list[dict[str, Any]]) -> None:
        for finding in findings:
            self.summary.add_finding(finding)
            self._write(finding)
        self.summary.add_file(record)
        self._write(record)
        self._flush()

    def finish(self, seconds: float, exit_code: int) -> dict[str, Any]:
        summary = self.summary.record(seconds, exit_code)
        self._write(summary)
        self._flush()
        if self._handle is not None and self._handle is not sys.stdout:
            self._handle.close()
        return summary

    def _write(self, record: dict[str, Any]) -> None:
        if self._handle is not None:
            self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")

    def _flush(self) -> None:
        if self._handle is not None:
            self._handle.flush()
