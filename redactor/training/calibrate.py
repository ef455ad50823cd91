"""Per-label thresholds picked on dev data, recall first (issue #3).

One probability cut for every label is wrong twice: rare, hard labels need a lower
cut to be found at all, and labels the model is sure about can afford a higher one
for precision.  For each label we pick the cut that maximises F-beta of the
overlap match on a dev set, with beta = 2 by default (recall weighs four times
precision: a missed identifier is a leak, a spurious mask is a nuisance).

CLI::

    python -m redactor.training.calibrate DEV.jsonl --model DIR --out thresholds.json
        [--beta 2] [--limit N]

The JSON maps label key -> threshold; the evaluator takes it with ``--thresholds``
and the shipped policies copy it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from redactor.training.evaluate import Counts, GLiNER2Predictor, label_counts
from redactor.training.records import Record, SpanLabel, load_records

GRID: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(1, 20))  # 0.05 .. 0.95


def f_beta(counts: Counts, beta: float) -> float:
    """F-beta of precision and recall (0 when both are 0)."""
    p, r = counts.precision, counts.recall
    return (1 + beta**2) * p * r / (beta**2 * p + r) if p + r else 0.0


def scored_predictions(predictor: GLiNER2Predictor, texts: Sequence[str], labels: Sequence[str]
                       ) -> list[list[tuple[SpanLabel, float]]]:
    """Every span the model reports at the lowest grid cut, with its probability."""
    from redactor import Schema

    entities = predictor.prompt(labels)
    to_key = dict(zip(entities, labels))
    for options in entities.values():
        options["threshold"] = GRID[0]
    results = predictor.model.extract(list(texts), Schema().entities(entities), threshold=GRID[0],
                                      batch_size=predictor.batch_size, decoding=predictor.decoding)
    return [[(SpanLabel(int(s["start"]), int(s["end"]), to_key[name]), float(s["confidence"]))
             for name, spans in result["entities"].items() for s in spans] for result in results]


def pick_thresholds(records: Sequence[Record], scored: Sequence[Sequence[tuple[SpanLabel, float]]],
                    labels: Sequence[str], beta: float = 2.0) -> dict[str, dict[str, float]]:
    """label -> {threshold, precision, recall, f_beta} at the best grid cut.  Labels
    with no gold span on dev, or that no cut finds at all, keep 0.5 (nothing to learn
    from: the lowest cut would only add noise)."""
    gold = [r.spans for r in records]
    out: dict[str, dict[str, float]] = {}
    for key in labels:
        if not any(s.label == key for doc in gold for s in doc):
            out[key] = {"threshold": 0.5, "precision": 0.0, "recall": 0.0, "f_beta": 0.0}
            continue
        best: tuple[float, float, Counts] | None = None
        for cut in GRID:
            pred = [[s for s, p in doc if s.label == key and p >= cut] for doc in scored]
            counts = label_counts(gold, pred, "overlap", [key])[key]
            score = f_beta(counts, beta)
            if best is None or score > best[0] + 1e-9:
                best = (score, cut, counts)
        assert best is not None
        score, cut, counts = best
        cut = cut if score > 0 else 0.5
        out[key] = {"threshold": cut, "precision": counts.precision, "recall": counts.recall, "f_beta": score}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m redactor.training.calibrate",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="dev JSONL of {text, spans: [{start, end, label}]}")
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="JSON file: label key -> threshold")
    parser.add_argument("--labels", help="comma-separated label keys (default: every gold label)")
    parser.add_argument("--beta", type=float, default=2.0)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args(argv)
    records, _ = load_records(args.data)
    records = records[: args.limit] if args.limit else records
    labels = ([k.strip() for k in args.labels.split(",")] if args.labels
              else sorted({s.label for r in records for s in r.spans}))
    predictor = GLiNER2Predictor.from_pretrained(args.model, batch_size=args.batch_size)
    scored = scored_predictions(predictor, [r.text for r in records], labels)
    picked = pick_thresholds(records, scored, labels, args.beta)
    args.out.write_text(json.dumps({k: v["threshold"] for k, v in picked.items()}, indent=2) + "\n")
    for key, row in picked.items():
        print(f"{key:<24} t={row['threshold']:.2f}  P={row['precision']:.3f}  R={row['recall']:.3f}  "
              f"F{args.beta:g}={row['f_beta']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
