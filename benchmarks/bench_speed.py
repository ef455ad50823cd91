"""CPU speed of the redaction paths, side by side on the same texts (issue #8).

Configurations, each timed in a fresh subprocess (so its peak RSS is its own):

* ``fast-gdpr``, ``fast-auto``: ``Redactor(policy)`` with the shipped model and the
  default fast paths (``recognizers.gliner2.fast_view``: exact-duplicate cache, static
  int8 encoder layers on the model's shipped calibration, the bfloat16 span grid where
  oneDNN runs bfloat16; the exact head, decoding and routing changes are in every path);
* ``plain-gdpr``, ``plain-auto``: the same with ``fast=False`` (fp32, no cache);
* ``fp32-gdpr`` (opt-in): the fast path without int8 (cache only), the default
  before int8 was;
* ``baseline-gdpr``, ``baseline-auto`` (with ``--baseline DIR``): ``fast=False`` on another
  checkpoint, the model before the speed work (v0.3, trained for the reference's joint
  layout), so the speed and the guard of both models come from the same run;
* ``names-gdpr`` (opt-in): label names without descriptions, one encoder pass;
* ``grid32-gdpr`` (opt-in): ``fast-gdpr`` with an fp32 span grid (``bf16_spans=False``),
  to show what the bfloat16 grid buys; ``reader-auto``: ``fast-auto`` with the routing
  task answered by the prompt's reader tokens (``pooled_routing=False``) instead of
  the model's pooled router;
* ``packed-gdpr`` (opt-in): the fast path with ``pack_chars=--pack-chars``: consecutive
  texts of a call share model inputs (its guard packs the evaluator's documents the
  same way, so it shows what the shared context costs; no routing there);
* ``gliner2``: the reference ``gliner2`` 2.1.0 package on the same weights (an fp32
  copy; the ``--baseline`` weights when given, since the reference only has the joint
  layout), given the same label groups and the same windows our plain path encodes
  (it has neither: 36 described labels overflow MiniLM's 512 positions);
* ``presidio``: Presidio's stock ``AnalyzerEngine`` with spaCy ``en_core_web_sm``.

Texts are seeded synthetic documents (held-out test families) cut to ~15 and ~55
words, and joined into ~2,000-word documents; every text is used once per
configuration (warm-up, throughput and latency texts are distinct, so the duplicate
cache never serves a timed text).  texts/s comes from calls of ``--batch-size``
texts (long documents: one per call), p50/p95 from one text per call, tokens/s
counts the texts' own MiniLM subwords.  A size of 0 skips that kind.  The guard
columns are the evaluator's scores (``redactor.training.evaluate``) on
``--eval-docs`` synthetic test documents for the model each configuration runs.

    HF_HUB_OFFLINE=1 python benchmarks/bench_speed.py [--short 200] [--medium 200] [--long 4]
        [--latency 50] [--eval-docs 150] [--threads N] [--configs fast-gdpr,presidio,...]
        [--model DIR] [--baseline DIR]

``--model`` times another checkpoint (e.g. one trained with ``schema_attention:
separate``) in every model configuration, the reference's included (on a layout the
reference does not have, only its speed means something).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

KINDS = ("short", "medium", "long")
WORDS = {"short": 15, "medium": 55, "long": 2000}
CONFIGS = ("fast-gdpr", "fast-auto", "plain-gdpr", "plain-auto", "baseline-gdpr", "baseline-auto", "names-gdpr",
           "fp32-gdpr", "grid32-gdpr", "reader-auto", "packed-gdpr", "gliner2", "presidio")
WARMUP = 1


# ------------------------------------------------------------------------------ texts

def make_texts(kind: str, n: int, seed: int = 7) -> list[str]:
    """``n`` distinct texts of about ``WORDS[kind]`` words from the synthetic generator."""
    from redactor.training.synthetic import generate

    words = WORDS[kind]
    if kind != "long":
        docs = (r.text for r in generate(4 * n + 50, seed, "test") if len(r.text.split()) >= words)
        return [" ".join(text.split()[:words]) for text in docs][:n]
    out: list[str] = []
    parts: list[str] = []
    for record in generate(n * 60 + 50, seed + 1, "test"):
        parts.append(record.text)
        if sum(len(p.split()) for p in parts) >= words:
            out.append(" ".join(" ".join(parts).split()[:words]))
            parts = []
            if len(out) == n:
                break
    return out


def text_sets(args: argparse.Namespace) -> dict[str, dict[str, list[str]]]:
    """Per kind: warm-up, throughput and latency texts, all distinct."""
    sets = {}
    for kind in KINDS:
        n = getattr(args, kind)
        if n:  # long documents: no warm-up, and their own per-call times give p50/p95
            latency = 0 if kind == "long" else args.latency
            warmup = 0 if kind == "long" else WARMUP
            texts = make_texts(kind, warmup + n + latency)
            sets[kind] = {"warmup": texts[:warmup], "timed": texts[warmup: warmup + n],
                          "latency": texts[warmup + n:]}
    return sets


# --------------------------------------------------------------------------- runners

Runner = Callable[[Sequence[str]], object]


def _memory() -> dict[str, float]:
    """Current and peak resident memory of this process, MB (Linux /proc)."""
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines()
                  if ":" in line)
    return {key: int(status[name].split()[0]) / 1024 for key, name in (("rss", "VmRSS"), ("peak", "VmHWM"))}


def _redactor_runner(config: str, pack_chars: int, baseline: Path | None) -> tuple[Runner, Any, bool]:
    """Redactor configurations: the runner, the model behind it, and ``describe``."""
    from redactor import Redactor
    from redactor.operators import KeyRing
    from redactor.recognizers.gliner2 import shared_model

    mode, policy = config.split("-", 1)
    options: dict[str, Any] = {"fast": mode not in ("plain", "baseline"), "describe": mode != "names"}
    if mode == "baseline":
        options["model"] = shared_model(baseline, fast=False)
    if mode == "fp32":
        options["model"] = shared_model(fast=False).optimized()
    if mode == "grid32":
        options["model"] = shared_model(fast=False).optimized(quantize=True, bf16_spans=False)
    if mode == "reader":
        options["model"] = shared_model(fast=True).with_options(pooled_routing=False)
    if mode == "packed":
        options["pack_chars"] = pack_chars
    redactor = Redactor(policy, keyring=KeyRing.generate(), **options)
    return redactor.analyze_batch, redactor.recognizer.model, options["describe"]


def _reference_runner(batch_size: int, baseline: Path | None) -> Runner:
    """The reference package on an fp32 copy of the shipped (or baseline) weights, fed
    the label groups and windows of that model's plain gdpr path (it has no grouping
    or windowing)."""
    from redactor.recognizers.gliner2 import GLiNER2Recognizer, shared_model
    from tests.reference_gliner2 import load_reference

    ours = shared_model(baseline, fast=False)
    with tempfile.TemporaryDirectory() as tmp:
        ours.save_pretrained(tmp)
        reference = load_reference(tmp)
    groups = ours.label_groups(GLiNER2Recognizer("gdpr", ours).schema())
    # the builder, as tests/test_parity.py uses it: a raw {"entities": {name: description}} dict
    # given to batch_extract drops the descriptions (measured: 143 instead of 336 positions)
    prompts = [reference.create_schema().entities({e.name: e.description for e in g.entity_types})
               for g in groups]

    def run(texts: Sequence[str]) -> object:
        out = []
        for group, prompt in zip(groups, prompts):
            pieces = [text[w.char_start: w.char_end] for text in texts
                      for w in ours.plan_windows(text, group)]
            out.append(reference.batch_extract(pieces, prompt, batch_size=batch_size, threshold=0.5))
        return out

    return run


def _presidio_runner() -> Runner:
    from redactor.training.presidio_baseline import build_analyzer

    analyzer = build_analyzer()
    return lambda texts: [analyzer.analyze(text, language="en") for text in texts]


def _guard(model: Any, describe: bool, docs: int, pack_chars: int = 0) -> dict[str, float | None]:
    """The evaluator's scores for ``model`` on ``docs`` synthetic test documents (packed
    into inputs of ``pack_chars`` characters when given; routing is then not measured)."""
    from redactor.training.evaluate import GLiNER2Predictor, micro, run
    from redactor.training.synthetic import generate

    records = list(generate(docs, 7, "test"))
    labels = sorted({s.label for r in records for s in r.spans})
    predictor = GLiNER2Predictor(model, describe=describe, route=not pack_chars, pack_chars=pack_chars)
    report = run(records, [predictor], labels)[0]
    routing = report.extra.get("routing")
    return {"char_recall": report.chars.recall or 0.0, "overlap_f1": micro(report.overlap).f1,
            "exact_f1": micro(report.exact).f1, "routing": routing["accuracy"] if routing else None}


def _timed(runner: Runner, texts: Sequence[str]) -> float:
    begin = time.perf_counter()
    runner(texts)
    return time.perf_counter() - begin


def worker(config: str, args: argparse.Namespace) -> dict[str, Any]:
    """Time one configuration in this process; returns a JSON-able row."""
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    sets = text_sets(args)
    started = time.perf_counter()
    model, describe = None, True
    if config == "presidio":
        runner = _presidio_runner()
    elif config == "gliner2":
        runner = _reference_runner(args.batch_size, args.baseline)
    else:
        runner, model, describe = _redactor_runner(config, args.pack_chars, args.baseline)
    row: dict[str, Any] = {"config": config, "load_s": time.perf_counter() - started,
                           "rss_after_load_mb": _memory()["rss"], "threads": torch.get_num_threads()}
    for kind, texts in sets.items():
        if texts["warmup"]:
            runner(texts["warmup"])
        timed = texts["timed"]
        size = args.batch_size if texts["latency"] else 1
        calls = [_timed(runner, timed[start: start + size]) for start in range(0, len(timed), size)]
        seconds = sum(calls)
        latencies = [_timed(runner, [text]) for text in texts["latency"]] or calls
        latencies = [1000 * t for t in latencies]
        cuts = statistics.quantiles(latencies, n=20, method="inclusive") if len(latencies) > 1 else latencies * 19
        row[kind] = {"texts_per_s": len(timed) / seconds, "seconds": seconds,
                     "p50_ms": statistics.median(latencies), "p95_ms": cuts[18],
                     "peak_rss_mb": _memory()["peak"]}
    if model is not None and args.eval_docs and not config.endswith("-auto"):  # -auto: the -gdpr model
        row["guard"] = _guard(model, describe, args.eval_docs, args.pack_chars if config.startswith("packed") else 0)
    return row


# ------------------------------------------------------------------------------ table

def count_tokens(texts: Sequence[str]) -> int:
    """The texts' own subwords under the shipped model's tokenizer (no prompt)."""
    from transformers import AutoTokenizer

    from redactor.assets import DEFAULT_MODEL_DIR

    tokenizer = AutoTokenizer.from_pretrained(str(DEFAULT_MODEL_DIR))
    tokenizer.model_max_length = sys.maxsize  # counting only: no warning about 512 positions
    return sum(len(tokenizer.tokenize(text)) for text in texts)


def markdown(rows: Sequence[dict[str, Any]], tokens: dict[str, int], args: argparse.Namespace) -> str:
    """One table: per configuration and text kind, speed; per configuration, the guard."""
    lines = ["| config | texts | texts/s | ms/text p50 / p95 | tokens/s | peak RSS MB | load s "
             "| RSS after load MB | eval char recall | eval overlap F1 | eval exact F1 | routing |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        guard = row.get("guard")
        scores = (["—" if guard[k] is None else f"{guard[k]:.3f}"
                   for k in ("char_recall", "overlap_f1", "exact_f1", "routing")]
                  if guard else ["—"] * 4)
        for i, kind in enumerate(k for k in KINDS if k in row):
            cell = row[kind]
            head = [row["config"], f"{getattr(args, kind)} × ~{WORDS[kind]} words"]
            tail = ([f"{row['load_s']:.1f}", f"{row['rss_after_load_mb']:.0f}", *scores] if i == 0
                    else [""] * 6)
            lines.append("| " + " | ".join([
                *head, f"{cell['texts_per_s']:.2f}", f"{cell['p50_ms']:.0f} / {cell['p95_ms']:.0f}",
                f"{tokens[kind] / cell['seconds']:,.0f}", f"{cell['peak_rss_mb']:.0f}", *tail]) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--short", type=int, default=200, help="~15-word texts timed")
    parser.add_argument("--medium", type=int, default=200, help="~55-word texts timed")
    parser.add_argument("--long", type=int, default=4, help="~2,000-word documents timed, one per call")
    parser.add_argument("--latency", type=int, default=50, help="extra texts per kind timed one per call")
    parser.add_argument("--batch-size", type=int, default=8, help="texts per call for texts/s")
    parser.add_argument("--eval-docs", type=int, default=150, help="evaluator documents (0: no guard)")
    parser.add_argument("--pack-chars", type=int, default=1000, help="packed-gdpr: characters per model input")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated, from: " + ", ".join(CONFIGS))
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--model", type=Path, help="checkpoint directory to time instead of the shipped model "
                        "(every model configuration; its policies' thresholds stay the shipped ones)")
    parser.add_argument("--baseline", type=Path, help="checkpoint before the speed work: the baseline-* rows, "
                        "and the weights the gliner2 row runs")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args)))
        return
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = sorted(set(configs) - set(CONFIGS))
    if unknown:
        parser.error(f"unknown configs {unknown}")
    if not args.baseline:  # the default list names them; an explicit request needs the checkpoint
        asked = [c for c in configs if c.startswith("baseline-")]
        if asked and args.configs != ",".join(CONFIGS):
            parser.error(f"{asked} need --baseline DIR")
        configs = [c for c in configs if c not in asked]
    if args.model:  # workers load models through shared_model, which reads $REDACTOR_MODEL
        from redactor.recognizers.gliner2 import MODEL_ENV

        os.environ[MODEL_ENV] = str(args.model.resolve())
    sets = text_sets(args)
    tokens = {kind: count_tokens(texts["timed"]) for kind, texts in sets.items()}
    rows = []
    for config in configs:
        done = subprocess.run([sys.executable, __file__, *_worker_args(args), "--worker", config],
                              capture_output=True, text=True, check=False)
        if done.returncode:
            sys.exit(f"{config} failed:\n{done.stderr[-3000:]}")
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"{config}: done in {rows[-1]['load_s']:.1f} s load", file=sys.stderr, flush=True)
    import torch

    print(f"torch {torch.__version__}, {rows[0]['threads']} threads, {os.cpu_count()} CPUs; "
          f"batch {args.batch_size}; latency over {args.latency} texts per kind; guard on "
          f"{args.eval_docs} synthetic test documents (the -auto rows run the -gdpr rows' model)\n")
    print(markdown(rows, tokens, args))
    if args.json:
        args.json.write_text(json.dumps({"tokens": tokens, "rows": rows}, indent=2) + "\n")


def _worker_args(args: argparse.Namespace) -> list[str]:
    """The size flags a worker needs to rebuild the same texts."""
    return [f"--{name.replace('_', '-')}={getattr(args, name)}"
            for name in ("short", "medium", "long", "latency", "batch_size", "eval_docs", "threads")] + (
        [f"--baseline={args.baseline.resolve()}"] if args.baseline else [])


if __name__ == "__main__":
    main()
