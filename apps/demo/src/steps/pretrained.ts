import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProgressCallback } from '@medaas/core';
import {
  commandFile,
  editConfig,
  enableFineTuning,
  parseMmar,
  setLabels,
  validateMmar,
  withConfig,
  type MmarArchive,
  type MmarIssue,
} from '@medaas/mmar';
import {
  enableBundleFineTuning,
  parseBundle,
  renderBundleCommand,
  setBundleLabels,
  validateBundle,
  type Bundle,
} from '@medaas/mmar/bundle';
import { writeBundle } from '@medaas/mmar/bundle/node';
import { writeMmar } from '@medaas/mmar/node';
import { downloadPretrained, type PretrainedModel } from '@medaas/training';
import { quoteShell, type SshSession } from '@medaas/cluster-ssh';
import type { PretrainedChoice } from '../config.js';

/** A downloaded model read into the typed model of `@medaas/mmar`. */
export type PretrainedArchive =
  { readonly kind: 'mmar'; readonly mmar: MmarArchive } | { readonly kind: 'bundle'; readonly bundle: Bundle };

/** What the pretrained step fetched and prepared. */
export interface PretrainedResult {
  readonly model: PretrainedModel;
  /** The download's files read by `@medaas/mmar`: the MMAR or the bundle as it came from the catalog. */
  readonly archive: PretrainedArchive;
  /** The fine-tuning copy on the cluster: labels set to the project's, weights loaded at the start. */
  readonly finetuneDir: string;
  /** What validating the fine-tuning copy found. */
  readonly findings: readonly MmarIssue[];
  /** The command that fine-tunes it on a GPU node (what `submitTraining` with `mode: 'finetune'` runs). */
  readonly finetuneCommand: string;
}

/**
 * Step 6b: a pretrained model, fetched where the network is (the cluster's login node, with the catalog's own
 * tool: `ngc` or `python -m monai.bundle download`), read back as the typed MMAR or bundle, and prepared for
 * fine-tuning on the project: its labels set to the project's, its training starting from the downloaded
 * weights, its data pointing at the project folder, validated, and written next to the download on the
 * cluster. A second run finds the download in place and fetches nothing.
 */
export async function pretrainedStep(
  session: SshSession,
  choice: PretrainedChoice,
  project: { readonly remoteFolder: string; readonly labels: readonly string[] },
  workDir: string,
  onProgress: ProgressCallback,
): Promise<PretrainedResult> {
  const key = process.env['NGC_API_KEY'];
  const model = await downloadPretrained(session, {
    catalog: choice.catalog,
    name: choice.name,
    version: choice.version,
    destDir: `${project.remoteFolder}/pretrained`,
    ...(choice.tool ? { tool: choice.tool } : {}),
    ...(choice.catalog === 'ngc' && key ? { ngcApiKey: key } : {}),
    onProgress,
  });
  // The catalog's files, read as the archive they are (a broken config is an MmarError naming file, line and column).
  const archive: PretrainedArchive =
    model.kind === 'mmar' ? { kind: 'mmar', mmar: parseMmar(model.files) } : { kind: 'bundle', bundle: parseBundle(model.files) };
  const finetuneDir = `${model.dir}-finetune`;
  const staging = await mkdtemp(join(workDir, 'pretrained-'));
  try {
    let findings: MmarIssue[];
    let files: readonly string[];
    let finetuneCommand: string;
    if (archive.kind === 'mmar') {
      let mmar = setLabels(enableFineTuning(archive.mmar), project.labels);
      const environment = mmar.environment;
      if (environment) {
        mmar = withConfig(
          mmar,
          editConfig(environment, { '/DATA_ROOT': project.remoteFolder, '/DATASET_JSON': `${project.remoteFolder}/dataset_0.json` }),
        );
      }
      findings = validateMmar(mmar);
      await writeMmar(staging, mmar);
      files = Object.keys(mmar.files);
      finetuneCommand = `bash ${quoteShell(`${finetuneDir}/${commandFile('finetune', mmar.generation)}`)}`;
    } else {
      const bundle: Bundle = enableBundleFineTuning(setBundleLabels(archive.bundle, project.labels));
      findings = validateBundle(bundle);
      await writeBundle(staging, bundle);
      files = Object.keys(bundle.files);
      finetuneCommand = renderBundleCommand({
        bundleDir: finetuneDir,
        bundle,
        mode: 'training',
        overrides: { dataset_dir: project.remoteFolder },
      }).line;
    }
    // The weights stay where they were downloaded; the copy names them (models/ is not read back as text).
    await session.exec([
      'sh',
      '-c',
      'mkdir -p -- "$1/models" && cp -p -- "$2"/models/* "$1/models/" 2>/dev/null; true',
      'sh',
      finetuneDir,
      model.dir,
    ]);
    for (const path of files) await session.upload(join(staging, path), `${finetuneDir}/${path}`);
    return { model, archive, finetuneDir, findings, finetuneCommand };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
