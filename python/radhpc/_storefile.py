"""One radhpc store file (store.h5 or a part) read with h5py into plain Python/pandas objects.

Mirrors src/store/*_h5.cpp read functions: a dataset a file lacks (older writers) or that is
shorter than its table gets the reader's default, as h5::at_or does.
"""
import h5py
import numpy as np
import pandas as pd

FORMAT_VERSION = 1
NAN = float("nan")

# Per-study record columns of /studies (name, default) in the layout's order.
STUDY_STR = ["study_id", "patient_id", "perturbation", "status", "error_kind", "message", "content_hash", "host", "run_id"]
STUDY_INT = [("rank", -1), ("lesions", 0), ("manifest_line", 0), ("sequence", 0)]
STUDY_F64 = ["read_s", "preprocess_s", "features_s", "total_s", "started_at", "finished_at"]
RUN_STR = ["run_id", "state", "command", "job_text", "radhpc_version", "git_hash", "libraries", "host", "shard"]
RUN_NUM = [("started_at", 0.0), ("finished_at", 0.0), ("ranks", 1), ("ok", 0), ("failed", 0), ("skipped", 0)]


def _raw(g, name):
    if g is None or name not in g or not isinstance(g[name], h5py.Dataset):
        return None
    d = g[name]
    if h5py.check_string_dtype(d.dtype) is not None:
        return [str(x) for x in np.atleast_1d(d.asstr()[()])]
    return np.atleast_1d(d[()])


def length(g, name):
    v = _raw(g, name)
    return 0 if v is None else len(v)


def col(g, name, n, default):
    """Column `name` of a table of n rows as a list; missing cells get `default`."""
    v = _raw(g, name)
    if v is None:
        return [default] * n
    out = [x.item() if isinstance(x, np.generic) else x for x in v[:n]]
    return out + [default] * (n - len(out))


def scalar(g, name, default):
    v = _raw(g, name)
    return default if v is None or len(v) == 0 else col(g, name, 1, default)[0]


def strings(g, name):
    v = _raw(g, name)
    return [] if v is None else list(v)


def matrix(g, name, rows, cols):
    v = _raw(g, name)
    if v is None or v.size == 0:
        return np.full((rows, cols), NAN) if v is None else np.zeros((rows, cols))
    return np.asarray(v, dtype=np.float64).reshape(rows, cols)


def frame(g, names, key=None, defaults=None):
    """A DataFrame of the 1-D datasets `names` of g (rows: the length of `key`, else of names[0])."""
    defaults = defaults or {}
    n = length(g, key or names[0])
    return pd.DataFrame({c: col(g, c, n, defaults.get(c, NAN)) for c in names}, columns=names)


def group(f, path):
    return f[path] if path in f and isinstance(f[path], h5py.Group) else None


def read_file(path):
    """The contents of one store file as a dict (see store.Store for what each entry holds)."""
    with h5py.File(path, "r") as f:
        attr = lambda k, d="": (f.attrs[k].decode() if isinstance(f.attrs[k], bytes) else f.attrs[k]) if k in f.attrs else d
        if attr("format") != "radhpc-store":
            raise OSError(f"{path}: not a radhpc store (attribute format != radhpc-store)")
        if int(attr("format_version", 0)) > FORMAT_VERSION:
            raise OSError(f"{path}: store format version {int(attr('format_version'))} is newer than this reader ({FORMAT_VERSION})")
        c = {"volume_column": str(attr("volume_column")), "surface_column": str(attr("surface_column"))}
        c["features"] = _features(path, group(f, "features"))
        g = group(f, "registry")
        names = strings(g, "column")
        reg = {k: col(g, k, len(names), "") for k in ("tag", "ibsi_code", "pyradiomics_name", "family", "unit")}
        c["registry"] = [dict(column=names[i], **{k: v[i] for k, v in reg.items()}) for i in range(len(names))]
        c["studies"] = _studies(f)
        c["runs"] = _records(group(f, "provenance"), [(k, "") for k in RUN_STR] + RUN_NUM)
        g = group(f, "manifest_issues")
        c["manifest_issues"] = _records(g, [("run_id", ""), ("line", 0), ("column", 0), ("study_id", ""), ("message", "")])
        c["qc"] = _records(group(f, "qc"), [(k, "") for k in ("study_id", "series_id", "check", "status", "observed", "expected")])
        c["perturbations"] = _records(group(f, "perturbations"), [("id", ""), ("spec", ""), ("seed", 0)])
        from . import _storegroups
        c["robustness"] = _storegroups.read_robustness(group(f, "robustness"))
        c["signatures"] = _storegroups.read_signatures(group(f, "signatures"))
        c["validations"] = _storegroups.read_validations(group(f, "validation"))
        c["longitudinal"] = _storegroups.read_longitudinal(group(f, "longitudinal"))
    return c


def _records(g, spec):
    n = length(g, spec[0][0])
    cols = {k: col(g, k, n, d) for k, d in spec}
    return [{k: cols[k][i] for k, _ in spec} for i in range(n)]


def _features(path, g):
    columns = strings(g, "columns")
    sid = strings(g, "study_id")
    n = len(sid)
    values = matrix(g, "values", n, len(columns)) if g is not None and "values" in g else np.zeros((0, len(columns)))
    if values.shape != (n, len(columns)):
        raise OSError(f"{path}: /features/values shape does not match its keys and columns")
    return {"columns": columns, "study_id": sid, "patient_id": col(g, "patient_id", n, ""),
            "lesion": [int(x) for x in col(g, "lesion", n, 0)], "perturbation": col(g, "perturbation", n, "none"),
            "values": values}


def _studies(f):
    g = group(f, "studies")
    spec = [(k, "none" if k == "perturbation" else "") for k in STUDY_STR] + STUDY_INT + [(k, 0.0) for k in STUDY_F64]
    recs = _records(g, spec)
    index = {}
    for i, r in enumerate(recs):
        r["inputs"], r["metadata"] = [], []
        index.setdefault(r["study_id"], []).append(i)
    # Inputs and metadata are stored once per study and belong to each of its records (sweep units).
    for i in _records(group(f, "inputs"), [("study_id", ""), ("role", ""), ("path", ""), ("size", 0), ("mtime_ns", 0), ("checksum", "")]):
        for k in index.get(i["study_id"], []):
            recs[k]["inputs"].append({x: i[x] for x in ("role", "path", "size", "mtime_ns", "checksum")})
    for m in _records(group(f, "metadata"), [("study_id", ""), ("key", ""), ("value", "")]):
        for k in index.get(m["study_id"], []):
            recs[k]["metadata"].append((m["key"], m["value"]))
    return recs
