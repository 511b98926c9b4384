"""Reference side of the nifti-io cross-checks: nibabel writes fixtures and reads our files.

Usage (always with Debian's /usr/bin/python3, which has python3-nibabel):
  nib_tool.py fixtures OUT_DIR   write one file per case, print a JSON manifest
  nib_tool.py describe FILE RAW  load FILE, write its voxels (Fortran order, little-endian) to RAW,
                                 print shape, dtype, affine, header codes and scaling as JSON
"""
import json
import os
import sys

import numpy as np
import nibabel as nib

DTYPES = {
    'uint8': np.uint8, 'int8': np.int8, 'int16': np.int16, 'uint16': np.uint16,
    'int32': np.int32, 'uint32': np.uint32, 'int64': np.int64, 'float32': np.float32,
    'float64': np.float64, 'complex64': np.complex64, 'complex128': np.complex128,
}
RGB24 = np.dtype([('R', 'u1'), ('G', 'u1'), ('B', 'u1')])


def oblique_affine(rng):
    """An oblique, anisotropic, sometimes left-handed affine: a rotation times spacing plus offset."""
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    if np.linalg.det(q) < 0 and rng.random() < 0.5:
        q[:, 0] = -q[:, 0]
    spacing = rng.uniform(0.4, 3.5, size=3)
    affine = np.eye(4)
    affine[:3, :3] = q * spacing
    affine[:3, 3] = rng.uniform(-150, 150, size=3)
    return affine


def make_data(rng, name, shape):
    if name == 'rgb24':
        flat = rng.integers(0, 256, size=int(np.prod(shape)) * 3, dtype=np.uint8)
        return flat.view(RGB24).reshape(shape, order='F')
    dtype = np.dtype(DTYPES[name])
    if dtype.kind in 'iu':
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    if dtype.kind == 'c':
        return (rng.normal(size=shape) * 100 + 1j * rng.normal(size=shape) * 100).astype(dtype)
    return (rng.normal(size=shape) * 1000).astype(dtype)


def fixtures(out):
    rng = np.random.default_rng(20261126)
    manifest = []
    cases = []
    for name in list(DTYPES) + ['rgb24']:
        cases.append(dict(dtype=name, version=1, endian='<', gz=True, shape=(7, 5, 4)))
    for name in ['int16', 'float32', 'float64', 'uint16', 'int64', 'complex64', 'rgb24']:
        cases.append(dict(dtype=name, version=1, endian='>', gz=False, shape=(6, 5, 3)))
    for name in ['int16', 'float32', 'uint8', 'float64']:
        cases.append(dict(dtype=name, version=2, endian='<', gz=name != 'uint8', shape=(5, 4, 3, 2)))
    cases.append(dict(dtype='float32', version=2, endian='>', gz=True, shape=(4, 3, 5)))
    cases.append(dict(dtype='int16', version=1, endian='<', gz=True, shape=(9, 8, 7), scale=(0.5, -1024.0)))
    cases.append(dict(dtype='uint8', version=1, endian='<', gz=False, shape=(6, 6, 6), qform_only=True))
    cases.append(dict(dtype='float32', version=1, endian='<', gz=False, shape=(3, 4, 5, 6), tr=2.5))
    for index, case in enumerate(cases):
        affine = oblique_affine(rng)
        data = make_data(rng, case['dtype'], case['shape'])
        klass = nib.Nifti1Image if case['version'] == 1 else nib.Nifti2Image
        header_class = nib.Nifti1Header if case['version'] == 1 else nib.Nifti2Header
        header = header_class(endianness=case['endian'])
        img = klass(data, affine, header=header)
        img.set_data_dtype(data.dtype)
        if 'scale' in case:
            img.header.set_slope_inter(*case['scale'])
        if case.get('qform_only'):
            img.set_sform(None, code=0)
            img.set_qform(affine, code=1)
        if 'tr' in case:
            img.header.set_xyzt_units('mm', 'sec')
            zooms = list(img.header.get_zooms())
            zooms[3] = case['tr']
            img.header.set_zooms(zooms)
        name = f"case{index:02d}-{case['dtype']}-v{case['version']}{'be' if case['endian'] == '>' else 'le'}.nii" + ('.gz' if case['gz'] else '')
        path = os.path.join(out, name)
        nib.save(img, path)
        manifest.append(dict(file=name, **{k: v for k, v in case.items() if k != 'shape'}, shape=list(case['shape'])))
    print(json.dumps(manifest))


def describe(path, raw):
    img = nib.load(path)
    hdr = img.header
    dataobj = img.dataobj.get_unscaled()  # stored values, no scaling
    dtype = dataobj.dtype
    if dtype.names:  # rgb24
        flat = dataobj.reshape(-1, order='F').view(np.uint8)
    else:
        flat = dataobj.reshape(-1, order='F').astype(dtype.newbyteorder('<'))
    with open(raw, 'wb') as handle:
        handle.write(flat.tobytes())
    slope, inter = getattr(img.dataobj, "slope", None), getattr(img.dataobj, "inter", None)
    print(json.dumps(dict(
        shape=list(img.shape),
        dtype=str(dtype.newbyteorder('=')) if not dtype.names else 'rgb24',
        affine=img.affine.tolist(),
        sform_code=int(hdr['sform_code']), qform_code=int(hdr['qform_code']),
        slope=None if slope is None else float(slope), inter=None if inter is None else float(inter),
        zooms=[float(z) for z in hdr.get_zooms()],
        version=1 if isinstance(hdr, nib.Nifti1Header) and not isinstance(hdr, nib.Nifti2Header) else 2,
        endian=hdr.endianness,
        descrip=hdr['descrip'].item().decode('latin1'),
        intent=hdr.get_intent()[0],
    )))


if __name__ == '__main__':
    if sys.argv[1] == 'fixtures':
        fixtures(sys.argv[2])
    elif sys.argv[1] == 'describe':
        describe(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
