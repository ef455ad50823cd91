"""``python -m redactor.training.calibrate_int8 MODEL_DIR TEXTS.jsonl [--limit 100]``

Calibrates a trained model's int8 ranges (``redactor.model.fast``): the fp32 model
reads dev text (a JSONL file of ``{"text": ...}``, e.g. the synthetic dev split) with
the prompts it serves (the ``auto`` routing prompt, which carries every shipped
policy's labels, and each shipped policy's own, with and without descriptions), and
per input channel the range of every encoder layer that runs int8 is written next to
the model (``int8_calibration.safetensors``); the weights are not rewritten.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from redactor.model.extractor import GLiNER2
from redactor.model.fast import CALIBRATION_FILE, save_calibration
from redactor.model.schema import Schema
from redactor.training.records import read_jsonl

POLICIES = ("auto", "gdpr", "hipaa")  # auto asks for the union of every shipped policy's labels


def prompts(model: GLiNER2) -> list[Schema]:
    """The schemas the shipped policies put to ``model`` (described and names-only)."""
    from redactor.recognizers.gliner2 import GLiNER2Recognizer

    return [GLiNER2Recognizer(policy, model, describe=describe).schema()
            for policy in POLICIES for describe in (True, False)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", type=Path, help="trained model directory (the calibration is written into it)")
    parser.add_argument("texts", type=Path, help="JSONL dev text to calibrate on")
    parser.add_argument("--limit", type=int, default=100, help="use the first N texts (default 100)")
    args = parser.parse_args(argv)
    texts = [record.text for record in read_jsonl(args.texts)][: args.limit]
    if not texts:
        parser.error(f"{args.texts}: no texts to calibrate on")
    model = GLiNER2.from_pretrained(args.model)
    model.calibrate_int8(texts, prompts(model))
    calibration = model.int8_calibration or {}
    save_calibration(args.model, calibration)
    print(f"int8 calibration of {len(calibration)} layers from {len(texts)} texts "
          f"-> {args.model / CALIBRATION_FILE}")


if __name__ == "__main__":
    main()
