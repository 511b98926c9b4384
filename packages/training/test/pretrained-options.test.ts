import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import {
  catalogCommand,
  checkPretrainedOptions,
  parseToolProgress,
  pretrainedKindOf,
  zooChecksum,
  type DownloadPretrainedOptions,
} from '../src/index.js';

const base: DownloadPretrainedOptions = {
  catalog: 'ngc',
  name: 'nvidia/med/clara_pt_spleen_ct_segmentation',
  version: '1',
  destDir: '/scratch/ana/pretrained/',
};

describe('checkPretrainedOptions', () => {
  it('names the folder NAME_vVERSION for both catalogs, and the one the tool writes', () => {
    expect(checkPretrainedOptions(base)).toMatchObject({
      destDir: '/scratch/ana/pretrained',
      folder: 'clara_pt_spleen_ct_segmentation_v1',
      toolFolder: 'clara_pt_spleen_ct_segmentation_v1',
      tool: 'ngc',
      read: 'text',
    });
    expect(checkPretrainedOptions({ catalog: 'monai-zoo', name: 'spleen_ct_segmentation', version: '0.5.4', destDir: '/b' })).toMatchObject(
      {
        folder: 'spleen_ct_segmentation_v0.5.4',
        toolFolder: 'spleen_ct_segmentation',
        tool: 'python',
      },
    );
    expect(checkPretrainedOptions({ ...base, name: 'clara_pt_spleen_ct_segmentation' }).folder).toBe('clara_pt_spleen_ct_segmentation_v1');
  });

  it('refuses zoo names with a slash, keys for the zoo, and a bad read or poll interval', () => {
    const zoo = { catalog: 'monai-zoo', name: 'spleen_ct_segmentation', version: '0.5.4', destDir: '/b' } as const;
    for (const bad of [{ name: 'org/spleen' }, { ngcApiKey: 'k' }, { read: 'weights' }, { pollIntervalMs: 0 }, { catalog: 'hf' }]) {
      expect(() => checkPretrainedOptions({ ...zoo, ...bad } as DownloadPretrainedOptions)).toThrow(
        expect.objectContaining({ code: 'TRAINING_INVALID_OPTIONS' }),
      );
    }
  });

  it('never puts the key into an error', () => {
    const key = 'nvapi-line1\nline2';
    let caught: unknown;
    try {
      checkPretrainedOptions({ ...base, ngcApiKey: key });
    } catch (error) {
      caught = error;
    }
    expect(isMedaasError(caught, 'TRAINING_INVALID_OPTIONS')).toBe(true);
    expect(JSON.stringify(caught) + String((caught as Error).message)).not.toContain('nvapi');
  });

  it('property: any name and version is refused or gives one folder name of safe characters inside destDir', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 12 }),
        fc.constantFrom('ngc' as const, 'monai-zoo' as const),
        (name, version, catalog) => {
          let plan;
          try {
            plan = checkPretrainedOptions({ catalog, name, version, destDir: '/d' });
          } catch (error) {
            expect(isMedaasError(error, 'TRAINING_INVALID_OPTIONS')).toBe(true);
            return;
          }
          expect(plan.folder).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/);
          expect(plan.folder).not.toBe('..');
          expect(plan.name.split('/')).not.toContain('..');
          for (const arg of catalogCommand(plan, '/d/.t/dl')) expect(arg).not.toMatch(/[\s;$`'"\\|&<>()*?]/);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('catalogCommand', () => {
  it("is the catalogs' own command lines", () => {
    expect(catalogCommand(checkPretrainedOptions(base), '/s/dl')).toEqual([
      'ngc',
      'registry',
      'model',
      'download-version',
      'nvidia/med/clara_pt_spleen_ct_segmentation:1',
      '--dest',
      '/s/dl',
    ]);
    const zoo = checkPretrainedOptions({
      catalog: 'monai-zoo',
      name: 'spleen_ct_segmentation',
      version: '0.5.4',
      destDir: '/b',
      tool: '/opt/conda/bin/python',
    });
    expect(catalogCommand(zoo, '/b/dl')).toEqual([
      '/opt/conda/bin/python',
      '-m',
      'monai.bundle',
      'download',
      '--name',
      'spleen_ct_segmentation',
      '--version',
      '0.5.4',
      '--bundle_dir',
      '/b/dl',
    ]);
  });
});

describe('parseToolProgress', () => {
  it('reads tqdm (MONAI), rich (newer NGC CLIs) and the NGC summary, and not rates, dates or file counts', () => {
    expect(parseToolProgress('spleen_ct_segmentation_v0.5.4.zip:  45%|####5     | 12.8M/28.5M [00:02<00:03, 5.1MB/s]')).toEqual({
      loaded: Math.round(12.8 * 1024 ** 2),
      total: Math.round(28.5 * 1024 ** 2),
    });
    expect(parseToolProgress('⠙ ━━━━━━━━━━━━━━━━ • 1.2/20.6 MiB • Remaining: 0:00:05 • 4.1 MB/s')).toEqual({
      loaded: Math.round(1.2 * 1024 ** 2),
      total: Math.round(20.6 * 1024 ** 2),
    });
    expect(parseToolProgress('Downloading config/config_train.json  3.50/100.25 KiB')).toEqual({
      loaded: 3584,
      total: Math.round(100.25 * 1024),
    });
    expect(parseToolProgress('Downloaded 85.32 MB in 4m 29s, Download speed: 324.34 KB/s')).toEqual({
      loaded: Math.round(85.32 * 1024 ** 2),
      total: Math.round(85.32 * 1024 ** 2),
    });
    expect(parseToolProgress('x.zip: 100%|##########| 300k/300k [00:01<00:00, 210kB/s]')).toEqual({
      loaded: 300 * 1024,
      total: 300 * 1024,
    });
    for (const none of [
      'Total files downloaded: 7',
      'Started at: 2021/02/22 06:48',
      'speed 5.1MB/s',
      '1/7 files',
      'Downloaded local path: /a/b',
      '',
    ])
      expect(parseToolProgress(none)).toBeUndefined();
  });

  it('property: any line parses without throwing, to finite non-negative byte counts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (line) => {
        const progress = parseToolProgress(line);
        if (progress === undefined) return;
        expect(Number.isFinite(progress.loaded) && progress.loaded >= 0).toBe(true);
        if (progress.total !== undefined) expect(Number.isFinite(progress.total) && progress.total >= 0).toBe(true);
      }),
    );
  });
});

describe('zooChecksum and pretrainedKindOf', () => {
  it("reads both forms of the zoo's model_info.json", () => {
    const info = {
      'spleen_ct_segmentation_v0.5.4': {
        version: '0.5.4',
        hash_val: 'A'.repeat(32),
        hash_type: 'md5',
        source: 'https://example.invalid/x.zip',
      },
      'spleen_ct_segmentation_v0.5.5': { hash_val: 'b'.repeat(32) },
      'spleen_ct_segmentation_v0.1.0': { checksum: 'c'.repeat(40), source: 'https://example.invalid/y.zip' },
      'spleen_ct_segmentation_v0.1.1': { hash_val: 'd'.repeat(64), hash_type: 'crc32' },
    };
    expect(zooChecksum(info, 'spleen_ct_segmentation', '0.5.4')).toEqual({ algorithm: 'md5', value: 'a'.repeat(32) });
    expect(zooChecksum(info, 'spleen_ct_segmentation', '0.5.5')).toEqual({ algorithm: 'md5', value: 'b'.repeat(32) });
    expect(zooChecksum(info, 'spleen_ct_segmentation', '0.1.0')).toEqual({ algorithm: 'sha1', value: 'c'.repeat(40) });
    expect(zooChecksum(info, 'spleen_ct_segmentation', '0.1.1')).toBeUndefined();
    expect(zooChecksum(info, 'spleen_ct_segmentation', '9.9.9')).toBeUndefined();
    expect(zooChecksum(null, 'x', '1')).toBeUndefined();
  });

  it('tells an MMAR from a bundle by its files', () => {
    expect(pretrainedKindOf(['config/config_train.json', 'models/model.pt'])).toBe('mmar');
    expect(pretrainedKindOf(['config/environment.json'])).toBe('mmar');
    expect(pretrainedKindOf(['configs/metadata.json', 'configs/train.json'])).toBe('bundle');
    expect(pretrainedKindOf(['models/model.pt', 'docs/README.md'])).toBeUndefined();
  });
});
