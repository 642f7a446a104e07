#!/usr/bin/env bash
# Installs the Debian 12 packages radhpc needs (build, tests, R statistics oracle, SLURM).
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail
PKGS=(
  build-essential cmake ccache pkg-config git ca-certificates
  libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
  libinsighttoolkit5-dev libdcmtk-dev dcmtk libopenjp2-7-dev
  libeigen3-dev libtbb-dev catch2 libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libspdlog-dev zlib1g-dev libdeflate-dev
  pybind11-dev python3-dev python3-numpy python3-yaml  # the Python module radhpc._core (python/)
)
if [ "${RADHPC_WITH_TEST_DEPS:-1}" = 1 ]; then
  PKGS+=(r-base-core r-cran-glmnet r-cran-proc r-cran-survival r-cran-rms r-cran-psych r-bioc-sva r-cran-metafor
         slurmctld slurmd slurm-client
         chromium  # headless browser of the report tests (tests/report)
         libgdcm-tools  # gdcmconv: JPEG 2000 / RLE copies in tests/dicom
         dicom3tools  # dciodvfy: the DICOM SEG of `radhpc mask` must verify without errors (tests/mask)
         python3-pywt python3-skimage  # tests/filters: pywt.swtn and local_binary_pattern references
         python3-h5py python3-pandas  # python/radhpc/store.py (store -> pandas) and tests/python
         environment-modules  # tests/install: `module load radhpc` with the installed modulefile
         clang-14 libclang-rt-14-dev libfuzzer-14-dev)  # scripts/fuzz.sh: libFuzzer + ASan/UBSan (ctest label fuzz)
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "radhpc setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "radhpc setup: dependencies present"
