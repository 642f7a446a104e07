#!/usr/bin/env bash
# Hex-float dump of every feature of every job in jobs/ (IBSI phantoms, a synthetic study, PyRadiomics
# parameter files), under both naming schemes, so that a refactoring can be checked bit for bit:
#   scripts/feature_dump.sh BUILD/src/cli/radhpc OUTDIR
#   diff -r OUTDIR_before OUTDIR_after
# Each case writes OUTDIR/<case>.<names>.txt with "name value-as-%a" lines in output order, or
# OUTDIR/<case>.<names>.err with the error line when radhpc refuses the case (refusals are compared too).
set -uo pipefail
BIN="$(realpath "${1:?usage: feature_dump.sh RADHPC_BINARY OUTDIR}")"
OUT="${2:?usage: feature_dump.sh RADHPC_BINARY OUTDIR}"
SRC="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${RADHPC_SHARED_DATA:-$SRC/../shared/data}"
[ -d "$DATA/ibsi1" ] || DATA=/work/shared/data
mkdir -p "$OUT"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

CT="$DATA/ibsi1/ct_phantom/nifti"
DP="$DATA/ibsi1/digital_phantom/nifti"
PYR="$DATA/pyradiomics"

# The CSV holds 17 significant digits (round-trip exact); %a makes a bit difference visible as such.
hexify() {
    python3 -c '
import sys
lines = sys.stdin.read().splitlines()
for line in lines[1:]:
    name, value = line.rsplit(",", 1)
    print(name, float(value).hex())
'
}

one() {  # case-name, extract arguments...
    local name="$1"
    shift
    for names in ibsi pyradiomics; do
        if "$BIN" -q extract "$@" --names "$names" --out "$WORK/out.csv" 2>"$WORK/err"; then
            hexify <"$WORK/out.csv" >"$OUT/$name.$names.txt"
        else
            tail -1 "$WORK/err" >"$OUT/$name.$names.err"
        fi
    done
}

# IBSI 1 CT phantom: every configuration job (with the diagnostics), and the digital phantom.
for job in "$SRC"/jobs/ibsi/config-*.yaml; do
    one "ct_$(basename "$job" .yaml)" --image "$CT/image/phantom.nii.gz" --mask "$CT/mask/mask.nii.gz" --settings "$job" --diagnostics
done
one digital-phantom --image "$DP/image/phantom.nii.gz" --mask "$DP/mask/mask.nii.gz" --settings "$SRC/jobs/ibsi/digital-phantom.yaml"
for job in "$SRC"/jobs/ibsi/config-*.yaml; do
    one "dp_$(basename "$job" .yaml)" --image "$DP/image/phantom.nii.gz" --mask "$DP/mask/mask.nii.gz" --settings "$job"
done

# A synthetic study (radhpc synth --studies 2 --seed 1): the top-level jobs on three lesions.
"$BIN" -q synth --studies 2 --seed 1 --out "$WORK/synth" >/dev/null
for job in "$SRC"/jobs/*.yaml; do
    j="$(basename "$job" .yaml)"
    for lesion in S0001:1 S0001:2 S0002:1; do
        st="${lesion%%:*}" lab="${lesion##*:}"
        one "synth_${j}_${st}_${lab}" --image "$WORK/synth/images/$st.nii.gz" --mask "$WORK/synth/masks/${st}_labels.nii.gz" \
            --label "$lab" --settings "$job"
    done
done

# PyRadiomics parameter files: every class, default angles; force2D with shape2D; distance weighting;
# a featureClass list (as tests/integration/test_cli.cpp); the shipped parameter files that radhpc accepts.
cat >"$WORK/all.yaml" <<'EOF'
imageType: {Original: {}}
featureClass: {shape: null, firstorder: null, glcm: null, glrlm: null, glszm: null, gldm: null, ngtdm: null}
setting: {binWidth: 25}
EOF
cat >"$WORK/force2d.yaml" <<'EOF'
imageType: {Original: {}}
featureClass: {firstorder: null, glcm: null, glrlm: null, glszm: null, gldm: null, ngtdm: null}
setting: {binWidth: 25, force2D: true, force2Ddimension: 0}
EOF
cat >"$WORK/weighted.yaml" <<'EOF'
imageType: {Original: {}}
featureClass: {glcm: null, glrlm: null, glszm: null, gldm: null, ngtdm: null}
setting: {binCount: 16, weightingNorm: manhattan, distances: [1, 2], symmetricalGLCM: false}
EOF
cat >"$WORK/listed.yaml" <<'EOF'
imageType: {Original: {}}
featureClass: {firstorder: null, glcm: [JointEntropy]}
setting: {binWidth: 25}
EOF
cat >"$WORK/resampled.yaml" <<'EOF'
imageType: {Original: {}}
featureClass: {shape: null, firstorder: null, glcm: null, glrlm: null, glszm: null, gldm: null, ngtdm: null}
setting: {binWidth: 25, resampledPixelSpacing: [2, 2, 2], interpolator: sitkBSpline, resegmentRange: [-200, 500], voxelArrayShift: 100}
EOF
for case in brain1 breast1; do
    for p in "$WORK"/all.yaml "$WORK"/force2d.yaml "$WORK"/weighted.yaml "$WORK"/listed.yaml "$WORK"/resampled.yaml "$PYR"/params/*.yaml; do
        one "pyr_${case}_$(basename "$p" .yaml)" --image "$PYR/${case}_image.nrrd" --mask "$PYR/${case}_label.nrrd" --pyradiomics-params "$p"
    done
done
# shape2D needs a one-slice ROI: a small raw NRRD image and a blob mask in its middle slice.
python3 - "$WORK" <<'PY'
import struct, sys
nx, ny, nz = 24, 20, 3
def write(path, kind, values):
    head = ("NRRD0004\ntype: %s\ndimension: 3\nspace: left-posterior-superior\nsizes: %d %d %d\n"
            "space directions: (0.8,0,0) (0,0.8,0) (0,0,2.5)\nendian: little\nencoding: raw\n"
            "space origin: (0,0,0)\n\n") % (kind, nx, ny, nz)
    fmt = "<%d%s" % (len(values), "h" if kind == "short" else "B")
    open(path, "wb").write(head.encode() + struct.pack(fmt, *values))
img, msk = [], []
for z in range(nz):
    for y in range(ny):
        for x in range(nx):
            img.append((x * 37 + y * 91 + z * 53) % 211 - 60)
            msk.append(1 if z == 1 and (x - 11) ** 2 + 2 * (y - 9) ** 2 < 40 else 0)
write(sys.argv[1] + "/slice_image.nrrd", "short", img)
write(sys.argv[1] + "/slice_mask.nrrd", "uchar", msk)
PY
cat >"$WORK/shape2d.yaml" <<'EOF'
imageType: {Original: {}}
featureClass: {shape2D: null, shape: null, firstorder: null, glcm: null}
setting: {binWidth: 25, force2D: true, force2Ddimension: 0}
EOF
one pyr_slice_shape2d --image "$WORK/slice_image.nrrd" --mask "$WORK/slice_mask.nrrd" --pyradiomics-params "$WORK/shape2d.yaml"
one pyr_synth_all --image "$WORK/synth/images/S0001.nii.gz" --mask "$WORK/synth/masks/S0001_labels.nii.gz" --label 1 \
    --pyradiomics-params "$WORK/all.yaml"

echo "$(ls "$OUT"/*.txt 2>/dev/null | wc -l) dumps, $(ls "$OUT"/*.err 2>/dev/null | wc -l) refusals in $OUT"
