import { join } from 'node:path';
import type { DemoConfig } from './config.js';
import { progressPrinter } from './progress-printer.js';
import { annotateStep, type AnnotationResult } from './steps/annotate.js';
import { openCluster, startServerStep } from './steps/cluster.js';
import { convertStep } from './steps/convert.js';
import { mmarStep, type MmarResult } from './steps/mmar.js';
import { projectStep, type ProjectResult } from './steps/project.js';
import type { ConvertedSeries } from '@medaas/nifti-io/node';

/** What the whole workflow made, for the summary. */
export interface WorkflowResult {
  readonly converted: ConvertedSeries;
  readonly server: { readonly url: string; readonly jobId: string; readonly where: string; readonly readyAfterRunningMs: number };
  readonly annotation: AnnotationResult;
  readonly project: ProjectResult;
  readonly mmar: MmarResult;
}

/**
 * The seed's workflow, end to end: convert a DICOM series to NIfTI at 1 mm; start the AIAA server as a
 * batch job (local scheduler, or Slurm/PBS over SSH) and tunnel to it; list models, auto-segment, refine
 * with DEXTR3D and DeepGrow; save the masks; put the validated pair into the project folder (and upload it);
 * grow the stable 70:20:10 data list; write and validate an MMAR that points at it.
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

    return {
      converted,
      server: { url: server.url, jobId: server.job.id, where, readyAfterRunningMs: server.timings.readyMs - server.timings.runningMs },
      annotation,
      project,
      mmar,
    };
  } finally {
    await cluster.close();
  }
}
