"""Reads the de-identification action table from src/deidentify/profile-table.ts (one row per line)."""
import ast
import os

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, '..', '..', 'src', 'deidentify', 'profile-table.ts')


def load_table(path=TABLE):
    rows = []
    inside = False
    with open(path, encoding='utf-8') as f:
        for line in f:
            if 'TABLE-START' in line:
                inside = True
                continue
            if 'TABLE-END' in line:
                break
            if inside and line.strip().startswith('['):
                rows.append(tuple(ast.literal_eval(line.strip().rstrip(','))))
    return rows


def tag_of(row):
    """The int tag of an exact row, or None for the repeating-group rows (50xx, 60xx)."""
    return None if 'x' in row[0] else int(row[0], 16)


CODE_MEANINGS = {
    '113100': 'Basic Application Confidentiality Profile',
    '113105': 'Clean Descriptors Option',
    '113106': 'Retain Longitudinal Temporal Information Full Dates Option',
    '113107': 'Retain Longitudinal Temporal Information Modified Dates Option',
}


def expected_action(row, options):
    """The action the profile asks for an attribute under the options, as the checker reads the standard."""
    _tag, _kw, vr, basic, full, modified, clean = row
    dates = options.get('dates', 'off')
    if dates == 'full' and full == 'K':
        return 'K'
    if dates == 'modified' and modified == 'C':
        return 'SHIFT' if vr in ('DA', 'DT') else 'K'
    if options.get('cleanDescriptors') and clean == 'C':
        return 'RECURSE' if vr == 'SQ' else 'CLEAN'
    if basic == 'X':
        return 'X'
    if basic in ('Z', 'X/Z'):
        return 'Z'
    if 'D' in basic:
        return 'Z' if vr == 'SQ' else 'D'
    if basic == 'U':
        return 'U'
    if basic == 'X/Z/U*':
        return 'RECURSE' if vr == 'SQ' else 'Z'
    return 'K'
