"""The GLiNER2 policy recognizer: a Presidio ``EntityRecognizer`` whose labels and
descriptions come from a policy file, and which routes documents when asked to.

    from presidio_analyzer import AnalyzerEngine
    from redactor.recognizers.gliner2 import GLiNER2Recognizer
    engine = AnalyzerEngine()
    engine.registry.add_recognizer(GLiNER2Recognizer(policy="hipaa"))

Why not Presidio's ``GLiNERRecognizer``: it sends every requested entity name to the
model as an extra label, cuts texts into 250-character chunks run one by one, and
cannot route.  Here the model sees exactly the policy's labels with their
descriptions, long texts go through the model's own token windows, many texts run
as one batch (:meth:`GLiNER2Recognizer.prefetch`), and with ``policy="auto"`` one
forward pass both finds spans (for the union of the routable policies) and
classifies the document's domain, which picks the policy whose rules apply.

Presidio's YAML configuration finds recognizer classes by bare name and drops
unknown constructor arguments, so each shipped policy has its own class
(``GLiNER2HipaaRecognizer`` ...), and the base class also reads the policy from the
``REDACTOR_POLICY`` environment variable (a shipped name or a file path).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from redactor.model.decoding import OutputOptions
from redactor.model.extractor import GLiNER2
from redactor.model.schema import Schema
from redactor.policy import Policy, load_policy, routing_table, union
from redactor.training.labels import DOMAINS

POLICY_ENV = "REDACTOR_POLICY"
MODEL_ENV = "REDACTOR_MODEL"  # a checkpoint directory that replaces the shipped model
FAST_ENV = "REDACTOR_FAST"  # "0" turns the fast inference paths off (GLiNER2.optimized)
DOMAIN_TASK = "domain"  # the classification task the shipped model was trained on

_MODELS: dict[tuple[str, bool], GLiNER2] = {}
_MODELS_LOCK = threading.Lock()


def fast_default() -> bool:
    """Whether models loaded here get the fast paths: yes unless ``$REDACTOR_FAST`` is
    ``0``/``false``/``no``/``off`` (one switch for the CLI, the logging hooks and Spark,
    which build their recognizers without asking)."""
    return os.environ.get(FAST_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def shared_model(path: str | Path | None = None, fast: bool | None = None) -> GLiNER2:
    """One model per process, path and speed setting (recognizer instances share it):
    loading costs seconds and ~100 MB, and Presidio builds recognizers more than once.
    Without a path: ``$REDACTOR_MODEL`` if set, else the model shipped in the package.
    ``fast`` (default :func:`fast_default`) returns :func:`fast_view` of the weights; the
    plain fp32 model is kept only once it is asked for, so a process on the fast path
    holds one set of weights."""
    path = path if path is not None else os.environ.get(MODEL_ENV) or None
    fast = fast_default() if fast is None else fast
    key = str(Path(path).resolve()) if path is not None else "<default>"
    with _MODELS_LOCK:
        if (key, fast) not in _MODELS:
            plain = _MODELS.get((key, False))
            if plain is None:
                plain = GLiNER2.default() if path is None else GLiNER2.from_pretrained(path)
            _MODELS[key, fast] = fast_view(plain) if fast else plain
        return _MODELS[key, fast]


def fast_view(model: GLiNER2) -> GLiNER2:
    """Every fast path the model supports (:meth:`GLiNER2.optimized`): the duplicate
    cache always; int8 encoder layers and the bfloat16 span grid when the model carries
    an int8 calibration (the shipped one does).  int8 moves scores a little: measured on
    600 test documents, character recall and overlap F1 within 0.1 point of fp32, exact
    F1 within 0.2 (README, *Fast inference*); ``fast=False`` is the exact fp32 path."""
    return model.optimized(quantize=model.int8_calibration is not None)


@dataclass(frozen=True)
class Prediction:
    """What the model said about one text: findings under the applied policy, and
    the routing decision that chose it (``domain`` is None for a fixed policy)."""

    results: list[RecognizerResult]
    policy: Policy
    domain: str | None
    domain_score: float | None


class GLiNER2Recognizer(EntityRecognizer):
    """Finds a policy's labels with the GLiNER2 model (see the module docstring).

    Args:
        policy: ``"auto"`` (route each document), a shipped policy name, a policy file
            path or a loaded :class:`~redactor.policy.Policy`; default
            ``$REDACTOR_POLICY`` or ``"auto"``.
        model: a loaded :class:`GLiNER2`, a checkpoint directory, or None for the
            model shipped in the package.
        route_confidence: below this domain probability the union of the policies of
            the most likely domains applies (fail safe) instead of one policy.
        batch_size: windows per encoder pass.
        decoding: ``"flat"`` (one label per span) or ``"nested"``.
        fast: for a model loaded here (shipped or a directory), use every fast path it
            supports (:func:`fast_view`: int8 when it ships a calibration); default
            ``$REDACTOR_FAST``, on; ``False`` is the exact fp32 path.  A loaded
            ``GLiNER2`` passed as ``model`` is used as it is.
        describe: show the policy's label descriptions to the model (default).
            ``False`` sends names only: one encoder pass instead of several label
            groups, measured ~3-4x faster and 2.3 points lower character recall
            (README, *Fast inference*), so it is a choice, not a default.
    """

    def __init__(self, policy: str | Path | Policy | None = None, model: GLiNER2 | str | Path | None = None,
                 *, route_confidence: float = 0.9, batch_size: int = 8, decoding: str = "flat",
                 fast: bool | None = None, describe: bool = True,
                 supported_language: str = "en", name: str | None = None,
                 supported_entities: Sequence[str] | None = None, **presidio_options: object) -> None:
        if not 0.0 < route_confidence <= 1.0:
            raise ValueError(f"route_confidence must be in (0, 1], got {route_confidence}")
        self.route_confidence, self.batch_size, self.decoding = route_confidence, batch_size, decoding
        self.fast, self.describe = fast, describe
        self.auto, self.policies = self._resolve_policies(policy)
        self.candidates = union(list(self.policies.values()), "auto") if self.auto else next(
            iter(self.policies.values()))
        self._model_arg = model
        self.model: GLiNER2 | None = None
        self._prefetched: dict[str, Prediction] = {}
        own = sorted(self.candidates.entity_types())
        wanted = own if supported_entities is None else [e for e in supported_entities if e in own]
        super().__init__(supported_entities=wanted, name=name or type(self).__name__,
                         supported_language=supported_language, **presidio_options)  # type: ignore[arg-type]

    def _resolve_policies(self, policy: str | Path | Policy | None) -> tuple[bool, dict[str, Policy]]:
        policy = policy if policy is not None else os.environ.get(POLICY_ENV, "auto")
        if isinstance(policy, Policy):
            return False, {policy.name: policy}
        if str(policy) == "auto":
            names = dict.fromkeys(routing_table().values())
            return True, {name: load_policy(name) for name in names}
        loaded = load_policy(policy)
        return False, {loaded.name: loaded}

    # -- Presidio contract ----------------------------------------------------------
    def load(self) -> None:
        """Presidio calls this from the constructor: bind the process-wide model."""
        model = self._model_arg
        self.model = model if isinstance(model, GLiNER2) else shared_model(model, self.fast)

    def analyze(self, text: str, entities: list[str] | None,
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        """Findings for ``text`` restricted to the requested entity types (Presidio
        passes every known type when the caller asked for none)."""
        prediction = self._prefetched.get(text) or self.predict([text])[0]
        wanted = set(self.supported_entities) if not entities else set(entities)
        return [r for r in prediction.results if r.entity_type in wanted]

    # -- batch path -----------------------------------------------------------------
    @contextmanager
    def prefetch(self, texts: Sequence[str]) -> Iterator[list[Prediction]]:
        """Run the model on many texts in batches; inside the block ``analyze`` (and so
        ``AnalyzerEngine.analyze``) looks the results up instead of recomputing."""
        predictions = self.predict(texts)
        self._prefetched = dict(zip(texts, predictions))
        try:
            yield predictions
        finally:
            self._prefetched = {}

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Spans and routing for many texts, batched; one forward pass per window."""
        if self.model is None:
            self.load()
        assert self.model is not None
        schema = self.schema()
        opts = OutputOptions(threshold=1.0, decoding=self.decoding)  # type: ignore[arg-type]
        raws = self.model.extract_raw(list(texts), schema, opts, self.batch_size)
        predictions = []
        for raw in raws:
            policy, domain, score = self.route(raw.classes.get(DOMAIN_TASK))
            spans = [(name, span) for name, found in (raw.entities or {}).items() for span in found]
            predictions.append(Prediction(self._results(spans, policy, domain), policy, domain, score))
        return predictions

    def schema(self) -> Schema:
        """The prompt: the candidate labels (with their lowest threshold) and, when
        routing, the domain classification task."""
        entities = {rule.name: {"description": rule.description if self.describe else None,
                                "threshold": rule.threshold}
                    for rule in self.candidates.labels.values()}
        schema = Schema().entities(entities)
        if self.auto:
            schema.classification(DOMAIN_TASK, list(DOMAINS))
        return schema

    def route(self, probs: Sequence[float] | None) -> tuple[Policy, str | None, float | None]:
        """The policy for a document: its domain's policy when the model is sure,
        else the union of the policies of the most likely domains until their
        probabilities add up to ``route_confidence``."""
        if not self.auto or probs is None:
            return self.candidates, None, None
        table = routing_table()
        ranked = sorted(zip(DOMAINS, probs), key=lambda item: -item[1])
        chosen, total = [], 0.0
        for domain, p in ranked:
            chosen.append(domain)
            total += p
            if total >= self.route_confidence:
                break
        names = list(dict.fromkeys(table[d] for d in chosen))
        policy = (self.policies[names[0]] if len(names) == 1
                  else union([self.policies[n] for n in names], "+".join(names)))
        return policy, ranked[0][0], ranked[0][1]

    def _results(self, spans: Sequence[tuple[str, object]], policy: Policy, domain: str | None
                 ) -> list[RecognizerResult]:
        results = []
        model_id = getattr(self.model.config, "model_name", "gliner2") if self.model else "gliner2"
        for name, span in spans:
            key, _ = self.candidates.by_model_name(name)
            rule = policy.labels.get(key)
            if rule is None or span.score < rule.threshold:  # type: ignore[attr-defined]
                continue
            score = float(span.score)  # type: ignore[attr-defined]
            explanation = AnalysisExplanation(
                recognizer=self.name, original_score=score,
                textual_explanation=f"GLiNER2 model {model_id!r} label {rule.name!r} "
                                    f"(policy {policy.name!r} label {key!r})")
            results.append(RecognizerResult(
                rule.entity_type, span.start, span.end, score,  # type: ignore[attr-defined]
                analysis_explanation=explanation,
                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                      RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                                      "label": key, "policy": policy.name, "domain": domain,
                                      "model": model_id}))
        return results


def _fixed_policy_class(class_name: str, policy: str) -> type[GLiNER2Recognizer]:
    """A subclass bound to one shipped policy: Presidio's YAML loader instantiates
    classes by bare name and cannot pass a ``policy`` argument."""

    def __init__(self: GLiNER2Recognizer, **kwargs: object) -> None:
        GLiNER2Recognizer.__init__(self, policy, **kwargs)  # type: ignore[arg-type]

    doc = f"The GLiNER2 recognizer under the shipped {policy!r} policy (Presidio YAML name)."
    return type(class_name, (GLiNER2Recognizer,), {"__init__": __init__, "__doc__": doc,
                                                  "__module__": __name__})


GLiNER2GdprRecognizer = _fixed_policy_class("GLiNER2GdprRecognizer", "gdpr")
GLiNER2HipaaRecognizer = _fixed_policy_class("GLiNER2HipaaRecognizer", "hipaa")
GLiNER2PciDssRecognizer = _fixed_policy_class("GLiNER2PciDssRecognizer", "pci-dss")
GLiNER2StrictRecognizer = _fixed_policy_class("GLiNER2StrictRecognizer", "strict")
GLiNER2AutoRecognizer = _fixed_policy_class("GLiNER2AutoRecognizer", "auto")
