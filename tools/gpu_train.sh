#!/usr/bin/env bash
# Train the shipped models on a lent GPU machine (JAX, no TensorFlow there):
#   carry .whl (keras, namex, optree wheels) and .data/mnist (the IDX files).
# MODELS="talk classifier codec" picks what to train. Writes $OUT/models.tgz
# (models/ + runs/*/state.json) and one log per model.
# Smoke run on a CPU: OUT=/tmp/o EPOCHS_TALK=1 EPOCHS_CODEC=1 LIMIT=300 bash tools/gpu_train.sh
set -uo pipefail
if [ -d .whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site:$PWD
fi
export KERAS_BACKEND=jax MNIST_DIR=$PWD/.data/mnist PYTHONUNBUFFERED=1
PY=${PY:-python3}
limit=${LIMIT:+--limit $LIMIT}
nvidia-smi -L 2>/dev/null || true
start=$(date +%s)
for model in ${MODELS:-talk classifier codec}; do
  case $model in
    talk) args="--epochs ${EPOCHS_TALK:-50}" ;;
    classifier) args="--epochs ${EPOCHS_CLASSIFIER:-4}" ;;
    codec) args="--epochs ${EPOCHS_CODEC:-200} --batch-size ${BATCH_CODEC:-128} --steps-per-execution ${SPE_CODEC:-16} --max-minutes ${CODEC_MINUTES:-4.5}" ;;
  esac
  timeout ${MODEL_TIMEOUT:-600} $PY -m training train --model $model $args $limit 2>&1 | tee "$OUT/$model.log" | grep -v -E "^Epoch|step - " | tail -30
done
echo "total $(( $(date +%s) - start )) s"
tar czf "$OUT/models.tgz" models runs/*/state.json runs/codec/checkpoint.keras
