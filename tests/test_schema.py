"""Schema building and validation: bad schemas fail at build time with a precise message."""

import pytest

from redactor import Schema, SchemaError
from redactor.model.prompt import choice_prefix, schema_tasks
from redactor.model.schema import parse_field_spec


def test_entities_accept_list_and_description_dict() -> None:
    schema = Schema().entities(["person", "email"]).entities({"iban": "bank account numbers"})
    assert [(e.name, e.description) for e in schema.entity_types] == [
        ("person", None), ("email", None), ("iban", "bank account numbers")]


def test_task_order_is_structures_entities_relations_classifications() -> None:
    schema = (Schema().classification("mood", ["a", "b"]).relations(["works_for"])
              .entities(["person"]).structure("contact").field("name").end())
    assert [t.kind for t in schema_tasks(schema)] == ["structure", "entities", "relation", "classification"]


def test_prompt_elements_carry_descriptions_and_examples() -> None:
    schema = Schema().classification("domain", {"health": "medical text", "finance": "money"},
                                     prompt="pick one", examples=[("I paid", "finance")])
    (task,) = schema_tasks(schema)
    assert task.elements[2] == ("domain: pick one [DESCRIPTION] health: medical text "
                                "[DESCRIPTION] finance: money [EXAMPLE] I paid [OUTPUT] finance")
    assert task.elements[3:] == ("(", "[L]", "health", "[L]", "finance", ")", ")")


def test_choice_prefix_lists_every_choice_field() -> None:
    schema = (Schema().structure("contact").field("name")
              .field("kind", choices=["home", "work"]).field("pref", choices=["sms"]).end())
    assert choice_prefix(schema) == ("(", "contact:", "kind", "(", "home", "|", "work", ")", ",",
                                     "pref", "(", "sms", ")", ")")


@pytest.mark.parametrize(("build", "message"), [
    (lambda: Schema().entities(["person", "person"]), "duplicate name 'person'"),
    (lambda: Schema().entities({"person": {"threshold": 2}}), "entity 'person': threshold"),
    (lambda: Schema().entities({"person": {"colour": "red"}}), "unknown option"),
    (lambda: Schema().entities([""]), "non-empty"),
    (lambda: Schema().classification("t", []), "classification 't': needs at least one label"),
    (lambda: Schema().classification("t", ["a"], top_k=0), "top_k"),
    (lambda: Schema().structure("s").end(), "structure 's': needs at least one field"),
    (lambda: Schema().structure("s").field("f", dtype="int"), "dtype"),
    (lambda: Schema().relations(["r"], threshold=-1), "relation 'r': threshold"),
])
def test_invalid_schemas_are_rejected_with_the_culprit_named(build, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        build()


def test_compact_field_specs() -> None:
    assert parse_field_spec("kind::[home|work]").dtype == "str"
    assert parse_field_spec("kind::[home|work]").choices == ("home", "work")
    spec = parse_field_spec("phones::list::phone numbers")
    assert (spec.name, spec.dtype, spec.description) == ("phones", "list", "phone numbers")


def test_extract_rejects_non_schema_and_empty_schema(fresh_model) -> None:
    with pytest.raises(SchemaError, match="no task"):
        fresh_model.extract("text", Schema())
    with pytest.raises(SchemaError, match="must be a redactor Schema"):
        fresh_model.extract("text", {"entities": ["person"]})
    with pytest.raises(TypeError, match=r"texts\[1\]"):
        fresh_model.extract(["ok", None], Schema().entities(["person"]))
