#!/bin/bash
# Builds a single multi-frame Enhanced CT object from a folder of single-frame CT slices (uncompressed,
# 16-bit), with DCMTK's dcmdump/dcmodify only: per-frame PlanePositionSequence, shared orientation,
# pixel measures and rescale in the functional groups, frames in the given files' order.
# Usage: make_enhanced_ct.sh SLICE_FOLDER OUT_FILE
set -euo pipefail
src=$1
out=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
first=""
args=()
k=0
for f in "$src"/*.dcm; do
  [ -z "$first" ] && first=$f
  rows=$(dcmdump +P 0028,0010 "$f" | awk '{print $3}')
  cols=$(dcmdump +P 0028,0011 "$f" | awk '{print $3}')
  tail -c $((rows * cols * 2)) "$f" >> "$work/frames.raw"   # PixelData is the last element
  pos=$(dcmdump +P 0020,0032 "$f" | sed 's/.*\[\(.*\)\].*/\1/')
  args+=(-i "(5200,9230)[$k].(0020,9113)[0].(0020,0032)=$pos")
  k=$((k + 1))
done
iop=$(dcmdump +P 0020,0037 "$first" | sed 's/.*\[\(.*\)\].*/\1/')
ps=$(dcmdump +P 0028,0030 "$first" | sed 's/.*\[\(.*\)\].*/\1/')
th=$(dcmdump +P 0018,0050 "$first" | sed 's/.*\[\(.*\)\].*/\1/')
ri=$(dcmdump +P 0028,1052 "$first" | sed 's/.*\[\(.*\)\].*/\1/')
rs=$(dcmdump +P 0028,1053 "$first" | sed 's/.*\[\(.*\)\].*/\1/')
cp "$first" "$out"
chmod u+w "$out"
dcmodify -nb -m "(0008,0016)=1.2.840.10008.5.1.4.1.1.2.1" -i "(0028,0008)=$k" \
  -e "(0020,0032)" -e "(0020,0037)" -e "(0028,0030)" -e "(0028,1052)" -e "(0028,1053)" -e "(0018,0050)" \
  -i "(5200,9229)[0].(0020,9116)[0].(0020,0037)=$iop" \
  -i "(5200,9229)[0].(0028,9110)[0].(0028,0030)=$ps" \
  -i "(5200,9229)[0].(0028,9110)[0].(0018,0050)=$th" \
  -i "(5200,9229)[0].(0028,9145)[0].(0028,1052)=$ri" \
  -i "(5200,9229)[0].(0028,9145)[0].(0028,1053)=$rs" \
  -i "(5200,9229)[0].(0028,9145)[0].(0028,1054)=HU" \
  "${args[@]}" -if "(7fe0,0010)=$work/frames.raw" "$out"
