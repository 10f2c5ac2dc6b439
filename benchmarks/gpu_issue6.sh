#!/usr/bin/env bash
# Issue 6 on a lent GPU machine, in one call of at most ~9 minutes (the device budget is 15 min
# per task, start-up included). Run from the repository root with the package built and the
# venv carried:   bash benchmarks/gpu_issue6.sh "$OUT"
#
# 1. samples/s of every network on the GPU (train_throughput.py, bf16/16-mixed chosen by it);
# 2. the MT U-Net at FULL width (encoder 64-128-256-512-1024) on 2000 sections generated on the
#    machine's CPU cores (~1.3 CPU-s each, ~3 min on 16 cores), 200 held out, a time-boxed run;
# 3. the crust MDN on the study's 380 000 / 120 000 split (500 000-model store, ~5 s to make).
# Every stage writes into $OUT as it finishes, so a cut-off run still returns what it finished.
set -u
OUT=${1:-${OUT:-gpu_out}}
mkdir -p "$OUT"
PY=${PY:-python}
stamp() { date -u +%H:%M:%S; }
nvidia-smi --query-gpu=name,memory.total --format=csv > "$OUT/gpu.txt" 2>&1

echo "$(stamp) throughput" | tee -a "$OUT/log.txt"
timeout 120 $PY benchmarks/train_throughput.py --task all --accelerator gpu --epochs 2 \
    > "$OUT/throughput_gpu.txt" 2>&1
timeout 60 $PY benchmarks/train_throughput.py --task unet --width 1.0 --n 256 \
    --accelerator gpu --epochs 2 > "$OUT/throughput_unet_full_gpu.txt" 2>&1

echo "$(stamp) MT store" | tee -a "$OUT/log.txt"
timeout 240 geoinvert generate mt --n 2000 --chunk 25 --seed 21 --out /tmp/mt2000.zarr \
    > "$OUT/generate_mt.txt" 2>&1

echo "$(stamp) MT U-Net full width" | tee -a "$OUT/log.txt"
timeout 200 $PY benchmarks/mt_learning.py --data /tmp/mt2000.zarr --out "$OUT/mt_full" \
    --width 1.0 --epochs 40 --batch-size 16 --gpus 1 --misfit-sections 20 --bostick \
    > "$OUT/mt_learning.txt" 2>&1

echo "$(stamp) crust MDN 380k" | tee -a "$OUT/log.txt"
timeout 30 geoinvert generate crust --n 500000 --chunk 5000 --seed 11 --out /tmp/crust500k.zarr \
    > "$OUT/generate_crust.txt" 2>&1
timeout 120 $PY benchmarks/crust_learning.py --data /tmp/crust500k.zarr --out "$OUT/crust" \
    --models mdn,mlp --epochs 30 --batch-size 4096 --gpus 1 > "$OUT/crust_learning.txt" 2>&1
echo "$(stamp) done" | tee -a "$OUT/log.txt"
