"""``Sanitizer``: text in, redacted text out, fast enough for a logging path.

Every hook in :mod:`redactor.logging` (stdlib filter and handlers, structlog, loguru,
``stream``) funnels its strings through one ``Sanitizer``:

1. **Exact cache.** An LRU keyed by a 128-bit BLAKE2b digest of the text maps a text
   seen before to its redacted output (same config, same input -> same output), so
   exact repeats ("health check ok") cost a hash and a dict lookup.  Keys are
   digests and values redacted text: the cache holds no personal data.
2. **Patterns, on every other text, always on the whole text.** The compliance
   layer's validated recognizers (cards with Luhn, IBAN mod-97, SSN, IPv4/6, e-mail,
   URL, API keys / JWT / PEM / ``password=`` values) plus :mod:`.phones`, called
   directly (no ``AnalyzerEngine``), each behind a cheap necessary-condition gate
   (no ``@`` -> no e-mail scan, fewer than four digits in a row -> no card/SSN scan,
   ...).  Patterns never use a cache other than the exact one: whatever the
   template, the values in a line are always scanned.
3. **Model, optional (``use_model=True``), cached by shape.** The *shape* of a
   line is its text with variable tokens -- digit groups (counts, durations, ids,
   dates, IPs) and hex ids/UUIDs -- cut out as *slots*; the literal text between
   them (including every word, so every name) is the cache key (a digest again).
   Spans the patterns replace (step 2; not ``exclude_entities``) are slots too: their
   content never reaches the output, so "login by ann@x.io" and "login by bo@y.org"
   share a shape.  The first line of a shape goes to the model; its findings are
   stored in shape coordinates (offsets into literal segments; a finding touching a
   slot covers the whole slot) and *replayed* on every later line with that shape.  So
   ``"GET /orders/48213 200 in 35 ms"`` and ``".../51877 200 in 12 ms"`` share one
   model call, while ``"login by Maria Garcia"`` and ``"login by Ann Lee"`` do not
   (words are literals).  What a replay can miss: a digit-only value in a slot that
   the model judged harmless on the shape's first line but would have flagged on a
   later one (an ``age 45`` vs ``age 93`` style difference); checksummed and
   formatted identifiers in slots are still caught by step 2 on every line.
   **Stdlib records** (``record.msg % record.args``, passed as :class:`TemplatedText`)
   are cached finer: the template's literal text is one entry (keyed by the
   template), each argument another (keyed by template, position and the argument's
   own shape).  A record skips the model only when its template and every argument
   value were seen by the model in that template before: ``"flag %s for %s"`` with
   recurring values becomes all hits, a new name in any argument is a miss.  Numbers
   and pattern-redacted values in arguments are slots as above.
   Model calls take up to ``model_batch_size`` shape misses, *packed* up to
   ``model_pack`` lines per model input (joined by newlines): on short log lines the
   schema prompt is most of the tokens, so packing 16 lines is ~3x faster per line;
   findings are clipped back to the lines they overlap.
4. **Merge and replace.** Pattern and model findings go through the compliance
   layer's one overlap rule (:func:`~redactor.recognizers.overlaps.resolve_overlaps`),
   then each span becomes ``replacement`` (default ``"<{entity_type}>"``).

Failure: :meth:`Sanitizer.sanitize_batch` raises; :meth:`Sanitizer.try_batch` never
raises and returns ``None`` for a text it could not redact (one retry per text
after an exception, none after a timeout); the hooks then *withhold* the record
(``placeholder``) unless ``fail_open=True`` -- see :meth:`Sanitizer.finish`.
``model_timeout`` bounds the wait for one model call (default 2 s); the model runs
on its own daemon thread so a stuck model can never hang the application or
interpreter exit, and calls queued behind a stuck one time out too (fail closed).
Patterns run in the caller's thread and are not interruptible (they scan one
message at a time).

Import cost: ``import redactor.logging`` is light; the first ``Sanitizer`` imports
the pattern recognizers, and through them Presidio (which itself imports spaCy and
torch: a few seconds, once).  The model is loaded only with ``use_model=True``.
"""

from __future__ import annotations

import hashlib
import queue
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, fields
from typing import Any

from redactor.lru import LRUCache
from redactor.packing import pack_texts

__all__ = [
    "DEFAULT_REPLACEMENT", "LOG_MODEL_LABELS", "PLACEHOLDER", "RedactionError", "RedactionTimeout",
    "Sanitizer", "SanitizerStats", "TemplatedText", "as_sanitizer", "template_segments",
]

#: What a withheld record's message becomes (fail closed).
PLACEHOLDER = "[redaction failed: record withheld]"
#: Default replacement of a finding (``str.format`` with ``entity_type``).
DEFAULT_REPLACEMENT = "<{entity_type}>"
#: Policy labels the model looks for on logs by default: free-text personal data that
#: no pattern can find.  Every label costs prompt tokens on every model call (the
#: shipped policies have ~37 labels: ~8x slower per line than these four).
LOG_MODEL_LABELS: tuple[str, ...] = ("person", "street_address", "city", "username")


class RedactionError(RuntimeError):
    """Redaction could not complete (the message never contains the input text)."""


class RedactionTimeout(RedactionError):
    """The model did not answer within ``model_timeout``."""


@dataclass
class SanitizerStats:
    """Counters, shared by every hook using the sanitizer (read them any time).

    ``errors`` counts exceptions and timeouts raised while redacting (``timeouts``
    is the subset); ``withheld`` counts records/lines replaced by the placeholder;
    ``failed_open`` counts records emitted unredacted under ``fail_open=True``.
    """

    texts: int = 0
    exact_hits: int = 0
    shape_hits: int = 0
    model_texts: int = 0
    model_calls: int = 0
    errors: int = 0
    timeouts: int = 0
    withheld: int = 0
    failed_open: int = 0
    last_error: str = ""  # the exception's type name only: messages may quote the input
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def error(self, exc: BaseException) -> None:
        with self._lock:
            self.errors += 1
            self.timeouts += isinstance(exc, RedactionTimeout)
            self.last_error = type(exc).__name__

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


# ------------------------------------------------------------------------------------
# Shapes (module docstring, step 3)
# ------------------------------------------------------------------------------------
#: Variable tokens: a hex id / UUID with at least one digit (whole token, 4+ hex chars
#: per group), else a run of digit groups joined by . : , / _ - (also inside a word:
#: "user42" -> literal "user" + slot "42", so the word stays in the key).
SLOT = re.compile(r"(?<![A-Za-z0-9])(?=[0-9A-Fa-f-]*\d)[0-9A-Fa-f]{4,}(?:-[0-9A-Fa-f]{4,})*(?![A-Za-z0-9])"
                  r"|\d+(?:[.:,/_-]\d+)*")

#: A finding in shape coordinates: (start segment, offset, end segment, offset,
#: entity type, score); segments alternate literal (even) / slot (odd).
Decision = tuple[tuple[int, int, int, int, str, float], ...]


class _Shape:
    __slots__ = ("bounds", "key")

    def __init__(self, text: str, redacted: Iterable[tuple[int, int]] = ()) -> None:
        """``redacted``: spans the patterns will replace anyway -- slots too (their
        content never reaches the output, whatever the model says about it)."""
        slots = sorted([m.span() for m in SLOT.finditer(text)] + [span for span in redacted if span[1] > span[0]])
        merged: list[tuple[int, int]] = []
        for start, end in slots:
            if merged and start < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        bounds: list[tuple[int, int]] = []
        h = hashlib.blake2b(digest_size=16)
        pos = 0
        for start, end in merged:
            literal = text[pos:start].encode("utf-8", "surrogatepass")
            h.update(len(literal).to_bytes(4, "little"))
            h.update(literal)
            bounds.append((pos, start))
            bounds.append((start, end))
            pos = end
        literal = text[pos:].encode("utf-8", "surrogatepass")
        h.update(len(literal).to_bytes(4, "little"))
        h.update(literal)
        bounds.append((pos, len(text)))
        self.bounds = bounds
        self.key = b"S" + h.digest()

    # The plan protocol (shared with _TemplatePlan): cache keys, decide, replay.
    @property
    def keys(self) -> list[bytes]:
        return [self.key]

    def decide_all(self, spans: Iterable[tuple[int, int, str, float]]) -> dict[bytes, Decision]:
        return {self.key: self.decide(spans)}

    def replay_all(self, decisions: Mapping[bytes, Decision]) -> list[tuple[int, int, str, float]]:
        return self.replay(decisions[self.key])

    def decide(self, spans: Iterable[tuple[int, int, str, float]]) -> Decision:
        """Findings on this text -> shape coordinates (slots snap to whole slots)."""
        out = []
        for start, end, entity_type, score in spans:
            if end <= start:
                continue
            ks = next(k for k, (a, b) in enumerate(self.bounds) if a <= start < b)
            ke = next(k for k, (a, b) in enumerate(self.bounds) if a < end <= b)
            out.append((ks, start - self.bounds[ks][0], ke, end - self.bounds[ke][0], entity_type, score))
        return tuple(out)

    def replay(self, decision: Decision) -> list[tuple[int, int, str, float]]:
        """A decision (from any text of this shape) -> spans on this text."""
        spans = []
        for ks, os_, ke, oe, entity_type, score in decision:
            start = self.bounds[ks][0] + (0 if ks % 2 else os_)
            end = self.bounds[ke][1] if ke % 2 else self.bounds[ke][0] + oe
            spans.append((start, end, entity_type, score))
        return spans


class TemplatedText(str):
    """A rendered log message that remembers its ``%``-template and arguments (what the
    stdlib hooks pass for ``record.msg % record.args``), so the model cache can work per
    template part and per argument (:class:`_TemplatePlan`).  Anywhere else it is the
    plain rendered string."""

    template: str
    args: Any

    def __new__(cls, text: str, template: str, args: Any) -> TemplatedText:  # noqa: PYI034
        obj = super().__new__(cls, text)
        obj.template, obj.args = template, args
        return obj


_SPEC = re.compile(r"%(?:\((?P<key>[^)]*)\))?(?P<rest>[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
                   r"(?P<conv>[diouxXeEfFgGcrsa%]))")


def template_segments(template: Any, args: Any) -> list[tuple[bool, Any, str]] | None:
    """``template % args`` rendered piece by piece: ``(is_argument, index or key, text)``,
    literals and arguments alternating (first and last literal possibly empty), or
    None for anything unusual (``*`` widths, mixed styles, a count mismatch)."""
    if not isinstance(template, str):
        return None
    mapping = args if isinstance(args, Mapping) else None
    if mapping is None and not isinstance(args, tuple):
        return None
    segments: list[tuple[bool, Any, str]] = []
    literal: list[str] = []
    pos = used = 0
    for m in _SPEC.finditer(template):
        literal.append(template[pos:m.start()])
        pos = m.end()
        key, rest = m.group("key"), m.group("rest")
        if m.group("conv") == "%":
            if key is not None or rest != "%":
                return None
            literal.append("%")
            continue
        if "*" in rest:
            return None
        if key is not None:
            if mapping is None:
                return None
            ident, value = key, mapping[key]
        else:
            if mapping is not None or used >= len(args):
                return None
            ident, value = used, args[used]
            used += 1
        segments.append((False, None, "".join(literal)))
        segments.append((True, ident, ("%" + rest) % (value,)))
        literal = []
    literal.append(template[pos:])
    segments.append((False, None, "".join(literal)))
    if mapping is None and used != len(args):
        return None
    return segments


class _TemplatePlan:
    """Model cache per template part (module docstring, step 3): the template's
    literal text is one cache entry (keyed by the template), each argument another
    (keyed by template, position and the argument's own *shape* -- digit groups and
    pattern-redacted spans as slots, words literal).  A record skips the model only
    when its template and every argument value (as a shape) were seen by the model in
    this template before; any new word in any argument sends the line to the model."""

    __slots__ = ("args", "keys", "literals", "tkey")

    def __init__(self, text: TemplatedText, redacted: Iterable[tuple[int, int]]) -> None:
        segments = template_segments(text.template, text.args)
        if segments is None or "".join(piece for _, _, piece in segments) != text:
            raise ValueError("not a plain %-template rendering")
        redacted = list(redacted)
        tdigest = hashlib.blake2b(text.template.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        self.tkey = b"T" + tdigest
        self.literals: list[tuple[int, int]] = []  # absolute bounds of literal segments
        self.args: list[tuple[int, int, _Shape, bytes]] = []  # bounds, the argument's shape, its key
        pos = 0
        for is_arg, ident, piece in segments:
            start, end = pos, pos + len(piece)
            pos = end
            if not is_arg:
                self.literals.append((start, end))
                continue
            inner = [(max(a, start) - start, min(b, end) - start) for a, b in redacted if a < end and b > start]
            shape = _Shape(piece, inner)
            akey = b"A" + hashlib.blake2b(tdigest + repr(ident).encode() + shape.key, digest_size=16).digest()
            self.args.append((start, end, shape, akey))
        self.keys = [self.tkey] + [akey for *_, akey in self.args]

    def decide_all(self, spans: Iterable[tuple[int, int, str, float]]) -> dict[bytes, Decision]:
        literal: list[tuple[int, int, int, int, str, float]] = []
        per_arg: list[list[tuple[int, int, str, float]]] = [[] for _ in self.args]
        for s, e, entity_type, score in spans:
            for j, (a, b) in enumerate(self.literals):
                if s < b and e > a:
                    literal.append((j, max(s, a) - a, j, min(e, b) - a, entity_type, score))
            for k, (a, b, _, _) in enumerate(self.args):
                if s < b and e > a:
                    per_arg[k].append((max(s, a) - a, min(e, b) - a, entity_type, score))
        decisions = {self.tkey: tuple(literal)}
        for (_, _, shape, akey), found in zip(self.args, per_arg):
            decisions[akey] = shape.decide(found)
        return decisions

    def replay_all(self, decisions: Mapping[bytes, Decision]) -> list[tuple[int, int, str, float]]:
        spans = []
        for j, so, _, eo, entity_type, score in decisions[self.tkey]:
            a = self.literals[j][0]
            spans.append((a + so, a + eo, entity_type, score))
        for a, _, shape, akey in self.args:
            spans += [(a + s, a + e, t, sc) for s, e, t, sc in shape.replay(decisions[akey])]
        return spans


def _plan(text: str, redacted: list[tuple[int, int]]) -> _Shape | _TemplatePlan:
    if isinstance(text, TemplatedText):
        try:
            return _TemplatePlan(text, redacted)
        except Exception:  # noqa: BLE001, S110 -- any surprise: the whole-line shape is always safe
            pass
    return _Shape(text, redacted)


# ------------------------------------------------------------------------------------
# Pattern gates: cheap necessary conditions for a recognizer to find anything.  A gate
# is used only while the recognizer's rule names are exactly the ones it was written
# for; a recognizer that gains a rule runs ungated (fail safe).
# ------------------------------------------------------------------------------------
_FOUR_DIGITS = re.compile(r"\d{4}").search
_GATES: dict[str, tuple[frozenset[str], Callable[[str], Any]]] = {
    "CheckedEmailRecognizer": (frozenset({"email"}), lambda t: "@" in t),
    "CheckedUrlRecognizer": (frozenset({"url"}), re.compile(r"(?i)https?://|www\.").search),
    "CheckedCreditCardRecognizer": (frozenset({"card_grouped_4", "card_grouped_4_6_5", "card_plain"}),
                                    _FOUR_DIGITS),
    "CheckedUsSsnRecognizer": (frozenset({"ssn_dashed", "ssn_spaced", "ssn_bare_with_context"}), _FOUR_DIGITS),
    "CheckedIbanRecognizer": (frozenset({"iban"}), re.compile(r"[A-Za-z]{2}\d{2}").search),
    "CheckedIpRecognizer": (frozenset({"ipv4", "ipv6"}),
                            lambda t: t.count(":") >= 2 or _DOTTED_DIGIT(t) is not None),
    "SecretRecognizer": (
        frozenset({"aws_access_key_id", "github_token", "github_pat", "slack_token", "stripe_secret_key",
                   "stripe_publishable_key", "google_api_key", "jwt", "pem_private_key", "password_assignment",
                   "password_colon", "secret_assignment", "secret_colon", "bearer_token"}),
        re.compile(r"AKIA|ASIA|ABIA|ACCA|gh[pousr]_|github_pat_|xox[abprs]-|xapp-|[sr]k_(?:live|test)_"
                   r"|pk_(?:live|test)_|AIza|eyJ|-----BEGIN"
                   r"|(?i:pass|pw|api[_-]?key|access[_-]?key|private[_-]?key|secret|token|bearer)").search),
    "PhoneRecognizer": (frozenset({"phone_nanp", "phone_international", "phone_bare_with_context"}),
                        re.compile(r"\d{4}|\+\d").search),
}
_DOTTED_DIGIT = re.compile(r"\d\.\d").search


def _gate(recognizer: Any) -> Callable[[str], Any] | None:
    spec = _GATES.get(type(recognizer).__name__)
    if spec is None or {rule.name for rule in type(recognizer).RULES} != spec[0]:
        return None
    return spec[1]


# ------------------------------------------------------------------------------------
# The model runner: one daemon thread, so a call can time out (module docstring)
# ------------------------------------------------------------------------------------
class _ModelRunner:
    def __init__(self, call: Callable[[list[str]], Any], timeout: float | None) -> None:
        self.call, self.timeout = call, timeout
        self._jobs: queue.SimpleQueue[tuple[list[str], Future[Any]]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        while True:
            texts, future = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self.call(texts))
            except BaseException as exc:  # noqa: BLE001 -- handed to the waiting caller
                future.set_exception(exc)

    def run(self, texts: list[str]) -> Any:
        if self.timeout is None:
            with self._lock:
                return self.call(texts)
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="redactor-model", daemon=True)
                self._thread.start()
        future: Future[Any] = Future()
        self._jobs.put((texts, future))
        try:
            return future.result(self.timeout)
        except FutureTimeout:
            future.cancel()  # still queued behind a stuck call: skip it
            raise RedactionTimeout(f"model did not answer within {self.timeout} s") from None


# ------------------------------------------------------------------------------------
# The sanitizer
# ------------------------------------------------------------------------------------
class Sanitizer:
    """Redacts log text (see the module docstring).  Thread-safe; share one instance.

    Args:
        patterns: run the validated pattern recognizers (and ``phones``).
        phones: add :class:`~redactor.logging.phones.PhoneRecognizer`.
        use_model: also run the GLiNER2 model (default: True when ``redactor`` or
            ``model`` is given).
        redactor: the model path: a :class:`redactor.Redactor` -- or any object with
            ``analyze_batch(texts) -> [[finding with .start, .end, .entity_type]]`` --
            used as is (its own patterns, if any, add to ours).  Default: one built
            here from ``policy`` restricted to ``model_labels``, without patterns.
        model: a loaded ``GLiNER2`` or checkpoint directory for that engine (default:
            ``$REDACTOR_MODEL``, else the shipped model).
        policy: the policy whose label descriptions and thresholds the model uses.
        model_labels: the policy labels sent to the model; ``None`` = every label of
            the policy whose entity type the patterns do not already cover.
        replacement: ``str.format`` template with ``{entity_type}``, or a callable
            ``(entity_type, value) -> str``.
        exclude_entities: entity types never redacted (e.g. ``{"URL"}`` for logs
            whose URLs are internal endpoints).
        cache_size: entries in each LRU (exact texts; shapes); 0 disables caching.
        model_timeout: seconds to wait for one model call (None: no limit, no thread).
        model_batch_size: texts (shape misses) per model call, the unit of ``model_timeout``.
        model_pack, model_pack_chars: short texts joined (by newlines) into one model
            input, at most this many / this long (1: no packing); see ``_call_model``.
        placeholder: what a withheld record's message becomes.
        fail_open: **opt-in, leaks on failure**: emit the original text of a record
            whose redaction failed instead of withholding it (counted in
            ``stats.failed_open``).  Default False: fail closed.
        warmup: run the model once at construction (load and first-call costs are
            paid before the first log record, not under its timeout).
    """

    def __init__(self, *, patterns: bool = True, phones: bool = True, use_model: bool | None = None,
                 redactor: Any = None, model: Any = None, policy: Any = "strict",
                 model_labels: Sequence[str] | None = LOG_MODEL_LABELS,
                 replacement: str | Callable[[str, str], str] = DEFAULT_REPLACEMENT,
                 exclude_entities: Iterable[str] = (), cache_size: int = 16384,
                 model_timeout: float | None = 2.0, model_batch_size: int = 32, model_pack: int = 16,
                 model_pack_chars: int = 1000,
                 placeholder: str = PLACEHOLDER, fail_open: bool = False, warmup: bool = True) -> None:
        if model_timeout is not None and model_timeout <= 0:
            raise ValueError(f"model_timeout must be > 0 or None, got {model_timeout}")
        if min(model_batch_size, model_pack, model_pack_chars) < 1:
            raise ValueError("model_batch_size, model_pack and model_pack_chars must be >= 1, got "
                             f"{model_batch_size}, {model_pack}, {model_pack_chars}")
        if isinstance(replacement, str):
            replacement.format(entity_type="X")  # fail at configuration time, not per record
        self.replacement = replacement
        self.exclude_entities = frozenset(exclude_entities)
        self.placeholder, self.fail_open = placeholder, bool(fail_open)
        self.model_batch_size, self.model_pack, self.model_pack_chars = model_batch_size, model_pack, model_pack_chars
        self.stats = SanitizerStats()
        self._exact = LRUCache(cache_size)
        self._shapes = LRUCache(cache_size)

        from presidio_analyzer import RecognizerResult  # Presidio (and so spaCy/torch): a few s, once

        from redactor.recognizers.overlaps import resolve_overlaps
        from redactor.recognizers.patterns import pattern_recognizers

        self._result_cls, self._resolve = RecognizerResult, resolve_overlaps
        recognizers: list[Any] = []
        if patterns:
            recognizers += pattern_recognizers()
            if phones:
                from redactor.logging.phones import PhoneRecognizer

                recognizers.append(PhoneRecognizer())
        self._recognizers = [(r, _gate(r)) for r in recognizers]

        use_model = (redactor is not None or model is not None) if use_model is None else use_model
        self.engine: Any = None
        self._runner: _ModelRunner | None = None
        if use_model:
            self.engine = redactor if redactor is not None else _build_engine(policy, model, model_labels)
            self._runner = _ModelRunner(self._call_model, model_timeout)
            if warmup:
                self._call_model(["warm-up line for the redaction model"])
        if not recognizers and self.engine is None:
            raise ValueError("a Sanitizer needs patterns or a model")

    # -- public API -----------------------------------------------------------------
    @property
    def uses_model(self) -> bool:
        return self.engine is not None

    def sanitize(self, text: str) -> str:
        """``text`` with every finding replaced (raises on failure)."""
        return self.sanitize_batch([text])[0]

    def sanitize_batch(self, texts: Sequence[str]) -> list[str]:
        """``sanitize`` for many texts; the model (if any) runs once, batched, for all
        of them.  Raises :class:`RedactionError` (or the model's exception)."""
        if isinstance(texts, str):
            raise TypeError("expected a sequence of texts, got one str (use sanitize for one text)")
        out: list[str | None] = [None] * len(texts)
        todo: list[tuple[int, bytes]] = []
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"texts[{i}] is {type(text).__name__}, expected str")
            key = _digest(text)
            hit = self._exact.get(key)
            if hit is not None:
                out[i] = hit
            else:
                todo.append((i, key))
        spans: dict[int, list[tuple[int, int, str, float]]] = {}
        results: dict[int, list[Any]] = {i: self._patterns(texts[i]) for i, _ in todo}
        if self.engine is not None and todo:
            spans = self._model_spans(texts, {i: [(r.start, r.end) for r in results[i]
                                                  if r.entity_type not in self.exclude_entities]
                                              for i, _ in todo})
        for i, key in todo:
            found = results[i] + [self._result_cls(entity_type, start, end, score)
                                  for start, end, entity_type, score in spans.get(i, ())]
            redacted = self._render(texts[i], found)
            self._exact.put(key, redacted)
            out[i] = redacted
        self.stats.add(texts=len(texts), exact_hits=len(texts) - len(todo))
        return out  # type: ignore[return-value]

    def try_batch(self, texts: Sequence[str]) -> list[str | None]:
        """``sanitize_batch`` that never raises: ``None`` for each text that could not
        be redacted.  After an exception each text is retried alone (one bad text
        does not withhold its batch); after a timeout nothing is retried."""
        texts = list(texts)
        try:
            return list(self.sanitize_batch(texts))
        except RedactionTimeout as exc:
            self.stats.error(exc)
            return [None] * len(texts)
        except Exception as exc:  # noqa: BLE001 -- fail closed, counted
            self.stats.error(exc)
            if len(texts) == 1:
                return [None]
        out: list[str | None] = []
        for text in texts:
            try:
                out.append(self.sanitize_batch([text])[0])
            except Exception as exc:  # noqa: BLE001
                self.stats.error(exc)
                out.append(None)
        return out

    def finish(self, originals: Sequence[str], outputs: Sequence[str | None]) -> list[str] | None:
        """The texts to emit for ONE record: its redacted texts, or ``None`` when the
        record must be withheld (any of its texts failed).  Under ``fail_open`` a
        failed text is emitted as it was (the opt-in leak), and counted."""
        if all(o is not None for o in outputs):
            return list(outputs)  # type: ignore[arg-type]
        if self.fail_open:
            self.stats.add(failed_open=1)
            return [o if o is not None else str(t) for t, o in zip(originals, outputs)]
        self.stats.add(withheld=1)
        return None

    # -- internals ------------------------------------------------------------------
    def _patterns(self, text: str) -> list[Any]:
        found: list[Any] = []
        for recognizer, gate in self._recognizers:
            if gate is None or gate(text):
                found += recognizer.analyze(text, None)
        return found

    def _call_model(self, texts: list[str]) -> list[list[tuple[int, int, str, float]]]:
        """Model spans per text.  Short texts are *packed*: up to ``model_pack`` of them
        (``model_pack_chars`` characters) joined by newlines into one model input, so
        the schema prompt -- most of a short line's tokens -- is paid once per pack;
        each finding is clipped back to the texts it overlaps."""
        packs = pack_texts(texts, self.model_pack_chars, self.model_pack)
        findings = self.engine.analyze_batch([pack.text for pack in packs])
        if len(findings) != len(packs):
            raise RedactionError(f"model returned {len(findings)} results for {len(packs)} texts")
        out: list[list[tuple[int, int, str, float]]] = [[] for _ in texts]
        for pack, found in zip(packs, findings):
            spans = [_ModelSpan(int(f.start), int(f.end), str(f.entity_type), float(getattr(f, "score", 1.0)))
                     for f in found]
            for span in spans:
                if not 0 <= span.start <= span.end <= len(pack.text):
                    raise RedactionError(f"model span [{span.start}, {span.end}) outside a text of "
                                         f"{len(pack.text)} chars")
            for i, local in zip(pack.members, pack.split(spans)):
                out[i] = [(f.start, f.end, f.entity_type, f.score) for f in local]
        return out

    def _model_spans(self, texts: Sequence[str], redacted: dict[int, list[tuple[int, int]]]
                     ) -> dict[int, list[tuple[int, int, str, float]]]:
        """Model spans for the texts ``redacted`` names (index -> pattern spans): cached
        decisions where every part of a text's plan is cached, one model call per batch
        of the rest (a text is sent only if it brings a part no earlier text brings)."""
        assert self._runner is not None
        plans = {i: _plan(texts[i], spans) for i, spans in redacted.items()}
        decisions: dict[bytes, Decision] = {}
        scheduled: list[int] = []
        coming: set[bytes] = set()
        for i, plan in plans.items():
            missing = []
            for key in plan.keys:
                if key in decisions:
                    continue
                cached = self._shapes.get(key)
                if cached is not None:
                    decisions[key] = cached
                else:
                    missing.append(key)
            if any(key not in coming for key in missing):
                scheduled.append(i)
                coming.update(plan.keys)
        self.stats.add(shape_hits=len(plans) - len(scheduled))
        for chunk_start in range(0, len(scheduled), self.model_batch_size):
            chunk = scheduled[chunk_start:chunk_start + self.model_batch_size]
            found = self._runner.run([texts[i] for i in chunk])
            self.stats.add(model_texts=len(chunk), model_calls=1)
            for i, spans in zip(chunk, found):
                for key, decision in plans[i].decide_all(spans).items():
                    if key not in decisions:  # first answer wins: every text replays the same one
                        decisions[key] = decision
                        self._shapes.put(key, decision)
        return {i: plan.replay_all(decisions) for i, plan in plans.items()}

    def _render(self, text: str, found: list[Any]) -> str:
        if self.exclude_entities:
            found = [r for r in found if r.entity_type not in self.exclude_entities]
        if not found:
            return str(text)  # an exact str: a TemplatedText would carry the raw arguments along
        parts: list[str] = []
        pos = 0
        for r in self._resolve(found):
            parts.append(text[pos:r.start])
            parts.append(self._replace(r.entity_type, text[r.start:r.end]))
            pos = r.end
        parts.append(text[pos:])
        return "".join(parts)

    def _replace(self, entity_type: str, value: str) -> str:
        if isinstance(self.replacement, str):
            return self.replacement.format(entity_type=entity_type)
        return str(self.replacement(entity_type, value))


@dataclass(frozen=True)
class _ModelSpan:
    """A finding of the ``redactor=`` engine, read through its public protocol (any
    object with ``start``, ``end``, ``entity_type`` and maybe ``score``)."""

    start: int
    end: int
    entity_type: str
    score: float


def _build_engine(policy: Any, model: Any, model_labels: Sequence[str] | None) -> Any:
    """A ``Redactor`` (no patterns: the sanitizer runs its own) for the model labels."""
    from redactor.engine import Redactor
    from redactor.logging.phones import PHONE_ENTITY
    from redactor.operators import KeyRing
    from redactor.policy import Policy, load_policy
    from redactor.recognizers.patterns import PATTERN_ENTITIES

    base = policy if isinstance(policy, Policy) else load_policy(policy)
    if model_labels is None:
        covered = PATTERN_ENTITIES | {PHONE_ENTITY}
        keys = [k for k, rule in base.labels.items() if rule.entity_type not in covered]
    else:
        keys = list(model_labels)
        unknown = [k for k in keys if k not in base.labels]
        if unknown:
            raise ValueError(f"model_labels {unknown} are not labels of policy {base.name!r} "
                             f"(it has {sorted(base.labels)})")
    if not keys:
        raise ValueError("no model labels left: give model_labels")
    subset = base.model_copy(update={"name": f"{base.name}-logs", "labels": {k: base.labels[k] for k in keys}})
    # Only analyze_batch is used, never the policy's operators: a throwaway key keeps
    # a keyed policy (gdpr pseudonyms) from demanding REDACTOR_KEY here.
    keyring = KeyRing.generate() if subset.needs_key() else None
    return Redactor(subset, model=model, keyring=keyring, patterns=False, batch_size=8)


def as_sanitizer(sanitizer: Sanitizer | Mapping[str, Any] | None = None, **options: Any) -> Sanitizer:
    """A hook's sanitizer: the one given, or one built from a mapping (``dictConfig``
    passes nested options as a dict) or from keyword options."""
    if isinstance(sanitizer, Sanitizer):
        if options:
            raise TypeError(f"give either a Sanitizer or options, not both ({sorted(options)})")
        return sanitizer
    if sanitizer is None:
        return Sanitizer(**options)
    if isinstance(sanitizer, Mapping):
        return Sanitizer(**{**dict(sanitizer), **options})
    raise TypeError(f"sanitizer must be a Sanitizer or a mapping of options, got {type(sanitizer).__name__}")

