import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { SshSession } from '@medaas/cluster-ssh';
import { editConfig, renderCommands, setLabels, withConfig, withMmarFiles, type MmarArchive, type MmarIssue } from '@medaas/mmar';
import { readMmar, validateMmarFolder, writeMmar } from '@medaas/mmar/node';
import { DemoError } from '../demo-error.js';

/** The MMAR the next training job reads, and what validating it found. */
export interface MmarResult {
  readonly folder: string;
  readonly findings: readonly MmarIssue[];
  readonly uploaded: readonly string[];
}

/**
 * The demo's template: a Clara Train 4 segmentation MMAR (configs, docs and resources; no weights), at the
 * demo's root: one folder up from the build (`dist/main.js`), two from the sources (`src/steps/mmar.ts`).
 */
const TEMPLATE = ['../mmar-template', '../../mmar-template']
  .map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
  .find((path) => existsSync(join(path, 'config', 'environment.json')))!;

/**
 * Step 6: an MMAR whose environment points at the project folder and its data list, labels set to what the
 * annotation produced, validated (every data list entry must exist). On a cluster the environment points at
 * the remote project folder and the MMAR is uploaded next to it.
 */
export async function mmarStep(
  outDir: string,
  project: { readonly folder: string; readonly remoteFolder?: string },
  remote: SshSession | undefined,
): Promise<MmarResult> {
  // The template holds configs only; the command scripts are rendered for them, so they always match.
  const read = await readMmar(TEMPLATE);
  const template = setLabels(withMmarFiles(read, renderCommands(read)), ['object']);
  const environment = template.environment;
  if (!environment) throw new DemoError('DEMO_STEP_FAILED', `the demo's MMAR template at ${TEMPLATE} has no config/environment.json`);
  const pointedAt = (dataRoot: string): MmarArchive =>
    withConfig(template, editConfig(environment, { '/DATA_ROOT': dataRoot, '/DATASET_JSON': `${dataRoot}/dataset_0.json` }));
  // Validated against the local copy of the data: the same files the cluster received.
  const folder = join(outDir, 'mmar');
  await writeMmar(folder, pointedAt(project.folder));
  const findings = await validateMmarFolder(folder, { dataRoot: project.folder });
  const uploaded: string[] = [];
  if (remote && project.remoteFolder) {
    const remoteFiles = pointedAt(project.remoteFolder);
    const staging = join(outDir, 'mmar-for-cluster');
    await writeMmar(staging, remoteFiles);
    for (const path of Object.keys(remoteFiles.files)) {
      await remote.upload(join(staging, path), `${project.remoteFolder}/mmar/${path}`);
      uploaded.push(`${project.remoteFolder}/mmar/${path}`);
    }
  }
  return { folder, findings, uploaded };
}
