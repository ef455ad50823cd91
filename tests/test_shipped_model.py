"""The model shipped inside the package: present, small, offline, and it finds the
obvious while staying quiet on text without personal data."""

from __future__ import annotations

import json

import pytest

from redactor import GLiNER2, Schema
from redactor.assets import DEFAULT_MODEL_DIR
from redactor.recognizers.gliner2 import GLiNER2Recognizer
from redactor.training.collate import DOMAIN_TASK
from redactor.training.labels import BY_KEY, DOMAINS, TRAINED

NOTE = ("Clinical note 14/02/2024. Patient John Miller (DOB 1957-08-21) was seen for chest pain. "
        "Contact: john.miller@example.com, SSN 219-45-6789. Follow-up in two weeks.")
NO_PII = ("Release 4.2 adds a dark theme, speeds up exports by 30% and fixes a crash when the "
          "settings file is missing. Upgrade with the package manager as usual.")


@pytest.fixture(scope="module")
def model() -> GLiNER2:
    return GLiNER2.default()


def schema(*keys: str) -> Schema:
    return Schema().entities({BY_KEY[k].name: BY_KEY[k].descriptions[0] for k in keys})


def test_shipped_model_is_inside_the_package_and_small() -> None:
    weights = DEFAULT_MODEL_DIR / "model.safetensors"
    assert weights.is_file() and weights.stat().st_size < 60 * 1024 * 1024
    assert (DEFAULT_MODEL_DIR / "README.md").is_file()  # the model card
    config = json.loads((DEFAULT_MODEL_DIR / "config.json").read_text())
    assert config["redactor"]["entity_count_gate"] is False and config["redactor"]["label_pooling"] == "mean"


def test_finds_name_email_ssn_and_birth_date_in_a_clinical_note(model: GLiNER2) -> None:
    found = model.extract(NOTE, schema("person", "email", "ssn", "date"), decoding="flat")["entities"]
    texts = {name: {s["text"] for s in spans} for name, spans in found.items()}
    assert "John Miller" in texts[BY_KEY["person"].name]
    assert "john.miller@example.com" in texts[BY_KEY["email"].name]
    assert "219-45-6789" in texts[BY_KEY["ssn"].name]
    assert "1957-08-21" in texts[BY_KEY["date"].name]


def test_stays_quiet_on_text_without_personal_data(model: GLiNER2) -> None:
    keys = [label.key for label in TRAINED]
    found = model.extract(NO_PII, schema(*keys), decoding="flat")["entities"]
    assert [s for spans in found.values() for s in spans] == []


def test_routes_a_clinical_note_to_health(model: GLiNER2) -> None:
    """Asked as ``Redactor("auto")`` asks (the routing task beside the policies' labels) and
    asked alone: the shipped pooled router reads the text's states, not the prompt (the
    reader-token head answered "legal" to the task alone, see the model card)."""
    alone = Schema().classification(DOMAIN_TASK, list(DOMAINS))
    for asked in (GLiNER2Recognizer("auto", model).schema(), alone):
        result = model.extract([NOTE, NO_PII], asked)
        assert [r[DOMAIN_TASK]["label"] for r in result] == ["health", "no personal data"]
