#!/usr/bin/env bash
# Issue 15's benchmarks of filtered images through the product (not the kernels alone; those are
# perf_bench_filters and perf_bench_pyradiomics_filters):
#  1. the IBSI CT phantom lesion with CT-TIME settings + LoG sigma 2, 3, 4, 5 mm + the 8 coif1 wavelet
#     sub-bands (jobs/ct-time-filtered.yaml, PyRadiomics' 1,223 features), `radhpc extract` on one core
#     (taskset) and on two, against the same settings without filters in the same script;
#  2. a feature table of 1,000+ columns through the batch engine, the store, export and the report:
#     seconds per (study x column) against the unfiltered table, so a per-feature slowdown shows as a
#     ratio above 1.
# usage: BUILD=build bash perf/bench_filtered.sh [STUDIES]
set -euo pipefail
source "$(dirname "$0")/bench_common.sh"
BUILD=${BUILD:-$ROOT/build}
bench_init radhpc_bench_filtered
N=${1:-20}
DATA=${RADHPC_SHARED_DATA:-$ROOT/../shared/data}
CT=$DATA/ibsi1/ct_phantom/nifti
# the same job without filters: the original image only, every class
sed '/^filters:/,/wavelet, wavelet: coif1}/d' "$ROOT/jobs/ct-time-filtered.yaml" > "$W/plain.yaml"

best_of_3() {  # command...: prints the smallest wall time in seconds
  python3 - "$@" <<'PY'
import subprocess, sys, time
best = 1e9
for _ in range(3):
    t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    best = min(best, time.perf_counter() - t)
print("%.3f" % best)
PY
}

echo "== CT phantom lesion, CT-TIME settings (radhpc extract, best of 3, reading included)"
for job in plain "$ROOT/jobs/ct-time-filtered.yaml"; do
  [ "$job" = plain ] && job=$W/plain.yaml
  cols=$("$RADHPC" extract --image "$CT/image/phantom.nii.gz" --mask "$CT/mask/mask.nii.gz" --settings "$job" | tail -n +2 | wc -l)
  one=$(best_of_3 taskset -c 0 "$RADHPC" extract --image "$CT/image/phantom.nii.gz" --mask "$CT/mask/mask.nii.gz" --settings "$job")
  two=$(best_of_3 "$RADHPC" extract --image "$CT/image/phantom.nii.gz" --mask "$CT/mask/mask.nii.gz" --settings "$job")
  echo "$(basename "$job"): $cols features; 1 core ${one} s, 2 cores ${two} s"
done

echo "== $N synthetic studies through run / export / report (1 rank, 2 threads)"
"$RADHPC" synth --studies "$N" --seed 2026 --out "$W/archive" > /dev/null
for job in plain filtered; do
  src=$W/plain.yaml; [ "$job" = filtered ] && src=$ROOT/jobs/ct-time-filtered.yaml
  t0=$(date +%s.%N)
  "$RADHPC" run "$src" --manifest "$W/archive/manifest.csv" --store "$W/s_$job" > /dev/null 2>&1 || true
  t1=$(date +%s.%N)
  "$RADHPC" export "$W/s_$job" --names pyradiomics --out "$W/$job.csv"
  t2=$(date +%s.%N)
  "$RADHPC" report "$W/s_$job" --out "$W/$job.html" > /dev/null 2>&1
  t3=$(date +%s.%N)
  rows=$(($(wc -l < "$W/$job.csv") - 1)); cols=$(($(head -1 "$W/$job.csv" | tr ',' '\n' | wc -l) - 4))
  python3 -c "
r, c = $rows, $cols
run, exp, rep = $t1 - $t0, $t2 - $t1, $t3 - $t2
print('$job: %d rows x %d columns; run %.2f s, export %.3f s (%.2f us per cell), report %.3f s (%.2f us per cell)' % (r, c, run, exp, 1e6 * exp / (r * c), rep, 1e6 * rep / (r * c)))" | tee -a "$W/cells.txt"
done
python3 - "$W/cells.txt" <<'PY'
import re, sys
per = {}
for line in open(sys.argv[1]):
    name = line.split(":")[0]
    per[name] = [float(x) for x in re.findall(r"\(([0-9.]+) us per cell\)", line)]
if len(per) == 2:
    print("per-cell cost, filtered / plain: export %.2fx, report %.2fx (1 = no slowdown per feature)"
          % (per["filtered"][0] / per["plain"][0], per["filtered"][1] / per["plain"][1]))
PY
