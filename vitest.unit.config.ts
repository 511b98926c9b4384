import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `npm run test:unit`: the tests that need no root, no build and nothing outside Node: no sshd, Slurm or
// PBS, no Orthanc, no browser, no Debian packages (nibabel, pydicom, dcm2niix, openssl, mricron-data, ...)
// and so no scripts/setup-test-env.sh. They run against loopback servers of our own (the testkit, recording
// servers) and files they write themselves. The list is explicit: a new test file is in `npm test` at once and
// joins this list when it is known to need nothing else; every other file of a package needs a service, a
// reference tool or a build.
const unit = [
  ...['cancellation', 'errors', 'progress-logger', 'readme'].map((name) => `packages/core/test/${name}.test.ts`),
  ...['datalist', 'node', 'pairing', 'readme', 'split'].map((name) => `packages/dataset/test/${name}.test.ts`),
  ...[
    'admin',
    'client',
    'faults',
    'hardening',
    'headers',
    'hostile-replies',
    'interactive',
    'monai-label-auth',
    'monai-label-faults',
    'monai-label-fixtures',
    'multipart',
    'points-bounds',
    'readme',
    'readme-monai-label',
    'redirect-web',
    'testkit-readme',
  ].map((name) => `packages/aiaa-client/test/${name}.test.ts`),
  ...[
    'fit-admin',
    'hostile-admin',
    'hostile-fixpolygon',
    'hostile-paths',
    'hostile-refusals',
    'hostile-uploads',
    'monai-label-bundles',
    'polygons-raster',
    'socket',
    'tasks-queue',
    'typed-errors',
  ].map((name) => `packages/aiaa-testkit/test/${name}.test.ts`),
  'packages/cli/test/progress-view.test.ts',
  ...['job-directives', 'shell'].map((name) => `packages/cluster-ssh/test/${name}.test.ts`),
  ...['dicomweb-multipart', 'folder-bad-files'].map((name) => `packages/dicom/test/${name}.test.ts`),
  ...[
    'bundle-command',
    'bundle-edits',
    'bundle-hostile',
    'bundle-readme',
    'bundle-validate',
    'commands',
    'configs',
    'edits',
    'generations',
    'json-edit',
    'json-syntax',
    'node',
    'readme',
    'validate',
    'variables',
  ].map((name) => `packages/mmar/test/${name}.test.ts`),
  ...['decode-limits', 'deidentify', 'hostile-input', 'masks', 'memory', 'readme', 'resample-engine-option', 'web-codec'].map(
    (name) => `packages/nifti-io/test/${name}.test.ts`,
  ),
  ...['log-events', 'pretrained-options', 'training-script'].map((name) => `packages/training/test/${name}.test.ts`),
];

// What a test reaches for when it needs more than Node. A listed file that (itself or through a relative
// import) mentions one of these is refused here, so the list cannot drift into setting up services.
const needsMore = new RegExp(
  [
    'setup-test-env',
    'scripts/services',
    'startSshd',
    'playwright',
    'chromium',
    '/usr/bin/python3',
    'mricron',
    'pydicom',
    'nibabel',
    'dcm2niix',
    'dciodvfy',
    'Orthanc',
    '/dist/',
    "(?:execFile|execFileSync|spawn|spawnSync)\\(\\s*'(?:python3?|openssl|ssh-keygen|curl|sudo|runuser)'",
  ].join('|'),
);

function refuseMore(file: string, seen = new Set<string>()): void {
  if (seen.has(file)) return;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  const found = needsMore.exec(text);
  if (found) throw new Error(`vitest.unit.config.ts: ${file} mentions ${found[0]}: it is not a unit test`);
  for (const [, spec] of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
    const target = resolve(dirname(file), spec!.replace(/\.js$/, '.ts'));
    // Sources under test are the product, not the test's environment.
    if (target.includes('/test/')) refuseMore(target, seen);
  }
}

const root = dirname(new URL(import.meta.url).pathname);
for (const file of unit) refuseMore(resolve(root, file));

export default defineConfig({
  ...base,
  test: { ...base.test, include: unit },
});
