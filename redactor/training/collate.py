"""Turn annotated records into training examples, with the label augmentation GLiNER
papers use: several names and descriptions per label, prompts with and without
descriptions, negative labels, shuffling and dropping.

A model trained on one name per type loses its recall when a policy asks for a
synonym; a model never shown absent labels learns that every asked-for label is
present.  Targets are word-level (start word, width) cells of the span grid.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from redactor.model.prompt import EncodedText, PromptEncoder
from redactor.model.schema import Schema
from redactor.model.windows import plan_windows
from redactor.training.labels import BY_KEY, DOMAINS, TRAINED, confusable
from redactor.training.records import Record, SpanLabel

DOMAIN_TASK = "domain"


@dataclass(frozen=True)
class Augmentation:
    """Probabilities and sizes of the label augmentation."""

    negatives: tuple[int, int] = (2, 12)  # absent labels added per example (min, max)
    description_prob: float = 0.5  # show descriptions in the prompt
    primary_name_prob: float = 0.4  # use the label's primary name (else a random synonym)
    domain_task_prob: float = 0.7  # add the routing classification task
    drop_label_prob: float = 0.1  # drop a present label (its spans become unlabelled text)
    confusable_prob: float = 0.0  # negatives come from present labels' look-alikes first


@dataclass
class Example:
    """One encoded training example and its targets."""

    encoded: EncodedText
    span_targets: list[tuple[int, int, int]]  # (label index, start word, width)
    domain_target: int | None  # index into DOMAINS for the classification task
    dropped_spans: int  # gold spans that could not be targets (too wide / unaligned)
    unknown_labels: tuple[int, ...] = ()  # prompt labels the record's source does not annotate: no loss


def _word_index(encoded: EncodedText) -> tuple[dict[int, int], dict[int, int]]:
    starts = {w.start: i for i, w in enumerate(encoded.words)}
    ends = {w.end: i for i, w in enumerate(encoded.words)}
    return starts, ends


def _negatives(present: list[str], rng: random.Random, aug: Augmentation) -> list[str]:
    """Absent labels for the prompt: look-alikes of the present labels first (each kept
    with ``confusable_prob``), then random ones, ``aug.negatives`` in all."""
    count = rng.randint(*aug.negatives)
    chosen: list[str] = []
    if aug.confusable_prob > 0:  # no draws otherwise: older recipes sample exactly as before
        lookalikes = sorted({k for p in present for k in confusable(p)} - set(present))
        chosen = [k for k in lookalikes if rng.random() < aug.confusable_prob]
    rng.shuffle(chosen)
    chosen = chosen[:count]
    rest = [lab.key for lab in TRAINED if lab.key not in present and lab.key not in chosen]
    return chosen + rng.sample(rest, min(len(rest), count - len(chosen)))


def _sample_entities(present: list[str], rng: random.Random, aug: Augmentation, train: bool
                     ) -> tuple[list[str], dict[str, str], dict[str, str | None]]:
    """The entity prompt for documents whose trained labels are ``present``: the label
    keys asked for (shuffled, with negatives), the name each is asked by, and the
    prompt itself (name -> description, or None without descriptions)."""
    if train:
        present = [k for k in present if rng.random() >= aug.drop_label_prob]
        keys = present + _negatives(present, rng, aug)
        rng.shuffle(keys)
        describe = rng.random() < aug.description_prob
    else:
        keys = [lab.key for lab in TRAINED]
        describe = True
    names: dict[str, str] = {}
    for key in keys:
        label = BY_KEY[key]
        use_primary = not train or rng.random() < aug.primary_name_prob
        names[key] = label.name if use_primary else rng.choice(label.names)
    if len(set(names.values())) < len(names):  # two labels drew the same synonym
        names = {key: BY_KEY[key].name for key in keys}
    entities = {names[k]: (rng.choice(BY_KEY[k].descriptions) if train else BY_KEY[k].descriptions[0])
                if describe else None for k in keys}
    return keys, names, entities


def _schema(entities: dict[str, str | None], with_domain: bool) -> Schema:
    schema = Schema().entities(entities)
    if with_domain:
        schema.classification(DOMAIN_TASK, list(DOMAINS))
    return schema


def _drop_label(key: str, keys: list[str], names: dict[str, str], entities: dict[str, str | None]) -> None:
    keys.remove(key)
    entities.pop(names[key])


def _example(record: Record, encoded: EncodedText, keys: list[str], with_domain: bool,
             max_width: int) -> Example:
    """``record``'s targets on the span grid of ``encoded`` (prompt labels ``keys``).

    Labels its source does not annotate (``record.annotates``) are unknown, not absent:
    they stay in the prompt, as at inference, but teach nothing on this record.
    """
    domain_target = DOMAINS.index(record.domain) if with_domain else None  # type: ignore[arg-type]
    starts, ends = _word_index(encoded)
    index = {k: i for i, k in enumerate(keys)}
    targets, dropped = [], 0
    for span in record.spans:
        if span.label not in index:
            continue
        s, e = starts.get(span.start), ends.get(span.end)
        if s is None or e is None or e < s or e - s >= max_width:
            dropped += 1
            continue
        targets.append((index[span.label], s, e - s))
    annotated = record.annotates
    unknown = () if annotated is None else tuple(i for i, k in enumerate(keys) if k not in annotated)
    return Example(encoded, targets, domain_target, dropped, unknown)


def _present(records: list[Record]) -> list[str]:
    return sorted({s.label for record in records for s in record.spans if s.label in BY_KEY})


def build_example(record: Record, prompts: PromptEncoder, rng: random.Random, max_width: int,
                  aug: Augmentation, train: bool = True, max_positions: int = 512) -> Example:
    """Sample a schema for ``record`` and encode it with its targets.

    With ``train=False`` the schema is deterministic: every trained label present
    plus all others, primary names, descriptions on (what evaluation asks).
    """
    present = _present([record])
    keys, names, entities = _sample_entities(present, rng, aug, train)
    with_domain = record.domain in DOMAINS and (not train or rng.random() < aug.domain_task_prob)
    while True:  # drop absent labels until prompt + text fit the encoder
        encoded = prompts.encode_text(record.text, prompts.encode_schema(_schema(entities, with_domain)))
        absent = [k for k in keys if k not in present]
        if len(encoded.input_ids) <= max_positions or not absent:
            break
        _drop_label(absent[-1], keys, names, entities)
    if len(encoded.input_ids) > max_positions:
        raise ValueError(f"record {record.id or '(no id)'}: {len(encoded.input_ids)} positions even "
                         f"without negative labels; chunk it first (chunk_record)")
    return _example(record, encoded, keys, with_domain, max_width)


def build_shared_examples(records: list[Record], prompts: PromptEncoder, rng: random.Random,
                          max_width: int, aug: Augmentation, schema_budget: int) -> list[Example]:
    """One sampled prompt for a whole batch: every trained label present in any of
    ``records`` (each dropped with ``drop_label_prob``) plus negatives.

    Under ``"separate"`` attention neither the prompt's states nor a text's depend on
    the other, so a batch sharing its prompt encodes it once instead of once per text:
    on the synthetic mix the prompt was two thirds of a step's positions.  A label
    present in one document is a negative for the others, as a policy's full label set
    is at inference.  The prompt is cut, negatives first, to ``schema_budget`` subwords
    (the inference label groups' budget); a label cut from it is not a target.
    """
    present = _present(records)
    keys, names, entities = _sample_entities(present, rng, aug, True)
    routed = [record.domain in DOMAINS for record in records]
    with_domain = any(routed) and rng.random() < aug.domain_task_prob
    while True:
        schema = prompts.encode_schema(_schema(entities, with_domain))
        if len(schema.ids) + schema.prefix_subwords <= schema_budget or len(keys) == 1:
            break
        absent = [k for k in keys if k not in present]
        _drop_label(absent[-1] if absent else keys[-1], keys, names, entities)
    return [_example(record, prompts.encode_text(record.text, schema), keys, with_domain and routed_here,
                     max_width) for record, routed_here in zip(records, routed)]


def chunk_record(record: Record, prompts: PromptEncoder, max_subwords: int) -> list[Record]:
    """Split a long document into consecutive pieces of at most ``max_subwords`` text
    subwords, so prompt + text fit the encoder; spans cut by a boundary are dropped."""
    words = prompts.split(record.text)
    costs = [len(prompts.piece_ids(w.token)) for w in words]
    if sum(costs) <= max_subwords:
        return [record]
    pieces = []
    for window in plan_windows(words, costs, max_subwords, overlap=0):
        begin, end = window.char_start, window.char_end
        spans = [SpanLabel(s.start - begin, s.end - begin, s.label) for s in record.spans
                 if begin <= s.start and s.end <= end]
        pieces.append(replace(record, text=record.text[begin:end], spans=spans))
    return pieces
