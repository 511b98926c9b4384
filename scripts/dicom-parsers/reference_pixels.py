"""Reference pixel values for the DICOM parser comparison (docs/adr/0004-dicom-package.md).

For each file given: its transfer syntax and image attributes, and the stored pixel values of every frame as
little-endian int32 in OUT/<index>.bin. pydicom decodes uncompressed, deflate and RLE itself and JPEG
baseline / JPEG 2000 through Pillow; JPEG extended, JPEG lossless and JPEG-LS, which Pillow cannot decode, are first
decompressed to explicit little endian with dcmtk (dcmdjpeg, dcmdjpls). Usage: reference_pixels.py OUT FILE...
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pydicom

# dcmdjpeg also decodes JPEG extended (12-bit), which Pillow does not.
JPEG_LOSSLESS = {'1.2.840.10008.1.2.4.51', '1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70'}
JPEG_LS = {'1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81'}


def pixels(path, ts):
    if ts in JPEG_LOSSLESS or ts in JPEG_LS:
        tool = 'dcmdjpeg' if ts in JPEG_LOSSLESS else 'dcmdjpls'
        with tempfile.TemporaryDirectory() as tmp:
            plain = os.path.join(tmp, 'plain.dcm')
            subprocess.run([tool, path, plain], check=True, capture_output=True)
            return pydicom.dcmread(plain).pixel_array, tool
    return pydicom.dcmread(path).pixel_array, 'pydicom'


def main():
    out, files = sys.argv[1], sys.argv[2:]
    os.makedirs(out, exist_ok=True)
    report = []
    for i, path in enumerate(files):
        ds = pydicom.dcmread(path)
        ts = str(ds.file_meta.TransferSyntaxUID)
        entry = {
            'file': path,
            'transferSyntax': ts,
            'transferSyntaxName': pydicom.uid.UID(ts).name,
            'rows': int(ds.Rows),
            'columns': int(ds.Columns),
            'frames': int(getattr(ds, 'NumberOfFrames', 1) or 1),
            'bitsAllocated': int(ds.BitsAllocated),
            'samples': int(ds.SamplesPerPixel),
        }
        try:
            array, decoder = pixels(path, ts)
            np.ascontiguousarray(array, dtype='<i4').tofile(os.path.join(out, f'{i}.bin'))
            entry.update({'decoder': decoder, 'count': int(array.size)})
        except Exception as error:  # a file no reference decoder reads stays out of the comparison
            entry['referenceError'] = str(error)
        report.append(entry)
    json.dump(report, sys.stdout, indent=1)


main()
