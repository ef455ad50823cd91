"""redactor: PII redaction and compliance toolkit built on a GLiNER2 span model.

Names are imported lazily: ``import redactor.operators`` or a logging hook must not
pay for torch and transformers (seconds) unless the model is actually used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redactor.engine import Finding, Redaction, Redactor
    from redactor.model import (CheckpointError, GLiNER2, GLiNER2Config, Schema, SchemaError,
                                UnsupportedCheckpointError, WindowError)
    from redactor.policy import Policy, PolicyError, load_policy

_EXPORTS = {
    "Redactor": "redactor.engine", "Redaction": "redactor.engine", "Finding": "redactor.engine",
    "Policy": "redactor.policy", "PolicyError": "redactor.policy", "load_policy": "redactor.policy",
    **{name: "redactor.model" for name in ("CheckpointError", "GLiNER2", "GLiNER2Config", "Schema",
                                           "SchemaError", "UnsupportedCheckpointError", "WindowError")},
}
__all__ = ["CheckpointError", "Finding", "GLiNER2", "GLiNER2Config", "Policy", "PolicyError", "Redaction",
           "Redactor", "Schema", "SchemaError", "UnsupportedCheckpointError", "WindowError", "load_policy"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'redactor' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
