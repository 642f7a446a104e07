#!/bin/bash
# One DICOM study listing 4 ROIs of one RTSTRUCT (issue 12): read_s of `radhpc run` (median of 7,
# stored per study) and how often the RTSTRUCT and one CT slice are opened (strace), for two builds
# (e.g. before/after a change). Input: the IBSI CT phantom + its RTSTRUCT with 3 squares added as
# ROIs R2-R4 (boxes of 3 slices).
#   perf/bench_dicom_rois.sh RADHPC_BINARY [OTHER_RADHPC_BINARY]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
P=$ROOT/../shared/data/ibsi1/ct_phantom/dicom
JOB=$ROOT/jobs/ibsi/config-A.yaml
W=$(mktemp -d /tmp/radhpc-bench-rois.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"
cp "$P/mask/DCM_RS_00060.dcm" rs.dcm; chmod u+w rs.dcm
z0=$(for f in "$P"/image/*.dcm; do dcmdump +P 0020,0032 "$f" | sed 's/.*\\\(.*\)\].*/\1/'; done | sort -g | head -1)  # lowest slice
args=()
for r in 1 2 3; do  # ROI r+1: a 40 x 40 x 9 mm box (3 slices) starting at slice 3r (features need a 3D ROI)
  args+=(-i "(3006,0020)[$r].(3006,0022)=$((r + 1))" -i "(3006,0020)[$r].(3006,0026)=R$((r + 1))" -i "(3006,0039)[$r].(3006,0084)=$((r + 1))")
  for c in 0 1 2; do
    z=$(python3 -c "print('%.6f' % ($z0 + 3.0 * (3 * $r + $c)))")
    args+=(-i "(3006,0039)[$r].(3006,0040)[$c].(3006,0042)=CLOSED_PLANAR"
           -i "(3006,0039)[$r].(3006,0040)[$c].(3006,0050)=-150\\-60\\$z\\-110\\-60\\$z\\-110\\-20\\$z\\-150\\-20\\$z")
  done
done
dcmodify -nb "${args[@]}" rs.dcm
printf "study_id,patient_id,image,mask\nP4,P1,%s,%s\n" "$P/image" "$W/rs.dcm#GTV-1;$W/rs.dcm#R2;$W/rs.dcm#R3;$W/rs.dcm#R4" > m4.csv
read_s() { rm -rf st; "$1" run "$JOB" --manifest m4.csv --store st > /dev/null 2>&1 || { echo "$1: run failed" >&2; exit 1; }
           h5dump -d /studies/read_s "$(find st -name '*.h5' | head -1)" | grep -A1 DATA | tail -1 | awk '{print $2}'; }
for bin in "$@"; do
  times=$(for i in 1 2 3 4 5 6 7; do read_s "$bin"; done | sort -g | sed -n 4p)
  opens="n/a"
  if command -v strace > /dev/null; then
    rm -rf st; strace -f -e trace=openat -o trace.txt "$bin" run "$JOB" --manifest m4.csv --store st > /dev/null 2>&1
    opens="rs.dcm $(grep -c 'rs.dcm' trace.txt), DCM_IMG_00017.dcm $(grep -c 'DCM_IMG_00017.dcm' trace.txt)"
  fi
  echo "$bin: read_s median $times s; opens: $opens"
done
