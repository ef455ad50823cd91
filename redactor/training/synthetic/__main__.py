"""CLI: ``python -m redactor.training.synthetic --n 20000 --seed 0 --split train -o out.jsonl``."""

from __future__ import annotations

import argparse
import sys
import time

from redactor.training.records import write_jsonl
from redactor.training.synthetic.generate import generate
from redactor.training.synthetic.splits import SPLITS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m redactor.training.synthetic",
                                     description="Write seeded synthetic PII documents as JSONL.")
    parser.add_argument("--n", type=int, default=1000, help="number of documents")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", choices=SPLITS, default="train")
    parser.add_argument("-o", "--output", required=True, help="JSONL file to write")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    count = write_jsonl(args.output, generate(args.n, args.seed, args.split))
    elapsed = time.perf_counter() - started
    print(f"wrote {count} {args.split} documents to {args.output} in {elapsed:.1f}s "
          f"({count / max(elapsed, 1e-9):.0f} docs/s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
