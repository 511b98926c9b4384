import { describe, expect, it } from 'vitest';
import { pairImagesWithLabels } from '@medaas/dataset';

describe('pairImagesWithLabels', () => {
  it('pairs the MSD layout by file name and reports what it could not pair', () => {
    const images = [
      'imagesTr/spleen_2.nii.gz',
      'imagesTr/spleen_10.nii.gz',
      'imagesTr/spleen_3.nii.gz',
      'imagesTr/._spleen_2.nii.gz',
      'imagesTr/notes.txt',
    ];
    const labels = ['labelsTr/spleen_2.nii.gz', 'labelsTr/spleen_10.nii.gz', 'labelsTr/spleen_99.nii.gz'];
    const { pairs, findings } = pairImagesWithLabels(images, labels);
    expect(pairs).toEqual([
      { case: 'spleen_10', image: 'imagesTr/spleen_10.nii.gz', label: 'labelsTr/spleen_10.nii.gz' },
      { case: 'spleen_2', image: 'imagesTr/spleen_2.nii.gz', label: 'labelsTr/spleen_2.nii.gz' },
    ]);
    expect(findings.map((f) => [f.code, f.path])).toEqual([
      ['IGNORED_FILE', 'imagesTr/._spleen_2.nii.gz'],
      ['UNRECOGNISED_FILE', 'imagesTr/notes.txt'],
      ['UNPAIRED_IMAGE', 'imagesTr/spleen_3.nii.gz'],
      ['UNPAIRED_LABEL', 'labelsTr/spleen_99.nii.gz'],
    ]);
    expect(findings.find((f) => f.code === 'UNRECOGNISED_FILE')?.message).toMatch(/unknown extension/);
  });

  it('reports two images for one case as duplicates and pairs neither', () => {
    const { pairs, findings } = pairImagesWithLabels(
      ['imagesTr/a.nii.gz', 'imagesTr/a.nii', 'imagesTr/b_0000.nii.gz'],
      ['labelsTr/a.nii.gz', 'labelsTr/b.nii.gz'],
    );
    expect(pairs).toEqual([{ case: 'b', image: 'imagesTr/b_0000.nii.gz', label: 'labelsTr/b.nii.gz' }]);
    expect(findings.map((f) => [f.code, f.path, f.case])).toEqual([
      ['DUPLICATE_IMAGE', 'imagesTr/a.nii', 'a'],
      ['DUPLICATE_IMAGE', 'imagesTr/a.nii.gz', 'a'],
      ['UNPAIRED_LABEL', 'labelsTr/a.nii.gz', 'a'],
    ]);
  });

  it('pairs by a naming rule, also when images and labels share a folder', () => {
    const files = [
      'cases/p01_ct.nii.gz',
      'cases/p01_seg.nii.gz',
      'cases/p02_ct.nii.gz',
      'cases/p02_seg.nii.gz',
      'cases/p03_seg.nii.gz',
      'cases/p04_pet.nii.gz',
    ];
    const rule = { image: /^(?<case>p\d+)_ct\.nii\.gz$/, label: /^(p\d+)_seg\.nii\.gz$/ };
    const { pairs, findings } = pairImagesWithLabels(files, files, { rule });
    expect(pairs.map((p) => [p.case, p.image, p.label])).toEqual([
      ['p01', 'cases/p01_ct.nii.gz', 'cases/p01_seg.nii.gz'],
      ['p02', 'cases/p02_ct.nii.gz', 'cases/p02_seg.nii.gz'],
    ]);
    expect(findings.map((f) => [f.code, f.path])).toEqual([
      ['UNPAIRED_LABEL', 'cases/p03_seg.nii.gz'],
      ['UNRECOGNISED_FILE', 'cases/p04_pet.nii.gz'],
    ]);
  });

  it('returns no pairs and no findings for empty input', () => {
    expect(pairImagesWithLabels([], [])).toEqual({ pairs: [], findings: [] });
  });
});
