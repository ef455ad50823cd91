"""Shipped policy files (GDPR, HIPAA, PCI-DSS, strict); loaded by :mod:`redactor.policy`.

The YAML files sit next to this module so they install as package data; a shipped
policy's name is its file name without ``.yaml``.
"""

from __future__ import annotations

from pathlib import Path

#: The folder holding the shipped ``<name>.yaml`` policy files.
POLICY_DIR: Path = Path(__file__).resolve().parent


def shipped() -> list[str]:
    """Names of the shipped policies, sorted (``load_policy`` accepts each)."""
    return sorted(path.stem for path in POLICY_DIR.glob("*.yaml"))
