"""nibabel side of `npm run bench`: time and peak memory of reading and writing one file.

  nibabel_bench.py read FILE REPEATS    load + materialise the stored voxels (np.asarray(img.dataobj))
  nibabel_bench.py write FILE OUT REPEATS
Prints JSON: {"ms": [...], "peakBytes": N, "baselineBytes": N}.
"""
import json
import resource
import sys
import time

import numpy as np
import nibabel as nib


def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main():
    mode, path = sys.argv[1], sys.argv[2]
    baseline = peak()
    times = []
    if mode == 'read':
        for _ in range(int(sys.argv[3])):
            start = time.perf_counter()
            data = np.asarray(nib.load(path, mmap=False).dataobj)
            times.append((time.perf_counter() - start) * 1000)
            del data
    else:
        img = nib.load(path)
        img = nib.Nifti1Image(np.asarray(img.dataobj), img.affine, img.header)
        baseline = peak()
        for _ in range(int(sys.argv[4])):
            start = time.perf_counter()
            nib.save(img, sys.argv[3])
            times.append((time.perf_counter() - start) * 1000)
    print(json.dumps({'ms': times, 'peakBytes': peak(), 'baselineBytes': baseline}))


main()
