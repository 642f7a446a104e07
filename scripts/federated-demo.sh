#!/usr/bin/env bash
# A federated multi-centre analysis on demo data (issue 17): installs, builds, synthesises a
# 4-centre cohort with a planted signal whose sites differ in intensity offset and noise
# (radhpc synth --signal --sites 4), extracts every site into its own store (jobs/demo.yaml),
# then runs the federation in one process (radhpc federated simulate jobs/federated-demo.yaml):
# every message between the coordinator and the sites is written under messages/, the
# coordinator's results under results/, the same analyses on the pooled rows under pooled/, and
# comparison.json holds the largest federated - pooled difference of every quantity.
set -euo pipefail
cd "$(dirname "$0")/.."
RADHPC_WITH_TEST_DEPS=0 bash scripts/setup.sh
bash scripts/build.sh
BUILD="${RADHPC_BUILD_DIR:-build}"
RADHPC="$BUILD/src/cli/radhpc"
OUT=out/federated-demo  # jobs/federated-demo.yaml names the sites' stores here
rm -rf "$OUT"; mkdir -p "$OUT"
"$RADHPC" synth --signal --sites 4 --studies 240 --seed 2026 --out "$OUT/archive"
export HDF5_USE_FILE_LOCKING=FALSE
for k in 1 2 3 4; do
  "$RADHPC" run jobs/demo.yaml --manifest "$OUT/archive/site-$k/manifest.csv" --store "$OUT/archive/site-$k/store" -q 2>&1 | grep -E '^radhpc run:' || true
done
"$RADHPC" federated simulate jobs/federated-demo.yaml --out "$OUT/federation"
F="$OUT/federation"
python3 - "$F" <<'PY'
import json, sys
f = sys.argv[1]
r = json.load(open(f"{f}/results/results.json"))
ex = json.load(open(f"{f}/exchange.json"))
cmp = json.load(open(f"{f}/comparison.json"))
print("\nsites:", ", ".join(f"{s['name']} ({s['patients']} patients, {s['rows']} lesions)" for s in r["sites"]))
print("rounds per analysis:", ", ".join(f"{k} {v}" for k, v in r["rounds"].items()))
b = ex["sites"]["site-1"]
print("bytes site-1 sent:", ", ".join(f"{k} {v['response_bytes'] / 1e3:.0f} kB" for k, v in b.items()))
v = r["validation"]
print("\nsignature validated at every site (AUC, DeLong 95% CI):")
for s, a in zip(r["sites"], v["sites"]):
    print(f"  {s['name']}: {a['auc']['estimate']:.3f} [{a['auc']['lower']:.3f}, {a['auc']['upper']:.3f}]")
m = v["meta"]
print(f"  random effects (DerSimonian-Laird): {m['estimate']:.3f} [{m['lower']:.3f}, {m['upper']:.3f}], tau2 {m['tau2']:.4f}, I2 {m['i2']:.1f}%")
print(f"  pooled AUC from the sites' histograms: {v['pooled']['auc_histogram']:.4f} (+- {v['pooled']['auc_max_error']:.4f})")
c = r["cox"]
print("site-stratified Cox (log HR):", ", ".join(f"{n} {b:.3g}" for n, b in zip(c["features"], c["coef"])))
worst = max((val, k) for k, val in cmp.items() if "quantiles" not in k and "histogram" not in k and "edges" not in k)
print(f"\nfederated = pooled: largest difference {worst[0]:.2e} ({worst[1]}); all in {f}/comparison.json")
PY
echo "messages exchanged: $F/messages/<site>/request-N.json, response-N.json; each site's audit log: $F/sites/<site>/audit.jsonl"
"$RADHPC" report "$F" --out "$F/report.html" > /dev/null 2> "$F/report.log"
echo "report: $F/report.html (sites, QC, harmonisation, model, ROC per site, forest plot, Cox, federated vs pooled)"
