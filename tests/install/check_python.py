"""tests/install: radhpc from an installed prefix in Python (run by install_test.sh with PYTHONPATH set to
the prefix's dist-packages only). Always: radhpc.store imports from the prefix. With the compiled module
(argv[1] == "1"): radhpc.extract on the IBSI 1 digital phantom with the installed job file, every feature
that has a value in the IBSI submission table matching it (IBSI's rule: 3 significant digits or the value,
within the tolerance).
    check_python.py HAVE_PYMODULE PREFIX SHARED_DATA"""
import csv
import math
import sys

have_module, prefix, data = sys.argv[1] == "1", sys.argv[2], sys.argv[3]

import radhpc.store  # noqa: E402

assert radhpc.store.__file__.startswith(prefix + "/"), radhpc.store.__file__
print("radhpc.store from", radhpc.store.__file__)
if not have_module:
    sys.exit(0)

import radhpc._core  # noqa: E402

assert radhpc._core.__file__.startswith(prefix + "/"), radhpc._core.__file__
print("radhpc._core from", radhpc._core.__file__)


def matches(value, reference, tolerance):
    if not math.isfinite(value):
        return False
    rounded = value if value == 0 else round(value, 2 - int(math.floor(math.log10(abs(value)))))
    slack = tolerance + 1e-9 * max(1.0, abs(reference))
    return abs(rounded - reference) <= slack or abs(value - reference) <= slack


phantom = data + "/ibsi1/digital_phantom/"
with open(phantom + "reference_values/ibsi1_submission_table_digital_phantom.csv", encoding="utf-8-sig") as f:
    refs = {row["tag"]: (float(row["reference value"]), float(row["tolerance"] or 0))
            for row in csv.DictReader(f) if row["reference value"]}
features = radhpc.extract(phantom + "nifti/image/phantom.nii.gz", phantom + "nifti/mask/mask.nii.gz",
                          job=prefix + "/share/radhpc/jobs/ibsi/digital-phantom.yaml")
missing = sorted(set(refs) - set(features))
failed = [(tag, features[tag], refs[tag]) for tag in sorted(refs) if tag in features and not matches(features[tag], *refs[tag])]
for tag, value, ref in failed:
    print(f"FAIL {tag} {value!r} reference {ref}")
print(f"radhpc.extract: {len(refs) - len(missing)} of {len(refs)} reference values checked, "
      f"{len(failed)} failed, {len(missing)} not computed {missing[:5]}")
sys.exit(1 if failed or missing else 0)
