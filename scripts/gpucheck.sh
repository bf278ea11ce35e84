#!/usr/bin/env bash
# gpucheck.sh — compare hsi-top's NVML readings with nvidia-smi on a machine with a GPU,
# the faults and limits too (PCIe link, ECC, power limit, NVENC/NVDEC, clock events,
# per-process SM): $OUT/table.txt is the field-by-field table.
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
# Issue 14's fields: PCIe link, volatile ECC, power limit, NVENC/NVDEC; per-process SM use
# (pmon); the -q sections they come from.
F=index,pcie.link.gen.current,pcie.link.gen.max,pcie.link.width.current,pcie.link.width.max,ecc.errors.corrected.volatile.total,ecc.errors.uncorrected.volatile.total,enforced.power.limit,utilization.encoder,utilization.decoder,clocks_event_reasons.active
nvidia-smi --query-gpu=$F --format=csv,noheader,nounits > "$OUT/smi-faults.csv" 2>&1
nvidia-smi pmon -c 1 -s u > "$OUT/smi-pmon.txt" 2>&1
nvidia-smi -q -d PCIE,ECC,POWER,PERFORMANCE > "$OUT/smi-q.txt" 2>&1
"$bin" --once --json > "$OUT/once2.json" 2>> "$OUT/once.err"
python3 - "$OUT/once.json" <<'PY' > "$OUT/summary.txt" 2>&1 || true
import json,sys
d=json.load(open(sys.argv[1]))
print(json.dumps({k:d.get(k) for k in ["gpu","gpus","gpu_status"]},indent=1))
PY
# The table: nvidia-smi beside hsi-top, field by field, per GPU.
python3 - "$OUT/smi-faults.csv" "$OUT/once2.json" "$OUT/smi-pmon.txt" <<'PY' > "$OUT/table.txt" 2>&1 || true
import json,sys
smi=[l.split(", ") for l in open(sys.argv[1]).read().splitlines() if l.strip()]
d=json.load(open(sys.argv[2]))
gpus={g["index"]:g for g in d.get("gpus") or []}
def get(g,*path):
    for p in path:
        g=(g or {}).get(p) if isinstance(g,dict) else None
    return g
fields=[("pcie gen",("pcie","gen")),("pcie max gen",("pcie","max_gen")),("pcie width",("pcie","width")),("pcie max width",("pcie","max_width")),
 ("ecc corrected (volatile)",("ecc","volatile_corrected")),("ecc uncorrected (volatile)",("ecc","volatile_uncorrected")),
 ("power limit W",("power_limit_watts",)),("encoder %",("encoder_utilization",)),("decoder %",("decoder_utilization",)),
 ("clock events",("clock_events",))]
print("| GPU | field | nvidia-smi | hsi-top |\n|---|---|---|---|")
for row in smi:
    if not row or not row[0].strip().isdigit(): continue
    i=int(row[0]); g=gpus.get(i,{})
    for (name,path),v in zip(fields,row[1:]):
        h=get(g,*path)
        if name=="clock events": h=",".join(e["reason"] for e in (h or [])) if h is not None else None
        print(f"| {i} | {name} | {v.strip()} | {'null' if h is None else h} |")
    for p in g.get("processes") or []:
        print(f"| {i} | pid {p['pid']} {p['service']} SM % | (see pmon) | {p.get('sm_utilization')} |")
    print(f"| {i} | xid log | (dmesg) | {g.get('xid_events')} |")
print(); print(open(sys.argv[3]).read())
PY
cat "$OUT/env.txt" "$OUT/smi.csv" "$OUT/smi-apps.csv" "$OUT/once.err" "$OUT/table.txt" "$OUT/load.txt" | head -c 11000
