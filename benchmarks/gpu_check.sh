#!/usr/bin/env bash
# One check for a machine with a CUDA GPU and no internet (about 6 minutes):
# install this checkout and the pure-Python wheels carried in, run the tests
# marked `gpu` and the GPU rows of the heatmap, backbone, EHCT and training
# throughput benchmarks, and write everything to one JSON.
#
#   bash benchmarks/gpu_check.sh WHEELS_DIR [OUT_DIR]
#
# WHEELS_DIR: wheels downloaded on a machine with internet (README, "GPU /
# cluster"); the GPU machine's own torch (CUDA build) is kept. PYTHON: the
# interpreter that has that torch (default python3).
set -uo pipefail
cd "$(dirname "$0")/.."
wheels=${1:?usage: bash benchmarks/gpu_check.sh WHEELS_DIR [OUT_DIR]}
out=${2:-work_dirs/gpu_check}
py=${PYTHON:-python3}
# Entry points (mim, m2hen) are installed beside the interpreter.
PATH="$(dirname "$(command -v "$py")"):$PATH"
mkdir -p "$out"
"$py" -c 'import torch; assert torch.cuda.is_available(), "no CUDA device"' \
  || { echo "error: no CUDA device visible to torch"; exit 2; }

step() {  # step NAME SECONDS COMMAND...: run, keep its log and exit status
  local name=$1 limit=$2; shift 2
  local start=$SECONDS
  timeout "$limit" "$@" > "$out/$name.log" 2>&1
  local status=$?
  echo "{\"step\": \"$name\", \"status\": $status, \"seconds\": $((SECONDS - start))}" \
    >> "$out/steps.jsonl"
  echo "$name: exit $status in $((SECONDS - start)) s (log: $out/$name.log)"
}

rm -f "$out/steps.jsonl"
# --no-deps: offline, pip cannot satisfy mmengine's opencv-python and
# mmaction2's opencv-contrib-python (60+ MB each); the image's
# opencv-python-headless serves both. The wheels go first: the checkout's
# develop install needs their setuptools<80 (mim finds configs through it).
step install 180 bash -c "'$py' -m pip install --no-index --no-deps \
  '$wheels'/*.whl && '$py' -m pip install --no-index --no-deps \
  --no-build-isolation --no-use-pep517 -e . && '$py' -c 'import m2hen_mmaction' \
  && '$py' -m mim --version"
grep -q '"status": 0' "$out/steps.jsonl" || {
  echo "error: install failed, see $out/install.log"; exit 1; }
step tests 180 "$py" -m pytest -p no:cacheprovider -m gpu -q -s tests
# 48-frame clips (not --quick's 8): the 64-clip CUDA batch is the README figure.
step heatmaps 90 "$py" benchmarks/heatmaps.py --frames 48 --repeats 3 --batch 4 \
  --out "$out/heatmaps.json"
step backbones 90 "$py" benchmarks/backbones.py --device cuda --batch 8 --out "$out/backbones.json"
step ehct 90 "$py" benchmarks/ehct.py --device cuda --layouts openpose137 \
  --warmup 2 --iters 5 --out "$out/ehct.json"
step train_throughput 120 "$py" benchmarks/train_throughput.py \
  --out "$out/train_throughput.json"

"$py" - "$out" <<'PY'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
report = {'steps': [json.loads(line) for line in
                    (out / 'steps.jsonl').read_text().splitlines()]}
for name in ('heatmaps', 'backbones', 'ehct', 'train_throughput'):
    path = out / f'{name}.json'
    report[name] = json.loads(path.read_text()) if path.exists() else None
report['gpu_tests'] = (out / 'tests.log').read_text()[-4000:]
(out / 'gpu_check.json').write_text(json.dumps(report, indent=2))
print(f'wrote {out / "gpu_check.json"}')
PY
