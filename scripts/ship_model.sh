#!/usr/bin/env bash
# Replace the shipped model with a trained one, the way pii-minilm was shipped (issue #3):
#   scripts/ship_model.sh TRAINED_MODEL_DIR EVAL_OUT_DIR [RECIPE.yaml]
# 1. int8 row-wise export into redactor/assets/pii-minilm (the model card README.md stays;
#    update its numbers from EVAL_OUT_DIR afterwards), with the model's pooled domain router; a
#    model trained without one gets it fitted on the exported weights from RECIPE (train_router)
# 2. scripts/evaluate_model.sh on the exported model: thresholds on the synthetic dev split,
#    the synthetic test split and the shared dev sets, side by side with Presidio
# 3. the calibrated thresholds copied next to the model and into the GDPR/HIPAA policies
# 4. the opt-in int8 encoder calibrated on the synthetic dev split (int8_calibration.safetensors)
set -euo pipefail
SRC=${1:?trained model directory (e.g. runs/pii/model)}
OUT=${2:?evaluation output directory}
RECIPE=${3:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST=$ROOT/redactor/assets/pii-minilm
export HF_HUB_OFFLINE=1
if [ ! -f "$SRC/router.safetensors" ] && [ -z "$RECIPE" ]; then  # checked before anything is replaced
    echo "$SRC has no router.safetensors: pass the recipe it was trained with as the third argument" >&2
    exit 2
fi
python - "$SRC" "$DEST" <<'PY'
import shutil, sys, tempfile
from pathlib import Path
import torch
from redactor import GLiNER2
src, dest = Path(sys.argv[1]), Path(sys.argv[2])
with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
    GLiNER2.from_pretrained(src).save_pretrained(tmp, dtype=torch.int8)
    for stale in ("int8_calibration.safetensors", "router.safetensors"):  # belong to the old weights
        (dest / stale).unlink(missing_ok=True)
    for item in Path(tmp).iterdir():           # everything but the model card is replaced
        target = dest / item.name
        if target.is_dir():
            shutil.rmtree(target)
        shutil.move(str(item), target)
print(f"exported {src} -> {dest} (int8)")
PY
if [ ! -f "$SRC/router.safetensors" ]; then
    python -m redactor.training.train_router --model "$DEST" --config "$RECIPE"
fi
"$ROOT/scripts/evaluate_model.sh" "$DEST" "$OUT"
cp "$OUT/thresholds.json" "$DEST/thresholds.json"
python "$ROOT/scripts/apply_thresholds.py" "$OUT/thresholds.json" "$ROOT/policies/gdpr.yaml" "$ROOT/policies/hipaa.yaml"
python -m redactor.training.calibrate_int8 "$DEST" "$OUT/syn_dev.jsonl"
