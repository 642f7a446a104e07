#!/usr/bin/env bash
# ctest `install` (label install): `cmake --install` of a built tree into a temporary prefix, then
# everything used from that prefix only:
#   1. every file the package promises is there (lists derived from the source tree);
#   2. P/bin/radhpc --version; the installed SLURM templates default to P/bin/radhpc;
#   3. a downstream CMake project (tests/install/downstream) finds radhpc through
#      CMAKE_PREFIX_PATH=P, builds, and its programs match the IBSI 1 digital phantom references
#      (radhpc::features alone, and radhpc::pipeline with the installed job file);
#   4. /usr/bin/python3 imports radhpc.store from P's dist-packages, and when the build has the
#      module radhpc._core, radhpc.extract matches the phantom's references (check_python.py);
#   5. environment-modules: `module load radhpc` puts P/bin/radhpc first on PATH.
# Any missing piece fails the test. Needs a built `radhpc` target (ctest does not build).
#   install_test.sh BUILD_DIR SOURCE_DIR SHARED_DATA VERSION HAVE_PYMODULE(0|1) PYTHONDIR
set -euo pipefail
BUILD=${1:?build dir}; SRC=${2:?source dir}; DATA=${3:?shared data}; VERSION=${4:?version}
HAVE_PYMODULE=${5:?0 or 1}; PYDIR=${6:?python dir relative to the prefix}
BUILD=$(cd "$BUILD" && pwd); SRC=$(cd "$SRC" && pwd); DATA=$(cd "$DATA" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/radhpc-install-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
P=$WORK/prefix
fail() { echo "install test FAILED: $*" >&2; exit 1; }
step() { echo "--- $* ($SECONDS s)"; }
need() { [ -e "$P/$1" ] || fail "missing $P/$1"; }

step "cmake --install $BUILD --prefix $P"
cmake --install "$BUILD" --prefix "$P" > "$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; fail "cmake --install"; }

step "installed files"
need bin/radhpc
[ -x "$P/bin/radhpc" ] || fail "$P/bin/radhpc is not executable"
(cd "$SRC/include" && find radhpc -name '*.hpp') | while read -r h; do need "include/$h"; done
for layer in core features stats filters preprocess io pipeline; do need "lib/libradhpc_$layer.a"; done
for f in radhpcConfig.cmake radhpcConfigVersion.cmake radhpcTargets.cmake; do need "lib/cmake/radhpc/$f"; done
(cd "$SRC" && find schemas jobs slurm -type f) | while read -r f; do need "share/radhpc/$f"; done
for f in "$SRC"/python/radhpc/*.py; do need "$PYDIR/radhpc/$(basename "$f")"; done
if [ "$HAVE_PYMODULE" = 1 ]; then
  compgen -G "$P/$PYDIR/radhpc/_core*.so" > /dev/null || fail "the build has radhpc_pymodule but no $PYDIR/radhpc/_core*.so was installed"
fi
need "share/modulefiles/radhpc/$VERSION"

step "bin/radhpc --version, SLURM templates"
version_text=$(env -i PATH=/usr/bin:/bin "$P/bin/radhpc" --version) || fail "radhpc --version exited $?"
echo "$version_text"
grep -q "$VERSION" <<< "$version_text" || fail "radhpc --version does not name $VERSION"
for t in "$P"/share/radhpc/slurm/*.sbatch; do
  grep -q "RADHPC=\${RADHPC:-$P/bin/radhpc}" "$t" || fail "$t does not default to $P/bin/radhpc"
  bash -n "$t" || fail "$t: bash syntax"
done

step "downstream project: find_package(radhpc) from $P"
DS=$WORK/downstream
env -u CMAKE_PREFIX_PATH cmake -S "$SRC/tests/install/downstream" -B "$DS" -DCMAKE_PREFIX_PATH="$P" \
    -DCMAKE_BUILD_TYPE=Release > "$WORK/downstream-configure.log" 2>&1 ||
  { cat "$WORK/downstream-configure.log"; fail "downstream configure"; }
grep -q "radhpc $VERSION from $P/lib/cmake/radhpc" "$WORK/downstream-configure.log" ||
  { cat "$WORK/downstream-configure.log"; fail "downstream did not find radhpc in $P"; }
cmake --build "$DS" -j2 > "$WORK/downstream-build.log" 2>&1 || { cat "$WORK/downstream-build.log"; fail "downstream build"; }
REF=$DATA/ibsi1/digital_phantom/reference_values/ibsi1_submission_table_digital_phantom.csv
[ -f "$REF" ] || fail "no reference table $REF"
PHANTOM=("$DATA/ibsi1/digital_phantom/nifti/image/phantom.nii.gz" "$DATA/ibsi1/digital_phantom/nifti/mask/mask.nii.gz")
"$DS/phantom_features" "$REF" "${PHANTOM[@]}" > "$WORK/features.log" || { cat "$WORK/features.log"; fail "phantom_features"; }
tail -n 1 "$WORK/features.log"
"$DS/phantom_pipeline" "$P/share/radhpc/jobs/ibsi/digital-phantom.yaml" "$REF" "${PHANTOM[@]}" || fail "phantom_pipeline"

step "Python from $P/$PYDIR"
(cd "$WORK" && env -u PYTHONPATH PYTHONPATH="$P/$PYDIR" /usr/bin/python3 "$SRC/tests/install/check_python.py" \
   "$HAVE_PYMODULE" "$P" "$DATA") || fail "Python against $P/$PYDIR"

step "environment-modules: module load radhpc"
MODULES_INIT=/usr/share/modules/init/bash
[ -f "$MODULES_INIT" ] || fail "no $MODULES_INIT (apt-get install environment-modules; scripts/setup.sh installs it)"
env -i HOME="$WORK" PATH=/usr/bin:/bin P="$P" VERSION="$VERSION" PYDIR="$PYDIR" MODULES_INIT="$MODULES_INIT" bash -c '
  set -e
  source "$MODULES_INIT"
  export MODULEPATH=$P/share/modulefiles
  module load radhpc
  [ "$(command -v radhpc)" = "$P/bin/radhpc" ] || { echo "radhpc on PATH: $(command -v radhpc)"; exit 1; }
  [ "$RADHPC_HOME" = "$P" ] && [ "$PYTHONPATH" = "$P/$PYDIR" ] && [ "$CMAKE_PREFIX_PATH" = "$P" ] ||
    { echo "RADHPC_HOME=$RADHPC_HOME PYTHONPATH=$PYTHONPATH CMAKE_PREFIX_PATH=$CMAKE_PREFIX_PATH"; exit 1; }
  module list 2>&1 | grep -q "radhpc/$VERSION" || { module list; exit 1; }
  radhpc --version > /dev/null
  module unload radhpc
  ! command -v radhpc > /dev/null' || fail "module load radhpc"
echo "module load radhpc: PATH, PYTHONPATH, CMAKE_PREFIX_PATH, RADHPC_HOME point into $P"
step "install test passed"
