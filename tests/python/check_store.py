"""Compares radhpc.store.open(STORE) with what the radhpc binary says of the same store.

usage: check_store.py RADHPC STORE [--expect-parts] [--patients] [--longitudinal]

* features(): every naming/metadata combination equals `radhpc export` (header, keys, metadata
  cells, every value bit-equal after parsing %.17g, and printed identically with %.17g);
* studies, patients, runs: the counts and the failure list of `radhpc inspect`;
* --expect-parts: the store has unconsolidated parts (an interrupted run) and the reader read them;
* --patients: the patient table equals store.h5's /patients bit for bit (a consolidated store);
* --longitudinal: changes, burden and tests equal `radhpc export --table longitudinal[-burden|-tests]`.
Prints one line per check; exit 0 when everything is equal, 1 otherwise.
"""
import csv
import io
import math
import os
import re
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import radhpc.store  # noqa: E402

errors = []


def fail(msg):
    if len(errors) < 20:
        print("MISMATCH " + msg)
    errors.append(msg)


def run(*args):
    p = subprocess.run(list(args), capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p.stdout


def bits(v):
    return struct.pack("<d", v)


def same_number(cell, v, where):
    if cell in ("", "undefined", "nan", "-nan"):  # NaN: '' (export), 'undefined' (relative change), %.17g's nan (format17)
        if not math.isnan(v):
            fail(f"{where}: export '{cell}', reader {v!r}")
    elif math.isnan(v) or bits(float(cell)) != bits(float(v)) or "%.17g" % v != cell:
        fail(f"{where}: export {cell}, reader {v!r}")


def compare_table(df, text, what, numeric):
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    if header != [str(c) for c in df.columns]:
        fail(f"{what}: header differs: {header[:8]}... vs {list(df.columns)[:8]}...")
        return
    if len(body) != len(df):
        fail(f"{what}: {len(body)} rows exported, {len(df)} read")
        return
    for j, name in enumerate(header):
        values = df.iloc[:, j].tolist()
        for i, (row, v) in enumerate(zip(body, values)):
            where = f"{what} row {i + 1} column {name}"
            if numeric(j, name):
                same_number(row[j], float(v), where)
            elif row[j] != str(v):
                fail(f"{where}: export '{row[j]}', reader '{v}'")
    print(f"{what}: {len(body)} rows x {len(header)} columns equal to radhpc export")


def check_features(binary, path, s):
    for names in ("ibsi", "pyradiomics"):
        for metadata in (False, True):
            args = [binary, "export", path, "--format", "csv"] + (["--names", "pyradiomics"] if names == "pyradiomics" else [])
            df = s.features(names=names, metadata=metadata)
            first = 4 + (len(s.metadata.columns) - 1 if metadata else 0)
            compare_table(df, run(*(args + (["--metadata"] if metadata else []))), f"features(names={names}, metadata={metadata})",
                          lambda j, name: j >= first)


def check_inspect(binary, path, s, expect_parts):
    text = run(binary, "inspect", path)
    studies = s.studies
    m = re.search(r"(\d+) unconsolidated part", text)
    parts = int(m.group(1)) if m else -1
    if parts != len(s.parts) or (expect_parts and parts == 0) or (not expect_parts and parts != 0):
        fail(f"inspect: {parts} unconsolidated parts, reader read {len(s.parts)} (expected parts: {expect_parts})")
    line = re.search(r"^studies: (\d+)(?: \([^)]*\))?(.*)$", text, re.M)
    counts = dict((k, int(n)) for k, n in re.findall(r", (\w+) (\d+)", line.group(2)))
    mine = studies["status"].value_counts().to_dict()
    if int(line.group(1)) != studies["study_id"].nunique() or counts != mine:
        fail(f"inspect: '{line.group(0)}' vs reader {studies['study_id'].nunique()} studies {mine}")
    m = re.search(r"^feature rows [^:]*: (\d+), features: (\d+), patients: (\d+)", text, re.M)
    got = tuple(int(x) for x in m.groups())
    want = (len(s.features()), len(s.feature_names()), len(s.patients))
    if got != want:
        fail(f"inspect: rows/features/patients {got}, reader {want}")
    listed = re.findall(r"^  (\S+)(?: / (\S+))?  (\S+)(?: \[(\w+)\])?  (.*)$", text.split("failures and marks")[1], re.M) \
        if "failures and marks" in text else []
    bad = studies[studies["status"] != "ok"]
    mine = [(r.study_id, "" if r.perturbation == "none" else r.perturbation, r.status, r.error_kind, r.message) for r in bad.itertuples()]
    if listed[:len(mine)] != mine:
        fail(f"inspect failures {listed[:len(mine)]} vs reader {mine}")
    runs = int(re.search(r"^runs \((\d+)\):", text, re.M).group(1))
    if runs != len(s.provenance["runs"]):
        fail(f"inspect: {runs} runs, reader {len(s.provenance['runs'])}")
    print(f"inspect: {studies['study_id'].nunique()} studies {dict(counts)}, {len(mine)} failures, {got[0]} rows, {got[1]} features, "
          f"{got[2]} patients, {runs} runs, {parts} parts: equal")


def check_patients(path, s):
    import h5py
    import numpy as np
    with h5py.File(os.path.join(path, "store.h5"), "r") as f:
        ids = [x for x in f["patients/patient_id"].asstr()[()]]
        cols = [x for x in f["patients/columns"].asstr()[()]]
        values = f["patients/values"][()]
    p = s.patients
    ok = ids == p["patient_id"].tolist() and cols == list(p.columns[1:])
    ok = ok and np.array_equal(values.view(np.uint64), p.iloc[:, 1:].to_numpy(dtype=np.float64).view(np.uint64))
    if not ok:
        fail("patients: differ from store.h5 /patients")
    print(f"patients: {len(ids)} x {len(cols)} bit-equal to store.h5 /patients")


def check_longitudinal(binary, path, s):
    lon = s.longitudinal
    ch = lon["changes"].drop(columns=["from_lesion", "to_lesion"])
    nkeys = 8
    undefined = lon["relative_undefined"]
    for c in undefined.columns:  # export writes 'undefined' for a relative change from 0
        ch[c] = ch[c].where(~undefined[c], float("nan"))
    compare_table(ch, run(binary, "export", path, "--table", "longitudinal"), "longitudinal changes", lambda j, n: j >= nkeys)
    for table, first in (("burden", 3), ("tests", 3)):
        df = lon[table]
        compare_table(df, run(binary, "export", path, "--table", "longitudinal-" + table), "longitudinal " + table,
                      lambda j, n, first=first: j >= first)


def main():
    binary, path = sys.argv[1], sys.argv[2]
    flags = set(sys.argv[3:])
    s = radhpc.store.open(path)
    print(repr(s))
    check_features(binary, path, s)
    check_inspect(binary, path, s, "--expect-parts" in flags)
    if "--patients" in flags:
        check_patients(path, s)
    if "--longitudinal" in flags:
        check_longitudinal(binary, path, s)
    print(f"{len(errors)} mismatches" if errors else "all equal")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
