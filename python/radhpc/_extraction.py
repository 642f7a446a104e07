"""Shared by radhpc.extract and radhpc.featureextractor: argument normalisation and diagnostics."""
import hashlib
import os
import platform

import numpy

from . import _core

RadhpcError = _core.RadhpcError


def volume_argument(value):
    """A path-like becomes str; an array or (array, spacing, origin, direction) tuple passes as is."""
    if isinstance(value, (str, bytes, os.PathLike)):
        return os.fsdecode(os.fspath(value))
    if isinstance(value, tuple):
        return tuple(value)
    return numpy.asarray(value)


def run(image, mask, job_text, job_kind, job_origin, label=None, roi=None, names="", diagnostics=None):
    return _core.extract(volume_argument(image), volume_argument(mask), job_text=job_text, job_kind=job_kind,
                         job_origin=job_origin, label=label, roi=roi or "", names=names, diagnostics=diagnostics)


def _bounding_box(where):
    """PyRadiomics' (x, y, z, size x, size y, size z) of the ROI, in voxels, from its (z, y, x) indices."""
    if where.size == 0:
        return ()
    lo, hi = where.min(axis=0), where.max(axis=0)
    return tuple(int(v) for v in (lo[2], lo[1], lo[0], hi[2] - lo[2] + 1, hi[1] - lo[1] + 1, hi[0] - lo[0] + 1))


def image_mask_diagnostics(result):
    """PyRadiomics' diagnostics_Image-original_* / Mask-original_* keys, from the image and ROI radhpc read.

    Image-original_Hash is SHA-1 of the voxel array as PyRadiomics computes it (equal to PyRadiomics'
    for an integer image stored as int16 and any float64 image); Mask-original_Hash is SHA-1 of the
    binary ROI (uint8 0/1) radhpc computed on, not of the label file's values.
    """
    image, mask = result["image"], result["mask"]
    grid = result["image_geometry"]
    where = numpy.argwhere(mask)  # rows of (z, y, x), once for the bounding box and the centre of mass
    index_com = where.mean(axis=0)[::-1] if where.size else numpy.zeros(3)
    spacing, origin = numpy.array(grid["spacing"]), numpy.array(grid["origin"])
    direction = numpy.array(grid["direction"]).reshape(3, 3)
    physical_com = origin + direction.dot(index_com * spacing)
    out = {}
    out["diagnostics_Image-original_Hash"] = hashlib.sha1(image).hexdigest()
    out["diagnostics_Image-original_Dimensionality"] = "3D" if image.shape[0] > 1 else "2D"
    out["diagnostics_Image-original_Spacing"] = tuple(grid["spacing"])
    out["diagnostics_Image-original_Size"] = tuple(grid["size"])
    out["diagnostics_Image-original_Mean"] = float(image.mean())
    out["diagnostics_Image-original_Minimum"] = float(image.min())
    out["diagnostics_Image-original_Maximum"] = float(image.max())
    out["diagnostics_Mask-original_Hash"] = hashlib.sha1(mask).hexdigest()
    out["diagnostics_Mask-original_Spacing"] = tuple(grid["spacing"])
    out["diagnostics_Mask-original_Size"] = tuple(grid["size"])
    out["diagnostics_Mask-original_BoundingBox"] = _bounding_box(where)
    out["diagnostics_Mask-original_VoxelNum"] = int(mask.sum(dtype=numpy.int64))
    out["diagnostics_Mask-original_CenterOfMassIndex"] = tuple(float(v) for v in index_com)
    out["diagnostics_Mask-original_CenterOfMass"] = tuple(float(v) for v in physical_com)
    return out


def versions():
    return {"diagnostics_Versions_radhpc": _core.version(), "diagnostics_Versions_Numpy": numpy.__version__,
            "diagnostics_Versions_Python": platform.python_version()}
