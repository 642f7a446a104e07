#!/usr/bin/env bash
# Installs dependencies, builds, writes a synthetic CT archive, extracts every lesion's IBSI features
# with jobs/demo.yaml and prints a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
RADHPC_WITH_TEST_DEPS=0 bash scripts/setup.sh
bash scripts/build.sh
BUILD="${RADHPC_BUILD_DIR:-build}"
OUT="${1:-out/demo}"
rm -rf "$OUT"; mkdir -p "$OUT/features"
"$BUILD/src/cli/radhpc" synth --studies 4 --seed 2026 --out "$OUT/archive"
ok=0; failed=0
printf '\n%-7s %-6s %10s %12s %12s %10s %9s\n' study lesion voxels volume_mm3 mean_HU glcm_entr time_s
while IFS=, read -r study patient image mask labels outcome scanner; do
  [ "$study" = study_id ] && continue
  IFS=';' read -ra L <<< "$labels"
  for l in "${L[@]}"; do
    csv="$OUT/features/${study}_lesion${l}.csv"
    if "$BUILD/src/cli/radhpc" extract --image "$OUT/archive/$image" --mask "$OUT/archive/$mask" --label "$l" \
         --settings jobs/demo.yaml --out "$csv" --timings 2> "$OUT/features/${study}_lesion${l}.log"; then
      ok=$((ok+1))
      get() { awk -F, -v k="$1" '$1==k{printf "%.5g", $2}' "$csv"; }
      t=$(sed -n 's/.*"total_s": \([0-9.]*\).*/\1/p' "$OUT/features/${study}_lesion${l}.log")
      printf '%-7s %-6s %10s %12s %12s %10s %9s\n' "$study" "$l" "$(get morph_vol_approx | awk '{printf "%d", $1}')" \
        "$(get morph_volume)" "$(get stat_mean)" "$(get cm_joint_entr_3D_avg)" "$t"
    else
      failed=$((failed+1)); echo "  $study lesion $l: $(cat "$OUT/features/${study}_lesion${l}.log")"
    fi
  done
done < "$OUT/archive/manifest.csv"
echo
echo "demo: $ok lesions extracted, $failed failed; features in $OUT/features/ ($(ls "$OUT"/features/*.csv | head -1 | xargs wc -l | awk '{print $1-1}') features per lesion)"
