"""Writes a 512x512x300 CT-like DICOM series (0.7 x 0.7 mm pixels, 2.5 mm apart) for the benchmark."""
import os
import sys

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
series, study = generate_uid(), generate_uid()
rng = np.random.default_rng(3)
yy, xx = np.mgrid[0:512, 0:512]
body = (((xx - 256) / 200) ** 2 + ((yy - 256) / 150) ** 2) < 1
for k in range(300):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.2'
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID, ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPClassUID, ds.file_meta.MediaStorageSOPInstanceUID
    ds.Modality, ds.SeriesInstanceUID, ds.StudyInstanceUID, ds.SeriesNumber = 'CT', series, study, 2
    ds.Rows = ds.Columns = 512
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, 'MONOCHROME2'
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit, ds.PixelRepresentation = 15, 1
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.ImagePositionPatient = [-179.2, -179.2, -375 + 2.5 * k]
    ds.PixelSpacing, ds.SliceThickness = [0.7, 0.7], 2.5
    ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
    pixels = np.where(body, 1064, 24) + rng.integers(0, 30, size=(512, 512))
    ds.PixelData = pixels.astype(np.int16).tobytes()
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(os.path.join(out, f'ct_{k:04d}.dcm'), write_like_original=False)
