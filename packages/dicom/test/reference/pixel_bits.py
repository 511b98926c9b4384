"""pixel_bits.py OUT: writes single-slice DICOM files whose stored values need masking, sign extension or a byte
swap (Bits Stored < Bits Allocated with garbage in the unused high bits, big-endian explicit VR, 8-bit), and prints
a JSON manifest of the expected values. pydicom 2.3's pixel_array reinterprets the raw words without masking the
bits above High Bit, so the expected values are its raw array masked to Bits Stored and sign-extended with numpy,
as PS3.5 section 8.1.1 defines a pixel value (the bits outside are not part of it)."""
import json, os, sys
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, ExplicitVRBigEndian, generate_uid

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
cases = [
    ('s16_12', 16, 12, 1, ExplicitVRLittleEndian),
    ('u16_12', 16, 12, 0, ExplicitVRLittleEndian),
    ('s16_16_be', 16, 16, 1, ExplicitVRBigEndian),
    ('s16_10_be', 16, 10, 1, ExplicitVRBigEndian),
    ('u8_8', 8, 8, 0, ExplicitVRLittleEndian),
    ('s8_6', 8, 6, 1, ExplicitVRLittleEndian),
]
manifest = []
for name, allocated, stored, signed, syntax in cases:
    rows, cols = 7, 9
    raw = rng.integers(0, 1 << allocated, size=(rows, cols), dtype=np.uint64).astype(np.uint16 if allocated == 16 else np.uint8)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.4'
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = syntax
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = 'MR'
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.ImagePositionPatient = [0, 0, 0]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [1, 1]
    ds.SliceThickness = 1
    ds.Rows, ds.Columns = rows, cols
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = allocated, stored, stored - 1, signed
    little = syntax == ExplicitVRLittleEndian
    ds.PixelData = raw.astype(raw.dtype.newbyteorder('<' if little else '>')).tobytes()
    path = os.path.join(out, name + '.dcm')
    ds.is_implicit_VR = False
    ds.is_little_endian = little
    ds.save_as(path, write_like_original=False)
    words = pydicom.dcmread(path).pixel_array.astype(np.int64) & ((1 << stored) - 1)
    expected = np.where(words >= (1 << (stored - 1)), words - (1 << stored), words) if signed else words
    manifest.append({'file': path, 'values': expected.astype(np.int64).flatten(order='C').tolist()})
print(json.dumps(manifest))
