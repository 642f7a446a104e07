"""The analysis groups of a store file: /robustness, /signatures, /validation, /longitudinal.

Mirrors src/store/robustness.cpp, signature_h5.cpp, validation_h5.cpp, longitudinal_h5.cpp
(readers) and the merge rules of reconcile (merge_signatures, merge_validations).
"""
import numpy as np
import pandas as pd

from ._storefile import NAN, col, frame, group, length, matrix, scalar, strings


def read_robustness(g):
    if g is None:
        return None
    r = {k: scalar(g, k, 0.0) for k in ("computed_at", "threshold", "redundancy_threshold")}
    r.update({k: scalar(g, k, "") for k in ("run_id", "table_hash", "settings", "source", "icc_type", "criterion", "reference")})
    r["harmonised"] = scalar(g, "harmonised", 0) != 0
    r.update(notes=strings(g, "notes"), robust=strings(g, "robust"), selected=strings(g, "selected"))
    r["icc"] = frame(group(g, "icc"), ["feature", "type", "icc", "ci_lower", "ci_upper", "subjects", "raters"],
                     defaults={"type": "", "icc": 0.0, "ci_lower": 0.0, "ci_upper": 0.0, "subjects": 0, "raters": 0})
    r["clusters"] = frame(group(g, "clusters"), ["feature", "cluster", "archetype"], defaults={"cluster": 0, "archetype": ""})
    t = group(g, "selected_table")
    cols, sid = strings(t, "columns"), strings(t, "study_id")
    keys = pd.DataFrame({"study_id": sid, "patient_id": col(t, "patient_id", len(sid), ""),
                         "lesion": col(t, "lesion", len(sid), 0)})
    r["selected_table"] = pd.concat([keys, pd.DataFrame(matrix(t, "values", len(sid), len(cols)), columns=cols)], axis=1)
    return r


SIG_STR = ["status", "message", "source", "spec", "job", "table_hash", "link", "aggregation", "rule", "outcome_column",
           "positive_label", "negative_label"]
SIG_LESIONS = (["signature", "study_id", "patient_id", "lesion", "category", "linear_predictor", "score", "class", "label",
                "outcome", "message"], {"lesion": 0, "class": -1, "outcome": -1, "category": "", "label": "", "message": "",
                                        "study_id": "", "patient_id": ""})
SIG_PATIENTS = (["signature", "patient_id", "lesions", "lesions_failed", "score", "mean", "median", "min", "max", "class",
                 "label", "outcome", "time", "event", "message"],
                {"patient_id": "", "lesions": 0, "lesions_failed": 0, "class": -1, "label": "", "outcome": -1, "event": -1,
                 "message": ""})
SIG_METRICS = (["signature", "level", "metric", "estimate", "lower", "upper", "method"], {"level": "", "metric": "", "method": ""})


def read_signatures(g):
    if g is None:
        return []
    t = group(g, "summary")
    names = strings(t, "signature")
    n = len(names)
    cols = {k: col(t, k, n, "") for k in SIG_STR}
    cols.update(computed_at=col(t, "computed_at", n, 0.0), threshold=col(t, "threshold", n, NAN), level=col(t, "level", n, 0.95))
    sigs = [dict(name=names[i], **{k: v[i] for k, v in cols.items()}) for i in range(n)]
    owner = {s["name"]: i for i, s in enumerate(sigs)}  # a repeated name: its rows go to the last entry
    tables = {k: frame(group(g, k), spec[0], defaults=spec[1]) for k, spec in
              (("lesions", SIG_LESIONS), ("patients", SIG_PATIENTS), ("metrics", SIG_METRICS))}
    for i, s in enumerate(sigs):
        for k, df in tables.items():
            s[k] = df[df["signature"] == s["name"]].reset_index(drop=True) if owner[s["name"]] == i else df.iloc[0:0]
    return sigs


def merge_signatures(into, sigs):
    """Per name the latest computed_at wins (merge_signatures); `into` is a dict name -> result."""
    for s in sigs:
        if s["name"] not in into or s["computed_at"] > into[s["name"]]["computed_at"]:
            into[s["name"]] = s


def _tuning(g):
    t = group(g, "tuning")
    if t is None:
        return None
    out = {k: scalar(t, k, "") for k in ("procedure", "lambda_rule", "measure")}
    out.update({k: scalar(t, k, 0.0) for k in ("alpha", "lambda", "lambda_min", "lambda_1se", "cvm_at_lambda")})
    out["repeats"] = scalar(t, "repeats", 0)
    out["coefficients"] = list(col(t, "coefficients", length(t, "coefficients"), NAN))
    out["folds"] = np.asarray(col(t, "folds", length(t, "folds"), 0), dtype=np.int64)
    out["out_of_fold"] = list(col(t, "out_of_fold", length(t, "out_of_fold"), NAN))
    out["curves"] = frame(group(t, "curves"), ["alpha", "lambda", "cvm", "cvsd", "nzero", "measure"],
                          defaults={"nzero": 0, "measure": ""})
    return out


def _replicates(g):
    t = group(g, "replicates")
    n = length(t, "index")
    m = np.atleast_2d(t["coefficients"][()]) if t is not None and "coefficients" in t else None
    reps = []
    for i, idx in enumerate(col(t, "index", n, 0)):
        r = {"index": idx, "failed": col(t, "failed", n, 0)[i] != 0, "failure": col(t, "failure", n, "")[i]}
        r.update({k: col(t, k, n, NAN)[i] for k in ("auc_train", "auc_test", "auc_oob", "alpha", "lambda")})
        r["coefficients"] = [] if r["failed"] or m is None or i >= m.shape[0] else list(m[i])
        reps.append(r)
    return reps


def read_validations(root):
    out = []
    for name in (list(root.keys()) if root is not None else []):
        g = group(root, name)
        if g is None:
            continue
        v = {"name": name}
        v.update({k: scalar(g, k, "") for k in ("status", "identity", "table_hash", "table_source", "settings", "job")})
        v.update(started_at=scalar(g, "started_at", 0.0), finished_at=scalar(g, "finished_at", 0.0),
                 replicates_planned=scalar(g, "replicates_planned", 0), terms=strings(g, "terms"), patients=strings(g, "patients"))
        v["tuning"] = _tuning(g)
        v["replicates"] = _replicates(g)
        complete = v["status"] == "complete"
        v["coefficients"] = frame(group(g, "coefficients") if complete else None,
                                  ["term", "estimate", "ci_lower", "ci_upper", "selection_frequency"])
        v["predictions"] = frame(group(g, "predictions") if complete else None,
                                 ["row", "patient", "outcome", "linear_predictor", "probability", "oof_linear_predictor"],
                                 key="row", defaults={"patient": "", "outcome": -1})
        v["metrics"] = frame(group(g, "metrics") if complete else None, ["name", "value", "text", "is_text"],
                             defaults={"text": "", "is_text": 0})
        out.append(v)
    return out


def merge_validations(into, vals):
    """merge_validations: per name the newest identity (started_at) wins; one identity's units are merged."""
    for v in vals:
        old = into.get(v["name"])
        if old is None:
            into[v["name"]] = v
        elif v["identity"] != old["identity"] or v["started_at"] != old["started_at"]:
            if v["started_at"] > old["started_at"]:
                into[v["name"]] = v
        else:
            reps = {}
            for r in old["replicates"] + v["replicates"]:
                reps.setdefault(r["index"], r)
            old["replicates"] = [reps[k] for k in sorted(reps)]
            if old["tuning"] is None and v["tuning"] is not None:
                old["tuning"] = v["tuning"]
            if old["status"] != "complete" and v["status"] == "complete":
                old.update({k: v[k] for k in ("status", "finished_at", "coefficients", "predictions", "metrics")})


CHANGE_KEYS = ["patient_id", "lesion_id", "from", "to", "pair", "status", "from_study", "to_study", "from_lesion", "to_lesion",
               "volume_from", "volume_to"]
BURDEN = ["patient_id", "timepoint", "study_id", "lesions", "total_volume", "sum_diameters", "volume_change", "diameter_change"]
TESTS = ["feature", "from", "to", "n", "mean_change", "wilcoxon_v", "wilcoxon_p", "wilcoxon_p_bh", "t", "t_df", "t_p", "t_p_bh"]
CLASSES = ["signature", "patient_id", "timepoint", "study_id", "score", "label"]
SURVIVAL = ["signature", "timepoint", "label", "patients", "events", "km_median", "logrank_chisq", "logrank_p", "hazard_ratio",
            "hr_lower", "hr_upper", "cox_p"]


def read_longitudinal(g):
    if g is None:
        return None
    out = {"computed_at": scalar(g, "computed_at", 0.0), "settings": scalar(g, "settings", ""),
           "table_hash": scalar(g, "table_hash", ""), "timepoints": strings(g, "timepoints"), "notes": strings(g, "notes")}
    t = group(g, "changes")
    keys = frame(t, CHANGE_KEYS)
    cols, n = strings(t, "columns"), len(keys)
    absolute, relative = matrix(t, "absolute", n, len(cols)), matrix(t, "relative", n, len(cols))
    undefined = matrix(t, "relative_undefined", n, len(cols)) != 0
    out["changes"] = pd.concat([keys, pd.DataFrame(absolute, columns=["delta_" + c for c in cols]),
                                pd.DataFrame(relative, columns=["relative_" + c for c in cols])], axis=1)
    out["relative_undefined"] = pd.DataFrame(undefined, columns=["relative_" + c for c in cols])
    for name, names in (("burden", BURDEN), ("tests", TESTS), ("classes", CLASSES), ("survival", SURVIVAL)):
        out[name] = frame(group(g, name), names)
    return out
