"""Template families per document kind, registered with their routing domain.

A *kind* is a document genre (clinical note, SQL dump...); each kind is written
by one function, and a *family* is that function under one style seed (field
names, separators, casing, order and optional sections are fixed per family via
``Doc.pick``).  ``splits.py`` assigns families, not documents, to splits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from redactor.training.labels import DOMAINS
from redactor.training.synthetic.builder import Doc
from redactor.training.synthetic.lookalikes import Lookalikes
from redactor.training.synthetic.values import Values

Template = Callable[[Doc, Values, Lookalikes], None]


@dataclass(frozen=True)
class Kind:
    """A document kind: its name, routing domain and template function."""

    name: str
    domain: str
    build: Template


KINDS: dict[str, Kind] = {}


def kind(name: str, domain: str) -> Callable[[Template], Template]:
    """Register a template function as the document kind ``name``."""
    if domain not in DOMAINS:
        raise ValueError(f"{name}: unknown domain {domain!r}")

    def register(build: Template) -> Template:
        if name in KINDS:
            raise ValueError(f"duplicate kind {name}")
        KINDS[name] = Kind(name, domain, build)
        return build

    return register


def _load() -> None:
    """Import the modules that register kinds (kept explicit so the order is stable)."""
    from redactor.training.synthetic.families import (  # noqa: F401
        communication, employment, finance, health, legal, logs, nopii)


_load()
