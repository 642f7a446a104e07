#!/usr/bin/env bash
# Issue 16's benchmark: bootstrap validation of the CT-TIME procedure (elastic net tuned by 10 x
# 5-fold repeated CV over alpha = 0.1..1, 100-lambda paths, then the final fit; n = 300 rows, p =
# 110 features) as units of `radhpc validate --store` on the MPI engine.
#   perf/bench_validate.sh [REPLICATES (default 6)] [REPEATS (default 10)]
# Prints, from one script on one data set:
#  - the tuning unit's time and a bootstrap replicate's (from a run with and one without the
#    replicates, 1 rank, 1 thread) against R glmnet's time for the same work (cv.glmnet per alpha
#    and repeat on the whole table / on a patient bootstrap sample, then glmnet): the ratios;
#  - the wall time on 1 and 2 ranks (1 thread each) and the parallel efficiency;
#  - rank 0's cost per unit (receive, store, dispatch) and the projected wall time of 1,000
#    replicates on 16 nodes x 64 cores (1,024 ranks), from the measured unit time.
# Both runs store identical validations (checked here on the export, as the tests do).
set -euo pipefail
BUILD=${BUILD:-build}
source "$(dirname "$0")/bench_common.sh"
bench_init radhpc-bench-validate
B=${1:-6}; REPEATS=${2:-10}
Rscript --vanilla - "$W/table.csv" <<'R'
args <- commandArgs(TRUE); set.seed(16)
n <- 300; p <- 110
x <- matrix(rnorm(n * p), n, p); colnames(x) <- sprintf("f%03d", 1:p)
patient <- sprintf("P%03d", (seq_len(n) + 1) %/% 2)          # two lesions per patient
lp <- 0.8 * x[, 1] - 0.6 * x[, 2] + 0.4 * x[, 3]
pp <- tapply(lp, patient, mean); y <- as.integer(runif(length(pp)) < plogis(pp))[match(patient, names(pp))]
write.csv(data.frame(patient_id = patient, outcome = y, x), args[1], row.names = FALSE, quote = FALSE)
R
cat > "$W/job.yaml" <<YAML
name: bench
validate:
  table: table.csv
  outcome: outcome
  patient: patient_id
  alphas: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
  nlambda: 100
  folds: 5
  repeats: $REPEATS
  bootstrap: {replicates: $B, seed: 1}
  threads: 1
YAML
declare -A rate secs master
run() {  # NAME RANKS REPLICATES
  sed "s/replicates: [0-9]*/replicates: $3/" "$W/job.yaml" > "$W/job-$1.yaml"
  (cd "$W" && $MPI -np "$2" "$ROOT/$RADHPC" validate "job-$1.yaml" --store "st-$1" > "log-$1" 2>&1)
  line=$(grep 'timing:' "$W/log-$1")
  echo "$1: ${line#radhpc validate: timing: }"
  rate[$1]=$(sed -E 's/.*\(([0-9.]+) units\/s\).*/\1/' <<< "$line")
  secs[$1]=$(sed -E 's/.* in ([0-9.]+) s .*/\1/' <<< "$line")
  master[$1]=$(sed -E 's/.*master busy ([0-9.]+) us per unit.*/\1/' <<< "$line")
}
run tuning 1 0          # the tuning unit alone (CV on the whole table, final fit, out-of-fold)
run one 1 "$B"
run two 2 "$B"
"$ROOT/$RADHPC" export "$W/st-one" --table validation --out "$W/export1" > /dev/null
"$ROOT/$RADHPC" export "$W/st-two" --table validation --out "$W/export2" > /dev/null
diff -r "$W/export1" "$W/export2" > /dev/null && echo "exports of 1 and 2 ranks: identical" || echo "exports of 1 and 2 ranks: DIFFER"
# R: one replicate of the same procedure on a patient bootstrap sample (as radhpc draws), and the
# CV of the tuning step on the whole table.
r_out=$(Rscript --vanilla - "$W/table.csv" "$REPEATS" <<'R'
suppressMessages(library(glmnet)); args <- commandArgs(TRUE)
d <- read.csv(args[1]); x <- as.matrix(d[, -(1:2)]); y <- d$outcome; reps <- as.integer(args[2]); set.seed(1)
cv <- function(xb, yb) system.time({ for (a in seq(0.1, 1, 0.1)) for (r in 1:reps) { f <- integer(length(yb))
    for (cl in 0:1) { w <- which(yb == cl); f[w] <- sample(rep(1:5, length.out = length(w))) }
    cvr <- suppressWarnings(cv.glmnet(xb, yb, family = "binomial", alpha = a, foldid = f)) }
  fit <- glmnet(xb, yb, family = "binomial", alpha = 1) })["elapsed"]
pat <- unique(d$patient_id); drawn <- sample(pat, replace = TRUE)
idx <- unlist(lapply(drawn, function(p) which(d$patient_id == p)))
cat(cv(x[idx, ], y[idx]), cv(x, y))
R
)
read -r r_rep r_tuning <<< "$r_out"
awk -v t0="${secs[tuning]}" -v t1="${secs[one]}" -v t2="${secs[two]}" -v m2="${master[two]}" -v R="$r_rep" -v RT="$r_tuning" -v B="$B" 'BEGIN {
  rep = (t1 - t0) / B
  printf "tuning unit (whole table), 1 rank, 1 thread: %.2f s; R glmnet, the same CV on the whole table: %.2f s; R / radhpc = %.1fx\n", t0, RT, RT / t0
  printf "bootstrap replicate, 1 rank, 1 thread: %.2f s; R glmnet, one replicate of the same procedure: %.2f s; R / radhpc = %.1fx\n", rep, R, R / rep
  printf "tuning + %d replicates: 1 rank %.1f s, 2 ranks %.1f s; speed-up %.2f, parallel efficiency %.0f%% (the tuning unit alone is %.0f%% of the work)\n", B, t1, t2, t1 / t2, 100 * t1 / (2 * t2), 100 * t0 / t1
  printf "rank 0 cost per unit (2 ranks): %.1f us, %.1e of a replicate\n", m2, m2 * 1e-6 / rep
  printf "projected 1,000 replicates on 16 x 64 = 1,024 ranks: %.0f s (the tuning unit, the longest; replicates run beside it) + at most %.1f s of rank-0 writing\n", (t0 > rep ? t0 : rep), 1001 * m2 * 1e-6
}'
