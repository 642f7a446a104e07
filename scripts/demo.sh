#!/usr/bin/env bash
# The main job on demo data: installs dependencies, builds, writes a synthetic CT archive with a
# planted signal (radhpc synth --signal: outcome and survival per patient driven by lesion size,
# intensity and texture), and runs the whole chain on 2 MPI ranks into one HDF5 store:
# extraction (radhpc run jobs/demo.yaml), a small robustness sweep and the robust stage
# (radhpc robust jobs/demo-chain.yaml), bootstrap validation of an elastic-net model on the robust
# features (radhpc validate jobs/demo-chain.yaml), scoring the validated model as a signature
# (radhpc score), and shows what was produced (inspect, export, report).
set -euo pipefail
cd "$(dirname "$0")/.."
RADHPC_WITH_TEST_DEPS=0 bash scripts/setup.sh
bash scripts/build.sh
BUILD="${RADHPC_BUILD_DIR:-build}"
RADHPC="$BUILD/src/cli/radhpc"
OUT="${1:-out/demo}"
rm -rf "$OUT"; mkdir -p "$OUT"
"$RADHPC" synth --signal --studies 70 --seed 2026 --out "$OUT/archive"
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
MPI=(mpirun --oversubscribe --bind-to none -np 2 "$RADHPC")
echo
echo "robustness sweep (3 perturbations per lesion) and robust stage:"
"${MPI[@]}" robust jobs/demo-chain.yaml --manifest "$OUT/archive/manifest.csv" --store "$OUT/store" 2>&1 | grep -E '^radhpc (robust|run):' || status=1
echo
echo "bootstrap validation of the elastic net on the robust features (2 ranks):"
"${MPI[@]}" validate jobs/demo-chain.yaml --store "$OUT/store" 2>&1 | grep -E 'rows,|units stored|apparent AUC' || status=1
"$RADHPC" export "$OUT/store" --table validation --name demo --out "$OUT/validation" > /dev/null
# The validated model's coefficients, scored as a signature on every lesion and patient.
cat > "$OUT/signature.yaml" <<EOF
signature:
  name: validated
  source: radhpc validate (demo) - elastic net tuned by repeated CV on the robust features; coefficients of /validation/demo
  coefficients_csv: validation/coefficients.csv
  standardisation: {required: false}
  outcome: outcome
  time: time
  event: event
  aggregation: mean
EOF
"$RADHPC" score "$OUT/store" --job "$OUT/signature.yaml" 2>&1 | grep -E "signature" || status=1
echo
"$RADHPC" inspect "$OUT/store" | grep -E -A1 '^(robustness|validation|signature) ' | grep -v -E '^(runs \(|--)' || true
# One self-contained HTML page: the validated model (out-of-fold ROC, calibration, coefficients,
# tuning curve), the signature's ROC, calibration and Kaplan-Meier, ICC and redundancy heatmap.
"$RADHPC" report "$OUT/store" --out "$OUT/report.html" 2> "$OUT/report.log" > /dev/null
echo "report: $OUT/report.html (open in a browser; no network needed)"
exit $status
