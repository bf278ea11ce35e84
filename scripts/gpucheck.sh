#!/usr/bin/env bash
# gpucheck.sh — compare hsi-top's NVML readings with nvidia-smi on a machine with a GPU.
#
#   CGO_CFLAGS=-Wno-deprecated-declarations go build -o dist/hsi-top . && cp scripts/gpucheck.sh dist/
#   then on the GPU machine: bash dist/gpucheck.sh dist/hsi-top   (results in $OUT, default /tmp/out)
set -u
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
bin=${1:-./hsi-top}
{ uname -a; cat /etc/os-release | head -3; ldd --version | head -1; nvidia-smi -L; nvidia-smi --version; cat /proc/self/status | grep NSpid; head -3 /proc/self/cgroup; } > "$OUT/env.txt" 2>&1
# Something holding GPU memory, if a CUDA runtime is around, so the process list is not empty.
( python3 -c "import torch,time; x=torch.ones(1<<28, device='cuda'); time.sleep(40)" >"$OUT/load.txt" 2>&1 & )
sleep 8
Q=index,name,uuid,utilization.gpu,utilization.memory,memory.used,memory.total,memory.free,temperature.gpu,power.draw,power.limit,enforced.power.limit,clocks.sm,fan.speed,pstate
nvidia-smi --query-gpu=$Q --format=csv > "$OUT/smi.csv" 2>&1
nvidia-smi --query-gpu=index,clocks_event_reasons.active --format=csv >> "$OUT/smi.csv" 2>&1 || nvidia-smi --query-gpu=index,clocks_throttle_reasons.active --format=csv >> "$OUT/smi.csv" 2>&1
nvidia-smi --query-compute-apps=gpu_uuid,pid,process_name,used_memory --format=csv > "$OUT/smi-apps.csv" 2>&1
"$bin" --once --json > "$OUT/once.json" 2> "$OUT/once.err"
echo "rc=$?" >> "$OUT/once.err"
nvidia-smi --query-gpu=$Q --format=csv,noheader >> "$OUT/smi.csv" 2>&1
nvidia-smi -q -d PERFORMANCE > "$OUT/smi-perf.txt" 2>&1
python3 - "$OUT/once.json" <<'PY' > "$OUT/summary.txt" 2>&1 || true
import json,sys
d=json.load(open(sys.argv[1]))
print(json.dumps({k:d.get(k) for k in ["gpu","gpus","gpu_status"]},indent=1))
PY
cat "$OUT/env.txt" "$OUT/smi.csv" "$OUT/smi-apps.csv" "$OUT/once.err" "$OUT/summary.txt" "$OUT/load.txt" | head -c 11000
