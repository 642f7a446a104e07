# Shared by the shell benchmarks (bench_batch.sh, bench_sweep.sh); sourced, not run.
# ROOT: the source tree. bench_init NAME: RADHPC from $BUILD, a work dir W (removed on exit), the
# mpirun command line MPI. tiny_archive DIR N: N tiny CT-like studies and DIR/manifest.csv.
# tiny_job NAME PROGRESS_S: the job both benchmarks extract with (on stdout).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

bench_init() {  # NAME (of the work dir); uses BUILD
  RADHPC=$BUILD/src/cli/radhpc
  W=$(mktemp -d "/tmp/$1.XXXXXX")
  trap 'rm -rf "$W"' EXIT
  MPI="mpirun --allow-run-as-root --oversubscribe --bind-to none"
  export HDF5_USE_FILE_LOCKING=FALSE
}

tiny_job() {  # NAME PROGRESS_INTERVAL_S
  printf '%s\n' "version: 1
name: $1
profile: ibsi
preprocess:
  resegment: {min: -1000, max: 400}
  discretisation: {method: fixed_bin_size, bin_width: 25}
features:
  families: [morph, stat, ih, szm]
  aggregation: [3D_avg]
run: {progress_interval_s: $2, fsync: true}"
}

# 24x24x12 int16 NIfTI images with 1-3 noisy ball lesions (labels 1..k), seeded by study number.
tiny_archive() {  # DIR N
python3 - "$1" "$2" <<'PY'
import gzip, os, random, struct, sys
out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out + "/img", exist_ok=True)
def nifti(path, data, fmt, datatype, bitpix):
    h = bytearray(352)
    struct.pack_into("<i", h, 0, 348)
    struct.pack_into("<8h", h, 40, 3, 24, 24, 12, 1, 1, 1, 1)
    struct.pack_into("<hh", h, 70, datatype, bitpix)
    struct.pack_into("<8f", h, 76, 1, 1.0, 1.0, 1.5, 1, 1, 1, 1)
    struct.pack_into("<ff", h, 108, 352.0, 1.0)
    h[344:348] = b"n+1\0"
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(bytes(h) + struct.pack("<%d%s" % (len(data), fmt), *data))
with open(out + "/manifest.csv", "w") as m:
    m.write("study_id,patient_id,image,mask,labels,outcome\n")
    for i in range(n):
        r = random.Random(i)
        k = r.randint(1, 3)
        balls = [(4.5 + 7.5 * l + r.random(), 9 + 6 * r.random(), 5 + 2 * r.random(), 2.6 + 1.2 * r.random(), 20 + 60 * r.random()) for l in range(k)]
        img, lab = [], []
        for z in range(12):
            for y in range(24):
                for x in range(24):
                    hu, label = -50 + 100 * r.random(), 0
                    for j, (cx, cy, cz, rad, mu) in enumerate(balls):
                        if (x - cx) ** 2 + (y - cy) ** 2 + ((z - cz) * 1.5) ** 2 <= rad * rad:
                            hu, label = mu + 120 * (r.random() - 0.5), j + 1
                    img.append(int(round(hu))); lab.append(label)
        sid = "B%05d" % i
        nifti("%s/img/%s.nii.gz" % (out, sid), img, "h", 4, 16)
        nifti("%s/img/%s_m.nii.gz" % (out, sid), lab, "B", 2, 8)
        m.write("%s,P%d,img/%s.nii.gz,img/%s_m.nii.gz,%s,%d\n" % (sid, i // 2, sid, sid, ";".join(str(j + 1) for j in range(k)), i % 2))
PY
}
