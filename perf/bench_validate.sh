#!/usr/bin/env bash
# Issue 16's benchmark: bootstrap validation of the CT-TIME procedure (elastic net tuned by 10 x
# 5-fold repeated CV over alpha = 0.1..1, 100-lambda paths, then the final fit; n = 300 rows, p =
# 110 features) as units of `radhpc validate --store` on the MPI engine.
#   perf/bench_validate.sh [REPLICATES (default 6)] [REPEATS (default 10)]
# Prints, from one script on one data set:
#  - seconds per unit on 1 rank (1 thread), and R glmnet's time for one replicate of the same
#    procedure (cv.glmnet per alpha and repeat on a bootstrap sample, then glmnet): the ratio;
#  - units/s on 1 and 2 ranks (1 thread each) and the parallel efficiency;
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
declare -A rate unit_s master
for ranks in 1 2; do
  (cd "$W" && $MPI -np $ranks "$ROOT/$RADHPC" validate job.yaml --store "st$ranks" > "log$ranks" 2>&1)
  line=$(grep 'timing:' "$W/log$ranks")
  echo "$ranks rank(s): ${line#radhpc validate: timing: }"
  rate[$ranks]=$(sed -E 's/.*\(([0-9.]+) units\/s\).*/\1/' <<< "$line")
  master[$ranks]=$(sed -E 's/.*master busy ([0-9.]+) us per unit.*/\1/' <<< "$line")
  "$ROOT/$RADHPC" export "$W/st$ranks" --table validation --out "$W/export$ranks" > /dev/null
done
diff -r "$W/export1" "$W/export2" > /dev/null && echo "exports of 1 and 2 ranks: identical" || echo "exports of 1 and 2 ranks: DIFFER"
r_s=$(Rscript --vanilla - "$W/table.csv" "$REPEATS" <<'R'
suppressMessages(library(glmnet)); args <- commandArgs(TRUE)
d <- read.csv(args[1]); x <- as.matrix(d[, -(1:2)]); y <- d$outcome; reps <- as.integer(args[2]); set.seed(1)
t <- system.time({ idx <- sample(nrow(x), replace = TRUE); xb <- x[idx, ]; yb <- y[idx]
  for (a in seq(0.1, 1, 0.1)) for (r in 1:reps) { f <- integer(length(yb))
    for (cl in 0:1) { w <- which(yb == cl); f[w] <- sample(rep(1:5, length.out = length(w))) }
    cvr <- cv.glmnet(xb, yb, family = "binomial", alpha = a, foldid = f) }
  fit <- glmnet(xb, yb, family = "binomial", alpha = 1) })["elapsed"]
cat(t)
R
)
awk -v r1="${rate[1]}" -v r2="${rate[2]}" -v m1="${master[1]}" -v m2="${master[2]}" -v R="$r_s" -v units=$((B + 1)) 'BEGIN {
  u = 1 / r1
  printf "seconds per unit, 1 rank, 1 thread: %.2f s; R glmnet, one replicate of the same procedure: %.2f s; R / radhpc = %.1fx\n", u, R, R / u
  printf "units/s: 1 rank %.4f, 2 ranks %.4f; parallel efficiency %.0f%%\n", r1, r2, 100 * r2 / (2 * r1)
  printf "rank 0 cost per unit: %.1f us (1 rank), %.1f us (2 ranks), i.e. %.1e of a unit\n", m1, m2, m2 * 1e-6 / u
  printf "projected 1,000 replicates on 16 x 64 = 1,024 ranks: %.0f s (one unit each; rank 0 busy %.2f s in total)\n", u, 1001 * m2 * 1e-6
}'
