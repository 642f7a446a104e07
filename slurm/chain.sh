#!/bin/bash
# (d) A dependent chain: extract (MPI run over the manifest) -> validate (elastic net + repeated CV
# + bootstrap on the store's feature table), the second starting only if the first succeeded.
#   slurm/chain.sh JOB.yaml MANIFEST.csv STORE_DIR VALIDATE_JOB.yaml [TABLE.csv]
# The validation job's `validate.table` must name TABLE (default STORE_DIR/features.csv), which
# the validate step exports with the manifest's outcome and clinical columns (`export --metadata`).
set -euo pipefail
JOB=${1:?job file}; MANIFEST=${2:?manifest}; STORE=${3:?store}; VJOB=${4:?validation job}; TABLE=${5:-$3/features.csv}
HERE=$(cd "$(dirname "$0")" && pwd)
extract=$(sbatch --parsable "$HERE/run_mpi.sbatch" "$JOB" "$MANIFEST" "$STORE")
validate=$(sbatch --parsable --dependency=afterok:"$extract" --kill-on-invalid-dep=yes "$HERE/validate.sbatch" "$STORE" "$VJOB" "$TABLE")
echo "extract job $extract -> validate job $validate"
