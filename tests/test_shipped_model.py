"""The PII model inside the package: loads offline by default and finds the obvious."""

from __future__ import annotations

import pytest

from redactor import GLiNER2, Schema
from redactor.assets import DEFAULT_MODEL_DIR
from redactor.training.labels import BY_KEY, DOMAINS

NOTE = ("Discharge summary. Patient: Margaret Okafor, DOB 14/02/1961, SSN 536-22-8843. "
        "Contact: m.okafor@example.net, +1 415 555 0199. Seen by Dr. Alan Ruiz on 03/05/2021.")
NO_PII = ("Release 4.2 improves the export dialog, fixes a crash when the cache is empty and "
          "speeds up search by 30 percent. Upgrade with the package manager.")


@pytest.fixture(scope="module")
def shipped() -> GLiNER2:
    return GLiNER2.default()


def schema(*keys: str) -> Schema:
    return Schema().entities({BY_KEY[k].name: BY_KEY[k].descriptions[0] for k in keys})


def test_shipped_model_is_small_and_self_describing() -> None:
    assert (DEFAULT_MODEL_DIR / "model.safetensors").stat().st_size < 60_000_000
    assert (DEFAULT_MODEL_DIR / "README.md").is_file()  # the model card


def test_finds_the_obvious_in_a_clinical_note(shipped: GLiNER2) -> None:
    keys = ("person", "date", "ssn", "email", "phone_number")
    found = shipped.extract(NOTE, schema(*keys), include_confidence=False)["entities"]
    surfaces = {name: {s["text"] for s in spans} for name, spans in found.items()}
    assert "Margaret Okafor" in surfaces["person"]
    assert "14/02/1961" in surfaces["date"]
    assert "536-22-8843" in surfaces["social security number"]
    assert "m.okafor@example.net" in surfaces["email address"]
    for spans in found.values():
        assert all(NOTE[s["start"]:s["end"]] == s["text"] for s in spans)


def test_stays_quiet_on_text_without_personal_data(shipped: GLiNER2) -> None:
    keys = ("person", "email", "phone_number", "street_address", "date", "ssn", "account_number")
    found = shipped.extract(NO_PII, schema(*keys))["entities"]
    assert not any(found.values()), found


def test_routes_a_clinical_note_to_health(shipped: GLiNER2) -> None:
    result = shipped.classify(NOTE, {"domain": list(DOMAINS)}, include_confidence=False)
    assert result["domain"] == "health"
