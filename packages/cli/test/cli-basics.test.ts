import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spherePhantom } from '@medaas/aiaa-testkit';
import { writeNiftiFile } from '@medaas/nifti-io/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, medaas } from './helpers/run-medaas.js';

let work: string;
beforeAll(async () => {
  await buildCli();
  work = await mkdtemp(join(tmpdir(), 'medaas-cli-basics-'));
}, 620_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('help and exit codes', () => {
  it('medaas --help lists every command and the exit codes, on stdout, exit 0', async () => {
    const { code, stdout, stderr } = await medaas(['--help']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const command of [
      'dicom convert',
      'nifti info',
      'nifti convert',
      'server start',
      'annotate segment',
      'annotate deepgrow',
      'annotate dextr3d',
      'upload',
      'dataset split',
      'mmar validate',
      'mmar edit',
      'train',
    ]) {
      expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    expect(stdout).toMatch(/^ {2}130 +interrupted by Ctrl-C/m);
  });

  it('every command answers --help with its usage and options, exit 0', async () => {
    const commands = [...(await medaas(['--help'])).stdout.matchAll(/^ {2}([a-z]+(?: [a-z0-9]+)?) {2,}/gm)].map((m) => m[1]!.split(' '));
    expect(commands.length).toBe(12);
    for (const words of commands) {
      const { code, stdout, stderr } = await medaas([...words, '--help']);
      expect({ words, code, stderr }).toEqual({ words, code: 0, stderr: '' });
      expect(stdout).toContain(`usage: medaas ${words.join(' ')}`);
      expect(stdout).toContain('--json');
    }
  }, 120_000);

  it('no command: the help on stderr, exit 2; a group alone lists its commands', async () => {
    const bare = await medaas([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('usage: medaas <command>');
    const group = await medaas(['annotate', '--help']);
    expect(group.code).toBe(0);
    expect(group.stdout).toContain('annotate dextr3d');
  });

  it('an unknown command or flag is one line on stderr, exit 2, without a stack', async () => {
    const unknown = await medaas(['nifti', 'inspect', 'x.nii']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('medaas: CLI_USAGE: unknown command "nifti inspect" (see medaas --help)\n');
    const flag = await medaas(['nifti', 'info', 'x.nii', '--colour']);
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim().split('\n')).toEqual(["medaas: CLI_USAGE: Unknown option '--colour' (see medaas nifti info --help)"]);
    const value = await medaas(['nifti', 'convert', 'x.nii', '--out', 'y.nii', '--spacing', 'one']);
    expect(value.code).toBe(2);
  });

  it('a missing input: its code and message in one line, exit 1; --verbose adds the stack; --json an error document', async () => {
    const missing = join(work, 'absent.nii.gz');
    const plain = await medaas(['nifti', 'info', missing]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe(`medaas: CLI_INPUT_NOT_FOUND: ${missing}: no such file\n`);
    const verbose = await medaas(['nifti', 'info', missing, '--verbose']);
    expect(verbose.stderr).toContain('    at ');
    const json = await medaas(['nifti', 'info', missing, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      error: { code: 'CLI_INPUT_NOT_FOUND', message: `${missing}: no such file`, details: { path: missing } },
    });
  });

  it('--version prints the package version', async () => {
    const { code, stdout } = await medaas(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('option values from flags, the environment and a config file', () => {
  it('a bad config file is a usage error naming it; an unknown key in a command section too', async () => {
    const broken = join(work, 'broken.json');
    await writeFile(broken, '{ "spacing": ');
    const notJson = await medaas(['nifti', 'info', broken, '--config', broken]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(new RegExp(`^medaas: CLI_CONFIG: the config file ${broken} is not JSON`));
    const typo = join(work, 'typo.json');
    await writeFile(typo, JSON.stringify({ 'nifti convert': { spaicng: 2 } }));
    const wrongKey = await medaas(['nifti', 'convert', 'x.nii', '--out', 'y.nii', '--config', typo]);
    expect(wrongKey.code).toBe(2);
    expect(wrongKey.stderr).toContain('sets "spaicng", which is not an option of that command');
    const missing = await medaas(['nifti', 'info', 'x.nii'], { env: { MEDAAS_CONFIG: join(work, 'none.json') } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('CLI_CONFIG: cannot read the config file');
  });

  it('flags win over MEDAAS_* variables, which win over the config file; a command section over its top level', async () => {
    const image = join(work, 'phantom.nii.gz');
    await writeNiftiFile(image, spherePhantom().volume);
    const config = join(work, 'medaas.config.json');
    await writeFile(config, JSON.stringify({ spacing: 5, 'nifti convert': { spacing: 3 } }));
    const spacingOf = async (out: string): Promise<number> =>
      (JSON.parse((await medaas(['nifti', 'info', out, '--json'])).stdout) as { spacingMm: number[] }).spacingMm[0]!;
    // The config file in the working folder is found without --config.
    expect((await medaas(['nifti', 'convert', image, '--out', 'c.nii.gz'], { cwd: work })).code).toBe(0);
    expect(await spacingOf(join(work, 'c.nii.gz'))).toBeCloseTo(3, 4);
    expect((await medaas(['nifti', 'convert', image, '--out', 'e.nii.gz'], { cwd: work, env: { MEDAAS_SPACING: '4' } })).code).toBe(0);
    expect(await spacingOf(join(work, 'e.nii.gz'))).toBeCloseTo(4, 4);
    expect(
      (await medaas(['nifti', 'convert', image, '--out', 'f.nii.gz', '--spacing', '2'], { cwd: work, env: { MEDAAS_SPACING: '4' } })).code,
    ).toBe(0);
    expect(await spacingOf(join(work, 'f.nii.gz'))).toBeCloseTo(2, 4);
    await rm(config);
  }, 120_000);

  it('a boolean environment value that is not one is refused', async () => {
    const result = await medaas(['dicom', 'convert', work, '--out', join(work, 'o')], { env: { MEDAAS_SKIP_BAD: 'sometimes' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('MEDAAS_SKIP_BAD must be 1, true, yes, 0, false or no');
  });
});
