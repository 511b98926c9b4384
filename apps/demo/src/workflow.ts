import { join } from 'node:path';
import type { DemoConfig } from './config.js';
import { progressPrinter } from './progress-printer.js';
import { annotateStep, type AnnotationResult } from './steps/annotate.js';
import { openCluster, startServerStep } from './steps/cluster.js';
import { convertStep } from './steps/convert.js';
import { fetchFromPacs, segToPacs, type HospitalStudy, type SegBack } from './steps/hospital.js';
import { datastoreStep, type DatastoreResult } from './steps/datastore.js';
import { trainMonaiLabelStep } from './steps/train-monai.js';
import { mmarStep, type MmarResult } from './steps/mmar.js';
import { pretrainedStep, type PretrainedResult } from './steps/pretrained.js';
import { projectStep, type ProjectResult } from './steps/project.js';
import { trainStep, type TrainResult } from './steps/train.js';
import { trainingPrinter } from './training-printer.js';
import type { ConvertedSeries } from '@medaas/dicom/node';
import { DemoError } from './demo-error.js';

/** What the whole workflow made, for the summary. */
export interface WorkflowResult {
  readonly converted: ConvertedSeries;
  readonly server: { readonly url: string; readonly jobId: string; readonly where: string; readonly readyAfterRunningMs: number };
  readonly annotation: AnnotationResult;
  readonly project: ProjectResult;
  readonly mmar: MmarResult;
  /** MONAI Label: what the server's datastore holds. */
  readonly datastore?: DatastoreResult;
  /** The closed loop's figures; absent when a custom server without a training command was named. */
  readonly training?: TrainResult;
  /** `--pretrained`: the model fetched on the cluster and its fine-tuning copy. */
  readonly pretrained?: PretrainedResult;
  /** `--pacs`: where the study came from, and the DICOM SEG that went back. */
  readonly hospital?: { readonly study: Omit<HospitalStudy, 'client' | 'close'>; readonly seg: SegBack };
}

/**
 * The seed's workflow, end to end: convert a DICOM series to NIfTI at 1 mm; start the annotation server
 * (AIAA v1 or MONAI Label) as a batch job (local scheduler, or Slurm/PBS over SSH) and tunnel to it; list
 * models, auto-segment, refine with clicks (and, on AIAA, DEXTR3D); save the masks (on MONAI Label the
 * validated one as a final label in the server's datastore); put the validated pair into the project folder
 * (and upload it); grow the stable 70:20:10 data list; write and validate an MMAR that points at it; train
 * (a batch job on the MMAR, or inside the MONAI Label server on its datastore), put the trained model on the
 * running server and segment the validated case again (Dice before and after against the validated mask).
 */
export async function runWorkflow(config: DemoConfig, log: (line: string) => void): Promise<WorkflowResult> {
  if (!config.pacs) return runSteps(config, log, undefined);
  log(
    `0. hospital side: finding the study in ${config.pacs.url ?? 'a local Orthanc holding the demo series'} (QIDO-RS), retrieving it (WADO-RS), de-identifying it (DICOM PS3.15 basic profile) before anything leaves`,
  );
  const hospital = await fetchFromPacs(config.pacs, config.outDir, progressPrinter('pacs'));
  try {
    const { report } = hospital;
    log(
      `   study ${hospital.studyUid}: ${hospital.modality} series ${hospital.seriesUid}, ${hospital.instances} instances -> ${hospital.originalDir} (stays at the hospital)`,
    );
    log(
      `   de-identified ${report.instances} instances: ${report.attributes.length} attributes removed or replaced, ${report.privateTagsRemoved} private elements removed, every UID replaced -> ${hospital.deidentifiedDir}`,
    );
    log(`   the map back to the original UIDs stays at the hospital: ${hospital.uidMapPath}`);
    return await runSteps({ ...config, dicomDir: hospital.deidentifiedDir }, log, hospital);
  } finally {
    await hospital.close();
  }
}

async function runSteps(config: DemoConfig, log: (line: string) => void, hospital: HospitalStudy | undefined): Promise<WorkflowResult> {
  log(`1. converting the DICOM series in ${config.dicomDir} to NIfTI at ${config.spacingMm} mm`);
  const converted = await convertStep(config, progressPrinter('convert'));
  log(`   ${converted.modality} series, ${converted.sliceCount} slices -> ${converted.dims.join(' x ')} voxels: ${converted.output}`);
  for (const warning of converted.warnings) log(`   warning (${warning.kind}): ${warning.message}`);

  const cluster = await openCluster(config.cluster);
  try {
    const label = config.protocol === 'aiaa' ? 'AIAA' : 'MONAI Label';
    log(`2. starting the ${label} server as a ${config.cluster.kind} batch job`);
    await using server = await startServerStep(cluster, config.cluster, config.protocol, config.outDir, progressPrinter('server job'));
    const where = server.remote.socket
      ? `a socket only its owner can open, ${server.remote.host}:${server.remote.socket}${cluster.session ? ', over SSH to its node' : ''}`
      : server.tunnel
        ? `${server.remote.host}:${server.remote.port} through an SSH tunnel`
        : `${server.remote.host}:${server.remote.port}`;
    log(
      `   job ${server.job.id} serves ${server.url} (${where}); ready ${server.timings.readyMs - server.timings.runningMs} ms after it started running`,
    );

    const caseId = `case_dicom_${String(converted.seriesNumber ?? 1).padStart(3, '0')}`;
    log(
      `3. annotating (${label}): models, auto-segmentation, ${config.protocol === 'aiaa' ? 'DEXTR3D from six extreme points, ' : ''}DeepGrow clicks`,
    );
    const annotation = await annotateStep(server.url, config.protocol, converted.output, caseId, join(config.outDir, 'masks'), (call) =>
      progressPrinter(`annotate ${call}`),
    );
    log(`   models: ${annotation.models.join(', ')}`);
    for (const mask of annotation.masks)
      log(`   ${mask.name}: ${mask.voxels.toLocaleString('en')} voxels, ${mask.bytes.toLocaleString('en')} bytes -> ${mask.path}`);
    if (annotation.savedOnServer)
      log(
        `   validated mask saved in the server's datastore as ${annotation.savedOnServer}; image bytes sent ${annotation.uploads} time(s)`,
      );
    let seg: SegBack | undefined;
    if (hospital) {
      log(
        "3b. the validated mask back to the hospital: on the original series' grid, as DICOM SEG in the original study (UIDs restored from the hospital's map), stored over STOW-RS",
      );
      seg = await segToPacs(hospital, converted.seriesInstanceUid, annotation.validatedMask, config.outDir);
      const listed = hospital.client.baseUrl;
      log(
        `   ${seg.segPath}: stored; ${listed} now lists ${seg.studySeries.length} series in study ${hospital.studyUid}: ${seg.studySeries.map((s) => `${s.modality} ${s.uid}`).join(', ')}`,
      );
    }
    const remote =
      config.cluster.kind === 'local' || !cluster.session ? undefined : { session: cluster.session, folder: config.cluster.remoteProject };
    log(
      `4. putting the validated pair into the project folder${remote ? ` and uploading it to ${remote.folder}` : ''}; 5. growing the data list`,
    );
    const project = await projectStep(
      join(config.outDir, 'project'),
      { image: converted.output, mask: annotation.validatedMask, caseId },
      config.seed,
      remote,
    );
    log(
      `   ${project.folder}: ${project.counts.training} training, ${project.counts.validation} validation, ${project.counts.testing} testing (${project.keptInPlace} earlier cases kept their part)`,
    );

    log('6. writing the MMAR and validating it');
    const mmar = await mmarStep(
      config.outDir,
      { folder: project.folder, ...(remote ? { remoteFolder: remote.folder } : {}) },
      cluster.session,
    );
    const errors = mmar.findings.filter((f) => f.severity === 'error');
    for (const finding of mmar.findings)
      log(`   ${finding.severity} ${finding.code} ${finding.file}${finding.pointer}: ${finding.message}`);
    if (errors.length > 0) throw new DemoError('DEMO_STEP_FAILED', `the MMAR has ${errors.length} error finding(s)`);
    log(`   ${mmar.folder}: valid (${mmar.findings.length} findings)`);

    let pretrained: PretrainedResult | undefined;
    if (config.cluster.kind !== 'local' && config.cluster.pretrained && remote) {
      const choice = config.cluster.pretrained;
      log(
        `6b. fetching the pretrained ${choice.name}:${choice.version} on the cluster (${choice.catalog === 'ngc' ? 'NGC' : 'MONAI model zoo'}) and preparing it for fine-tuning`,
      );
      pretrained = await pretrainedStep(
        remote.session,
        choice,
        { remoteFolder: remote.folder, labels: ['object'] },
        config.outDir,
        progressPrinter('pretrained'),
      );
      const model = pretrained.model;
      const archive = pretrained.archive;
      const typed =
        archive.kind === 'mmar'
          ? `a ${archive.mmar.generation} MMAR, labels ${archive.mmar.aiaa?.value.labels?.join(', ') ?? '?'}`
          : `a MONAI bundle ${archive.bundle.metadata?.version ?? ''}, labels ${archive.bundle.labels.join(', ')}`;
      log(
        `   ${model.downloaded ? 'downloaded' : 'already on the cluster (nothing fetched)'}: ${model.dir}, ${typed}${model.verified.length > 0 ? `, verified (${model.verified.map((c) => c.algorithm).join(', ')})` : ''}`,
      );
      for (const finding of pretrained.findings)
        log(`   ${finding.severity} ${finding.code} ${finding.file}${finding.pointer}: ${finding.message}`);
      log(
        `   fine-tuning copy with the project's labels: ${pretrained.finetuneDir} (${pretrained.findings.filter((f) => f.severity === 'error').length} errors); on a GPU node: ${pretrained.finetuneCommand}`,
      );
    }

    let datastore: DatastoreResult | undefined;
    if (config.protocol === 'monai-label') {
      datastore = await datastoreStep(server.url, project.folder);
      log(
        `   MONAI Label datastore: ${datastore.added} earlier cases added, ${datastore.present} already there; ${datastore.stats.completed} of ${datastore.stats.total} images have a final label (the testing part stays out)`,
      );
    }

    let training: TrainResult | undefined;
    const mmarDir = remote ? `${remote.folder}/mmar` : mmar.folder;
    if (config.protocol === 'monai-label') {
      const where =
        config.train === 'server'
          ? 'inside the MONAI Label server (/train/) on its datastore'
          : `as a ${config.cluster.kind} job on the MMAR, its weights uploaded to the server (PUT /model/)`;
      log(`7. closing the loop: training ${annotation.segmentationModel} ${where}, segmenting again`);
      training = await trainMonaiLabelStep(cluster, config.cluster, {
        url: server.url,
        mode: config.train,
        model: annotation.segmentationModel,
        workDir: config.outDir,
        caseId,
        validatedMask: annotation.validatedMask,
        projectFolder: project.folder,
        mmarDir,
        onEvent: trainingPrinter(log),
        log,
      });
      const trainedOn =
        config.train === 'server'
          ? 'in the datastore: the server trained on it'
          : project.part === 'testing'
            ? 'a testing case: never trained on'
            : `a ${project.part} case: the job trained on it`;
      logTraining(log, training, trainedOn);
    } else if (config.cluster.kind !== 'local' && config.cluster.serverCommand && !config.cluster.trainCommand) {
      log('7. training: skipped (--server-command names a server whose trainer is not known; pass --train-command)');
    } else {
      log(
        `7. closing the loop: training the MMAR on the data list as a ${config.cluster.kind} job, deploying the model to the server, segmenting again`,
      );
      training = await trainStep(cluster, config.cluster, {
        workDir: config.outDir,
        serverUrl: server.url,
        mmarDir,
        image: converted.output,
        validatedMask: annotation.validatedMask,
        projectFolder: project.folder,
        onEvent: trainingPrinter(log),
      });
      logTraining(
        log,
        training,
        project.part === 'testing' ? 'a testing case: never trained on' : `a ${project.part} case: the job trained on it`,
      );
    }

    return {
      converted,
      server: { url: server.url, jobId: server.job.id, where, readyAfterRunningMs: server.timings.readyMs - server.timings.runningMs },
      annotation,
      project,
      mmar,
      ...(datastore ? { datastore } : {}),
      ...(training ? { training } : {}),
      ...(pretrained ? { pretrained } : {}),
      ...(hospital && seg ? { hospital: { study: withoutHandles(hospital), seg } } : {}),
    };
  } finally {
    await cluster.close();
  }
}

function withoutHandles(hospital: HospitalStudy): Omit<HospitalStudy, 'client' | 'close'> {
  const { client: _client, close: _close, ...rest } = hospital;
  return rest;
}

function logTraining(log: (line: string) => void, training: TrainResult, validatedCase: string): void {
  log(`   job ${training.jobId}: ${training.epochs} epochs; best model ${training.bestModel}, deployed as ${training.modelName}`);
  log(
    `   Dice against the validated mask: ${training.diceBefore.toFixed(4)} with ${training.baseModel}, ${training.diceAfter.toFixed(4)} with ${training.modelName} (${validatedCase})`,
  );
  for (const held of training.heldOut) {
    log(
      `   Dice on held-out testing case ${held.caseId} (never trained on): ${held.diceBefore.toFixed(4)} with ${training.baseModel}, ${held.diceAfter.toFixed(4)} with ${training.modelName}`,
    );
  }
}
