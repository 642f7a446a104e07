#!/usr/bin/env bash
# The main job on demo data: installs dependencies, builds, writes a synthetic CT archive
# (radhpc synth), processes it with 2 MPI ranks into an HDF5 store (radhpc run jobs/demo.yaml),
# and shows what was produced (radhpc inspect, radhpc export, radhpc report).
set -euo pipefail
cd "$(dirname "$0")/.."
RADHPC_WITH_TEST_DEPS=0 bash scripts/setup.sh
bash scripts/build.sh
BUILD="${RADHPC_BUILD_DIR:-build}"
RADHPC="$BUILD/src/cli/radhpc"
OUT="${1:-out/demo}"
rm -rf "$OUT"; mkdir -p "$OUT"
"$RADHPC" synth --studies 20 --seed 2026 --out "$OUT/archive"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 HDF5_USE_FILE_LOCKING=FALSE
status=0
mpirun --oversubscribe --bind-to none -np 2 "$RADHPC" run jobs/demo.yaml \
  --manifest "$OUT/archive/manifest.csv" --store "$OUT/store" || status=$?
echo
"$RADHPC" inspect "$OUT/store" | sed -n '1,6p'
"$RADHPC" export "$OUT/store" --format csv --out "$OUT/features.csv"
echo
echo "first lesions of the feature table ($OUT/features.csv):"
awk -F, 'NR==1 { for (i = 1; i <= NF; i++) col[$i] = i; printf "%-7s %-7s %-6s %12s %10s %10s %12s\n", "study", "patient", "lesion", "volume_mm3", "mean_HU", "sphericity", "glcm_entropy"; next }
         NR <= 11 { printf "%-7s %-7s %-6s %12.1f %10.2f %10.3f %12.4f\n", $col["study_id"], $col["patient_id"], $col["lesion"], $col["morph_volume"], $col["stat_mean"], $col["morph_sphericity"], $col["cm_joint_entr_3D_avg"] }' "$OUT/features.csv"
rows=$(($(wc -l < "$OUT/features.csv") - 1)); cols=$(head -1 "$OUT/features.csv" | awk -F, '{print NF - 4}')
echo "demo: $rows lesions x $cols features in $OUT/store (HDF5; h5dump/h5py readable) and $OUT/features.csv"
# One self-contained HTML page (< 1 s): the demo job has no signature, so the lesion volume
# (mean per patient) stands in as the score of the ROC plot against the manifest's outcome.
"$RADHPC" report "$OUT/store" --out "$OUT/report.html" --score morph_volume 2> "$OUT/report.log" > /dev/null
echo "report: $OUT/report.html (open in a browser; no network needed)"
exit $status
