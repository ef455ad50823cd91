"""Evaluator: how much PII a predictor finds, ours and Presidio's side by side (issue #3).

Two views, because they answer different questions:

* **Entity metrics** (per label, micro): precision/recall/F1 with *exact* matching
  (same start, end and label) and with *overlap* matching (same label, at least one
  shared character; one-to-one, greedily by overlap size, so one long prediction
  cannot claim two gold entities).  They say whether a span is found *as that type*.
* **Redaction metrics**, type-agnostic: character recall is the share of gold PII
  characters covered by *any* predicted span (what a mask would actually hide), and
  the leak rate is the share of documents with PII in which some gold PII character
  stays uncovered.  Whitespace inside a gold span is not counted: "John Smith"
  found as "John" + "Smith" leaks nothing.  Per-regime character recall restricts
  the gold spans to labels the regime requires (labels.py).

Per-label entity metrics only score predictions whose label is in the evaluated label
set (a predictor that also reports ORGANIZATION is not penalised on a person-only
corpus); redaction metrics use every predicted span.

CLI::

    python -m redactor.training.evaluate DATA.jsonl --model DIR [--presidio]
        [--labels k1,k2] [--label-map map.json] [--threshold 0.5] [--thresholds t.json]
        [--decoding flat|nested] [--route] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from redactor.packing import pack_texts
from redactor.training.labels import BY_KEY, HELD_OUT
from redactor.training.records import Record, SpanLabel, load_records

Mode = Literal["exact", "overlap"]
REGIMES: tuple[str, ...] = ("hipaa", "gdpr", "gdpr_art9")


# --------------------------------------------------------------------------- metrics

@dataclass
class Counts:
    """True positives, false positives, false negatives.  Undefined ratios are 0."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __iadd__(self, other: Counts) -> Counts:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn
        return self

    def to_dict(self) -> dict[str, float]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision,
                "recall": self.recall, "f1": self.f1}


def _overlap(a: SpanLabel, b: SpanLabel) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def _matched(gold: Sequence[SpanLabel], pred: Sequence[SpanLabel], mode: Mode) -> int:
    """How many gold spans of one label are matched one-to-one by predictions."""
    if mode == "exact":
        return len({(s.start, s.end) for s in gold} & {(s.start, s.end) for s in pred})
    pairs = sorted(((_overlap(g, p), i, j) for i, g in enumerate(gold) for j, p in enumerate(pred)
                    if _overlap(g, p) > 0), reverse=True)
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    for _, i, j in pairs:
        if i not in used_gold and j not in used_pred:
            used_gold.add(i)
            used_pred.add(j)
    return len(used_gold)


def label_counts(gold: Sequence[Sequence[SpanLabel]], pred: Sequence[Sequence[SpanLabel]], mode: Mode,
                 labels: Sequence[str] | None = None) -> dict[str, Counts]:
    """Per-label counts over documents.  ``labels`` (default: every gold label) is the
    evaluated set; predictions with other labels are not scored here."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold documents but {len(pred)} predictions")
    keep = set(labels) if labels is not None else {s.label for doc in gold for s in doc}
    counts: dict[str, Counts] = {key: Counts() for key in sorted(keep)}
    for gold_doc, pred_doc in zip(gold, pred):
        by_label: dict[str, tuple[list[SpanLabel], list[SpanLabel]]] = defaultdict(lambda: ([], []))
        for s in gold_doc:
            if s.label in keep:
                by_label[s.label][0].append(s)
        for s in set(pred_doc):  # a duplicate prediction is one prediction
            if s.label in keep:
                by_label[s.label][1].append(s)
        for key, (g, p) in by_label.items():
            tp = _matched(g, p, mode)
            counts[key] += Counts(tp, len(p) - tp, len(g) - tp)
    return counts


def micro(counts: Mapping[str, Counts]) -> Counts:
    """Summed counts over labels."""
    total = Counts()
    for c in counts.values():
        total += c
    return total


def _pii_chars(text: str, spans: Sequence[SpanLabel]) -> set[int]:
    return {i for s in spans for i in range(s.start, s.end) if not text[i].isspace()}


def _covered(spans: Sequence[SpanLabel]) -> set[int]:
    return {i for s in spans for i in range(s.start, s.end)}


@dataclass
class CharCoverage:
    """Type-agnostic character coverage of gold PII by predictions."""

    gold_chars: int = 0
    covered_chars: int = 0
    documents: int = 0  # documents with at least one gold PII character
    leaking: int = 0  # of those, documents with an uncovered gold PII character

    @property
    def recall(self) -> float | None:
        """Share of gold PII characters masked; None when there is no gold PII."""
        return self.covered_chars / self.gold_chars if self.gold_chars else None

    @property
    def leak_rate(self) -> float | None:
        """Share of PII-bearing documents that leak; None when none bears PII."""
        return self.leaking / self.documents if self.documents else None

    def to_dict(self) -> dict[str, Any]:
        return {"gold_chars": self.gold_chars, "covered_chars": self.covered_chars, "recall": self.recall,
                "documents_with_pii": self.documents, "leaking_documents": self.leaking,
                "leak_rate": self.leak_rate}


def char_coverage(texts: Sequence[str], gold: Sequence[Sequence[SpanLabel]],
                  pred: Sequence[Sequence[SpanLabel]], labels: Sequence[str] | None = None) -> CharCoverage:
    """Character recall and leak rate; ``labels`` restricts which *gold* spans count
    (predicted spans of any label mask characters)."""
    if not len(texts) == len(gold) == len(pred):
        raise ValueError("texts, gold and predictions differ in length")
    keep = None if labels is None else set(labels)
    result = CharCoverage()
    for text, gold_doc, pred_doc in zip(texts, gold, pred):
        wanted = _pii_chars(text, [s for s in gold_doc if keep is None or s.label in keep])
        if not wanted:
            continue
        hit = len(wanted & _covered(pred_doc))
        result.gold_chars += len(wanted)
        result.covered_chars += hit
        result.documents += 1
        result.leaking += hit < len(wanted)
    return result


def regime_labels(regime: str, labels: Sequence[str]) -> list[str]:
    """The labels among ``labels`` that ``regime`` requires (unknown keys: none)."""
    return [key for key in labels if key in BY_KEY and regime in BY_KEY[key].regimes]


@dataclass
class Report:
    """All metrics of one predictor on one corpus."""

    predictor: str
    labels: list[str]
    exact: dict[str, Counts]
    overlap: dict[str, Counts]
    chars: CharCoverage
    label_chars: dict[str, CharCoverage]
    regime_chars: dict[str, CharCoverage]
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def held_out(self) -> list[str]:
        """The evaluated labels no training prompt ever names (the zero-shot ones)."""
        return [k for k in self.labels if k in BY_KEY and BY_KEY[k].held_out]

    def trained_overlap(self) -> Counts:
        """Micro overlap counts over the labels training saw.  Held-out labels are zero-shot by
        design and reported on their own, so the trained-label score is what training controls."""
        held = set(self.held_out())
        return micro({k: c for k, c in self.overlap.items() if k not in held})

    def to_dict(self) -> dict[str, Any]:
        return {
            "predictor": self.predictor, "labels": self.labels, "seconds": self.seconds, **self.extra,
            "micro": {"exact": micro(self.exact).to_dict(), "overlap": micro(self.overlap).to_dict(),
                      "overlap_trained_labels": self.trained_overlap().to_dict()},
            "char": self.chars.to_dict(),
            "per_regime_char": {k: v.to_dict() for k, v in self.regime_chars.items()},
            "per_label": {key: {"exact": self.exact[key].to_dict(), "overlap": self.overlap[key].to_dict(),
                                "char": self.label_chars[key].to_dict()} for key in self.labels},
        }


def evaluate(texts: Sequence[str], gold: Sequence[Sequence[SpanLabel]], pred: Sequence[Sequence[SpanLabel]],
             labels: Sequence[str] | None = None, predictor: str = "predictor") -> Report:
    """Every metric at once.  ``labels`` defaults to the gold labels present."""
    keys = sorted(set(labels) if labels is not None else {s.label for doc in gold for s in doc})
    regimes = {r: regime_labels(r, keys) for r in REGIMES}
    return Report(
        predictor=predictor, labels=keys,
        exact=label_counts(gold, pred, "exact", keys), overlap=label_counts(gold, pred, "overlap", keys),
        chars=char_coverage(texts, gold, pred, keys),
        label_chars={key: char_coverage(texts, gold, pred, [key]) for key in keys},
        regime_chars={r: char_coverage(texts, gold, pred, ks) for r, ks in regimes.items() if ks},
    )


# ------------------------------------------------------------------------ predictors

class Predictor(Protocol):
    """Anything that finds PII: texts in, spans with canonical label keys out.
    ``labels`` are the keys being evaluated; a predictor may use them as its query."""

    name: str

    def predict(self, texts: Sequence[str], labels: Sequence[str]) -> list[list[SpanLabel]]: ...


class GLiNER2Predictor:
    """Our span model, asked for exactly the evaluated labels.

    Each key is shown to the model under its primary name from labels.py, with its
    first description unless ``describe=False`` (a model trained on bare names, like
    the test fixture, can be thrown off by a description it never saw).  Keys not in
    the catalogue are shown as they are.  Predicted names are mapped back to keys.
    ``thresholds`` (key -> probability) override ``threshold`` per label; with
    ``route=True`` the same forward pass also classifies each document's domain.
    ``pack_chars`` measures packing (``Redactor(pack_chars=...)``): consecutive
    documents are joined into model inputs of up to that many characters and the
    spans mapped back, so the scores show what the shared context costs.
    """

    name = "ours"

    def __init__(self, model: Any, threshold: float = 0.5, batch_size: int = 8, describe: bool = True,
                 decoding: str = "flat", thresholds: Mapping[str, float] | None = None,
                 route: bool = False, pack_chars: int = 0) -> None:
        if pack_chars and route:
            raise ValueError("pack_chars and route exclude each other: a pack has one domain")
        self.model = model
        self.pack_chars = pack_chars
        self.threshold = threshold
        self.batch_size = batch_size
        self.describe = describe
        self.decoding = decoding
        self.thresholds = dict(thresholds or {})
        self.route = route
        self.domains: list[str | None] = []

    @classmethod
    def from_pretrained(cls, directory: str | Path, **kwargs: Any) -> GLiNER2Predictor:
        from redactor import GLiNER2

        return cls(GLiNER2.from_pretrained(str(directory)), **kwargs)

    def prompt(self, labels: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Entity name -> schema options (description, threshold); implicitly name -> key."""
        out: dict[str, dict[str, Any]] = {}
        for key in labels:
            entry = BY_KEY.get(key)
            out[entry.name if entry else key] = {
                "description": entry.descriptions[0] if entry and self.describe else None,
                "threshold": self.thresholds.get(key, self.threshold)}
        return out

    def predict(self, texts: Sequence[str], labels: Sequence[str]) -> list[list[SpanLabel]]:
        if not labels or not texts:
            return [[] for _ in texts]
        if self.pack_chars:
            packs = pack_texts(texts, self.pack_chars)
            found = self._predict([p.text for p in packs], labels)
            per_text: list[list[SpanLabel]] = [[] for _ in texts]
            for pack, spans in zip(packs, found):
                for i, local in zip(pack.members, pack.split(spans)):
                    per_text[i] = local
            return per_text
        return self._predict(texts, labels)

    def _predict(self, texts: Sequence[str], labels: Sequence[str]) -> list[list[SpanLabel]]:
        from redactor import Schema
        from redactor.training.collate import DOMAIN_TASK
        from redactor.training.labels import DOMAINS

        entities = self.prompt(labels)
        to_key = dict(zip(entities, labels))
        schema = Schema().entities(entities)
        if self.route:
            schema.classification(DOMAIN_TASK, list(DOMAINS))
        results = self.model.extract(list(texts), schema, threshold=self.threshold,
                                     batch_size=self.batch_size, decoding=self.decoding)
        self.domains = [(r[DOMAIN_TASK]["label"] if self.route else None) for r in results]
        return [sorted((SpanLabel(int(s["start"]), int(s["end"]), to_key[name])
                        for name, spans in result["entities"].items() for s in spans),
                       key=lambda s: (s.start, s.end, s.label))
                for result in results]


def routing_accuracy(gold: Sequence[str | None], predicted: Sequence[str | None]) -> dict[str, Any]:
    """Share of documents (with a gold domain) routed to their domain, per domain too."""
    per: dict[str, Counts] = defaultdict(Counts)
    for g, p in zip(gold, predicted):
        if g is not None:
            per[g] += Counts(tp=int(g == p), fn=int(g != p))
    total = micro(per)
    return {"accuracy": total.recall, "documents": total.tp + total.fn,
            "per_domain": {d: {"accuracy": c.recall, "documents": c.tp + c.fn} for d, c in sorted(per.items())}}


# ------------------------------------------------------------------------------ data

# ------------------------------------------------------------------------------- CLI

def _fmt(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.3f}"


def format_table(reports: Sequence[Report]) -> str:
    """A side-by-side text table: one column per predictor."""
    names = [r.predictor for r in reports]
    width = max([28] + [len(k) + 22 for k in reports[0].labels]) if reports else 28
    lines = [f"{'metric':<{width}}" + "".join(f"{n:>10}" for n in names)]

    def row(title: str, values: Sequence[float | None]) -> None:
        lines.append(f"{title:<{width}}" + "".join(f"{_fmt(v):>10}" for v in values))

    row("char recall (any label)", [r.chars.recall for r in reports])
    row("leak rate (docs)", [r.chars.leak_rate for r in reports])
    for regime in reports[0].regime_chars if reports else ():
        row(f"char recall {regime}", [r.regime_chars[regime].recall for r in reports])
    for mode in ("exact", "overlap"):
        m = [micro(getattr(r, mode)) for r in reports]
        row(f"micro {mode} P", [c.precision for c in m])
        row(f"micro {mode} R", [c.recall for c in m])
        row(f"micro {mode} F1", [c.f1 for c in m])
    held_out = reports[0].held_out() if reports else []
    if held_out and len(held_out) < len(reports[0].labels):
        m = [r.trained_overlap() for r in reports]
        row("trained labels overlap P", [c.precision for c in m])
        row("trained labels overlap R", [c.recall for c in m])
        row("trained labels overlap F1", [c.f1 for c in m])
    if held_out:
        m = [micro({k: r.overlap[k] for k in held_out}) for r in reports]
        row("zero-shot (held-out) overlap F1", [c.f1 for c in m])
    if any("routing" in r.extra for r in reports):
        row("domain routing accuracy", [r.extra.get("routing", {}).get("accuracy") for r in reports])
    for key in reports[0].labels if reports else ():
        gold = reports[0].exact[key].tp + reports[0].exact[key].fn
        row(f"{key} (n={gold}) exact F1", [r.exact[key].f1 for r in reports])
        row(f"{key} overlap P", [r.overlap[key].precision for r in reports])
        row(f"{key} overlap R", [r.overlap[key].recall for r in reports])
        row(f"{key} overlap F1", [r.overlap[key].f1 for r in reports])
        row(f"{key} char recall", [r.label_chars[key].recall for r in reports])
    row("seconds", [r.seconds for r in reports])
    return "\n".join(lines)


def run(records: Sequence[Record], predictors: Sequence[Predictor], labels: Sequence[str]) -> list[Report]:
    """Run every predictor on the same records and evaluate each."""
    texts = [r.text for r in records]
    gold = [r.spans for r in records]
    reports = []
    for predictor in predictors:
        started = time.perf_counter()
        pred = predictor.predict(texts, labels)
        report = evaluate(texts, gold, pred, labels, predictor.name)
        report.seconds = time.perf_counter() - started
        if getattr(predictor, "route", False):
            report.extra["routing"] = routing_accuracy([r.domain for r in records],
                                                       predictor.domains)  # type: ignore[attr-defined]
        load = getattr(predictor, "load_seconds", None)
        if load is not None:
            report.extra["load_seconds"] = load
        reports.append(report)
    return reports


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m redactor.training.evaluate", description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="JSONL of {text, spans: [{start, end, label}]}")
    parser.add_argument("--model", type=Path, help="GLiNER2 checkpoint directory (ours)")
    parser.add_argument("--presidio", action="store_true", help="also run Presidio's stock analyzer")
    parser.add_argument("--labels", help="comma-separated label keys to evaluate (default: gold labels)")
    parser.add_argument("--zero-shot", action="store_true",
                        help="ask only for the labels held out of training (no trained label competes "
                             "for their spans: the usual zero-shot protocol)")
    parser.add_argument("--label-map", type=Path, help="JSON object: foreign label -> canonical key or null")
    parser.add_argument("--threshold", type=float, default=0.5, help="our model's span threshold")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--no-descriptions", action="store_true", help="prompt our model with names only")
    parser.add_argument("--decoding", choices=("flat", "nested"), default="flat",
                        help="flat: one label per span (what the recognizer uses)")
    parser.add_argument("--thresholds", type=Path, help="JSON object: label key -> threshold")
    parser.add_argument("--route", action="store_true",
                        help="also classify each document's domain and report routing accuracy")
    parser.add_argument("--presidio-threshold", type=float, default=0.0, help="Presidio score threshold")
    parser.add_argument("--limit", type=int, help="evaluate only the first N records")
    parser.add_argument("--json", type=Path, help="also write the full report here")
    args = parser.parse_args(argv)
    if args.model is None and not args.presidio:
        parser.error("nothing to evaluate: give --model and/or --presidio")

    label_map = json.loads(args.label_map.read_text()) if args.label_map else None
    if args.zero_shot and args.labels:
        parser.error("--zero-shot picks the labels itself: drop --labels")
    wanted = ([label.key for label in HELD_OUT] if args.zero_shot
              else [k.strip() for k in args.labels.split(",") if k.strip()] if args.labels else None)
    records, dropped = load_records(args.data, label_map, wanted)
    records = records[: args.limit] if args.limit else records
    if dropped:
        print(f"dropped gold spans by label: {dropped}", file=sys.stderr)
    labels = wanted or sorted({s.label for r in records for s in r.spans})

    predictors: list[Predictor] = []
    if args.model is not None:
        predictors.append(GLiNER2Predictor.from_pretrained(args.model, threshold=args.threshold,
                                                           batch_size=args.batch_size,
                                                           describe=not args.no_descriptions,
                                                           decoding=args.decoding, route=args.route,
                                                           thresholds=json.loads(args.thresholds.read_text())
                                                           if args.thresholds else None))
    if args.presidio:
        from redactor.training.presidio_baseline import PresidioPredictor

        predictors.append(PresidioPredictor(score_threshold=args.presidio_threshold))

    reports = run(records, predictors, labels)
    spans = sum(len(r.spans) for r in records)
    print(f"{args.data}: {len(records)} documents, {spans} gold spans, labels: {', '.join(labels)}")
    print(format_table(reports))
    if args.json:
        payload = {"data": str(args.data), "documents": len(records), "gold_spans": spans,
                   "dropped_spans": dropped, "reports": [r.to_dict() for r in reports]}
        args.json.write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
