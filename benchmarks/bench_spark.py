"""Rows per second of ``redactor.spark.redact_column`` in Spark local mode, ``local[1]`` vs ``local[2]``.

    HF_HUB_OFFLINE=1 python benchmarks/bench_spark.py                      # 20,000 rows (hours on 2 busy cores)
    HF_HUB_OFFLINE=1 python benchmarks/bench_spark.py --rows 500           # a quick check
    HF_HUB_OFFLINE=1 python benchmarks/bench_spark.py --policy gdpr --masters 'local[1],local[2],local[4]' --baseline

What runs: a seeded mix of ``--rows`` texts (log lines, clinical-style notes, customer
records, chat messages, and sentences with no personal data; Faker people, e-mail
addresses, phones, cards, IBANs, IPs), spread over ``--partitions`` partitions (default:
4 per core of the master) and redacted with ``redact_column`` under ``--policy``; the result
goes to Spark's ``noop`` sink, so every row is computed and nothing is written.  For each
master a fresh session first runs a warm-up job (one row per partition: every Python worker
starts and loads the model), then the timed job; rows/s is the timed job's.  Keyed policies
get a fresh key through the executors' ``REDACTOR_KEY_FILE``.  ``--baseline`` adds the
local ``Redactor.redact_batch`` in this process (no Spark).  This is a benchmark, not a
test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cli import Values  # noqa: E402  (the CLI benchmark's seeded personal data)


def make_rows(n: int, seed: int) -> list[str]:
    """``n`` mixed texts, reproducible from ``seed``."""
    v = Values(seed)
    kinds = [
        lambda: f"{v.fake.iso8601()} INFO login user={v.email()} ip={v.ip()} status=ok",
        lambda: f"{v.fake.iso8601()} WARN payment failed for {v.person()} card={v.card()}",
        v.note,
        lambda: f"Customer {v.person()}, {v.phone()}, IBAN {v.iban()}: {v.sentence()}",
        lambda: f"Hi {v.fake.first_name()}, can you call me back at {v.phone()}? Thanks, {v.person()}",
        v.sentence,
    ]
    return [kinds[v.rng.randrange(len(kinds))]() for _ in range(n)]


def run_spark(master: str, texts: list[str], policy: str, partitions: int | None,
              conf: dict[str, str]) -> dict[str, float | str]:
    from redactor.spark import local_session, redact_column

    started = time.perf_counter()
    spark = local_session(master, "redactor-bench", {"spark.log.level": "ERROR", **conf})
    try:
        parts = partitions or 4 * spark.sparkContext.defaultParallelism
        frame = spark.createDataFrame([(t,) for t in texts], "text string").repartition(parts).cache()
        frame.count()
        warm = spark.createDataFrame([(t,) for t in texts[:parts]], "text string").repartition(parts)
        warm.select(redact_column("text", policy)).write.format("noop").mode("overwrite").save()
        ready = time.perf_counter()
        frame.select(redact_column("text", policy).alias("r")).write.format("noop").mode("overwrite").save()
        seconds = time.perf_counter() - ready
    finally:
        spark.stop()
    return {"run": master, "partitions": parts, "start_s": ready - started, "seconds": seconds}


def run_local(texts: list[str], policy: str) -> dict[str, float | str]:
    from redactor import Redactor

    started = time.perf_counter()
    redactor = Redactor(policy)
    redactor.redact_batch(texts[:1])
    ready = time.perf_counter()
    for start in range(0, len(texts), 256):
        redactor.redact_batch(texts[start:start + 256])
    return {"run": "Redactor, no Spark", "partitions": "-", "start_s": ready - started,
            "seconds": time.perf_counter() - ready}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20000, help="texts to redact (default 20000)")
    parser.add_argument("--masters", default="local[1],local[2]", help="comma-separated Spark masters")
    parser.add_argument("--policy", default="hipaa", help="policy (default hipaa: needs no key)")
    parser.add_argument("--partitions", type=int, help="partitions (default 4 per core of the master)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--baseline", action="store_true", help="also time the local Redactor (no Spark)")
    args = parser.parse_args()

    from redactor.cli.settings import policy_needs_key
    from redactor.operators import KeyRing

    texts = make_rows(args.rows, args.seed)
    chars = sum(map(len, texts))
    print(f"{len(texts)} texts, {chars / len(texts):.0f} characters on average, policy {args.policy}, "
          f"{os.cpu_count()} CPU cores", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        conf = {}
        if policy_needs_key(args.policy):
            conf["spark.executorEnv.REDACTOR_KEY_FILE"] = str(KeyRing.generate().write_key_file(
                Path(folder) / "bench.key"))
            os.environ["REDACTOR_KEY_FILE"] = conf["spark.executorEnv.REDACTOR_KEY_FILE"]  # --baseline
        rows = [run_spark(master.strip(), texts, args.policy, args.partitions, conf)
                for master in args.masters.split(",")]
        if args.baseline:
            rows.append(run_local(texts, args.policy))
    first = rows[0]["seconds"]
    print("\n| run | partitions | start + model load (s) | redact (s) | rows/s | speed-up |\n"
          "|---|---:|---:|---:|---:|---:|")
    for row in rows:
        seconds = float(row["seconds"])
        print(f"| {row['run']} | {row['partitions']} | {float(row['start_s']):.1f} | {seconds:.1f} | "
              f"{len(texts) / seconds:.1f} | {float(first) / seconds:.2f}x |")


if __name__ == "__main__":
    main()
