"""Shipped policies say what the regulations say, and a broken policy file fails loudly.

Every bad-policy error must name the file, the label and the field, because the person
fixing a policy has only the message to go on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from redactor.operators.params import OPERATOR_PARAMS, KeepLastParams, Zip3Params
from redactor.policies import POLICY_DIR, shipped
from redactor.policy import PROTECTION, LabelRule, Policy, PolicyError, load_policy, routing_table, union
from redactor.training.labels import BY_KEY, DOMAINS, TRAINED

REGULATORY = ("gdpr", "hipaa", "pci-dss")
KEYED = {"hmac", "aes_siv", "aes_gcm", "pseudonym", "keep_last"}

# 45 CFR 164.514(b)(2)(i) (A)-(R), except (Q) full-face photographs (text only) ->
# the label keys of the hipaa policy that cover each identifier.
SAFE_HARBOR = {
    "A names (incl. relatives, employers, household members)": {"person", "organization"},
    "B geographic subdivisions smaller than a state": {"street_address", "city", "county", "zip_code"},
    "C dates and ages over 89": {"date", "age"},
    "D telephone numbers": {"phone_number"},
    "E fax numbers": {"fax_number"},
    "F email addresses": {"email"},
    "G social security numbers": {"ssn"},
    "H medical record numbers": {"medical_record_number"},
    "I health plan beneficiary numbers": {"health_plan_number"},
    "J account numbers": {"account_number", "iban", "credit_card_number"},
    "K certificate/license numbers": {"license_number"},
    "L vehicle identifiers, license plates": {"vehicle_id"},
    "M device identifiers and serial numbers": {"device_id"},
    "N web URLs": {"url"},
    "O IP addresses": {"ip_address"},
    "P biometric identifiers": {"biometric_id"},
    "R any other unique identifying number": {"other_id", "national_id", "passport_number", "username"},
}
ART9 = ("ethnic_origin", "political_opinion", "religion", "trade_union", "genetic_data", "biometric_id",
        "health_condition", "medication", "sexual_orientation")


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


# --- shipped policies --------------------------------------------------------------

def test_shipped_policies_load_under_their_file_names() -> None:
    assert shipped() == ["gdpr", "hipaa", "pci-dss", "strict"]
    for name in shipped():
        policy = load_policy(name)
        assert policy.name == name and (POLICY_DIR / f"{name}.yaml").is_file()
        assert load_policy(name) is policy  # cached
        assert load_policy(POLICY_DIR / f"{name}.yaml") == policy


def test_hipaa_covers_all_safe_harbor_identifiers_with_permitted_operators() -> None:
    hipaa = load_policy("hipaa")
    for identifier, keys in SAFE_HARBOR.items():
        assert keys <= set(hipaa.labels), identifier
    assert set(hipaa.labels) == set().union(*SAFE_HARBOR.values())
    assert hipaa.labels["date"].operator == "year_only"
    assert hipaa.labels["age"].operator == "age_90_plus"
    assert hipaa.labels["zip_code"].operator == "zip3"
    assert "036" in hipaa.params("zip_code").restricted_prefixes
    assert isinstance(hipaa.params("zip_code"), Zip3Params)
    # 164.514(c): codes derived from the identifier are not permitted; nor is keeping digits
    assert not {rule.operator for rule in hipaa.labels.values()} & KEYED
    assert hipaa.by_model_name("employer")[0] == "organization"  # employers' names, (A)
    assert "relatives" in hipaa.labels["person"].description
    assert all(rule.reference.startswith("45 CFR 164.514(b)(2)(i)") for rule in hipaa.labels.values())


def test_gdpr_covers_art9_and_uses_linkable_tokens_for_identifiers() -> None:
    gdpr = load_policy("gdpr")
    for key in ART9:
        assert gdpr.labels[key].operator in {"replace", "redact"}, key
        assert "Art. 9(1)" in gdpr.labels[key].reference
    operators = {key: rule.operator for key, rule in gdpr.labels.items()}
    assert {operators[key] for key in ("person", "email", "phone_number")} == {"pseudonym"}
    assert {operators[key] for key in ("national_id", "passport_number", "ssn")} == {"aes_siv"}
    assert {operators[key] for key in ("ip_address", "username", "device_id", "url")} == {"hmac"}
    assert {operators[key] for key in ("password", "api_key")} == {"redact"}
    for key in ("credit_card_number", "iban", "account_number"):
        assert gdpr.params(key) == KeepLastParams(keep_last=4)
    assert gdpr.params("person").kind == "person"
    assert all(rule.reference.startswith("GDPR Art.") for rule in gdpr.labels.values())


def test_shipped_model_names_and_descriptions_are_the_trained_ones() -> None:
    trained = {label.key for label in TRAINED}
    for name in shipped():
        for key, rule in load_policy(name).labels.items():
            assert key in trained, (name, key)
            assert rule.name in BY_KEY[key].names, (name, key, rule.name)
            assert rule.description in BY_KEY[key].descriptions, (name, key)


def test_a_label_reports_one_entity_type_in_every_shipped_policy() -> None:
    entity_types: dict[str, str] = {}
    for name in shipped():
        for key, rule in load_policy(name).labels.items():
            assert entity_types.setdefault(key, rule.entity_type) == rule.entity_type, (name, key)


def test_pci_dss_extends_gdpr_and_overrides_the_card_rule() -> None:
    gdpr, pci = load_policy("gdpr"), load_policy("pci-dss")
    assert pci.extends == ("gdpr",) and pci.routes == ("finance",)
    card, inherited = pci.labels["credit_card_number"], gdpr.labels["credit_card_number"]
    assert card.operator == "keep_last" and pci.params("credit_card_number").keep_last == 4
    assert card.threshold < inherited.threshold and "PCI DSS" in card.reference
    assert (card.name, card.description, card.entity_type) == (inherited.name, inherited.description,
                                                             inherited.entity_type)
    assert {key: rule for key, rule in pci.labels.items() if key != "credit_card_number"} == \
        {key: rule for key, rule in gdpr.labels.items() if key != "credit_card_number"}


def test_strict_is_the_union_with_the_most_protective_rule() -> None:
    parts = [load_policy(name) for name in REGULATORY]
    strict = load_policy("strict")
    assert strict.extends == REGULATORY and strict.routes == ()
    assert strict.labels == union(parts, "strict").labels
    assert set(strict.labels) == set().union(*(part.labels for part in parts))
    for key, rule in strict.labels.items():
        sources = [part.labels[key] for part in parts if key in part.labels]
        assert PROTECTION[rule.operator] == min(PROTECTION[source.operator] for source in sources), key
        assert rule.threshold == min(source.threshold for source in sources), key
    assert strict.labels["person"].operator == "replace"  # hipaa's tag beats gdpr's pseudonym
    assert strict.labels["password"].operator == "redact"
    assert strict.labels["date"].operator == "year_only"
    card = strict.labels["credit_card_number"]
    assert (card.operator, card.threshold) == ("replace", 0.3)  # hipaa's operator, pci's threshold
    assert "PCI DSS" in card.reference and "45 CFR" in card.reference


def test_every_operator_has_a_protection_rank() -> None:
    assert set(PROTECTION) == set(OPERATOR_PARAMS)


def test_union_keeps_the_first_rule_of_a_tie_and_the_lowest_threshold(tmp_path: Path) -> None:
    rule = "name: person\n    description: a name\n    entity_type: PERSON\n"
    first = load_policy(write(tmp_path, "a.yaml", f"name: a\ntitle: A\nlabels:\n  person:\n    {rule}"
                              "    operator: hmac\n    threshold: 0.7\n"))
    second = load_policy(write(tmp_path, "b.yaml", f"name: b\ntitle: B\nlabels:\n  person:\n    {rule}"
                               "    operator: pseudonym\n    threshold: 0.4\n"))
    combined = union([first, second], "a+b")
    assert combined.extends == ("a", "b") and combined.routes == ()
    assert (combined.labels["person"].operator, combined.labels["person"].threshold) == ("hmac", 0.4)


def test_routing_table_routes_every_domain_once() -> None:
    table = routing_table()
    assert list(table) == list(DOMAINS)
    assert table["health"] == "hipaa" and table["finance"] == "pci-dss"
    assert {table[domain] for domain in DOMAINS if domain not in ("health", "finance")} == {"gdpr"}
    gdpr, hipaa = load_policy("gdpr"), load_policy("hipaa")
    with pytest.raises(PolicyError, match="no policy routes 'finance'"):
        routing_table([gdpr, hipaa])
    with pytest.raises(PolicyError, match="'health' is already routed by policy 'hipaa'"):
        routing_table([hipaa, gdpr, load_policy("pci-dss"), hipaa.model_copy(update={"name": "other"})])


def test_policy_accessors_and_immutability() -> None:
    gdpr = load_policy("gdpr")
    assert gdpr.model_labels()["email address"] == "an e-mail address"
    assert len(gdpr.model_labels()) == len(gdpr.labels)
    key, rule = gdpr.by_model_name("ip address")
    assert key == "ip_address" and isinstance(rule, LabelRule)
    assert gdpr.by_entity_type("CREDIT_CARD")[0] == "credit_card_number"
    assert {"PERSON", "EMAIL_ADDRESS", "IBAN_CODE"} <= gdpr.entity_types()
    with pytest.raises(KeyError, match="no label with model name 'nope'"):
        gdpr.by_model_name("nope")
    with pytest.raises(KeyError, match="entity type 'NOPE'"):
        gdpr.by_entity_type("NOPE")
    with pytest.raises(TypeError):
        gdpr.labels["x"] = rule  # type: ignore[index]
    with pytest.raises(ValueError):
        gdpr.name = "changed"  # type: ignore[misc]
    assert gdpr.model_dump()["labels"]["iban"]["params"] == {"keep_last": 4, "masking_char": "*"}


# --- user policies -----------------------------------------------------------------

def test_user_policy_extends_gdpr_overrides_one_label_and_adds_one(tmp_path: Path) -> None:
    path = write(tmp_path, "mine.yaml", """\
name: mine
title: GDPR, but names removed and badges found
extends: gdpr
labels:
  person:
    operator: redact          # gdpr's pseudonym params are dropped with its operator
  badge:
    name: employee badge number
    description: the number on an employee's access badge
    entity_type: BADGE_NUMBER
    threshold: 0.4
    operator: hmac
    params: {length: 32}
""")
    mine, gdpr = load_policy(path), load_policy("gdpr")
    assert mine.extends == ("gdpr",) and mine.routes == ()
    assert list(mine.labels) == [*gdpr.labels, "badge"]
    person = mine.labels["person"]
    assert (person.operator, person.params, person.name) == ("redact", OPERATOR_PARAMS["redact"](), "person")
    assert mine.params("badge").length == 32 and mine.by_entity_type("BADGE_NUMBER")[0] == "badge"
    assert mine.labels["email"] == gdpr.labels["email"]
    child = write(tmp_path, "child.yaml", "name: child\ntitle: Child\nextends: ./mine.yaml\n")
    assert load_policy(str(child)).labels == mine.labels


def test_unknown_policy_name_lists_the_shipped_ones() -> None:
    with pytest.raises(PolicyError, match="gdprr.*shipped policies: gdpr, hipaa, pci-dss, strict"):
        load_policy("gdprr")


# --- bad policies ------------------------------------------------------------------

HEAD = "name: bad\ntitle: Bad\n"
OK = "    name: person\n    description: a name\n    entity_type: PERSON\n    operator: replace\n"


def bad_label(*lines: str, drop: str = "") -> str:
    """A one-label policy whose rule gets ``lines`` added and the field ``drop`` removed."""
    rule = "".join(line for line in OK.splitlines(keepends=True)
                   if not (drop and line.strip().startswith(f"{drop}:")))
    return HEAD + "labels:\n  person:\n" + rule + "".join(f"    {line}\n" for line in lines)


BAD = [
    # id, files (the first is loaded), label, field, message fragment
    ("unknown operator", {"bad.yaml": bad_label("operator: hashh", drop="operator")},
     "person", "operator", "unknown operator 'hashh' (known: replace, redact"),
    ("unknown param", {"bad.yaml": bad_label("params: {colour: red}")},
     "person", "params", "unknown parameter 'colour'"),
    ("param wrong type", {"bad.yaml": bad_label("params: {keep_last: four}", "operator: keep_last",
                                                drop="operator")},
     "person", "params", "parameter 'keep_last'"),
    ("param out of range", {"bad.yaml": bad_label("params: {keep_last: 99}", "operator: keep_last",
                                                  drop="operator")},
     "person", "params", "less than or equal to 16"),
    ("missing description", {"bad.yaml": bad_label(drop="description")},
     "person", "description", "Field required"),
    ("empty name", {"bad.yaml": bad_label('name: "  "', drop="name")},
     "person", "name", "at least 1 character"),
    ("duplicate label key", {"bad.yaml": bad_label("reference: x") + "  person:\n" + OK},
     "person", None, "duplicate key (line 10)"),
    ("duplicate field key", {"bad.yaml": bad_label("operator: redact")},
     "person", "operator", "duplicate key"),
    ("duplicate model name", {"bad.yaml": bad_label() + "  other:\n" + OK.replace("PERSON", "OTHER")},
     "other", "name", "model name 'person' is also used by label 'person'"),
    ("duplicate entity type", {"bad.yaml": bad_label() + "  other:\n" + OK.replace("name: person",
                                                                                   "name: other")},
     "other", "entity_type", "entity type 'PERSON' is also used by label 'person'"),
    ("threshold not a number", {"bad.yaml": bad_label('threshold: "high"')},
     "person", "threshold", "valid number"),
    ("threshold is a bool", {"bad.yaml": bad_label("threshold: true")},
     "person", "threshold", "valid number"),
    ("threshold above 1", {"bad.yaml": bad_label("threshold: 1.5")},
     "person", "threshold", "less than or equal to 1"),
    ("entity type not UPPER_SNAKE", {"bad.yaml": bad_label("entity_type: Person", drop="entity_type")},
     "person", "entity_type", "should match pattern"),
    ("unknown label field", {"bad.yaml": bad_label("colour: red")},
     "person", "colour", "Extra inputs are not permitted"),
    ("bad label key", {"bad.yaml": HEAD + "labels:\n  Person:\n" + OK},
     "Person", None, "should match pattern"),
    ("label not a mapping", {"bad.yaml": HEAD + "labels:\n  person: replace\n"},
     "person", None, "valid dictionary"),
    ("unknown top-level field", {"bad.yaml": bad_label() + "colors: [red]\n"},
     None, "colors", "Extra inputs are not permitted"),
    ("no labels", {"bad.yaml": HEAD + "labels: {}\n"},
     None, "labels", "at least 1 item"),
    ("unknown route", {"bad.yaml": bad_label() + "routes: [health, hospital]\n"},
     None, "routes", "unknown domain 'hospital'"),
    ("extends a missing policy", {"bad.yaml": bad_label() + "extends: gdprr\n"},
     None, "extends", "unknown policy 'gdprr'"),
    ("extends wrong type", {"bad.yaml": bad_label() + "extends: {gdpr: 1}\n"},
     None, "extends", "must be a policy name or path"),
    ("extends cycle", {"bad.yaml": bad_label() + "extends: other.yaml\n",
                       "other.yaml": "name: other\ntitle: O\nextends: [gdpr, bad.yaml]\n"},
     None, "extends", "closes a cycle"),
    ("extends itself", {"bad.yaml": bad_label() + "extends: ./bad.yaml\n"},
     None, "extends", "closes a cycle"),
    ("child label invalid after merge", {"bad.yaml": HEAD + "extends: gdpr\nlabels:\n  person:\n"
                                                            "    operator: keep_last\n    params: {new_value: x}\n"},
     "person", "params", "unknown parameter 'new_value'"),
    ("not a mapping", {"bad.yaml": "- name: bad\n"}, None, None, "must be a YAML mapping, not a list"),
    ("empty file", {"bad.yaml": ""}, None, None, "must be a YAML mapping, not an empty file"),
    ("invalid YAML", {"bad.yaml": HEAD + "labels: {person: [\n"}, None, None, "invalid YAML"),
]


@pytest.mark.parametrize(("files", "label", "field", "fragment"), [case[1:] for case in BAD],
                         ids=[case[0] for case in BAD])
def test_bad_policy_is_rejected_naming_file_label_and_field(
        tmp_path: Path, files: dict[str, str], label: str | None, field: str | None, fragment: str) -> None:
    paths = [write(tmp_path, name, text) for name, text in files.items()]
    with pytest.raises(PolicyError) as caught:
        load_policy(paths[0])
    message = str(caught.value)
    assert f"{tmp_path}/" in message and fragment in message
    assert any(path.name in message for path in paths)
    if label is not None:
        assert f"label {label!r}" in message
    if field is not None:
        assert f"field {field!r}" in message


@pytest.mark.parametrize("relative", ["missing.yaml", "."], ids=["missing file", "a directory"])
def test_unreadable_policy_file_is_named(tmp_path: Path, relative: str) -> None:
    path = tmp_path / relative
    with pytest.raises(PolicyError, match="cannot read the policy file") as caught:
        load_policy(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_union_of_conflicting_policies_is_rejected() -> None:
    hipaa = load_policy("hipaa")
    renamed = Policy.model_validate({"name": "renamed", "title": "R", "labels": {
        "patient": hipaa.labels["person"].model_copy(update={"entity_type": "PATIENT"})}})
    with pytest.raises(PolicyError, match="union 'both': label 'patient': field 'name': model name 'person'"):
        union([hipaa, renamed], "both")
