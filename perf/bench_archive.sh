#!/bin/bash
# Archive-scale batch benchmark (issue 12): N full-size synthetic clinical CTs (radhpc synth --size
# clinical: 512x512, 100-400 slices, 1-10 lesions + an organ-sized ROI, int16 .nii.gz) through
# `radhpc run` with the CT-TIME settings (PyRadiomics profile, 1 mm B-spline), on 1 and 2 ranks of one
# thread each: studies/s, lesions/s, parallel efficiency, read share, max RSS per rank against the
# largest image's native bytes, and a projection to the NLST feature pass.
#   perf/bench_archive.sh [BUILD_DIR] [STUDIES]      (default build, 20 studies)
set -euo pipefail
source "$(dirname "$0")/bench_common.sh"
BUILD=${1:-$ROOT/build}
N=${2:-20}
bench_init radhpc-bench-archive

t0=$(date +%s.%N)
"$RADHPC" synth --size clinical --studies "$N" --seed 11 --out "$W/archive" > /dev/null
printf "synthesised %d clinical studies in %.0f s (%s on disk)\n" "$N" "$(echo "$(date +%s.%N) - $t0" | bc -l)" "$(du -sh "$W/archive" | cut -f1)"
LESIONS=$(tail -n +2 "$W/archive/manifest.csv" | cut -d, -f5 | tr ';' '\n' | wc -l)
VOX=$(python3 - "$W/archive" <<'PY'
import glob, gzip, struct, sys
best = 0
for f in glob.glob(sys.argv[1] + "/images/*.nii.gz"):
    h = gzip.open(f).read(348)
    d = struct.unpack_from("<8h", h, 40)
    best = max(best, d[1] * d[2] * d[3])
print(best)
PY
)
printf 'version: 1\nname: ct-time-settings\nprofile: pyradiomics\npreprocess:\n  resample: {spacing: [1, 1, 1], interpolation: bspline, mask_interpolation: nearest}\n  resegment: {min: -100, max: 300}\n  discretisation: {method: fixed_bin_size, bin_width: 25}\nfeatures: {families: [firstorder, shape, glcm, glrlm, glszm, gldm, ngtdm]}\nrun: {progress_interval_s: 600}\n' > "$W/job.yaml"
echo "cat of every image and mask file to /dev/null: $( { /usr/bin/time -f %e cat "$W"/archive/images/* "$W"/archive/masks/* > /dev/null; } 2>&1 ) s; gzip -dc of the images: $( { /usr/bin/time -f %e sh -c "cat $W/archive/images/* | gzip -dc > /dev/null"; } 2>&1 ) s"

run() {  # NP STORE
  local t0=$(date +%s.%N)
  $MPI -np "$1" sh -c "exec /usr/bin/time -f \"rank \$OMPI_COMM_WORLD_RANK max RSS %M KiB\" \"$RADHPC\" run \"$W/job.yaml\" --manifest \"$W/archive/manifest.csv\" --store \"$W/$2\" --threads 1" > "$W/$2.log" 2>&1 || { tail -20 "$W/$2.log"; exit 1; }
  echo "$(date +%s.%N) - $t0" | bc -l
}
S1=$(run 1 s1)
S2=$(run 2 s2)
printf "1 rank : %6.1f s wall, %.3f studies/s, %.2f lesions/s, %.2f s per study\n" "$S1" "$(echo "$N / $S1" | bc -l)" "$(echo "$LESIONS / $S1" | bc -l)" "$(echo "$S1 / $N" | bc -l)"
printf "2 ranks: %6.1f s wall, %.3f studies/s, %.2f lesions/s -> speed-up %.2fx, parallel efficiency %.0f%%\n" "$S2" "$(echo "$N / $S2" | bc -l)" "$(echo "$LESIONS / $S2" | bc -l)" "$(echo "$S1 / $S2" | bc -l)" "$(echo "100 * $S1 / (2 * $S2)" | bc -l)"
grep "max RSS" "$W/s2.log" | sort
printf "largest image: %d voxels = %.0f MiB native (int16); budget 2.5x + 100 MiB = %.0f MiB\n" "$VOX" "$(echo "$VOX * 2 / 1048576" | bc -l)" "$(echo "$VOX * 5 / 1048576 + 100" | bc -l)"
"$RADHPC" inspect "$W/s1" | sed -n 1,12p
cmp <("$RADHPC" export "$W/s1") <("$RADHPC" export "$W/s2") && echo "exports of 1 and 2 ranks identical"
# NLST: 126,000 CTs on 16 nodes x 64 cores, one rank per core, at the 2-rank efficiency measured here
printf "projection: NLST feature pass (126,000 CTs) on 16 x 64 = 1024 ranks: %.1f h (per-study time %.2f s at 1 rank, efficiency as measured on 2)\n" \
  "$(echo "126000 * ($S1 / $N) / (1024 * $S1 / (2 * $S2)) / 3600" | bc -l)" "$(echo "$S1 / $N" | bc -l)"
