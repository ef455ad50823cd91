"""What a schema encoded once per schema buys (issue #8): texts/s of the GLiNER2 model
under each ``schema_attention`` layout, on the GDPR policy prompt with routing, same
weights, same texts, one process.

Only the layout the shipped model was trained for (``separate`` since v0.4) gives
meaningful findings: the other rows run its weights under a layout they never
learned, so only their speed is measured (the work per text does not depend on the
weights).  A model must be trained with a layout (``train.schema_attention`` in the
recipe) before its accuracy there means anything.

    HF_HUB_OFFLINE=1 python benchmarks/bench_schema_attention.py [--short 96] [--medium 96]
        [--batch-size 8] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    import torch

    from benchmarks.bench_speed import make_texts
    from redactor import GLiNER2
    from redactor.model.decoding import OutputOptions
    from redactor.recognizers.gliner2 import GLiNER2Recognizer
    from redactor.training.collate import DOMAIN_TASK
    from redactor.training.labels import DOMAINS

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--short", type=int, default=96)
    parser.add_argument("--medium", type=int, default=96)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    schema = GLiNER2Recognizer("gdpr", GLiNER2.default()).schema()  # the policy's prompt and thresholds
    schema.classification(DOMAIN_TASK, list(DOMAINS))
    texts = {kind: make_texts(kind, n + args.batch_size) for kind, n in (("short", args.short),
                                                                       ("medium", args.medium)) if n}
    opts = OutputOptions(threshold=1.0, decoding="flat")  # per-label thresholds apply, as in the recognizer
    print(f"| layout | label groups | texts | texts/s | ms/text | (batch {args.batch_size}, "
          f"{args.threads} threads) |")
    print("|---|---:|---|---:|---:|---|")
    trained = GLiNER2.default().config.schema_attention
    for layout in ("joint", "prefix", "separate"):
        model = GLiNER2.default()
        model.set_schema_attention(layout)  # type: ignore[arg-type]
        groups = len(model.label_groups(schema))
        for kind, batch in texts.items():
            warm, timed = batch[: args.batch_size], batch[args.batch_size:]
            model.extract_raw(warm, schema, opts, args.batch_size)  # warm-up, schema states cached
            start = time.perf_counter()
            for begin in range(0, len(timed), args.batch_size):
                model.extract_raw(timed[begin: begin + args.batch_size], schema, opts, args.batch_size)
            seconds = time.perf_counter() - start
            note = "trained layout" if layout == trained else "speed only (not trained for it)"
            print(f"| {layout} | {groups} | {len(timed)} × ~{len(timed[0].split())} words | "
                  f"{len(timed) / seconds:.1f} | {1000 * seconds / len(timed):.1f} | {note} |")


if __name__ == "__main__":
    main()
