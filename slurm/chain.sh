#!/bin/bash
# (d) A dependent chain over one store: extract (MPI run over the manifest) -> robust (the
# perturbation sweep and the robust stage: ICC, redundancy, the selected table) -> validate
# (elastic net + repeated CV + bootstrap as units over the MPI ranks, reading the store and
# writing /validation/<name> into it). Each step starts only if the previous one succeeded.
#   slurm/chain.sh JOB.yaml MANIFEST.csv STORE_DIR VALIDATE_JOB.yaml [ROBUST_JOB.yaml]
# Without ROBUST_JOB the robust step is left out. VALIDATE_JOB's `validate.table` is `store` (the
# feature table joined with the manifest's columns) or `selected` (the robust stage's table).
# Extra sbatch options for every step: SBATCH_OPTS (e.g. "--ntasks=64").
set -euo pipefail
JOB=${1:?job file}; MANIFEST=${2:?manifest}; STORE=${3:?store}; VJOB=${4:?validation job}; RJOB=${5:-}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC2086
extract=$(sbatch --parsable ${SBATCH_OPTS:-} "$HERE/run_mpi.sbatch" "$JOB" "$MANIFEST" "$STORE")
last=$extract
steps="extract job $extract"
if [ -n "$RJOB" ]; then
  # shellcheck disable=SC2086
  robust=$(RADHPC_COMMAND=robust sbatch --parsable ${SBATCH_OPTS:-} --export=ALL,RADHPC_COMMAND=robust --dependency=afterok:"$last" \
           --kill-on-invalid-dep=yes "$HERE/run_mpi.sbatch" "$RJOB" "$MANIFEST" "$STORE")
  last=$robust
  steps="$steps -> robust job $robust"
fi
# shellcheck disable=SC2086
validate=$(sbatch --parsable ${SBATCH_OPTS:-} --dependency=afterok:"$last" --kill-on-invalid-dep=yes "$HERE/validate.sbatch" "$STORE" "$VJOB")
echo "$steps -> validate job $validate"
