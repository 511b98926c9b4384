"""Checks de-identified DICOM files against the planted originals, attribute by attribute, with pydicom.
Usage: check_deidentified.py PLANTED_DIR OUTPUT_DIR OPTIONS_JSON
OPTIONS_JSON: {"dates": "off"|"full"|"modified", "shiftDays": n, "cleanDescriptors": bool,
               "pseudonym": {"patientId", "patientName"} | null, "uidMap": "path to UidMap JSON"}
Outputs are found at OUTPUT_DIR/<sub folder>/<planted basename>. Prints one JSON report:
per table row the expected action, whether it held in every file, and a detail for the first failure;
then whole-file checks (private groups, overlays, meta, method codes, pixels, kept attributes, UIDs).
"""
import datetime
import json
import os
import sys
import warnings

import numpy
import pydicom
from pydicom.tag import Tag

from deid_table import CODE_MEANINGS, expected_action, load_table, tag_of

warnings.filterwarnings('ignore')

ROWS = load_table()
TABLE_TAGS = {tag_of(r) for r in ROWS if tag_of(r) is not None}
OURS = {0x00120062, 0x00120063, 0x00120064}


def text(elem):
    if elem is None:
        return ''
    v = elem.value if hasattr(elem, 'value') else elem
    if v is None:
        return ''
    if isinstance(v, bytes):
        return v.decode('latin1').rstrip('\0 ')
    if isinstance(v, (list, pydicom.multival.MultiValue)):
        return '\\'.join(str(x) for x in v)
    return str(v)


def raw_value(ds, tag):
    elem = ds.get_item(tag)
    return None if elem is None else elem.value


def is_empty(elem):
    if elem.VR == 'SQ':
        return len(elem.value) == 0
    return elem.value in (None, '', b'') or (hasattr(elem.value, '__len__') and len(elem.value) == 0)


def walk(ds, depth=0):
    for elem in ds:
        yield elem, depth
        if elem.VR == 'SQ':
            for item in elem.value:
                yield from walk(item, depth + 1)


def shift(value, days, vr):
    d = datetime.datetime.strptime(value[:8], '%Y%m%d').date() + datetime.timedelta(days=days)
    return d.strftime('%Y%m%d') + (value[8:] if vr == 'DT' else '')


def check_item(item, uid_map, problems, where, pseud):
    """An item of a kept sequence: nested identifiers treated (emptied, or the pseudonym), nested UIDs
    mapped, nothing private."""
    names = ('', pseud['patientName']) if pseud else ('',)
    ids = ('', pseud['patientId']) if pseud else ('',)
    for elem, _d in walk(item):
        if elem.tag.is_private:
            problems.append(f'{where}: private {elem.tag} kept in an item')
    if 'PatientName' in item and text(item['PatientName']) not in names:
        problems.append(f'{where}: nested PatientName not emptied')
    if 'ReferencedSOPInstanceUID' in item:
        v = text(item['ReferencedSOPInstanceUID'])
        if not v.startswith('2.25.') or v not in uid_map['back']:
            problems.append(f'{where}: nested ReferencedSOPInstanceUID not mapped')
    for inner in item.get('ReferencedSeriesSequence', []):
        if text(inner.get('PatientID', '')) not in ids:
            problems.append(f'{where}: depth-2 PatientID not emptied')
        if not text(inner['StudyInstanceUID']) in uid_map['back']:
            problems.append(f'{where}: depth-2 StudyInstanceUID not mapped')
        if 'ZQX' in text(inner.get('InstitutionName', '')):
            problems.append(f'{where}: depth-2 InstitutionName kept')


def check_row(row, pairs, options, uid_map):
    expected = expected_action(row, options)
    tag = tag_of(row)
    vr = row[2]
    problems = []
    for name, orig, out in pairs:
        if tag is None:
            prefix = 0x5000 if row[0].startswith('50') else 0x6000
            left = [e for e, _ in walk(out) if (e.tag.group & 0xFF00) == prefix]
            if left:
                problems.append(f'{name}: {len(left)} elements of group {prefix:04x}-range kept')
            continue
        o = orig.get(tag)
        e = out.get(tag)
        if o is None:
            problems.append(f'{name}: not planted')
            continue
        pseud = options.get('pseudonym')
        if expected == 'X':
            if e is not None:
                problems.append(f'{name}: not removed')
        elif expected == 'Z':
            if e is None:
                problems.append(f'{name}: removed instead of emptied')
            elif pseud and tag in (0x00100010, 0x00100020):
                want = pseud['patientName'] if tag == 0x00100010 else pseud['patientId']
                if text(e) != want:
                    problems.append(f'{name}: pseudonym not written')
            elif not is_empty(e):
                problems.append(f'{name}: not zero length')
        elif expected == 'D':
            if e is None or is_empty(e):
                problems.append(f'{name}: no dummy value')
            elif raw_value(out, tag) == raw_value(orig, tag) or 'ZQX' in text(e):
                problems.append(f'{name}: original value kept')
        elif expected == 'U':
            if e is None:
                problems.append(f'{name}: UID removed')
                continue
            values = text(e).split('\\')
            origs = text(o).split('\\')
            if len(values) != len(origs) or any(uid_map['fwd'].get(a) != b or not b.startswith('2.25.') for a, b in zip(origs, values)):
                problems.append(f'{name}: UID not replaced through the map')
        elif expected == 'K':
            if e is None:
                problems.append(f'{name}: removed instead of kept')
            elif vr == 'SQ':
                if len(e.value) != len(o.value):
                    problems.append(f'{name}: items lost')
            elif raw_value(out, tag) != raw_value(orig, tag):
                problems.append(f'{name}: not byte-identical')
        elif expected == 'SHIFT':
            if e is None or text(e) != shift(text(o), options['shiftDays'], vr):
                problems.append(f'{name}: date not shifted by {options["shiftDays"]} days')
        elif expected == 'CLEAN':
            if e is None or 'ZQX' in text(e).upper() or text(e) not in ('AXIAL', 'AX'):
                problems.append(f'{name}: descriptor not cleaned to its non-identifying words')
        elif expected == 'RECURSE':
            if e is None or len(e.value) != len(o.value):
                problems.append(f'{name}: sequence not kept with its items')
            else:
                for item in e.value:
                    check_item(item, uid_map, problems, f'{name}', pseud)
    return {'tag': row[0], 'keyword': row[1], 'expected': expected, 'ok': not problems, 'detail': problems[:3]}


def whole_file_checks(pairs, options, uid_map):
    out = {}
    codes = {'113100'}
    if options.get('dates') == 'full':
        codes.add('113106')
    if options.get('dates') == 'modified':
        codes.add('113107')
    if options.get('cleanDescriptors'):
        codes.add('113105')
    failures = []
    for name, orig, ds in pairs:
        if any(e.tag.is_private for e, _ in walk(ds)):
            failures.append(f'{name}: private element left')
        if text(ds.get(0x00120062)) != 'YES':
            failures.append(f'{name}: PatientIdentityRemoved not YES')
        got = {text(i.CodeValue) for i in ds.get('DeidentificationMethodCodeSequence', [])}
        if got != codes or any(text(i.CodeMeaning) != CODE_MEANINGS[text(i.CodeValue)] or i.CodingSchemeDesignator != 'DCM' for i in ds.DeidentificationMethodCodeSequence):
            failures.append(f'{name}: method codes {sorted(got)} instead of {sorted(codes)}')
        if not text(ds.get(0x00120063)):
            failures.append(f'{name}: no DeidentificationMethod')
        if ds.file_meta.MediaStorageSOPInstanceUID != ds.SOPInstanceUID:
            failures.append(f'{name}: meta SOP Instance UID differs')
        if raw_value(ds, 0x7FE00010) != raw_value(orig, 0x7FE00010):
            failures.append(f'{name}: pixel data bytes differ')
        if not numpy.array_equal(ds.pixel_array, orig.pixel_array):
            failures.append(f'{name}: pixel_array differs')
        for elem in orig:
            t = int(elem.tag)
            if elem.tag.is_private or t in TABLE_TAGS or t in OURS or elem.tag.element == 0 or (elem.tag.group & 0xFF00) in (0x5000, 0x6000):
                continue
            if elem.VR == 'SQ':
                if t not in ds or len(ds[t].value) != len(elem.value):
                    failures.append(f'{name}: kept sequence {elem.tag} changed')
            elif raw_value(ds, t) != raw_value(orig, t):
                failures.append(f'{name}: attribute {elem.tag} {elem.keyword} not byte-identical')
    out['fileChecks'] = failures[:20]
    out['fileChecksOk'] = not failures
    # UIDs across a series: one study, distinct instances, references to the previous slice mapped.
    groups = {}
    for name, orig, ds in pairs:
        groups.setdefault(os.path.dirname(name), []).append((name, orig, ds))
    uid_failures = []
    for folder, members in groups.items():
        studies = {ds.StudyInstanceUID for _n, _o, ds in members}
        series = {ds.SeriesInstanceUID for _n, _o, ds in members}
        sops = [ds.SOPInstanceUID for _n, _o, ds in members]
        if len(studies) != 1 or len(series) != 1 or len(set(sops)) != len(sops):
            uid_failures.append(f'{folder}: study/series/instance UIDs inconsistent')
        new_of = {o.SOPInstanceUID: ds.SOPInstanceUID for _n, o, ds in members}
        for n, o, ds in members:
            ref_orig = o.ReferencedImageSequence[0].ReferencedSOPInstanceUID
            ref_new = ds.ReferencedImageSequence[0].ReferencedSOPInstanceUID
            if ref_orig in new_of and new_of[ref_orig] != ref_new:
                uid_failures.append(f'{n}: reference not mapped to the referenced instance\'s new UID')
            if uid_map['back'].get(ds.SOPInstanceUID) != o.SOPInstanceUID:
                uid_failures.append(f'{n}: map does not restore the SOP Instance UID')
    out['uidChecks'] = uid_failures
    out['uidChecksOk'] = not uid_failures
    return out


def main():
    planted_dir, output_dir, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    with open(os.path.join(planted_dir, 'planted.json')) as f:
        planted = json.load(f)
    with open(options['uidMap']) as f:
        entries = json.load(f)['entries']
    uid_map = {'fwd': dict(entries), 'back': {b: a for a, b in entries}}
    pairs = []
    for path in planted['files']:
        rel = os.path.relpath(path, planted_dir)
        pairs.append((rel, pydicom.dcmread(path), pydicom.dcmread(os.path.join(output_dir, rel))))
    report = {'attributes': [check_row(r, pairs, options, uid_map) for r in ROWS]}
    report.update(whole_file_checks(pairs, options, uid_map))
    print(json.dumps(report))


if __name__ == '__main__':
    main()
