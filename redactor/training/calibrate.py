"""Per-label thresholds picked on dev data, recall first (issue #3).

One probability cut for every label is wrong twice: rare, hard labels need a lower
cut to be found at all, and labels the model is sure about can afford a higher one
for precision.  For each label we pick the cut that maximises F-beta of the
overlap match on a dev set, with beta = 2 by default (recall weighs four times
precision: a missed identifier is a leak, a spurious mask is a nuisance).

Synthetic dev text is cleaner than real text: a model sure of synthetic names can pick a
person cut (0.40) that loses a quarter of the names in tweets.  ``--real FILE MAP`` adds a
human-annotated dev set (its first ``--real-skip`` documents, the ones the model card
reports, are left out); each source picks its own cut for the labels it annotates and the
lowest one wins, so the cut finds the label in every kind of text calibrated on.
``--real-min-recall R`` puts recall first on real text outright: there a source's cut is
the best F-beta among the cuts that find at least R of its names (the shipped model's
script asks 0.85, the product's person recall target), the most recall if none does.

CLI::

    python -m redactor.training.calibrate DEV.jsonl --model DIR --out thresholds.json
        [--beta 2] [--limit N] [--real FILE LABEL_MAP.json ...] [--real-labels person]
        [--real-skip 800] [--real-limit 400] [--real-min-recall 0.85]

The JSON maps label key -> threshold; the evaluator takes it with ``--thresholds``
and the shipped policies copy it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
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
                    labels: Sequence[str], beta: float = 2.0,
                    min_recall: float = 0.0) -> dict[str, dict[str, float]]:
    """label -> {threshold, precision, recall, f_beta} at the best grid cut.  Labels
    with no gold span on dev, or that no cut finds at all, keep 0.5 (nothing to learn
    from: the lowest cut would only add noise).  With ``min_recall`` only cuts that
    reach that recall compete on F-beta; when none does, the cut with the most recall
    wins (recall first: F2 alone can settle where a quarter of real names is missed)."""
    gold = [r.spans for r in records]
    out: dict[str, dict[str, float]] = {}
    for key in labels:
        if not any(s.label == key for doc in gold for s in doc):
            out[key] = {"threshold": 0.5, "precision": 0.0, "recall": 0.0, "f_beta": 0.0}
            continue
        best: tuple[bool, float, float, Counts] | None = None
        for cut in GRID:
            pred = [[s for s, p in doc if s.label == key and p >= cut] for doc in scored]
            counts = label_counts(gold, pred, "overlap", [key])[key]
            floor = counts.recall >= min_recall - 1e-9
            # rank: reaches the floor, then F-beta (or, below the floor, recall); the first cut wins ties
            rank = (floor, f_beta(counts, beta) if floor else counts.recall)
            if best is None or rank[0] > best[0] or (rank[0] == best[0] and rank[1] > best[1] + 1e-9):
                best = (*rank, cut, counts)
        assert best is not None
        _, _, cut, counts = best
        score = f_beta(counts, beta)
        cut = cut if score > 0 else 0.5
        out[key] = {"threshold": cut, "precision": counts.precision, "recall": counts.recall, "f_beta": score}
    return out


def lowest_cut(picks: Sequence[Mapping[str, Mapping[str, float]]]) -> dict[str, float]:
    """label -> the lowest cut over the sources that found the label at all (f_beta > 0).
    The first source is the main dev set: its cut stands for labels no other source votes on."""
    out = {key: row["threshold"] for key, row in picks[0].items()}
    for pick in picks[1:]:
        for key, row in pick.items():
            if row["f_beta"] > 0:
                out[key] = min(out.get(key, row["threshold"]), row["threshold"])
    return out


def _calibrate(predictor: GLiNER2Predictor, records: Sequence[Record], labels: Sequence[str], beta: float,
               title: str, min_recall: float = 0.0) -> dict[str, dict[str, float]]:
    scored = scored_predictions(predictor, [r.text for r in records], labels)
    picked = pick_thresholds(records, scored, labels, beta, min_recall)
    print(f"# {title}: {len(records)} documents")
    for key, row in picked.items():
        print(f"{key:<24} t={row['threshold']:.2f}  P={row['precision']:.3f}  R={row['recall']:.3f}  "
              f"F{beta:g}={row['f_beta']:.3f}")
    return picked


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
    parser.add_argument("--real", nargs=2, action="append", default=[], type=Path, metavar=("FILE", "MAP"),
                        help="a human-annotated dev set and its label map (JSON: foreign -> key or null)")
    parser.add_argument("--real-labels", default="person", help="labels the --real sets calibrate")
    parser.add_argument("--real-skip", type=int, default=800,
                        help="leave out each --real set's first N documents (the ones reported)")
    parser.add_argument("--real-limit", type=int, default=400, help="then use at most N documents")
    parser.add_argument("--real-min-recall", type=float, default=0.0,
                        help="on each --real set, the cut must reach this recall if any cut does")
    args = parser.parse_args(argv)
    records, _ = load_records(args.data)
    records = records[: args.limit] if args.limit else records
    labels = ([k.strip() for k in args.labels.split(",")] if args.labels
              else sorted({s.label for r in records for s in r.spans}))
    predictor = GLiNER2Predictor.from_pretrained(args.model, batch_size=args.batch_size)
    picks = [_calibrate(predictor, records, labels, args.beta, str(args.data))]
    real_labels = [k.strip() for k in args.real_labels.split(",") if k.strip() in labels]
    for path, label_map in args.real:
        real, _ = load_records(path, json.loads(label_map.read_text()), real_labels)
        real = real[args.real_skip: args.real_skip + args.real_limit]
        if not real:
            parser.error(f"--real {path}: no documents left after skipping the first {args.real_skip}")
        annotated = [k for k in real_labels if any(s.label == k for r in real for s in r.spans)]
        picks.append(_calibrate(predictor, real, annotated, args.beta, f"{path} from #{args.real_skip}",
                                args.real_min_recall))
    cuts = lowest_cut(picks)
    args.out.write_text(json.dumps(cuts, indent=2) + "\n")
    if len(picks) > 1:
        print("# lowest cut per label: " + ", ".join(f"{k}={v:.2f}" for k, v in cuts.items()
                                                    if v != picks[0][k]["threshold"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
