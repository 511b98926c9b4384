"""Reference resampling for the nifti-io cross-checks: scipy.ndimage.map_coordinates in nibabel's frame.

  resample_ref.py INPUT LIKE ORDER OUT
For every voxel of LIKE's grid, the value of INPUT at the same world point (order 1 = linear,
0 = nearest; 0 outside), written to OUT as float64 (or the input's type for order 0), plus a mask
OUT.inside.nii of voxels whose input position is at least one voxel away from the input's border.
"""
import sys

import numpy as np
import nibabel as nib
from scipy import ndimage


def main():
    src = nib.load(sys.argv[1])
    like = nib.load(sys.argv[2])
    order = int(sys.argv[3])
    data = np.asanyarray(src.dataobj).astype(np.float64)
    shape = like.shape[:3]
    # Output voxel index -> world -> input continuous index.
    ijk = np.indices(shape, dtype=np.float64).reshape(3, -1)
    world = like.affine[:3, :3] @ ijk + like.affine[:3, 3:4]
    inv = np.linalg.inv(src.affine)
    idx = inv[:3, :3] @ world + inv[:3, 3:4]
    values = ndimage.map_coordinates(data, idx, order=order, mode='constant', cval=0.0, prefilter=False)
    out_dtype = np.float64 if order == 1 else src.get_data_dtype()
    nib.save(nib.Nifti1Image(values.reshape(shape).astype(out_dtype), like.affine), sys.argv[4])
    n = np.array(src.shape[:3]).reshape(3, 1)
    # Away from borders, and (for nearest) away from exact half-voxel ties where rounding rules differ.
    frac = np.abs(idx - np.floor(idx) - 0.5)
    inside = np.all((idx >= 1) & (idx <= n - 2), axis=0) & np.all(frac > 1e-3, axis=0)
    nib.save(nib.Nifti1Image(inside.reshape(shape).astype(np.uint8), like.affine), sys.argv[4] + '.inside.nii')


main()
