"""Reconciliation of store.h5 and parts/ as radhpc does it (src/store/store.cpp: reconcile,
patient_table). Everything here must keep radhpc's order and tie rules: the DataFrames are
compared with `radhpc export` value by value.
"""
import numpy as np

from ._storegroups import merge_signatures, merge_validations

U64 = (1 << 64) - 1


def _better(a, b):
    """radhpc's winner rule: latest finished_at, then sequence (uint64), then ok, then smaller hash."""
    if a["finished_at"] != b["finished_at"]:
        return a["finished_at"] > b["finished_at"]
    if a["sequence"] & U64 != b["sequence"] & U64:
        return a["sequence"] & U64 > b["sequence"] & U64
    if (a["status"] == "ok") != (b["status"] == "ok"):
        return a["status"] == "ok"
    return a["content_hash"].encode() < b["content_hash"].encode()


def _unit(study, perturbation):
    return (study + "\x1f" + perturbation).encode()  # std::map<std::string> order: bytes


def reconcile(parts):
    winner = {}  # unit -> (part, index)
    for p, part in enumerate(parts):
        for i, s in enumerate(part["studies"]):
            key = _unit(s["study_id"], s["perturbation"])
            if key not in winner or _better(s, parts[winner[key][0]]["studies"][winner[key][1]]):
                winner[key] = (p, i)
    winner = dict(sorted(winner.items()))
    record = lambda pick: parts[pick[0]]["studies"][pick[1]]
    study_winner = {}
    for pick in winner.values():
        sid = record(pick)["study_id"]
        if sid not in study_winner or _better(record(pick), record(study_winner[sid])):
            study_winner[sid] = pick
    out = {"studies": [record(pick) for pick in winner.values()]}
    out["features"] = _features(parts, winner)

    seen, qc = set(), []
    for p, part in enumerate(parts):
        for q in part["qc"]:
            w = study_winner.get(q["study_id"])
            key = tuple(q[k] for k in ("study_id", "series_id", "check", "status", "observed", "expected"))
            if w is None or w[0] != p or key in seen:
                continue
            seen.add(key)
            qc.append(q)
    out["qc"] = sorted(qc, key=lambda q: q["study_id"].encode())

    registry, runs, issues, sigs, vals, perts = {}, {}, {}, {}, {}, {}
    out.update(robustness=None, longitudinal=None, volume_column="", surface_column="")
    for part in parts:
        for e in part["registry"]:
            registry.setdefault(e["column"], e)
        for r in part["runs"]:
            o = runs.get(r["run_id"])
            if o is None or r["finished_at"] > o["finished_at"] or (r["finished_at"] == o["finished_at"] and r["state"] == "complete"):
                runs[r["run_id"]] = r
        for m in part["manifest_issues"]:
            issues.setdefault((m["line"], m["column"], m["study_id"].encode(), m["message"].encode()), m)
        for k in ("robustness", "longitudinal"):
            if part[k] is not None and part[k]["computed_at"] > (out[k]["computed_at"] if out[k] else 0.0):
                out[k] = part[k]
        merge_signatures(sigs, part["signatures"])
        merge_validations(vals, part["validations"])
        for k in ("volume_column", "surface_column"):
            out[k] = out[k] or part[k]
        for pr in part["perturbations"]:
            perts[pr["id"].encode()] = pr
    empty = {"tag": "", "ibsi_code": "", "pyradiomics_name": "", "family": "", "unit": ""}
    out["registry"] = [registry.get(c, dict(empty, column=c, tag=c)) for c in out["features"]["columns"]]
    out["runs"] = sorted(runs.values(), key=lambda r: (r["started_at"], r["run_id"].encode()))
    out["manifest_issues"] = [issues[k] for k in sorted(issues)]
    out["signatures"] = [sigs[k] for k in sorted(sigs, key=str.encode)]
    out["validations"] = [vals[k] for k in sorted(vals, key=str.encode)]
    out["perturbations"] = [perts[k] for k in sorted(perts)]
    return out


def _features(parts, winner):
    """Rows travel with their unit's winning record; columns in order of first appearance (a row
    brings only its non-NaN cells, as FeatureTable::add_row does)."""
    rows = []  # (sort key, part, row)
    for p, part in enumerate(parts):
        t = part["features"]
        for r, (sid, les, per) in enumerate(zip(t["study_id"], t["lesion"], t["perturbation"])):
            w = winner.get(_unit(sid, per))
            if w is not None and w[0] == p:
                rows.append(((sid.encode(), les, per.encode()), p, r))
    rows.sort(key=lambda x: x[0])  # stable: ties keep (part, row) order
    columns, index, complete = [], {}, set()
    for _, p, r in rows:
        if p in complete:
            continue
        t = parts[p]["features"]
        vals = t["values"][r]
        for c, v in zip(t["columns"], vals):
            if c not in index and not np.isnan(v):
                index[c] = len(columns)
                columns.append(c)
        if all(c in index for c in t["columns"]):
            complete.add(p)
    values = np.full((len(rows), len(columns)), np.nan)
    keys = {"study_id": [], "patient_id": [], "lesion": [], "perturbation": []}
    by_part = {}
    for i, (_, p, r) in enumerate(rows):
        by_part.setdefault(p, ([], []))
        by_part[p][0].append(i)
        by_part[p][1].append(r)
        t = parts[p]["features"]
        for k in keys:
            keys[k].append(t[k][r])
    for p, (out_rows, in_rows) in by_part.items():
        t = parts[p]["features"]
        have = [j for j, c in enumerate(t["columns"]) if c in index]
        if have:
            sub = t["values"][np.ix_(in_rows, have)]
            values[np.ix_(out_rows, [index[t["columns"][j]] for j in have])] = sub
    return dict(keys, columns=columns, values=values)


def patient_table(c):
    """/patients as radhpc derives it: unperturbed rows per patient (byte order), lesion_count,
    total_volume, total_surface, then <feature>_{mean,median,min,max} over non-NaN values."""
    t = c["features"]
    vals, cols = t["values"], t["columns"]
    by_patient = {}
    for r, (pid, per) in enumerate(zip(t["patient_id"], t["perturbation"])):
        if per == "none":
            by_patient.setdefault(pid.encode(), []).append(r)
    names = ["lesion_count", "total_volume", "total_surface"] + [f"{x}_{s}" for x in cols for s in ("mean", "median", "min", "max")]
    vol = cols.index(c["volume_column"]) if c["volume_column"] in cols else -1
    surf = cols.index(c["surface_column"]) if c["surface_column"] in cols else -1
    out = np.full((len(by_patient), len(names)), np.nan)
    ids = []
    for i, pid in enumerate(sorted(by_patient)):
        ids.append(pid.decode())
        m = vals[by_patient[pid]]
        out[i, 0] = len(m)
        for k, j in ((1, vol), (2, surf)):
            if j >= 0:
                out[i, k] = np.cumsum(m[:, j])[-1] + 0.0  # sequential sum from 0, as the C++ loop
        n = (~np.isnan(m)).sum(axis=0)
        s = np.nancumsum(m, axis=0)[-1] + 0.0
        srt = np.sort(m, axis=0)  # NaN last
        lo = srt[np.maximum((n - 1) // 2, 0), np.arange(len(cols))]
        hi = srt[np.maximum(n // 2, 0), np.arange(len(cols))] if len(m) else lo
        med = np.where(n % 2 == 1, hi, 0.5 * (lo + hi))
        mx = srt[np.maximum(n - 1, 0), np.arange(len(cols))]
        block = np.stack([s / np.maximum(n, 1), med, srt[0], mx], axis=1)
        block[n == 0] = np.nan
        out[i, 3:] = block.reshape(-1)
    return ids, names, out
