"""Main job until the shipped PII model and the `redact` CLI land (issues #3, #5).

Runs the GLiNER2 API end to end on a sample folder.  No trained PII model ships yet,
so this loads ``--model DIR`` when given, and otherwise builds an *untrained* model on
the bundled MiniLM encoder: the pipeline runs, but its findings are meaningless.

    HF_HUB_OFFLINE=1 python examples/extract_demo.py examples/sample_docs [--model DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from redactor import GLiNER2, Schema

SCHEMA = (Schema()
          .entities({"person": "names of people", "email address": "e-mail addresses",
                     "phone number": "telephone or fax numbers", "street address": "postal addresses"})
          .classification("domain", ["health", "finance", "employment", "no personal data"]))


def main() -> None:
    parser = argparse.ArgumentParser(description="Extract PII spans from every .txt file in a folder")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--model", type=Path, help="GLiNER2 checkpoint directory")
    args = parser.parse_args()
    if args.model:
        model = GLiNER2.from_pretrained(args.model)
    else:
        print("note: no trained model given; using UNTRAINED heads (output is not meaningful)")
        model = GLiNER2.from_encoder()
    paths = sorted(args.folder.glob("*.txt"))
    results = model.extract([p.read_text(encoding="utf-8") for p in paths], SCHEMA)
    for path, result in zip(paths, results):
        print(json.dumps({"file": path.name, **result}, ensure_ascii=False))


if __name__ == "__main__":
    main()
