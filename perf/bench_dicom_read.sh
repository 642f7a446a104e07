#!/bin/bash
# DICOM series read vs `cat` of its files (issue 12), on a clinical synthetic study (512x512, 281
# uncompressed slices: `radhpc synth --size clinical --format dicom --seed 7`, study C0002), for one
# or two builds (e.g. before/after a change):
#   1. perf_bench_read --dicom: the series read as `radhpc run` reads it (discovery, QC rows, the
#      exclusion rule, the study image) and read_dicom_folder, best of RUNS, on 1 and 2 TBB threads,
#      each against `cat FILES > /dev/null` (warm page cache);
#   2. read_s of `radhpc run --threads 1|2` on that study with one RTSTRUCT ROI (median of RUNS; it
#      also holds the QC rasterisation and the read of that ROI), and the peak RSS of the run.
#   perf/bench_dicom_read.sh BUILD_DIR [OTHER_BUILD_DIR]      (env: RUNS=3)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-3}
JOB=$ROOT/jobs/ibsi/config-A.yaml
W=$(mktemp -d /tmp/radhpc-bench-dicom-read.XXXXXX)
trap 'rm -rf "$W"' EXIT
first=$(cd "$1" && pwd)
"$first/src/cli/radhpc" synth --studies 2 --seed 7 --size clinical --format dicom --out "$W/synth" > /dev/null
CT=$W/synth/dicom/C0002/ct
printf "study_id,patient_id,image,mask\nC0002,P0002,%s,%s\n" "$CT" "$W/synth/dicom/C0002/rtstruct.dcm#lesion-1" > "$W/m.csv"
for build in "$@"; do
  build=$(cd "$build" && pwd)
  echo "== $build"
  "$build/perf/perf_bench_read" --dicom "$CT" "$RUNS" 1,2
  for t in 1 2; do
    times=$(for i in $(seq "$RUNS"); do
              rm -rf "$W/st"
              "$build/src/cli/radhpc" run "$JOB" --manifest "$W/m.csv" --store "$W/st" --threads "$t" > /dev/null 2>&1 ||
                { echo "radhpc run failed" >&2; exit 1; }
              h5dump -d /studies/read_s "$(find "$W/st" -name '*.h5' | head -1)" | grep -A1 DATA | tail -1 | awk '{print $2}'
            done | sort -g | sed -n "$(( (RUNS + 1) / 2 ))p")
    rm -rf "$W/st"
    rss=$( { /usr/bin/time -f "%M" "$build/src/cli/radhpc" run "$JOB" --manifest "$W/m.csv" --store "$W/st" --threads "$t" > /dev/null 2> "$W/err"; } 2>&1; tail -1 "$W/err")
    echo "radhpc run --threads $t: read_s median $times s; peak RSS ${rss} KB"
  done
done
