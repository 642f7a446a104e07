#!/bin/bash
# (c) A job array over N shards followed by a dependent merge.
#   slurm/submit_shards.sh JOB.yaml MANIFEST.csv OUT_DIR N
# A crashed or OOM-killed array task costs one shard: resubmit that index (it resumes), then the
# merge. `afterany` lets the merge report missing shards instead of waiting forever.
set -euo pipefail
JOB=${1:?job file}; MANIFEST=${2:?manifest}; OUT=${3:?output folder}; N=${4:?number of shards}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
array=$(sbatch --parsable --array=0-$((N - 1)) "$HERE/shard_array.sbatch" "$JOB" "$MANIFEST" "$OUT" "$N")
merge=$(sbatch --parsable --dependency=afterany:"$array" "$HERE/merge.sbatch" "$OUT" "$N" "$OUT/merged")
echo "array job $array, merge job $merge -> $OUT/merged"
