"""Writes a synthetic CT series with valid UIDs: a water cylinder with bone, air and soft-tissue inserts.

    /usr/bin/python3 make_ct_series.py OUT_DIR N [--seed TEXT]

N slices of 512x512 signed 16-bit pixels (stored values = HU + 1024, RescaleIntercept -1024), 0.7 mm pixels,
1.25 mm slices, axial, one study and one series. UIDs are 2.25 UIDs derived from the seed (deterministic:
the same seed gives the same UIDs), so benchmarks and tests know them in advance. Prints a JSON line
{"studyUid", "seriesUid", "files", "bytes"}.
"""
import argparse
import hashlib
import json
import os

import numpy as np
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID


def uid(seed, role):
    return "2.25." + str(int(hashlib.sha256(f"{seed}/{role}".encode()).hexdigest()[:32], 16))


def phantom(size, z, slices):
    """HU of one axial slice: air outside a 320 mm water cylinder with a cortical-bone ring and inserts."""
    spacing = 0.7
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    r = np.hypot(x - size / 2, y - size / 2) * spacing
    hu = np.full((size, size), -1000.0, dtype=np.float32)
    hu[r < 160] = 0.0  # water
    hu[(r >= 150) & (r < 160)] = 1200.0  # cortical bone shell
    inserts = [(-70, 0, 20, -800.0), (70, 0, 20, 60.0), (0, -70, 15, 400.0), (0, 70, 25, -100.0)]
    for dx, dy, radius, value in inserts:
        # Inserts taper along z so the volume is not a stack of identical slices.
        rz = radius * (0.6 + 0.4 * np.cos(np.pi * (z / max(1, slices - 1) - 0.5)))
        d = np.hypot(x - size / 2 - dx / spacing, y - size / 2 - dy / spacing) * spacing
        hu[d < rz] = value
    rng = np.random.default_rng(z)
    hu += rng.normal(0, 8, hu.shape).astype(np.float32) * (hu > -900)  # quantum noise inside the body
    return np.clip(np.rint(hu), -1024, 3071).astype(np.int16)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", default="medaas-bench-ct")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    seed, size = args.seed, 512
    study, series, frame = uid(seed, "study"), uid(seed, "series"), uid(seed, "frame-of-reference")
    files, total = [], 0
    for i in range(args.n):
        sop = uid(seed, f"instance/{i + 1}")
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = sop
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
        path = os.path.join(args.out, f"ct_{i + 1:04d}.dcm")
        ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
        ds.is_little_endian, ds.is_implicit_VR = True, False
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, sop
        ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20240115"
        ds.StudyTime = ds.SeriesTime = "101500"
        ds.ContentTime = f"1015{i % 60:02d}"
        ds.AccessionNumber = "BENCH0001"
        ds.Modality = "CT"
        ds.Manufacturer = "medaas phantom"
        ds.ReferringPhysicianName = ""
        ds.StudyDescription = "CT phantom"
        ds.SeriesDescription = "Phantom 1.25 mm"
        ds.PatientName = "Phantom^CT"
        ds.PatientID = "PHANTOM-CT"
        ds.PatientBirthDate = ""
        ds.PatientSex = "O"
        ds.BodyPartExamined = "CHEST"
        ds.SliceThickness = "1.25"
        ds.KVP = "120"
        ds.ConvolutionKernel = "STANDARD"
        ds.PatientPosition = "HFS"
        ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
        ds.StudyID = "1"
        ds.SeriesNumber = 2
        ds.AcquisitionNumber = 1
        ds.InstanceNumber = i + 1
        ds.ImagePositionPatient = [-179.15, -179.15, -i * 1.25]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PositionReferenceIndicator = ""
        ds.SliceLocation = f"{-i * 1.25:.2f}"
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows = ds.Columns = size
        ds.PixelSpacing = [0.7, 0.7]
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
        ds.PixelRepresentation = 1
        ds.WindowCenter, ds.WindowWidth = "40", "400"
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = "-1024", "1", "HU"
        ds.PixelData = (phantom(size, i, args.n).astype(np.int32) + 1024).astype(np.int16).tobytes()
        ds.save_as(path, write_like_original=False)
        files.append(path)
        total += os.path.getsize(path)
    print(json.dumps({"studyUid": study, "seriesUid": series, "files": len(files), "bytes": total}))


if __name__ == "__main__":
    main()
