#!/bin/bash
# (d) A dependent chain: extract (MPI run over the manifest) -> validate (model validation on the
# store's feature table), the second starting only if the first succeeded.
#   slurm/chain.sh JOB.yaml MANIFEST.csv STORE_DIR [VALIDATE_JOB.yaml]
# VALIDATE_CMD is the validation stage's command (default: `radhpc validate STORE VALIDATE_JOB`);
# any command reading the store works (h5py, R, `radhpc export` + a script).
set -euo pipefail
JOB=${1:?job file}; MANIFEST=${2:?manifest}; STORE=${3:?store}; VJOB=${4:-$JOB}
HERE=$(cd "$(dirname "$0")" && pwd)
extract=$(sbatch --parsable "$HERE/run_mpi.sbatch" "$JOB" "$MANIFEST" "$STORE")
validate=$(sbatch --parsable --dependency=afterok:"$extract" --kill-on-invalid-dep=yes "$HERE/validate.sbatch" "$STORE" "$VJOB")
echo "extract job $extract -> validate job $validate"
