"""radhpc from Python.

`radhpc.store` reads a store (h5py + pandas; no radhpc build needed):

    import radhpc.store
    s = radhpc.store.open("results/store")
    s.features()

`radhpc.featureextractor` is PyRadiomics' extractor interface, and `radhpc.extract` the IBSI profile,
both on radhpc's own pipeline (the compiled module radhpc._core, built with radhpc):

    from radhpc import featureextractor
    featureextractor.RadiomicsFeatureExtractor("Params.yaml").execute("image.nrrd", "mask.nrrd")
    radhpc.extract("ct.nii.gz", "mask.nii.gz", job="jobs/ibsi/config-A.yaml")
"""
import importlib

__all__ = ["store", "featureextractor", "extract", "RadhpcError"]


def extract(image, mask, job, label=None, roi=None, names=None, diagnostics=None):
    """One lesion with a radhpc job (a job file's path or a dict of its keys) -> OrderedDict of
    feature tag -> value, as `radhpc extract --settings` writes them: names "ibsi" | "pyradiomics"
    (default: the job's output.names), the IBSI diagnostic features first when diagnostics=True
    (default: the job's output.diagnostics). image / mask as in radhpc.featureextractor."""
    import collections
    import json
    import os
    from . import _extraction
    if isinstance(job, dict):
        text, origin = json.dumps(job), "<job dict>"
    else:
        with open(os.fspath(job)) as f:
            text, origin = f.read(), os.fspath(job)
    result = _extraction.run(image, mask, text, "job", origin, label=label, roi=roi, names=names or "", diagnostics=diagnostics)
    return collections.OrderedDict(result["diagnostics"] + result["features"])


def __getattr__(name):  # submodules load on first use: `import radhpc` needs neither h5py nor the module
    if name in ("store", "featureextractor"):
        return importlib.import_module("." + name, __name__)
    if name == "RadhpcError":
        return importlib.import_module("._core", __name__).RadhpcError
    raise AttributeError(f"module 'radhpc' has no attribute {name!r}")
