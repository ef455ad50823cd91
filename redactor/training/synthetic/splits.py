"""Assign template families (never single documents) to train/dev/test.

Within each document kind the families are ranked by a stable hash of their id
and cut 70/15/15, so every kind has families in every split and a test document
always uses a skeleton (field names, separators, casing, optional sections)
that no train document used.  ``hashlib`` rather than ``hash()``: Python salts
string hashes per process, which would reshuffle the splits on every run.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Literal

from redactor.training.synthetic.families import KINDS

Split = Literal["train", "dev", "test"]
SPLITS: tuple[Split, ...] = ("train", "dev", "test")
#: Families per kind; 20 gives a 14/3/3 cut.
FAMILIES_PER_KIND = 20
_SHARES = (0.70, 0.15, 0.15)


def family_id(kind: str, variant: int) -> str:
    """The id stored in ``Record.family``."""
    return f"{kind}/{variant:02d}"


def _rank_key(family: str) -> str:
    return hashlib.sha256(family.encode()).hexdigest()


@cache
def families(split: Split) -> dict[str, tuple[str, ...]]:
    """Kind -> the family ids of that kind which belong to ``split``."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    n_train = round(FAMILIES_PER_KIND * _SHARES[0])
    n_dev = round(FAMILIES_PER_KIND * _SHARES[1])
    result: dict[str, tuple[str, ...]] = {}
    for name in KINDS:
        ranked = sorted((family_id(name, i) for i in range(FAMILIES_PER_KIND)), key=_rank_key)
        cut = {"train": ranked[:n_train], "dev": ranked[n_train:n_train + n_dev], "test": ranked[n_train + n_dev:]}
        result[name] = tuple(sorted(cut[split]))
    return result


def split_of(family: str) -> Split:
    """Which split a family id belongs to."""
    kind = family.split("/")[0]
    for split in SPLITS:
        if family in families(split).get(kind, ()):
            return split
    raise KeyError(f"unknown family {family!r}")
