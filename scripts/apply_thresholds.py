"""Write calibrated per-label thresholds (``redactor.training.calibrate`` output) into
the shipped policy files, so the policies and the shipped model agree.

    python scripts/apply_thresholds.py thresholds.json policies/gdpr.yaml policies/hipaa.yaml

Only labels without an explicit override keep the calibrated value: a label whose
``threshold:`` line carries a comment (``# why``) is left alone.  The edit is textual
(comments and layout stay); the result is re-validated by loading the policy.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from redactor.policy import load_policy

LABEL = re.compile(r"^  (\w+):\s*$")
FIELD = re.compile(r"^    (\w+):")


def apply(text: str, thresholds: dict[str, float]) -> str:
    """The policy text with each calibrated label's ``threshold:`` set."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    key: str | None = None
    block: list[str] = []

    def flush() -> None:
        if key in thresholds and not any("threshold:" in b and "#" in b for b in block):
            kept = [b for b in block if not b.startswith("    threshold:")]
            at = next((i + 1 for i, b in enumerate(kept) if b.startswith("    entity_type:")), len(kept))
            kept.insert(at, f"    threshold: {thresholds[key]:.2f}\n")
            out.extend(kept)
        else:
            out.extend(block)

    for line in lines:
        match = LABEL.match(line)
        if match or (block and not FIELD.match(line) and not line.startswith("     ")):
            flush()
            block, key = [], None
        if match:
            key = match.group(1)
            out.append(line)
        elif key is not None:
            block.append(line)
        else:
            out.append(line)
    flush()
    return "".join(out)


def main(argv: list[str]) -> int:
    thresholds = json.loads(Path(argv[0]).read_text())
    for name in argv[1:]:
        path = Path(name)
        path.write_text(apply(path.read_text(), thresholds))
        load_policy(path.resolve())  # still valid
        print(f"{path}: thresholds applied")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
