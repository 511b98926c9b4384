// Checks the package dependency DAG of docs/architecture: every @medaas leaf depends on @medaas/core
// only, except the edges listed here (each one has an ADR); apps may depend on anything.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ALLOWED = {
  '@medaas/core': [],
  // The testkit's MONAI Label face takes DICOM series sessions, as MONAI Label does (docs/adr/0004-dicom-package.md).
  '@medaas/aiaa-testkit': ['@medaas/core', '@medaas/nifti-io', '@medaas/dicom'],
  // docs/adr/0004-dicom-package.md: dicom builds volumes of nifti-io. nifti-io's optional peer on dicom backs
  // the deprecated DICOM forwarders for one release and goes with them.
  '@medaas/dicom': ['@medaas/core', '@medaas/nifti-io'],
  '@medaas/nifti-io': ['@medaas/core', '@medaas/dicom'],
  // docs/adr/0103-mmar-uses-dataset.md: an MMAR's data list is checked by the package that owns data lists.
  '@medaas/mmar': ['@medaas/core', '@medaas/dataset'],
  // docs/adr/0201-training-package.md, docs/adr/0202-training-reads-model-archives.md
  // docs/adr/0401-cli-package.md: the command line sits on top of every package, on their public API only.
  '@medaas/cli': [
    '@medaas/core',
    '@medaas/nifti-io',
    '@medaas/dicom',
    '@medaas/aiaa-client',
    '@medaas/aiaa-testkit',
    '@medaas/cluster-ssh',
    '@medaas/mmar',
    '@medaas/dataset',
    '@medaas/training',
  ],
  '@medaas/training': ['@medaas/core', '@medaas/cluster-ssh'],
};
const root = new URL('..', import.meta.url).pathname;
let problems = 0;
for (const dir of readdirSync(join(root, 'packages'))) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
  } catch {
    continue;
  }
  const deps = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }).filter((d) => d.startsWith('@medaas/'));
  const allowed = ALLOWED[manifest.name] ?? ['@medaas/core'];
  for (const dep of deps) {
    if (!allowed.includes(dep)) {
      console.error(`${manifest.name} depends on ${dep}: not an edge of the package DAG (add an ADR and list it in scripts/check-dag.mjs)`);
      problems += 1;
    }
  }
  if (manifest.name === '@medaas/core' && Object.keys(manifest.dependencies ?? {}).length > 0) {
    console.error('@medaas/core must have no runtime dependencies');
    problems += 1;
  }
}
if (problems === 0) console.log('package DAG ok');
process.exit(problems ? 1 : 0);
