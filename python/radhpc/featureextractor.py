"""PyRadiomics' extractor interface on radhpc's pipeline: change `from radiomics import featureextractor`
to `from radhpc import featureextractor` and a PyRadiomics script runs unchanged.

    extractor = featureextractor.RadiomicsFeatureExtractor("Params.yaml")   # or a dict, or **settings
    extractor.enableImageTypeByName("LoG", customArgs={"sigma": [2.0, 3.0]})
    result = extractor.execute("image.nrrd", "mask.nrrd", label=1)         # OrderedDict

The parameters mean what they mean in PyRadiomics 3.1 (radhpc's `pyradiomics` profile, the same
values `radhpc extract --pyradiomics-params` writes). `image` and `mask` are file paths (NRRD, NIfTI,
DICOM series folder; RTSTRUCT / SEG / Slicer .seg.nrrd masks) or (array[z, y, x], spacing, origin,
direction) tuples; a bare mask array lies on the image's grid. Feature values are Python floats.
Errors raise radhpc.RadhpcError (`.kind`: io, settings, empty_roi, geometry_mismatch, ...). The GIL is
released while a lesion is computed. Voxel-based extraction (`voxelBased=True`) is not supported.
"""
import collections
import copy
import json

import yaml

from . import _extraction

RadhpcError = _extraction.RadhpcError

FEATURE_CLASSES = ("firstorder", "glcm", "gldm", "glrlm", "glszm", "ngtdm", "shape", "shape2D")
IMAGE_TYPES = ("Original", "LoG", "Wavelet", "Square", "SquareRoot", "Logarithm", "Exponential", "Gradient", "LBP2D")


def _default_settings():
    """PyRadiomics 3.1's RadiomicsFeatureExtractor._getDefaultSettings()."""
    return {"minimumROIDimensions": 2, "minimumROISize": None, "normalize": False, "normalizeScale": 1,
            "removeOutliers": None, "resampledPixelSpacing": None, "interpolator": "sitkBSpline", "preCrop": False,
            "padDistance": 5, "distances": [1], "force2D": False, "force2Ddimension": 0, "resegmentRange": None,
            "label": 1, "additionalInfo": True}


class RadiomicsFeatureExtractor:
    """PyRadiomics 3.1's RadiomicsFeatureExtractor, computed by radhpc."""

    def __init__(self, *args, **kwargs):
        self.settings = {}
        self.enabledImagetypes = {}
        self.enabledFeatures = {}
        self._origin = "<parameters>"
        if len(args) == 1 and isinstance(args[0], dict):
            self._applyParams(paramsDict=args[0])
        elif len(args) == 1:
            self._applyParams(paramsFile=args[0])
        elif args:
            raise TypeError("RadiomicsFeatureExtractor takes a parameter file or dict (and settings as keywords)")
        else:
            self.settings = _default_settings()
            self.enabledImagetypes = {"Original": {}}
            self.enableAllFeatures()
        self.settings.update(kwargs)

    # --- parameters -----------------------------------------------------------------------------
    def _applyParams(self, paramsFile=None, paramsDict=None):
        if paramsFile is not None:
            with open(paramsFile) as f:
                paramsDict = yaml.safe_load(f) or {}
            self._origin = str(paramsFile)
        params = copy.deepcopy(paramsDict or {})
        if "voxelSetting" in params:
            raise RadhpcError("voxelSetting: voxel-based extraction is not supported by radhpc yet")
        self.settings = _default_settings()
        self.settings.update(params.get("setting") or {})
        self.enabledImagetypes = {k: (v or {}) for k, v in (params.get("imageType") or {"Original": {}}).items()}
        features = params.get("featureClass")
        if features is None:
            self.enableAllFeatures()
        else:
            self.enabledFeatures = {k: (v or []) for k, v in features.items()}

    def loadParams(self, paramsFile):
        self._applyParams(paramsFile=paramsFile)

    def loadJSONParams(self, JSON_configuration):
        self._applyParams(paramsDict=json.loads(JSON_configuration))

    def enableAllImageTypes(self):
        self.enabledImagetypes = {t: {} for t in IMAGE_TYPES}

    def disableAllImageTypes(self):
        self.enabledImagetypes = {}

    def enableImageTypeByName(self, imageType, enabled=True, customArgs=None):
        if imageType not in IMAGE_TYPES:
            raise RadhpcError(f"imageType.{imageType}: unknown image type ({', '.join(IMAGE_TYPES)})")
        if enabled:
            self.enabledImagetypes[imageType] = dict(customArgs or {})
        else:
            self.enabledImagetypes.pop(imageType, None)

    def enableImageTypes(self, **enabledImagetypes):
        for imageType, customArgs in enabledImagetypes.items():
            self.enableImageTypeByName(imageType, True, customArgs)

    def enableAllFeatures(self):
        self.enabledFeatures = {c: [] for c in FEATURE_CLASSES}

    def disableAllFeatures(self):
        self.enabledFeatures = {}

    def enableFeatureClassByName(self, featureClass, enabled=True):
        if featureClass not in FEATURE_CLASSES:
            raise RadhpcError(f"featureClass.{featureClass}: unknown feature class ({', '.join(FEATURE_CLASSES)})")
        if enabled:
            self.enabledFeatures[featureClass] = []
        else:
            self.enabledFeatures.pop(featureClass, None)

    def enableFeaturesByName(self, **enabledFeatures):
        for featureClass, names in enabledFeatures.items():
            self.enableFeatureClassByName(featureClass)
            self.enabledFeatures[featureClass] = list(names or [])

    def _parameters_text(self, label):
        """The parameters as radhpc reads them: settings at PyRadiomics' default are left to the profile."""
        defaults = _default_settings()
        setting = {k: v for k, v in self.settings.items() if k not in defaults or defaults[k] != v}
        setting.pop("additionalInfo", None)  # diagnostics are made here
        if label is not None:
            setting["label"] = int(label)
        features = {k: (list(v) if v else None) for k, v in self.enabledFeatures.items()}
        if "shape2D" in features and not self.settings.get("force2D"):
            del features["shape2D"]  # PyRadiomics computes shape2D only with force2D (it warns and skips)
        return json.dumps({"imageType": self.enabledImagetypes, "featureClass": features, "setting": setting})

    # --- extraction -----------------------------------------------------------------------------
    def execute(self, imageFilepath, maskFilepath, label=None, label_channel=None, voxelBased=False):
        if voxelBased:
            raise RadhpcError("voxelBased: voxel-based extraction is not supported by radhpc yet")
        if label_channel is not None:
            raise RadhpcError("label_channel: multi-channel masks are not supported; give one label map")
        result = _extraction.run(imageFilepath, maskFilepath, self._parameters_text(label), "pyradiomics", self._origin,
                                 label=label, names="pyradiomics")
        out = collections.OrderedDict()
        if self.settings.get("additionalInfo", True):
            out.update(_extraction.versions())
            out["diagnostics_Configuration_Settings"] = copy.deepcopy(self.settings)
            out["diagnostics_Configuration_EnabledImageTypes"] = copy.deepcopy(self.enabledImagetypes)
            out.update(_extraction.image_mask_diagnostics(result))
        for name, value in result["features"]:
            out[name] = value
        return out
