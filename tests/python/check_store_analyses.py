"""Compares radhpc.store's analysis tables (robustness, validation, signatures) with radhpc's own output.

usage: check_store_analyses.py RADHPC STORE JOB:SCORES_DIR [JOB:SCORES_DIR ...]

References, all written by the radhpc binary from the same store (the rows in the order radhpc
writes them, which is the stored order the reader keeps; nothing is sorted):
* robustness: `radhpc export STORE --table icc|robust|clusters|selected` (selected with and without
  --metadata), and the counts/settings of its `radhpc inspect` line;
* validation[name]: the folder of `radhpc export STORE --table validation --name NAME --out DIR`
  (src/commands/validate_output.cpp: tuning.json, cv_curves.csv, folds.csv, bootstrap_replicates.csv,
  coefficients.csv, predictions.csv, metrics.json) for every stored validation;
* signatures: lesions.csv, patients.csv, metrics.csv that `radhpc score STORE --job JOB --csv-dir
  SCORES_DIR` wrote (analysis::write_signature_csvs) for each job given; the summary of every stored
  signature against its `signature NAME:` line of `radhpc inspect` (status, scored counts, AUCs,
  message), and the given jobs' signature settings.
Numbers: bit-equal after parsing radhpc's %.17g text and printed identically (check_store.same_number).
Prints one line per check; exit 0 when everything is equal, 1 otherwise.
"""
import json
import math
import os
import re
import sys
import tempfile

import pandas as pd
import yaml

from check_store import compare_table, errors, fail, run, same_number  # also puts ../../python on sys.path
import radhpc.store  # noqa: E402,I100


def check_robustness(binary, path, s):
    r = s.robustness
    if r is None:
        fail("robustness: the reader found no /robustness group")
        return
    # the doubles; the other columns (names, integers such as subjects, cluster, the 0/1 flags) as text
    numbers = ("icc", "ci_lower", "ci_upper")
    for table in ("icc", "robust", "clusters"):
        compare_table(r[table], run(binary, "export", path, "--table", table), "robustness " + table, lambda j, n: n in numbers)
    sel = r["selected_table"]
    compare_table(sel, run(binary, "export", path, "--table", "selected"), "robustness selected_table", lambda j, n: j >= 3)
    meta = s.metadata.set_index("study_id")
    with_meta = pd.concat([sel.iloc[:, :3], meta.reindex(sel["study_id"]).fillna("").reset_index(drop=True), sel.iloc[:, 3:]], axis=1)
    compare_table(with_meta, run(binary, "export", path, "--table", "selected", "--metadata"), "robustness selected_table + metadata",
                  lambda j, n: j >= 3 + len(meta.columns))
    if r["selected"] != list(sel.columns[3:]):
        fail(f"robustness selected {r['selected']} != the exported selected table's feature columns {list(sel.columns[3:])}")
    chosen = r["clusters"].loc[r["clusters"]["selected"] == 1, "feature"].tolist()
    if sorted(chosen) != sorted(r["selected"]):
        fail(f"robustness: archetypes of the clusters {chosen} != selected {r['selected']}")
    # inspect's line (src/commands/store_commands.cpp) prints the counts and the settings scalars
    line = re.search(r"^robustness \([^,]*, (\w+)\): (\d+) features, (\d+) robust \((\S+) (\S+) >= (\S+)\), (\d+) clustered, (\d+) selected"
                     r" \(\|rho\| (\S+)\)(, ComBat-harmonised)?", run(binary, "inspect", path), re.M)
    mine = (r["source"], len(r["icc"]) // 6, len(r["robust_features"]), r["icc_type"], r["criterion"], "%g" % r["threshold"],
            len(r["clusters"]), len(r["selected"]), "%g" % r["redundancy_threshold"], r["harmonised"])
    got = line and line.groups()[:-1] + (line.group(10) is not None,)
    got = got and tuple(int(x) if x.isdigit() else x for x in got[:-1]) + got[-1:]
    if got != mine:
        fail(f"robustness: inspect says {got}, reader {mine}")
    else:
        print(f"robustness: inspect line {mine} equal")


class Num(str):
    """A JSON number kept as its text (json.loads parse_float/parse_int), told apart from a string."""


def flatten(obj, prefix=""):
    """metrics.json back to the stored (name, value) list: nested keys joined with '.' in file order."""
    out = []
    for k, v in obj:
        name = prefix + k
        out += flatten(v, name + ".") if isinstance(v, list) else [(name, v)]
    return out


def read(p):
    with open(p) as f:
        return f.read()


def load_json(p):
    with open(p) as f:
        return json.load(f, object_pairs_hook=list, parse_float=Num, parse_int=Num, parse_constant=Num)


def same_json_number(text, v, where):
    if text is None:  # null: a non-finite value
        if math.isfinite(v):
            fail(f"{where}: export null, reader {v!r}")
    else:
        same_number(str(text), float(v), where)


def check_validation(binary, path, name, v, out):
    what = f"validation {name}"
    run(binary, "export", path, "--table", "validation", "--name", name, "--out", out)
    t = v["tuning"]
    tuning = dict(load_json(os.path.join(out, "tuning.json")))
    for k in ("procedure", "lambda_rule", "measure"):
        if k in tuning and tuning[k] != t[k]:
            fail(f"{what} tuning {k}: export {tuning[k]!r}, reader {t[k]!r}")
    for k in ("alpha", "lambda", "lambda_min", "lambda_1se", "cvm_at_lambda"):
        if k in tuning:
            same_json_number(tuning[k], t[k], f"{what} tuning {k}")
    if "repeats" in tuning and int(tuning["repeats"]) != t["repeats"]:
        fail(f"{what} tuning repeats: export {tuning['repeats']}, reader {t['repeats']}")
    if t["procedure"] == "repeated_cv":
        compare_table(t["curves"], read(os.path.join(out, "cv_curves.csv")), what + " cv_curves", lambda j, n: n in ("alpha", "lambda", "cvm", "cvsd"))
        n = len(v["patients"])
        folds = pd.DataFrame({"row": [i % n + 1 for i in range(len(t["folds"]))], "patient": [v["patients"][i % n] for i in range(len(t["folds"]))],
                              "repeat": [i // n + 1 for i in range(len(t["folds"]))], "fold": t["folds"]})
        compare_table(folds, read(os.path.join(out, "folds.csv")), what + " folds", lambda j, n: False)
    reps = v["replicates"]
    if len(reps):
        # the export's optimism column is auc_train - auc_test (validate_output.cpp: write_bootstrap)
        rep = pd.DataFrame({"replicate": reps["index"], "failed": reps["failed"].astype(int), "auc_train": reps["auc_train"],
                            "auc_test": reps["auc_test"], "auc_oob": reps["auc_oob"], "optimism": reps["auc_train"] - reps["auc_test"],
                            "alpha": reps["alpha"], "lambda": reps["lambda"], "failure": reps["failure"]})
        compare_table(rep, read(os.path.join(out, "bootstrap_replicates.csv")), what + " replicates", lambda j, n: 2 <= j <= 7)
        coefs = v["coefficients"]
    else:  # without bootstrap the export writes term,estimate only
        coefs = v["coefficients"][["term", "estimate"]]
    compare_table(coefs, read(os.path.join(out, "coefficients.csv")), what + " coefficients", lambda j, n: j >= 1)
    compare_table(v["predictions"], read(os.path.join(out, "predictions.csv")), what + " predictions", lambda j, n: j >= 3)
    exported = flatten(load_json(os.path.join(out, "metrics.json")))
    m = v["metrics"]
    if [k for k, _ in exported] != m["name"].tolist():
        fail(f"{what} metrics: names {[k for k, _ in exported][:6]}... vs reader {m['name'].tolist()[:6]}...")
    else:
        for (k, text), value, txt, is_text in zip(exported, m["value"], m["text"], m["is_text"]):
            if is_text:
                if isinstance(text, Num) or text != txt:
                    fail(f"{what} metric {k}: export {text!r}, reader text {txt!r}")
            elif text is not None and not isinstance(text, Num):
                fail(f"{what} metric {k}: export text {text!r}, reader number {value!r}")
            else:
                same_json_number(text, value, f"{what} metric {k}")
        print(f"{what} metrics: {len(exported)} entries equal to metrics.json")


def c3(v):
    """printf's %.3f: glibc writes a NaN with its sign bit as -nan."""
    return ("-nan" if math.copysign(1.0, v) < 0 else "nan") if math.isnan(v) else "%.3f" % v


def inspect_signature_line(sig, lesions, patients, metrics):
    """`radhpc inspect`'s line for one signature (src/commands/store_commands.cpp) from the reader's tables."""
    line = f"signature {sig['signature']}: {sig['status']}"
    if sig["status"] == "scored":
        line += f", {(lesions['class'] >= 0).sum()} lesions and {(patients['class'] >= 0).sum()} patients scored"
    for m in metrics.itertuples():
        if m.metric == "auc":
            line += ", %s AUC %s [%s, %s]" % (m.level, c3(m.estimate), c3(m.lower), c3(m.upper))
    return line + (f"\n  {sig['message']}" if sig["message"] else "")


def check_scored(s, spec, scores):
    """One signature's lesions/patients/metrics against the CSVs `radhpc score --csv-dir` wrote, its
    summary settings against the job's signature section (what radhpc score was given)."""
    sigs, name = s.signatures, spec["name"]
    summary = sigs["summary"]
    if name not in summary["signature"].tolist():
        fail(f"signatures: {name} not in the reader's summary {summary['signature'].tolist()}")
        return
    ints = ("lesion", "class", "outcome", "lesions", "lesions_failed", "event", "label", "message", "method")
    for table, first in (("lesions", 5), ("patients", 4), ("metrics", 3)):
        df = sigs[table][sigs[table]["signature"] == name].reset_index(drop=True)
        compare_table(df, read(os.path.join(scores, table + ".csv")), f"signature {name} {table}",
                      lambda j, n, first=first: j >= first and n not in ints)
    row = summary[summary["signature"] == name].iloc[0]
    # defaults of stats::SignatureSpec (include/radhpc/stats/signature.hpp) where the job leaves a key out
    labels = spec.get("labels", {})
    want = {"status": "scored", "aggregation": spec.get("aggregation", "mean"), "outcome_column": spec.get("outcome", ""),
            "threshold": spec.get("threshold", 0.5), "link": spec.get("link", "logistic"), "rule": spec.get("positive_if", ">="),
            "positive_label": labels.get("positive", "positive"), "negative_label": labels.get("negative", "negative")}
    got = {k: row[k] for k in want}
    if got != want:
        fail(f"signatures summary {name}: {got}, job {want}")
        return
    print(f"signature {name} summary: the job's settings equal ({', '.join(f'{k} {v}' for k, v in want.items())})")


def check_summary(binary, path, s):
    """Every stored signature's summary as the `signature NAME:` line of `radhpc inspect`."""
    sigs, text = s.signatures, run(binary, "inspect", path)
    for sig in sigs["summary"].to_dict("records"):
        pick = lambda k: sigs[k][sigs[k]["signature"] == sig["signature"]]
        mine = inspect_signature_line(sig, pick("lesions"), pick("patients"), pick("metrics"))
        if mine + "\n" not in text:
            fail(f"signatures summary: inspect lacks the reader's line {mine!r}")
    print(f"signatures summary: {len(sigs['summary'])} signature(s), inspect's lines equal")


def main():
    binary, path = sys.argv[1:3]
    s = radhpc.store.open(path)
    print(repr(s))
    check_robustness(binary, path, s)
    if not s.validation:
        fail("validation: the reader found no validation")
    with tempfile.TemporaryDirectory() as tmp:
        for name, v in s.validation.items():
            check_validation(binary, path, name, v, os.path.join(tmp, name.replace("/", "_")))
    for pair in sys.argv[3:]:
        job, scores = pair.split(":")
        with open(job) as f:
            check_scored(s, yaml.safe_load(f)["signature"], scores)
    check_summary(binary, path, s)
    print(f"{len(errors)} mismatches" if errors else "all equal")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
