"""redactor: PII redaction and compliance toolkit built on a GLiNER2 span model."""

from redactor.model import (CheckpointError, GLiNER2, GLiNER2Config, Schema, SchemaError,
                            UnsupportedCheckpointError, WindowError)

__all__ = ["CheckpointError", "GLiNER2", "GLiNER2Config", "Schema", "SchemaError",
           "UnsupportedCheckpointError", "WindowError"]
__version__ = "0.1.0"
