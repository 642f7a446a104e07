#!/usr/bin/env bash
# Issue 17's benchmark: a simulated 5-site federation, 300 patients per site (one lesion each),
# p = 110 features, every analysis (summary, ComBat, elastic net at a fixed lambda and along a
# 100-lambda path, 5-fold CV within sites, site-stratified Cox on 3 covariates, site validation).
#   perf/bench_federated.sh [SITES (default 5)] [PATIENTS_PER_SITE (default 300)]
# Prints, from `radhpc federated simulate`'s exchange.json: rounds and bytes exchanged per site
# for each analysis, the coordinator's time per round (sites' compute excluded), the sites' time,
# and the wall time; then the same with twice the patients per site (message sizes must not grow:
# bytes per round are compared), and the largest federated-vs-pooled differences.
set -euo pipefail
BUILD=${BUILD:-build}
source "$(dirname "$0")/bench_common.sh"
bench_init radhpc-bench-federated
K=${1:-5}; N=${2:-300}
make_cohort() {  # DIR PATIENTS_PER_SITE
  Rscript --vanilla - "$1" "$K" "$2" <<'R'
args <- commandArgs(TRUE); dir <- args[1]; K <- as.integer(args[2]); n <- as.integer(args[3]); set.seed(17)
p <- 110
for (k in seq_len(K)) {
  x <- matrix(rnorm(n * p), n, p) %*% diag(seq(1, 2, length.out = p)) + 0.3 * k
  colnames(x) <- sprintf("f%03d", 1:p)
  lp <- 0.8 * x[, 1] - 0.6 * x[, 2] + 0.4 * x[, 3] - 0.3 * k
  y <- as.integer(runif(n) < plogis(lp))
  t <- rexp(n, exp(0.3 * x[, 1])); c <- runif(n, 0, 3)
  write.csv(data.frame(patient = sprintf("s%d-p%04d", k, 1:n), outcome = y, time = pmin(t, c), event = as.integer(t <= c),
                       age = rnorm(n, 60, 10), x), file.path(dir, sprintf("site-%d.csv", k)), row.names = FALSE, quote = FALSE)
}
R
  {
    echo "name: bench-federated"
    echo "federated:"
    echo "  sites:"
    for k in $(seq 1 "$K"); do echo "    - {name: site-$k, table: site-$k.csv}"; done
    echo "  outcome: outcome"
    echo "  patient: patient"
    echo "  time: time"
    echo "  event: event"
    echo "  covariates: [age]"
    echo "  elastic_net: {alpha: 0.5, lambda: 0.05, nlambda: 100}"
    echo "  cv: {folds: 5, seed: 1}"
    echo "  cox: {features: [f001, f002, f003]}"
  } > "$1/job.yaml"
}
run_one() {  # DIR PATIENTS
  mkdir -p "$1"
  make_cohort "$1" "$2"
  /usr/bin/time -f "%e %M" -o "$1/time.txt" "$RADHPC" federated simulate "$1/job.yaml" --out "$1/sim" > /dev/null
}
run_one "$W/a" "$N"
run_one "$W/b" $((2 * N))
python3 - "$W" "$K" "$N" <<'PY'
import json, sys, os
w, K, N = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def load(d):
    ex = json.load(open(f"{w}/{d}/sim/exchange.json"))
    wall, rss = open(f"{w}/{d}/time.txt").read().split()
    return ex, float(wall), int(rss)
a, wall_a, rss_a = load("a")
b, wall_b, rss_b = load("b")
print(f"federated simulate: {K} sites x {N} patients, p = 110")
print(f"{'analysis':<12} {'rounds':>7} {'MB/site (req+resp)':>20} {'KB/round/site':>14} {'x2 patients KB/round':>21}")
site = "site-1"
for an, t in a["sites"][site].items():
    tb = b["sites"][site][an]
    mb = (t["request_bytes"] + t["response_bytes"]) / 1e6
    per = (t["request_bytes"] + t["response_bytes"]) / t["rounds"] / 1e3
    per_b = (tb["request_bytes"] + tb["response_bytes"]) / tb["rounds"] / 1e3
    print(f"{an:<12} {t['rounds']:>7} {mb:>20.2f} {per:>14.1f} {per_b:>21.1f}")
print(f"total rounds {a['rounds']['total']}; coordinator {a['coordinator_seconds']:.2f} s "
      f"({1e3 * a['coordinator_seconds_per_round']:.2f} ms/round, incl. writing requests and reading responses); "
      f"sites {a['site_seconds']:.2f} s; wall {wall_a:.1f} s, peak RSS {rss_a / 1024:.0f} MB")
print(f"x2 patients: rounds {b['rounds']['total']}, wall {wall_b:.1f} s, sites {b['site_seconds']:.2f} s")
cmp = json.load(open(f"{w}/a/sim/comparison.json"))
keys = [k for k in cmp if not k.startswith("summary.quantiles") and "auc_histogram" not in k and "edges" not in k]
worst = sorted(((cmp[k], k) for k in keys), reverse=True)[:6]
print("largest federated - pooled differences:", ", ".join(f"{k} {v:.2e}" for v, k in worst))
PY
