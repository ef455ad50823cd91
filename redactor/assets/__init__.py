"""Files shipped inside the package: the trained PII model (``pii-minilm/``).

The model lives in the wheel so that redaction works on a machine with no network
and no model hub; ``GLiNER2.default()`` loads it.
"""

from pathlib import Path

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "pii-minilm"
