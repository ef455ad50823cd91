"""CPU inference benchmark: redactor's GLiNER2 vs the reference ``gliner2`` package.

Both run the same weights (a seeded reference checkpoint on the bundled MiniLM
encoder, heads made decisive so decoding work is realistic) in the same process,
on the same ~50-word texts, with 5, 18 and 40 entity labels and batch sizes 1, 8
and 32.  Prints a markdown table: ms/text and input tokens/s (schema prompt + text
subwords, counted once per text), best of ``--repeats`` runs.

    HF_HUB_OFFLINE=1 python benchmarks/bench_inference.py [--texts 64] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from redactor import GLiNER2, Schema  # noqa: E402
from tests.reference_gliner2 import build_reference_checkpoint, load_reference  # noqa: E402

LABELS = [
    "person", "email address", "phone number", "street address", "city", "date of birth",
    "social security number", "credit card number", "iban", "ip address", "url", "username",
    "password", "medical record number", "health plan number", "account number",
    "driver license number", "passport number", "vehicle plate", "device serial number",
    "organization", "zip code", "fax number", "age", "nationality", "religion",
    "political opinion", "medical condition", "medication", "trade union",
    "sexual orientation", "ethnic origin", "biometric identifier", "api key",
    "employee id", "tax id", "national id", "bank name", "job title", "county",
]
WORDS = ("patient john smith was seen on 12/03/2021 at 42 main street springfield call "
         "+1 555 010 0199 or mail j.smith@example.com about invoice 4471 for the review of "
         "account 12345678 with our team and the insurance plan renewal next month please").split()


def make_texts(n: int, seed: int = 0) -> list[str]:
    """``n`` texts of about 50 words drawn from a PII-flavoured vocabulary."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(50)) + "." for _ in range(n)]


def best_time(run, repeats: int) -> float:
    """Best wall time of ``repeats`` runs after one warm-up."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(torch.get_num_threads())
    texts = make_texts(args.texts)
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint = build_reference_checkpoint(Path(tmp) / "ref")
        ours, reference = GLiNER2.from_pretrained(checkpoint), load_reference(checkpoint)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {len(texts)} texts "
          f"of ~50 words, best of {args.repeats}\n")
    print("| labels | batch | tokens/text | reference ms/text | ours ms/text | reference tok/s "
          "| ours tok/s | speed-up |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n_labels in (5, 18, 40):
        labels = LABELS[:n_labels]
        schema = Schema().entities(labels)
        encoded_schema = ours.prompts.encode_schema(schema)
        tokens = sum(len(ours.prompts.encode_text(t, encoded_schema).input_ids) for t in texts)
        for batch in (1, 8, 32):
            ref_s = best_time(lambda: reference.batch_extract(texts, {"entities": labels},
                                                              batch_size=batch), args.repeats)
            our_s = best_time(lambda: ours.extract(texts, schema, batch_size=batch), args.repeats)
            print(f"| {n_labels} | {batch} | {tokens / len(texts):.0f} "
                  f"| {1000 * ref_s / len(texts):.1f} | {1000 * our_s / len(texts):.1f} "
                  f"| {tokens / ref_s:,.0f} | {tokens / our_s:,.0f} | {ref_s / our_s:.2f}x |",
                  flush=True)


if __name__ == "__main__":
    main()
