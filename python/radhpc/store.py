"""Read-only access to a radhpc store as pandas DataFrames (h5py underneath; no radhpc build needed).

    import radhpc.store
    s = radhpc.store.open("results/store")
    df = s.features(names="pyradiomics", metadata=True)   # = radhpc export --names pyradiomics --metadata
    s.studies[s.studies.status != "ok"]                    # failures with error kind and message

A store is a folder with store.h5 and, after an interrupted run, unconsolidated parts/part-*.h5;
`open` reads them all and reconciles them exactly as radhpc does (schemas/store_layout.md): per
(study, perturbation) the record with the latest (finished_at, sequence) wins with its feature
rows; robustness and longitudinal results: the latest computed_at; signatures: per name the
latest; validations: merged per name. A single .h5 file may be given instead of a folder.
"""
import os

import numpy as np
import pandas as pd

from ._reconcile import patient_table, reconcile
from ._storefile import read_file

KEYS = ["study_id", "patient_id", "lesion", "perturbation"]


def open(path):  # noqa: A001 - the module's API is radhpc.store.open
    """Opens the store at `path` (folder or .h5 file) read-only and reconciles it."""
    return Store(path)


def store_files(path):
    """(store.h5 or None, sorted part files) as radhpc's store::load lists them."""
    path = os.fspath(path)
    if path.endswith(".h5") and not os.path.isdir(path):
        main, parts_dir = path, os.path.join(path, "parts")
    else:
        main, parts_dir = os.path.join(path, "store.h5"), os.path.join(path, "parts")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such store")
    parts = []
    if os.path.isdir(parts_dir):
        parts = sorted(os.path.join(parts_dir, n) for n in os.listdir(parts_dir) if n.startswith("part-") and n.endswith(".h5"))
    if not os.path.exists(main) and not parts:
        raise OSError(f"{path}: not a radhpc store (no store.h5, no parts/)")
    return (main if os.path.exists(main) else None), parts


class Store:
    """The reconciled contents of one store; every property is a fresh DataFrame (or dict)."""

    def __init__(self, path):
        self.path = os.fspath(path)
        main, self.parts = store_files(self.path)
        files = ([main] if main else []) + self.parts
        self._c = reconcile([read_file(f) for f in files])
        self._patients = patient_table(self._c)

    def __repr__(self):
        t = self._c["features"]
        return (f"<radhpc store {self.path!r}: {len({s['study_id'] for s in self._c['studies']})} studies, "
                f"{len(t['study_id'])} feature rows x {len(t['columns'])} features, {len(self.parts)} unconsolidated parts>")

    # --- features -------------------------------------------------------------------------
    def feature_names(self, names="ibsi"):
        """Feature column names: canonical keys (ibsi) or PyRadiomics names where the registry has one."""
        if names not in ("ibsi", "pyradiomics"):
            raise ValueError(f"names must be 'ibsi' or 'pyradiomics', not {names!r}")
        reg = self._c["registry"]
        return [e["pyradiomics_name"] or e["column"] if names == "pyradiomics" else e["column"] for e in reg]

    def features(self, names="ibsi", metadata=False):
        """One row per (study, lesion, perturbation) sorted as `radhpc export`: key columns, the studies'
        metadata columns with metadata=True (as strings, '' where absent), then the features (NaN where
        a row lacks one). Equals `radhpc export STORE --format csv [--names pyradiomics] [--metadata]`."""
        t = self._c["features"]
        keys = pd.DataFrame({k: t[k] for k in KEYS}, columns=KEYS)
        keys["lesion"] = keys["lesion"].astype(np.int64)
        parts = [keys]
        if metadata:
            meta = self.metadata.set_index("study_id")
            cols = list(meta.columns)
            m = meta.reindex(t["study_id"]).fillna("") if cols else pd.DataFrame(index=range(len(keys)))
            parts.append(m.reset_index(drop=True))
        parts.append(pd.DataFrame(t["values"], columns=self.feature_names(names)))
        return pd.concat(parts, axis=1)

    @property
    def registry(self):
        """Feature registry of the columns: column, tag, ibsi_code, pyradiomics_name, family, unit."""
        return pd.DataFrame(self._c["registry"], columns=["column", "tag", "ibsi_code", "pyradiomics_name", "family", "unit"])

    @property
    def patients(self):
        """Patient table (unperturbed rows): lesion_count, total_volume, total_surface, <feature>_{mean,median,min,max}."""
        ids, names, values = self._patients
        return pd.concat([pd.DataFrame({"patient_id": ids}), pd.DataFrame(values, columns=names)], axis=1)

    # --- studies ----------------------------------------------------------------------------
    @property
    def studies(self):
        """One row per study record (per (study, perturbation) in a sweep): status (ok | error | vanished),
        error_kind, message, timings, content hash, run, and the input paths (image; masks ';'-joined)."""
        cols = ["study_id", "patient_id", "perturbation", "status", "error_kind", "message", "content_hash", "host", "run_id",
                "rank", "lesions", "manifest_line", "sequence", "read_s", "preprocess_s", "features_s", "total_s", "started_at",
                "finished_at"]
        rows = []
        for s in self._c["studies"]:
            row = [s[c] for c in cols]
            for role in ("image", "mask"):
                row.append(";".join(i["path"] for i in s["inputs"] if i["role"] == role))
            rows.append(row)
        return pd.DataFrame(rows, columns=cols + ["image", "mask"])

    @property
    def inputs(self):
        """Input files per study: role, path (in the job's privacy.paths form), size, mtime_ns, checksum."""
        rows, listed = [], set()
        for s in self._c["studies"]:
            if s["study_id"] not in listed:
                listed.add(s["study_id"])
                rows += [dict(study_id=s["study_id"], **i) for i in s["inputs"]]
        return pd.DataFrame(rows, columns=["study_id", "role", "path", "size", "mtime_ns", "checksum"])

    @property
    def metadata(self):
        """Per study (sorted by id) its metadata (manifest's extra columns, DICOM acquisition values) as
        columns in order of first appearance, '' where a study lacks a key (as the export)."""
        keys, first = [], {}
        for s in self._c["studies"]:
            first.setdefault(s["study_id"], s)
            for k, _ in s["metadata"]:
                if k not in keys:
                    keys.append(k)
        rows = []
        for sid, s in first.items():
            d = {}
            for k, v in s["metadata"]:
                d.setdefault(k, v)
            rows.append([sid] + [d.get(k, "") for k in keys])
        return pd.DataFrame(rows, columns=["study_id"] + keys)

    @property
    def qc(self):
        """Image-quality checks of DICOM studies: study_id, series_id, check, status, observed, expected."""
        return pd.DataFrame(self._c["qc"], columns=["study_id", "series_id", "check", "status", "observed", "expected"])

    @property
    def manifest_issues(self):
        return pd.DataFrame(self._c["manifest_issues"], columns=["run_id", "line", "column", "study_id", "message"])

    # --- analyses ---------------------------------------------------------------------------
    @property
    def signatures(self):
        """Scored signatures as four long tables with a `signature` column: summary, lesions, patients, metrics."""
        sigs = self._c["signatures"]
        summary = pd.DataFrame([{k: v for k, v in s.items() if not isinstance(v, pd.DataFrame)} for s in sigs])
        out = {"summary": summary.rename(columns={"name": "signature"})}
        for k in ("lesions", "patients", "metrics"):
            frames = [s[k] for s in sigs]
            out[k] = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        return out

    @property
    def robustness(self):
        """The robust stage's result (None when it never ran): icc (six forms per feature), robust (the deciding
        form with a robust flag, as `export --table robust`), clusters (with archetype and selected), selected,
        selected_table, notes and the settings/threshold scalars."""
        r = self._c["robustness"]
        if r is None:
            return None
        r = dict(r)
        icc = r["icc"]
        rob = icc[icc["type"] == r["icc_type"]][["feature", "type", "icc", "ci_lower", "ci_upper"]].rename(columns={"type": "icc_type"})
        r["robust_features"] = r["robust"]
        r["robust"] = rob.assign(robust=rob["feature"].isin(set(r["robust_features"])).astype(int)).reset_index(drop=True)
        cl = r["clusters"]
        r["clusters"] = cl.assign(selected=(cl["feature"] == cl["archetype"]).astype(int))
        return r

    @property
    def validation(self):
        """Per validation name a dict: status, settings, identity, terms, tuning (dict with curves), replicates
        (DataFrame), and when complete coefficients, predictions and metrics (DataFrames)."""
        out = {}
        for v in self._c["validations"]:
            v = dict(v)
            reps = v["replicates"]
            v["replicates"] = pd.DataFrame([{k: x for k, x in r.items() if k != "coefficients"} for r in reps],
                                           columns=["index", "failed", "failure", "auc_train", "auc_test", "auc_oob", "alpha", "lambda"])
            v["replicate_coefficients"] = pd.DataFrame([r["coefficients"] or [np.nan] * len(v["terms"]) for r in reps],
                                                       columns=v["terms"])
            out[v["name"]] = v
        return out

    @property
    def longitudinal(self):
        """Longitudinal results (None before `radhpc longitudinal`): changes (delta_/relative_ columns; see
        relative_undefined for relative changes from 0), burden, tests, classes, survival, timepoints, notes."""
        return None if self._c["longitudinal"] is None else dict(self._c["longitudinal"])

    @property
    def provenance(self):
        """Runs (command, job text, versions, libraries, host, state, times, counts), perturbations, the files read."""
        c = self._c
        return {"runs": [dict(r) for r in c["runs"]], "perturbations": [dict(p) for p in c["perturbations"]],
                "volume_column": c["volume_column"], "surface_column": c["surface_column"], "parts": list(self.parts)}
