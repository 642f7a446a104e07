#!/usr/bin/env bash
# Fuzzing radhpc's parsers (fuzz/, libFuzzer + ASan + UBSan, clang-14).
#   scripts/fuzz.sh --ci          bounded run for CI: the corpus replayed, then every target fuzzed with
#                                 -seed=1 for RADHPC_FUZZ_SECONDS (default 22) seconds each (8 targets: ~3 min of fuzzing, < 4 min with the replay)
#   scripts/fuzz.sh --long HOURS  campaign: HOURS in total split over the targets, corpus kept in
#                                 $BUILD/campaign/<target> (rerun to continue)
#   scripts/fuzz.sh --replay      fuzz/corpus/<target>/* once each under the sanitizers
# Findings (crash, sanitizer report, leak, timeout > 10 s, RSS > 2 GB, an exception other than
# radhpc::Error) are saved in $BUILD/artifacts/<target>/ and make the script exit 1; add them to
# fuzz/corpus/<target>/ once fixed. Exit 77 (ctest: skipped) when clang-14 or libFuzzer are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD="${RADHPC_FUZZ_BUILD_DIR:-build-fuzz}"
TARGETS=(nifti nrrd dicom_ct rtstruct seg job_yaml pyradiomics_params manifest)
MODE="${1:-}"
case "$MODE" in
  --ci|--replay) ;;
  --long) HOURS="${2:?--long needs a number of hours}" ;;
  *) echo "usage: $0 --ci | --long HOURS | --replay" >&2; exit 2 ;;
esac

if ! command -v clang++-14 >/dev/null || ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "radhpc fuzz: SKIPPED: clang-14 / libFuzzer (libclang-rt-14-dev) not installed (scripts/setup.sh installs them)"
  exit 77
fi

CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD" -DRADHPC_FUZZ=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target $(printf 'fuzz_%s ' "${TARGETS[@]}") >/dev/null
BIN="$BUILD/fuzz"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
LIMITS=(-timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048)
status=0

replay() {
  local t files
  for t in "${TARGETS[@]}"; do
    files=()
    [ -d "fuzz/corpus/$t" ] && mapfile -t files < <(find "fuzz/corpus/$t" -type f ! -name '.*' | sort)
    if [ ${#files[@]} -eq 0 ]; then echo "radhpc fuzz: replay $t: no corpus files"; continue; fi
    if "$BIN/fuzz_$t" "${LIMITS[@]}" "${files[@]}" >"$BUILD/replay_$t.log" 2>&1; then
      echo "radhpc fuzz: replay $t: ${#files[@]} inputs, no findings"
    else
      echo "radhpc fuzz: replay $t: FINDING (log: $BUILD/replay_$t.log)"; tail -30 "$BUILD/replay_$t.log"; status=1
    fi
  done
}

ci_runs() {  # executions per target in --ci: about 20 s each at the rates measured on a loaded 2-core machine
  case $1 in
    nifti|nrrd|manifest) echo 150000 ;;
    dicom_ct) echo 40000 ;;
    rtstruct|seg|pyradiomics_params) echo 60000 ;;
    job_yaml) echo 10000 ;;
    *) echo 20000 ;;
  esac
}

fuzz_run() {  # target seconds corpus_dir
  local t=$1 secs=$2 work=$3 seeds="$BUILD/seeds/$t" log="$BUILD/fuzz_$t.log"
  mkdir -p "$work" "$BUILD/artifacts/$t"
  local dirs=("$work" "$seeds")
  [ -d "fuzz/corpus/$t" ] && dirs+=("fuzz/corpus/$t")
  local dict=()
  local dname=$t
  case $t in dicom_ct|rtstruct|seg) dname=dicom ;; esac
  [ -f "fuzz/dict/$dname.dict" ] && dict=(-dict="fuzz/dict/$dname.dict")
  # --ci: a fixed number of executions per target (with -seed=1 the same inputs on every machine, so a
  # finding is reproducible and CI's verdict does not depend on how busy the machine is)
  local budget=(-max_total_time="$secs")
  [ "$MODE" = --ci ] && budget=(-runs="$(ci_runs "$t")")
  if "$BIN/fuzz_$t" -seed=1 "${budget[@]}" "${LIMITS[@]}" -max_len=65536 -print_final_stats=1 \
       "${dict[@]}" -artifact_prefix="$BUILD/artifacts/$t/" "${dirs[@]}" >"$log" 2>&1; then
    res=ok
  else
    res=FINDING; status=1
  fi
  local runs eps
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  eps=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  printf 'radhpc fuzz: %-20s %s  runs %10s  exec/s %7s  corpus %s\n' "$t" "$res" "${runs:-0}" "${eps:-0}" "$(ls "$work" | wc -l)"
  [ "$res" = ok ] || { grep -m5 -E 'ERROR|FINDING|Test unit written' "$log" || true; }
  total_runs=$((total_runs + ${runs:-0}))
}

if [ "$MODE" = --replay ]; then replay; exit $status; fi

# Seeds: the generator (any fuzz binary) + the repository's job files.
rm -rf "$BUILD/seeds"
"$BIN/fuzz_nifti" --write-seeds "$BUILD/seeds" >/dev/null
cp jobs/*.yaml jobs/ibsi/*.yaml "$BUILD/seeds/job_yaml/"
total_runs=0
if [ "$MODE" = --ci ]; then
  replay
  secs="${RADHPC_FUZZ_SECONDS:-22}"
  for t in "${TARGETS[@]}"; do
    work="$BUILD/ci_corpus/$t"; rm -rf "$work"   # fresh each CI run: fixed seed, same inputs
    fuzz_run "$t" "$secs" "$work"
  done
else
  secs=$(awk -v h="$HOURS" -v n=${#TARGETS[@]} 'BEGIN { printf "%d", h * 3600 / n }')
  for t in "${TARGETS[@]}"; do fuzz_run "$t" "$secs" "$BUILD/campaign/$t"; done
fi
echo "radhpc fuzz: $total_runs inputs run in total; $( [ $status = 0 ] && echo 'no findings' || echo "FINDINGS in $BUILD/artifacts/")"
exit $status
