"""``Redactor``: route a document to its policy, find its personal data, anonymize it.

    from redactor import Redactor
    redactor = Redactor(policy="auto")          # or "gdpr", "hipaa", "pci-dss", "strict", a path
    result = redactor.redact("Patient Maria Garcia, DOB 03/04/1961, MRN 48213 ...")
    result.text, result.findings, result.policy, result.domain

The flow (one direction, see ``architecture.md``): the GLiNER2 recognizer runs the
model once per text window for the policy's labels (and the domain classification
when routing); Presidio's ``AnalyzerEngine`` adds the checksummed pattern
recognizers; one deterministic overlap rule leaves no flagged character uncovered;
Presidio's ``AnonymizerEngine`` applies each label's operator from the policy.
Every error propagates: no path returns unredacted text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NlpEngineProvider

from redactor.model.extractor import GLiNER2
from redactor.operators import KeyRing, PseudonymVault, build_anonymizer
from redactor.packing import pack_texts
from redactor.policy import Policy
from redactor.recognizers.gliner2 import GLiNER2Recognizer, Prediction
from redactor.recognizers.overlaps import resolve_overlaps
from redactor.recognizers.patterns import pattern_recognizers


@dataclass(frozen=True)
class Finding:
    """One span of personal data: offsets into the text, the policy label, the
    Presidio entity type, the score, and which recognizer found it."""

    start: int
    end: int
    label: str
    entity_type: str
    score: float
    recognizer: str


@dataclass(frozen=True)
class Redaction:
    """A redacted text with what was found and which policy applied (``domain`` is
    the routed document domain, None for a fixed policy)."""

    text: str
    findings: list[Finding]
    policy: str
    domain: str | None


class Redactor:
    """The public engine (see the module docstring).

    Args:
        policy: ``"auto"``, a shipped policy name, a policy file, or a ``Policy``.
        model: a loaded ``GLiNER2``, a checkpoint directory, or None (shipped model).
        keyring: keys for keyed operators (hmac, encryption, pseudonyms); default:
            ``KeyRing.load()`` (``REDACTOR_KEY`` or ``REDACTOR_KEY_FILE``), required only
            when a candidate policy uses a keyed operator (checked here, not mid-run).
        vault: records pseudonym surrogates (encrypted originals) so that output can
            be reversed later with the key.
        patterns: add the checksummed pattern recognizers.
        route_confidence, batch_size: passed to the recognizer.
        fast: the fast inference paths for the model loaded here, int8 included when
            the model ships a calibration (default on, or ``$REDACTOR_FAST``);
            ``fast=False`` is the plain fp32 path.
        describe: send the policy's label descriptions to the model (default);
            see ``GLiNER2Recognizer`` for what turning it off costs and buys.
        pack_chars: opt-in, fixed policies only: the batch calls analyze consecutive
            texts joined by newlines in packs of up to this many characters, so the
            policy's prompt is read once per pack, not once per text (several times
            faster on short texts; the texts give each other context, which moves
            scores: measured in ``benchmarks/bench_speed.py``).  0: every text alone.
    """

    def __init__(self, policy: str | Path | Policy = "auto", *, model: GLiNER2 | str | Path | None = None,
                 keyring: KeyRing | None = None, vault: PseudonymVault | None = None, patterns: bool = True, route_confidence: float = 0.9,
                 batch_size: int = 8, language: str = "en", fast: bool | None = None,
                 describe: bool = True, pack_chars: int = 0) -> None:
        self.language = language
        self.recognizer = GLiNER2Recognizer(policy, model, route_confidence=route_confidence,
                                            batch_size=batch_size, fast=fast, describe=describe,
                                            supported_language=language)
        if pack_chars < 0 or (pack_chars and self.recognizer.auto):
            raise ValueError(f"pack_chars={pack_chars}: packing needs pack_chars >= 0 and a fixed policy "
                             "(with 'auto' a pack would be routed as one document)")
        self.pack_chars = pack_chars
        registry = RecognizerRegistry(supported_languages=[language])
        registry.add_recognizer(self.recognizer)
        if patterns:
            for recognizer in pattern_recognizers(language):
                registry.add_recognizer(recognizer)
        nlp = NlpEngineProvider(nlp_configuration={
            "nlp_engine_name": "no_op", "models": [{"lang_code": language, "model_name": "no_op"}]
        }).create_engine()
        self.analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=[language])
        self.anonymizer = build_anonymizer()
        needs_key = self.recognizer.candidates.needs_key()
        self.vault = vault
        self.keyring = keyring if keyring is not None or not needs_key else KeyRing.load()

    # -- analysis -------------------------------------------------------------------
    def analyze(self, text: str) -> list[Finding]:
        """The personal data in ``text`` under the applied policy."""
        return self.analyze_batch([text])[0]

    def analyze_batch(self, texts: Sequence[str]) -> list[list[Finding]]:
        """``analyze`` for many texts; the model runs batched."""
        return [findings for findings, _ in self._analyze(texts)]

    def _analyze(self, texts: Sequence[str]) -> list[tuple[list[Finding], Prediction]]:
        if self.pack_chars:
            return self._analyze_packed(texts, self.pack_chars)
        return self._analyze_each(texts)

    def _analyze_packed(self, texts: Sequence[str], max_chars: int) -> list[tuple[list[Finding], Prediction]]:
        """``_analyze`` on packs of consecutive texts (see :mod:`redactor.packing`); each
        finding is mapped back to the texts it overlaps, cut at their ends.  A pack is
        analyzed, and with ``auto`` routed, as one text."""
        _check_texts(texts)
        packs = pack_texts(texts, max_chars)
        out: list[tuple[list[Finding], Prediction] | None] = [None] * len(texts)
        for pack, (findings, prediction) in zip(packs, self._analyze_each([p.text for p in packs])):
            for i, local in zip(pack.members, pack.split(findings)):
                out[i] = (local, prediction)
        return out  # type: ignore[return-value]  # every index is in exactly one pack

    def _analyze_each(self, texts: Sequence[str]) -> list[tuple[list[Finding], Prediction]]:
        _check_texts(texts)
        out = []
        with self.recognizer.prefetch(texts) as predictions:
            for text, prediction in zip(texts, predictions):
                policy = prediction.policy
                results = self.analyzer.analyze(text, self.language,
                                                entities=sorted(policy.entity_types()))
                # thresholds first, overlaps second: a merged span must keep every
                # character that some recognizer flagged above its label's threshold
                passing = [r for r in results if r.score >= policy.labels[_label_key(r, policy)].threshold]
                kept = [(_label_key(r, policy), r) for r in resolve_overlaps(passing)]
                findings = [Finding(r.start, r.end, key, r.entity_type, float(r.score),
                                    str((r.recognition_metadata or {}).get(
                                        RecognizerResult.RECOGNIZER_NAME_KEY, "")))
                            for key, r in kept]
                out.append((findings, prediction))
        return out

    # -- redaction ------------------------------------------------------------------
    def redact(self, text: str) -> Redaction:
        """Anonymize ``text`` with each finding's operator from the policy."""
        return self.redact_batch([text])[0]

    def redact_batch(self, texts: Sequence[str]) -> list[Redaction]:
        """``redact`` for many texts; the model runs batched."""
        return [self._anonymize(text, findings, prediction.policy, prediction.domain)
                for text, (findings, prediction) in zip(texts, self._analyze(texts))]

    def _anonymize(self, text: str, findings: list[Finding], policy: Policy,
                   domain: str | None) -> Redaction:
        results = [RecognizerResult(f.entity_type, f.start, f.end, f.score) for f in findings]
        operators = policy.operators(self.keyring, self.vault)
        anonymized = self.anonymizer.anonymize(text=text, analyzer_results=results,  # type: ignore[arg-type]
                                               operators=operators)
        return Redaction(anonymized.text, findings, policy.name, domain)


def _label_key(result: RecognizerResult, policy: Policy) -> str:
    """The policy label of a result: the model names it, a pattern reports a type."""
    key = (result.recognition_metadata or {}).get("label")
    return key if key in policy.labels else policy.by_entity_type(result.entity_type)[0]


def _check_texts(texts: Sequence[str]) -> None:
    if isinstance(texts, str):
        raise TypeError("expected a sequence of texts, got one str (use analyze/redact for one text)")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts[{i}] is {type(text).__name__}, expected str")
