"""radhpc.featureextractor / radhpc.extract (python/radhpc, the module radhpc._core) against the CLI.

Usage: check_extractor.py RADHPC_BINARY SHARED_DATA SOURCE_DIR WORKDIR
Prints one line per check and "all equal" when every check held; exit status 1 otherwise.
References: the CLI's values (`radhpc extract`, itself tested against PyRadiomics 3.1's baseline and
IBSI), and PyRadiomics' own diagnostics columns in the baseline CSVs (image hash, bounding box,
centre of mass), which nobody here wrote.
"""
import csv
import gzip
import os
import subprocess
import sys
import threading
import time

import numpy

import radhpc
from radhpc import featureextractor

BIN, DATA, SRC, WORK = sys.argv[1:5]
PYR = os.path.join(DATA, "pyradiomics")
PHANTOM = os.path.join(DATA, "ibsi1", "ct_phantom", "nifti")
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def cli(image, mask, flag, params, out_name):
    out = os.path.join(WORK, out_name)
    subprocess.run([BIN, "extract", "--image", image, "--mask", mask, flag, params, "--out", out], check=True)
    with open(out) as f:
        return [(row[0], float(row[1])) for row in list(csv.reader(f))[1:]]


def features_of(result):
    return [(k, v) for k, v in result.items() if not k.startswith("diagnostics_")]


def same(a, b):
    """Same names in the same order, every value bit-equal (the CLI writes %.17g: exact round trip)."""
    if [k for k, _ in a] != [k for k, _ in b]:
        return False
    return all(x == y or (x != x and y != y) for (_, x), (_, y) in zip(a, b))


def read_nrrd(path):
    """The NRRD files of the PyRadiomics cases (gzip, little endian, LPS) -> (array[z,y,x], spacing, origin, direction)."""
    with open(path, "rb") as f:
        raw = f.read()
    head, _, body = raw.partition(b"\n\n")
    fields = dict(line.split(": ", 1) for line in head.decode().splitlines()[1:] if ": " in line)
    dtype = {"short": "<i2", "int": "<i4", "unsigned char": "u1"}[fields["type"]]
    sizes = [int(v) for v in fields["sizes"].split()]
    columns = [numpy.array([float(x) for x in v.strip("()").split(",")]) for v in fields["space directions"].split()]
    spacing = [float(numpy.linalg.norm(c)) for c in columns]
    direction = numpy.column_stack([c / numpy.linalg.norm(c) for c in columns]).flatten()
    origin = [float(x) for x in fields["space origin"].strip("()").split(",")]
    data = numpy.frombuffer(gzip.decompress(body), dtype=dtype).reshape(sizes[::-1])
    return data, spacing, origin, [float(d) for d in direction]


def read_nifti_voxels(path):
    """Voxels of a gzip NIfTI-1 file as stored ([z, y, x]); the grid is taken from radhpc."""
    raw = gzip.open(path).read()
    dims = numpy.frombuffer(raw[40:56], dtype="<i2")
    datatype = int(numpy.frombuffer(raw[70:72], dtype="<i2")[0])
    offset = int(numpy.frombuffer(raw[108:112], dtype="<f4")[0])
    dtype = {4: "<i2", 8: "<i4", 16: "<f4", 64: "<f8", 2: "u1", 512: "<u2"}[datatype]
    n = int(dims[1]) * int(dims[2]) * int(dims[3])
    return numpy.frombuffer(raw[offset:], dtype=dtype, count=n).reshape(int(dims[3]), int(dims[2]), int(dims[1]))


def baseline_diagnostics(case):
    """PyRadiomics' diagnostics columns of a baseline case (baseline_firstorder.csv)."""
    with open(os.path.join(PYR, "baseline", "baseline_firstorder.csv")) as f:
        rows = list(csv.reader(f))
    col = rows[0].index(case)
    return {r[0]: r[col] for r in rows if r[0].startswith("diagnostics_") and r[col]}


def check_cli_equality():
    cases = [("brain1", os.path.join(PYR, "params", "Params.yaml")),
             ("breast1", os.path.join(PYR, "params", "Params.yaml")),
             ("brain1", os.path.join(PYR, "filters", "params", "combined-ct.yaml"))]
    for case, params in cases:
        image, mask = os.path.join(PYR, case + "_image.nrrd"), os.path.join(PYR, case + "_label.nrrd")
        py = featureextractor.RadiomicsFeatureExtractor(params).execute(image, mask)
        ref = cli(image, mask, "--pyradiomics-params", params, case + ".csv")
        check(same(features_of(py), ref), f"{case} {os.path.basename(params)}: {len(ref)} features equal the CLI's")
    image, mask = os.path.join(PHANTOM, "image", "phantom.nii.gz"), os.path.join(PHANTOM, "mask", "mask.nii.gz")
    params = os.path.join(PYR, "params", "exampleCT.yaml")
    py = featureextractor.RadiomicsFeatureExtractor(params).execute(image, mask)
    ref = cli(image, mask, "--pyradiomics-params", params, "phantom-exampleCT.csv")
    check(same(features_of(py), ref), f"IBSI CT phantom exampleCT.yaml: {len(ref)} features equal the CLI's")
    job = os.path.join(SRC, "jobs", "ibsi", "config-A.yaml")
    check(same(list(radhpc.extract(image, mask, job=job).items()), cli(image, mask, "--settings", job, "phantom-A.csv")),
          "radhpc.extract, IBSI config A on the CT phantom: equal to the CLI's IBSI tags")


def check_diagnostics():
    # PyRadiomics' own diagnostics (baseline CSVs) for what radhpc reads: hash, grid, ROI statistics
    for case in ("brain1", "breast1"):
        ref = baseline_diagnostics(case + "_normalization")  # the columns that carry every diagnostic
        py = featureextractor.RadiomicsFeatureExtractor().execute(os.path.join(PYR, case + "_image.nrrd"),
                                                                   os.path.join(PYR, case + "_label.nrrd"))
        for key in ("Image-original_Hash", "Mask-original_BoundingBox", "Mask-original_VoxelNum", "Image-original_Size",
                    "Image-original_Spacing", "Image-original_Mean", "Image-original_Minimum", "Image-original_Maximum",
                    "Mask-original_CenterOfMassIndex", "Mask-original_CenterOfMass"):
            ours, theirs = py["diagnostics_" + key], ref["diagnostics_" + key]
            if isinstance(ours, tuple):
                ok = numpy.allclose(numpy.array(ours, dtype=float), [float(v) for v in theirs.strip("()").split(",")], rtol=1e-12)
            elif isinstance(ours, str):
                ok = ours == theirs
            else:
                ok = abs(float(ours) - float(theirs)) <= 1e-12 * max(1.0, abs(float(theirs)))
            check(ok, f"{case} diagnostics_{key}: {ours} vs PyRadiomics {theirs}")


def check_arrays():
    params = os.path.join(PYR, "params", "Params.yaml")
    extractor = featureextractor.RadiomicsFeatureExtractor(params)
    image, mask = os.path.join(PYR, "brain1_image.nrrd"), os.path.join(PYR, "brain1_label.nrrd")
    from_files = features_of(extractor.execute(image, mask))
    img, spacing, origin, direction = read_nrrd(image)
    labels = read_nrrd(mask)[0]
    from_arrays = features_of(extractor.execute((img, spacing, origin, direction), labels))
    check(same(from_arrays, from_files), "brain1: numpy arrays (int16 image, int32 labels) give the file's features")
    # a strided (non-contiguous) view of the same voxels, and a float32 phantom
    padded = numpy.zeros((img.shape[0], img.shape[1], img.shape[2] * 2), dtype=img.dtype)
    padded[:, :, ::2] = img
    check(same(features_of(extractor.execute((padded[:, :, ::2], spacing, origin, direction), labels)), from_files),
          "brain1: a non-contiguous array view gives the file's features")
    pimage, pmask = os.path.join(PHANTOM, "image", "phantom.nii.gz"), os.path.join(PHANTOM, "mask", "mask.nii.gz")
    ct = featureextractor.RadiomicsFeatureExtractor(os.path.join(PYR, "params", "exampleCT.yaml"))
    grid = radhpc._extraction.run(pimage, pmask, ct._parameters_text(None), "pyradiomics", "x")["image_geometry"]
    arrays = ((read_nifti_voxels(pimage), grid["spacing"], grid["origin"], grid["direction"]), read_nifti_voxels(pmask))
    check(same(features_of(ct.execute(*arrays)), features_of(ct.execute(pimage, pmask))),
          f"CT phantom: {read_nifti_voxels(pimage).dtype} arrays give the file's features (exampleCT.yaml, LoG + wavelet)")


def expect_error(kind, what, call):
    try:
        call()
    except radhpc.RadhpcError as e:
        check(e.kind == kind, f"{what}: RadhpcError kind {e.kind} ({e})")
        return
    except Exception as e:  # noqa: BLE001 - any other exception is the failure reported
        check(False, f"{what}: {type(e).__name__} instead of RadhpcError({kind}): {e}")
        return
    check(False, f"{what}: no error")


def check_errors():
    e = featureextractor.RadiomicsFeatureExtractor()
    image, mask = os.path.join(PYR, "brain1_image.nrrd"), os.path.join(PYR, "brain1_label.nrrd")
    img, spacing, origin, direction = read_nrrd(image)
    expect_error("io", "missing mask file", lambda: e.execute(image, os.path.join(WORK, "missing.nrrd")))
    expect_error("empty_roi", "empty mask array", lambda: e.execute((img, spacing), numpy.zeros_like(img)))
    expect_error("geometry_mismatch", "mask array of another shape", lambda: e.execute((img, spacing), numpy.ones((2, 3, 4))))
    nan = img.astype(float)
    nan[read_nrrd(mask)[0] == 1] = numpy.nan
    expect_error("invalid_input", "NaN intensities", lambda: e.execute((nan, spacing), read_nrrd(mask)[0]))
    bad = featureextractor.RadiomicsFeatureExtractor(binWidth=-3)
    expect_error("settings", "binWidth -3", lambda: bad.execute(image, mask))


def check_threads():
    params = os.path.join(PYR, "params", "exampleCT.yaml")
    image, mask = os.path.join(PHANTOM, "image", "phantom.nii.gz"), os.path.join(PHANTOM, "mask", "mask.nii.gz")
    extractor = featureextractor.RadiomicsFeatureExtractor(params)
    t0 = time.perf_counter()
    alone = features_of(extractor.execute(image, mask))
    alone_s = time.perf_counter() - t0
    results = [None, None]

    def work(i):
        results[i] = features_of(extractor.execute(image, mask))
    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(same(results[0], alone) and same(results[1], alone), "two threads extracting at once give the values of one")
    # A counting thread runs while the main thread is inside one extraction (the GIL is released).
    counter, stop = [0], threading.Event()

    def count():
        while not stop.is_set():
            counter[0] += 1
    t = threading.Thread(target=count)
    t.start()
    time.sleep(0.05)
    before = counter[0]
    t0 = time.perf_counter()
    extractor.execute(image, mask)
    during_s = time.perf_counter() - t0
    during = counter[0] - before
    stop.set()
    t.join()
    # with the GIL held for the whole call the counter could only advance in the interpreter's
    # switch slices before and after the C++ call: a few thousand at most, against millions here
    check(during > 100000, f"a second thread counted {during} times during a {during_s:.2f} s extraction (alone {alone_s:.2f} s)")


check_cli_equality()
check_diagnostics()
check_arrays()
check_errors()
check_threads()
print("all equal" if not failures else f"{len(failures)} checks failed")
sys.exit(1 if failures else 0)
