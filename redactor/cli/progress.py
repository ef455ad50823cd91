"""The progress bar: files/s, MB/s and ETA on a terminal (stderr), nothing in pipes."""

from __future__ import annotations

import sys
from typing import Any


class Progress:
    def __init__(self, total: int, *, enabled: bool | None = None, desc: str = "redact") -> None:
        if enabled is None:
            enabled = sys.stderr.isatty()
        self._bar: Any = None
        self._bytes = 0
        if enabled and total:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self._bar = tqdm(total=total, unit="file", desc=desc, file=sys.stderr, dynamic_ncols=True,
                             smoothing=0.1)

    def update(self, nbytes: int) -> None:
        if self._bar is None:
            return
        self._bytes += nbytes
        elapsed = self._bar.format_dict.get("elapsed") or 0
        if elapsed > 0:
            self._bar.set_postfix_str(f"{self._bytes / 1e6 / elapsed:.2f} MB/s", refresh=False)
        self._bar.update(1)

    def write(self, message: str) -> None:
        if self._bar is not None:
            self._bar.write(message, file=sys.stderr)
        else:
            print(message, file=sys.stderr)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
