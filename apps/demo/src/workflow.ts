import { join } from 'node:path';
import type { DemoConfig } from './config.js';
import { progressPrinter } from './progress-printer.js';
import { annotateStep, type AnnotationResult } from './steps/annotate.js';
import { openCluster, startServerStep } from './steps/cluster.js';
import { convertStep } from './steps/convert.js';
import { mmarStep, type MmarResult } from './steps/mmar.js';
import { projectStep, type ProjectResult } from './steps/project.js';
import { trainStep, type TrainResult } from './steps/train.js';
import { trainingPrinter } from './training-printer.js';
import type { ConvertedSeries } from '@medaas/nifti-io/node';

/** What the whole workflow made, for the summary. */
export interface WorkflowResult {
  readonly converted: ConvertedSeries;
  readonly server: { readonly url: string; readonly jobId: string; readonly where: string; readonly readyAfterRunningMs: number };
  readonly annotation: AnnotationResult;
  readonly project: ProjectResult;
  readonly mmar: MmarResult;
  /** The closed loop's figures; absent when a custom server without a training command was named. */
  readonly training?: TrainResult;
}

/**
 * The seed's workflow, end to end: convert a DICOM series to NIfTI at 1 mm; start the AIAA server as a
 * batch job (local scheduler, or Slurm/PBS over SSH) and tunnel to it; list models, auto-segment, refine
 * with DEXTR3D and DeepGrow; save the masks; put the validated pair into the project folder (and upload it);
 * grow the stable 70:20:10 data list; write and validate an MMAR that points at it; train it as a batch
 * job, deploy the trained model to the running server and segment the validated case again (Dice before
 * and after against the validated mask).
 */
export async function runWorkflow(config: DemoConfig, log: (line: string) => void): Promise<WorkflowResult> {
  log(`1. converting the DICOM series in ${config.dicomDir} to NIfTI at ${config.spacingMm} mm`);
  const converted = await convertStep(config, progressPrinter('convert'));
  log(`   ${converted.modality} series, ${converted.sliceCount} slices -> ${converted.dims.join(' x ')} voxels: ${converted.output}`);
  for (const warning of converted.warnings) log(`   warning (${warning.kind}): ${warning.message}`);

  const cluster = await openCluster(config.cluster);
  try {
    log(`2. starting the AIAA server as a ${config.cluster.kind} batch job`);
    await using server = await startServerStep(cluster, config.cluster, config.outDir, progressPrinter('server job'));
    const where = server.tunnel ? `${server.remote.host}:${server.remote.port} through an SSH tunnel` : `${server.remote.host}:${server.remote.port}`;
    log(`   job ${server.job.id} serves ${server.url} (${where}); ready ${server.timings.readyMs - server.timings.runningMs} ms after it started running`);

    log('3. annotating: models, auto-segmentation, DEXTR3D from six extreme points, DeepGrow clicks');
    const annotation = await annotateStep(server.url, converted.output, join(config.outDir, 'masks'), progressPrinter('annotate'));
    log(`   models: ${annotation.models.join(', ')}`);
    for (const mask of annotation.masks) log(`   ${mask.name}: ${mask.voxels.toLocaleString('en')} voxels, ${mask.bytes.toLocaleString('en')} bytes -> ${mask.path}`);

    const caseId = `case_dicom_${String(converted.seriesNumber ?? 1).padStart(3, '0')}`;
    const remote = config.cluster.kind === 'local' || !cluster.session ? undefined : { session: cluster.session, folder: config.cluster.remoteProject };
    log(`4. putting the validated pair into the project folder${remote ? ` and uploading it to ${remote.folder}` : ''}; 5. growing the data list`);
    const project = await projectStep(join(config.outDir, 'project'), { image: converted.output, mask: annotation.validatedMask, caseId }, config.seed, remote);
    log(`   ${project.folder}: ${project.counts.training} training, ${project.counts.validation} validation, ${project.counts.testing} testing (${project.keptInPlace} earlier cases kept their part)`);

    log('6. writing the MMAR and validating it');
    const mmar = await mmarStep(config.outDir, { folder: project.folder, ...(remote ? { remoteFolder: remote.folder } : {}) }, cluster.session);
    const errors = mmar.findings.filter((f) => f.severity === 'error');
    for (const finding of mmar.findings) log(`   ${finding.severity} ${finding.code} ${finding.file}${finding.pointer}: ${finding.message}`);
    if (errors.length > 0) throw new Error(`the MMAR has ${errors.length} error finding(s)`);
    log(`   ${mmar.folder}: valid (${mmar.findings.length} findings)`);

    let training: TrainResult | undefined;
    if (config.cluster.kind !== 'local' && config.cluster.serverCommand && !config.cluster.trainCommand) {
      log('7. training: skipped (--server-command names a server whose trainer is not known; pass --train-command)');
    } else {
      log(`7. closing the loop: training the MMAR on the data list as a ${config.cluster.kind} job, deploying the model to the server, segmenting again`);
      training = await trainStep(cluster, config.cluster, {
        workDir: config.outDir,
        serverUrl: server.url,
        mmarDir: remote ? `${remote.folder}/mmar` : mmar.folder,
        image: converted.output,
        validatedMask: annotation.validatedMask,
        projectFolder: project.folder,
        onEvent: trainingPrinter(log),
      });
      log(`   job ${training.jobId}: ${training.epochs} epochs; best model ${training.bestModel}, deployed as ${training.modelName}`);
      log(`   Dice against the validated mask: ${training.diceBefore.toFixed(4)} with ${training.baseModel}, ${training.diceAfter.toFixed(4)} with ${training.modelName}${project.part === 'testing' ? ' (a testing case: never trained on)' : ` (a ${project.part} case: the job trained on it)`}`);
      for (const held of training.heldOut) {
        log(`   Dice on held-out testing case ${held.caseId} (never trained on): ${held.diceBefore.toFixed(4)} with ${training.baseModel}, ${held.diceAfter.toFixed(4)} with ${training.modelName}`);
      }
    }

    return {
      converted,
      server: { url: server.url, jobId: server.job.id, where, readyAfterRunningMs: server.timings.readyMs - server.timings.runningMs },
      annotation,
      project,
      mmar,
      ...(training ? { training } : {}),
    };
  } finally {
    await cluster.close();
  }
}
