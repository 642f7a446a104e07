#!/bin/bash
# Robustness-sweep benchmark (issue 7): perturbation tasks per second on 1 and 2 ranks.
#  (a) one study, the IBSI tolerance scheme (7 rotations x 16 translations x 3 volumes = 336
#      perturbations + none): a single study spread over the ranks;
#  (b) N tiny studies x 20 perturbations + none (5 rotations x 4 translations), and the same with
#      noise in every chain (noise estimate + full-image noise per unit);
#  (c) 2 `radhpc synth` studies (CT-like bodies, several lesions) x 8 grid perturbations + none;
# then the robust stage (ICC, clusters) on (b). Prints units/s (unit = one study under one
# perturbation, all its lesions), lesion extractions/s and the 2-rank parallel efficiency.
#   perf/bench_sweep.sh [BUILD_DIR] [STUDIES]      (default build, 50 studies)
set -euo pipefail
source "$(dirname "$0")/bench_common.sh"
BUILD=${1:-$ROOT/build}
N=${2:-50}
bench_init radhpc-bench-sweep

# --- archive: N tiny CT-like studies (24x24x12 int16 NIfTI, 1-3 noisy ball lesions), bench_common.sh
tiny_archive "$W/archive" "$N"
head -2 "$W/archive/manifest.csv" > "$W/one.csv"
sed -i 's#img/#archive/img/#g' "$W/one.csv"
BASE=$(tiny_job bench-sweep 600)
printf '%s\nperturbations:\n  rotation: {angles: [-15, -10, -5, 0, 5, 10, 15]}\n  translation: {fractions: [0, 0.25, 0.5, 0.75], axes: xy}\n  volume: {grow_mm: [-1, 0, 1]}\n' "$BASE" > "$W/ibsi.yaml"
printf '%s\nperturbations:\n  seed: 7\n  rotation: {angles: [-10, -5, 0, 5, 10]}\n  translation: {fractions: [0, 0.5], axes: xy}\n' "$BASE" > "$W/sweep20.yaml"
printf '%s\nperturbations:\n  seed: 7\n  rotation: {angles: [-10, -5, 0, 5, 10]}\n  translation: {fractions: [0, 0.5], axes: xy}\n  noise: {repetitions: 1}\n' "$BASE" > "$W/noise20.yaml"

# label, ranks, job, manifest, store: units/s of the compute phase (from the run's timing line)
bench() {
  local label=$1 ranks=$2 job=$3 manifest=$4 store=$5
  local t0=$(date +%s.%N)
  $MPI -np "$ranks" "$RADHPC" run "$job" --manifest "$manifest" --store "$store" --threads 1 > "$W/out.log" 2> "$W/err.log" \
    || { cat "$W/out.log" "$W/err.log"; exit 1; }
  local t1=$(date +%s.%N)
  local units=$(grep -o '= [0-9]* units' "$W/out.log" | cut -d' ' -f2)
  local compute=$(grep -o 'compute [0-9.]*' "$W/err.log" | cut -d' ' -f2)
  local rows=$(( $("$RADHPC" export "$store" | wc -l) - 1 ))
  LAST_RATE=$(echo "$units / $compute" | bc -l)
  printf "%-58s %8.1f units/s %8.1f lesions/s  (%d units, %d rows; compute %.2f s, wall %.2f s)\n" "$label" "$LAST_RATE" \
    "$(echo "$rows / $compute" | bc -l)" "$units" "$rows" "$compute" "$(echo "$t1 - $t0" | bc -l)"
}
pair() {  # label, job, manifest
  bench "$1, 1 rank x 1 thread" 1 "$2" "$3" "$W/a1"; local r1=$LAST_RATE
  bench "$1, 2 ranks x 1 thread" 2 "$2" "$3" "$W/a2"; local r2=$LAST_RATE
  printf "%-58s %7.0f%%\n" "  -> 2-rank parallel efficiency" "$(echo "100 * $r2 / (2 * $r1)" | bc -l)"
  cmp -s <("$RADHPC" export "$W/a1") <("$RADHPC" export "$W/a2") && echo "  -> exports of 1 and 2 ranks byte-identical" || echo "  -> EXPORTS DIFFER"
  rm -rf "$W/a1" "$W/a2"
}

echo "== perturbation sweeps ($(nproc) cores; families morph, stat, ih, szm; tiny 24x24x12 studies)"
pair "(a) 1 study x (336 IBSI + none)" "$W/ibsi.yaml" "$W/one.csv"
pair "(b) $N studies x (20 + none)" "$W/sweep20.yaml" "$W/archive/manifest.csv"
pair "(b') $N studies x (20 noise chains + none)" "$W/noise20.yaml" "$W/archive/manifest.csv"

echo "== realistic studies: radhpc synth (CT-like bodies, 1-5 lesions), rotations + translations"
"$RADHPC" synth --studies 2 --seed 1 --out "$W/synth" > /dev/null
printf '%s\nperturbations:\n  rotation: {angles: [-10, 10]}\n  translation: {fractions: [0, 0.5], axes: xy}\n' "$BASE" > "$W/synth.yaml"
pair "(c) 2 synth studies x (8 + none)" "$W/synth.yaml" "$W/synth/manifest.csv"

echo "== robust stage on (b): resume (nothing to compute) + ICC + clusters"
$MPI -np 2 "$RADHPC" run "$W/sweep20.yaml" --manifest "$W/archive/manifest.csv" --store "$W/r" --threads 1 > /dev/null 2>&1
t0=$(date +%s.%N)
"$RADHPC" robust "$W/sweep20.yaml" --manifest "$W/archive/manifest.csv" --store "$W/r" > "$W/out.log" 2> "$W/err.log"
t1=$(date +%s.%N)
grep -h "radhpc robust:" "$W/err.log" | grep -v note | sed 's/^radhpc robust: //'
printf "robust command (plan + skip every unit + stage + rewrite store): %.2f s\n" "$(echo "$t1 - $t0" | bc -l)"
