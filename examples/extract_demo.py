"""Main job until the `redact` CLI lands (issue #5): find PII in a sample folder.

Runs the GLiNER2 API end to end with ``--model DIR``, else the PII model shipped
inside the package (``GLiNER2.default()``).  No model ships yet (issue #3): then it
says so and runs *untrained* heads on the bundled MiniLM encoder — the pipeline runs,
its findings are meaningless.

    HF_HUB_OFFLINE=1 python examples/extract_demo.py examples/sample_docs [--model DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from redactor import CheckpointError, GLiNER2, Schema
from redactor.training.labels import DOMAINS, TRAINED

SCHEMA = (Schema()
          .entities({label.name: label.descriptions[0] for label in TRAINED[:12]})
          .classification("domain", list(DOMAINS)))


def main() -> None:
    parser = argparse.ArgumentParser(description="Extract PII spans from every .txt file in a folder")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--model", type=Path, help="GLiNER2 checkpoint directory")
    args = parser.parse_args()
    if args.model:
        model = GLiNER2.from_pretrained(args.model)
    else:
        try:
            model = GLiNER2.default()
        except CheckpointError:
            print("note: no shipped model in this installation yet; using UNTRAINED heads")
            model = GLiNER2.from_encoder()
    paths = sorted(args.folder.glob("*.txt"))
    results = model.extract([p.read_text(encoding="utf-8") for p in paths], SCHEMA)
    for path, result in zip(paths, results):
        print(json.dumps({"file": path.name, **result}, ensure_ascii=False))


if __name__ == "__main__":
    main()
