"""Synthetic annotated PII documents for training and evaluating the span model.

``generate(n, seed, split)`` yields ``Record``s (see ``records.py``); run
``python -m redactor.training.synthetic --help`` for the CLI.  Layout:
``values.py`` (Faker-backed values per label and locale), ``lookalikes.py``
(non-personal strings that must stay unlabelled), ``families/`` (templates per
domain), ``splits.py`` (families -> splits), ``builder.py`` (exact offsets and
the span gate), ``generate.py`` (the seeded loop).
"""

from redactor.training.synthetic.generate import generate, make_document
from redactor.training.synthetic.splits import SPLITS, families, split_of

__all__ = ["SPLITS", "families", "generate", "make_document", "split_of"]
