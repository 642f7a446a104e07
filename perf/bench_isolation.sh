#!/bin/bash
# Crash-isolation overhead (issue 13): `radhpc run` (one process, 1 thread) over synthetic archives
# with run.isolation none (the study in the rank), process (one persistent study process per rank,
# the default) and RADHPC_ISOLATION_RESTART_EACH=1 (a fresh study process per study: what
# fork/exec-per-study would cost). Prints the compute phase per study and checks the exports agree.
#   perf/bench_isolation.sh [BUILD_DIR] [SMALL_STUDIES] [CLINICAL_STUDIES]   (default build, 100, 3)
set -euo pipefail
source "$(dirname "$0")/bench_common.sh"
BUILD=${1:-$ROOT/build}
NS=${2:-100}
NC=${3:-3}
bench_init radhpc-bench-isolation

# the batch benchmarks' job, one thread, no fsync (the figure is the isolation, not the disk)
tiny_job bench-isolation 600 | sed 's/run: {progress_interval_s: 600, fsync: true}/run: {progress_interval_s: 600, fsync: false, threads: 1}/' > "$W/job.yaml"
grep -q "threads: 1}" "$W/job.yaml"
sed 's/threads: 1}/threads: 1, isolation: none}/' "$W/job.yaml" > "$W/job-none.yaml"

"$RADHPC" synth --studies "$NS" --seed 11 --out "$W/small" > /dev/null
"$RADHPC" synth --studies "$NC" --seed 11 --size clinical --out "$W/clinical" > /dev/null

one() {  # label archive n job env...
  local label=$1 arch=$2 n=$3 job=$4; shift 4
  rm -rf "$W/store"
  env "$@" "$RADHPC" run "$job" --manifest "$W/$arch/manifest.csv" --store "$W/store" > /dev/null 2> "$W/err.log" || true
  local c=$(grep -o 'compute [0-9.]*' "$W/err.log" | cut -d' ' -f2)
  printf "%-9s %-34s compute %8.3f s  %8.2f ms/study\n" "$arch" "$label" "$c" "$(echo "1000 * $c / $n" | bc -l)"
  "$RADHPC" export "$W/store" > "$W/$arch-$label.csv"
}

for arch in small clinical; do
  n=$NS; [ $arch = clinical ] && n=$NC
  for rep in 1 2; do
    one none "$arch" "$n" "$W/job-none.yaml" X=1
    one process "$arch" "$n" "$W/job.yaml" X=1
    one process-per-study "$arch" "$n" "$W/job.yaml" RADHPC_ISOLATION_RESTART_EACH=1
  done
  cmp -s "$W/$arch-none.csv" "$W/$arch-process.csv" && cmp -s "$W/$arch-none.csv" "$W/$arch-process-per-study.csv" &&
    echo "$arch: exports identical in the three modes"
done
# The isolation's own cost: no-op studies (--bench-noop-features: nothing read or computed), so
# the compute phase is the task/outcome round trip (+ one process start, or one per study).
for mode in none process process-per-study; do
  job=$W/job.yaml; e=X=1
  [ $mode = none ] && job=$W/job-none.yaml
  [ $mode = process-per-study ] && e=RADHPC_ISOLATION_RESTART_EACH=1
  rm -rf "$W/store"
  env $e "$RADHPC" run "$job" --manifest "$W/small/manifest.csv" --store "$W/store" --bench-noop-features 100 > /dev/null 2> "$W/err.log" || true
  c=$(grep -o 'compute [0-9.]*' "$W/err.log" | cut -d' ' -f2)
  printf "no-op     %-34s compute %8.3f s  %8.3f ms/study\n" "$mode" "$c" "$(echo "1000 * $c / $NS" | bc -l)"
done
t0=$(date +%s.%N); for i in $(seq 20); do "$RADHPC" worker-child 2>/dev/null || true; done; t1=$(date +%s.%N)
printf "exec of the radhpc binary (worker-child usage exit, 20x): %.1f ms each\n" "$(echo "($t1 - $t0) * 50" | bc -l)"
