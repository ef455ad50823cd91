"""GLiNER2 span model: schema prompt + text in one encoder pass (see ``extractor``)."""

from redactor.model.config import GLiNER2Config, UnsupportedCheckpointError
from redactor.model.checkpoint import CheckpointError
from redactor.model.extractor import GLiNER2
from redactor.model.schema import Schema, SchemaError
from redactor.model.windows import WindowError

__all__ = ["CheckpointError", "GLiNER2", "GLiNER2Config", "Schema", "SchemaError",
           "UnsupportedCheckpointError", "WindowError"]
