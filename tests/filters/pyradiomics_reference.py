#!/usr/bin/python3
"""Reference outputs for tests/filters/test_pyradiomics_image_types.cpp, computed at test time by
Debian's python3-pywt (PyWavelets 1.1.1) and python3-skimage (scikit-image 0.19.3) on the arrays the
test writes. PyRadiomics itself is not installable here (it needs SimpleITK), so its two wrappers are
restated below line for line from radiomics/imageoperations.py (v3.1): _swt3 (padding, level loop,
crop, names) and getLBP2DImage (slicing, write-back into the image's own array).

  wavelet DIR NZ NY NX WAVELET START_LEVEL LEVEL [FORCE2DDIM]
                                                   reads DIR/in.f64 (float64, C order (z, y, x)),
                                                   writes DIR/<name>.f64 and DIR/names.txt
  lbp DIR NZ NY NX DTYPE P R METHOD DIM            reads DIR/in.f64, casts to DTYPE (float64|int16)
                                                   as the image's pixel type, writes DIR/lbp.f64
  pystr VALUE...                                   prints str(float(v)) for each value, one a line
  batch JOBFILE                                    the jobs above, one per line (one interpreter start)
"""
import sys

import numpy as np


def swt3(matrix, wavelet, start_level, level, axes):
    import pywt
    original_shape = matrix.shape
    padding = tuple([(0, 1 if dim % 2 != 0 else 0) for dim in original_shape])
    data = np.pad(matrix.copy(), padding, "wrap")
    wavelet = pywt.Wavelet(wavelet)
    for _ in range(start_level):
        dec = pywt.swtn(data, wavelet, level=1, start_level=0, axes=axes)[0]
        data = dec["a" * len(axes)].copy()
    ret = []
    crop = tuple(slice(None, -1 if dim % 2 != 0 else None) for dim in original_shape)
    for _ in range(start_level, start_level + level):
        dec = pywt.swtn(data, wavelet, level=1, start_level=0, axes=axes)[0]
        data = dec["a" * len(axes)].copy()
        dec_im = {}
        for name, im in dec.items():
            if name == "a" * len(axes):
                continue
            dec_im[str(name).replace("a", "L").replace("d", "H")] = im.copy()[crop]
        ret.append(dec_im)
    return data[crop], ret


def run(argv):
    if argv[0] == "pystr":
        for v in argv[1:]:
            print(str(float(v)))
        return
    mode, d = argv[0], argv[1]
    nz, ny, nx = (int(v) for v in argv[2:5])
    arr = np.fromfile(d + "/in.f64", dtype=np.float64).reshape((nz, ny, nx))
    if mode == "wavelet":
        wavelet, start_level, level = argv[5], int(argv[6]), int(argv[7])
        axes = [2, 1, 0]  # getWaveletImage: list(range(Nd - 1, -1, -1)), minus force2Ddimension
        if len(argv) > 8:
            axes.remove(int(argv[8]))
        approx, ret = swt3(arr, wavelet, start_level, level, tuple(axes))
        names = []
        for idx, wl in enumerate(ret, start=1):
            for name, im in wl.items():
                full = ("wavelet-" if idx == 1 else "wavelet%d-" % idx) + name
                np.ascontiguousarray(im, dtype=np.float64).tofile("%s/%s.f64" % (d, full))
                names.append(full)
        full = ("wavelet-" if len(ret) == 1 else "wavelet%d-" % len(ret)) + "L" * len(axes)
        np.ascontiguousarray(approx, dtype=np.float64).tofile("%s/%s.f64" % (d, full))
        names.append(full)
        with open(d + "/names.txt", "w") as f:
            f.write("\n".join(names) + "\n")
    elif mode == "lbp":
        from skimage.feature import local_binary_pattern
        dtype, P, R, method, axis = argv[5], int(argv[6]), float(argv[7]), argv[8], int(argv[9])
        im_arr = arr.astype(dtype)
        im_arr = im_arr.swapaxes(0, axis)
        for idx in range(im_arr.shape[0]):
            im_arr[idx, ...] = local_binary_pattern(im_arr[idx, ...], P=P, R=R, method=method)
        im_arr = im_arr.swapaxes(0, axis)
        np.ascontiguousarray(im_arr, dtype=np.float64).tofile(d + "/lbp.f64")
    else:
        sys.exit("unknown mode " + mode)


def main():
    if sys.argv[1] == "batch":  # one job (the arguments above) per line of the file: one interpreter start
        with open(sys.argv[2]) as f:
            for line in f:
                if line.strip():
                    run(line.split())
    else:
        run(sys.argv[1:])


if __name__ == "__main__":
    main()
