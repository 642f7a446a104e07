#!/bin/bash
# Batch-engine benchmark (issue 4): studies/s at 1 and 2 ranks over a synthetic archive of tiny
# studies, master cost per result with no-op workers, store size per 1000 lesions, peak memory.
#   perf/bench_batch.sh [BUILD_DIR] [STUDIES]      (default build-batch, 1000 studies)
set -euo pipefail
source "$(dirname "$0")/bench_common.sh"
BUILD=${1:-$ROOT/build-batch}
N=${2:-1000}
bench_init radhpc-bench-batch

# --- archive: N tiny CT-like studies (24x24x12 int16 NIfTI, 1-3 noisy ball lesions) ---------------
tiny_archive "$W/archive" "$N"
tiny_job bench 60 > "$W/job.yaml"

rate() {  # label, command...; prints studies/s from the wall time of the whole command
  local label=$1; shift
  local t0=$(date +%s.%N)
  "$@" > "$W/out.log" 2> "$W/err.log" || { cat "$W/out.log" "$W/err.log"; exit 1; }
  local t1=$(date +%s.%N)
  local s=$(echo "$t1 - $t0" | bc -l)
  printf "%-52s %7.1f studies/s  (%.2f s wall; %s)\n" "$label" "$(echo "$N / $s" | bc -l)" "$s" "$(grep -o 'plan.*' "$W/err.log")"
}

echo "== throughput: $N tiny studies ($(nproc) cores), job families morph, stat, ih, szm"
rate "1 rank,  1 thread (mpirun -np 1 --threads 1)" $MPI -np 1 "$RADHPC" run "$W/job.yaml" --manifest "$W/archive/manifest.csv" --store "$W/s1" --threads 1
R1=$(echo "$N / $(grep -o 'compute [0-9.]*' "$W/err.log" | cut -d' ' -f2)" | bc -l)
rate "2 ranks, 1 thread each (mpirun -np 2 --threads 1)" $MPI -np 2 "$RADHPC" run "$W/job.yaml" --manifest "$W/archive/manifest.csv" --store "$W/s2" --threads 1
R2=$(echo "$N / $(grep -o 'compute [0-9.]*' "$W/err.log" | cut -d' ' -f2)" | bc -l)
rate "no launcher, 1 process, 2 TBB threads" "$RADHPC" run "$W/job.yaml" --manifest "$W/archive/manifest.csv" --store "$W/s0" --threads 2
printf "compute-phase rate: 1 rank %.1f/s, 2 ranks %.1f/s -> parallel efficiency %.0f%%\n" "$R1" "$R2" "$(echo "100 * $R2 / (2 * $R1)" | bc -l)"
cmp <("$RADHPC" export "$W/s1") <("$RADHPC" export "$W/s2") && echo "exports of 1 and 2 ranks identical"

echo "== store size"
ROWS=$(( $("$RADHPC" export "$W/s1" | wc -l) - 1 ))
COLS=$(( $("$RADHPC" export "$W/s1" | sed -n 1p | tr "," "\n" | wc -l) - 4 ))
BYTES=$(stat -c %s "$W/s1/store.h5")
printf "store.h5: %d bytes for %d lesions x %d features -> %.0f KiB per 1000 lesions (raw float64: %.0f KiB)\n" \
  "$BYTES" "$ROWS" "$COLS" "$(echo "$BYTES / $ROWS * 1000 / 1024" | bc -l)" "$(echo "$COLS * 8 * 1000 / 1024" | bc -l)"

FEAT=$(h5ls -v "$W/s1/store.h5/features/values" | sed -n 's/.*Storage: *\([0-9]*\) logical bytes, *\([0-9]*\) allocated bytes.*/\2/p')
printf "  of which /features/values (shuffle+deflate): %d bytes -> %.0f KiB per 1000 lesions; the rest is per-study status, inputs, provenance\n" \
  "$FEAT" "$(echo "$FEAT / $ROWS * 1000 / 1024" | bc -l)"

echo "== peak memory (max RSS), 2 ranks"
rm -rf "$W/s2"
$MPI -np 2 sh -c "exec /usr/bin/time -f \"rank \$OMPI_COMM_WORLD_RANK (\$( [ \$OMPI_COMM_WORLD_RANK = 0 ] && echo master+worker || echo worker)): max RSS %M KiB\" \"$RADHPC\" run \"$W/job.yaml\" --manifest \"$W/archive/manifest.csv\" --store \"$W/s2\" --threads 1" 2>&1 | grep "max RSS" | sort

echo "== master capacity: 1 master + 1 no-op worker (200 values per result), $((N * 20)) results"
python3 - "$W/archive/manifest.csv" "$W/noop.csv" 20 <<'PY'
import sys
src, dst, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = open(src).read().splitlines()
with open(dst, "w") as f:
    f.write(rows[0] + "\n")
    for rep in range(k):
        for r in rows[1:]:
            c = r.split(",")
            c[0] = "%s_%d" % (c[0], rep)
            c[2] = "archive/" + c[2]; c[3] = "archive/" + c[3]
            f.write(",".join(c) + "\n")
PY
sed -i "s/fsync: true/fsync: true, flush_interval_s: 5, queue_depth: 64/" "$W/job.yaml"
$MPI -np 2 "$RADHPC" run "$W/job.yaml" --manifest "$W/noop.csv" --store "$W/noop" --bench-noop-features 200 --bench-master-only > "$W/out.log" 2> "$W/err.log"
grep "timing" "$W/err.log" | sed 's/^radhpc: //'
NR=$((N * 20))
LOOP=$(grep -o 'compute [0-9.]*' "$W/err.log" | cut -d' ' -f2)
printf "dispatch loop: %.0f results/s (%.1f us per result wall, bounded by the one no-op worker)\n" "$(echo "$NR / $LOOP" | bc -l)" "$(echo "1000000 * $LOOP / $NR" | bc -l)"
echo "(plan includes XXH64 checksums of $((NR * 2)) input files; consolidate rewrites the whole store once)"
