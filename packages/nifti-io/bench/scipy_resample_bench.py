"""scipy side of the resampling benchmark: the same 1 mm grid as medaas (origin kept, size rounded)."""
import json
import sys
import time

import numpy as np
import nibabel as nib
from scipy import ndimage

img = nib.load(sys.argv[1])
order, repeats = int(sys.argv[2]), int(sys.argv[3])
data = np.asanyarray(img.dataobj).astype(np.float32 if order == 1 else np.int16)
zooms = np.array(img.header.get_zooms()[:3])
shape = tuple(int(round(n * z)) for n, z in zip(data.shape, zooms))
# Output index -> input index: scale by the spacing ratio (axes aligned, origins equal).
matrix = np.diag(1.0 / zooms)
times = []
for _ in range(repeats):
    start = time.perf_counter()
    ndimage.affine_transform(data, matrix, output_shape=shape, order=order, mode='constant', cval=0.0, prefilter=False)
    times.append((time.perf_counter() - start) * 1000)
print(json.dumps({'medianMs': sorted(times)[len(times) // 2], 'shape': shape}))
