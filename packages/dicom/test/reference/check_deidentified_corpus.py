"""Checks de-identified copies of arbitrary real DICOM files with pydicom: readable, Pixel Data bytes identical,
no private element left at any depth, Patient Identity Removed YES, meta SOP Instance UID consistent, and
every top-level attribute the table does not list kept byte for byte.
Usage: check_deidentified_corpus.py PAIRS_JSON ([[original, output], ...]). Prints {name: [problems]}."""
import json
import sys
import warnings

import pydicom

from deid_table import load_table, tag_of

TABLE_TAGS = {tag_of(r) for r in load_table() if tag_of(r) is not None}
OURS = {0x00120062, 0x00120063, 0x00120064}

warnings.filterwarnings('ignore')


def walk(ds):
    for elem in ds:
        yield elem
        if elem.VR == 'SQ':
            for item in elem.value:
                yield from walk(item)


def main():
    with open(sys.argv[1]) as f:
        pairs = json.load(f)
    out = {}
    for original, output in pairs:
        problems = []
        try:
            a = pydicom.dcmread(original, force=True)
            b = pydicom.dcmread(output)
            pa = a.get_item(0x7FE00010)
            pb = b.get_item(0x7FE00010)
            if (pa is None) != (pb is None) or (pa is not None and pa.value != pb.value):
                problems.append('pixel data bytes differ')
            if any(e.tag.is_private for e in walk(b)):
                problems.append('private element left')
            if b.get('PatientIdentityRemoved') != 'YES':
                problems.append('PatientIdentityRemoved not YES')
            if 'SOPInstanceUID' in b and b.file_meta.MediaStorageSOPInstanceUID != b.SOPInstanceUID:
                problems.append('meta SOP Instance UID differs')
            if 'PatientName' in b and str(b.PatientName) != '':
                problems.append('PatientName kept')
            for elem in a:
                t = int(elem.tag)
                if elem.tag.is_private or t in TABLE_TAGS or t in OURS or elem.tag.element == 0 or (elem.tag.group & 0xFF00) in (0x5000, 0x6000) or elem.VR == 'SQ':
                    continue
                kept = b.get_item(t)
                if kept is None or kept.value != a.get_item(t).value:
                    problems.append(f'{elem.tag} {elem.keyword} not kept byte for byte')
        except Exception as error:  # a reader failure is a finding, reported by name
            problems.append(f'pydicom: {type(error).__name__}: {error}')
        out[original.rsplit('/', 1)[-1]] = problems
    print(json.dumps(out))


if __name__ == '__main__':
    main()
