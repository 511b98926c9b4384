import { renderBundleCommand } from '@medaas/mmar/bundle';
import {
  BUNDLE_COMMAND_MODES,
  collectResults,
  submitTraining,
  watchTraining,
  type TrainingEvent,
  type TrainingMode,
  type TrainingScriptOptions,
} from '@medaas/training';
import { defineCommand } from '../command.js';
import { JOB_OPTIONS, SSH_OPTIONS, jobOptions, openCluster } from '../cluster-options.js';
import { CliError } from '../errors.js';
import { testkitBin } from '../testkit-bins.js';
import { flagOption, jsonCommand, resolvePath, stringOption } from '../values.js';
import { archiveKind } from './archive-kind.js';

const MODES: readonly TrainingMode[] = ['train', 'finetune', 'train-multi-gpu', 'evaluate', 'export'];

/** `medaas train DIR`: a training job from an MMAR or a bundle, its progress streamed from the job's log. */
export const train = defineCommand({
  name: ['train'],
  summary: 'train, fine-tune, evaluate or export an MMAR or MONAI bundle as a batch job, streaming its progress',
  usage: '<archive-folder> [--mode train|finetune|train-multi-gpu|evaluate|export] [options]',
  description: [
    'The folder is where the job runs: on the cluster with --ssh (upload it first with medaas upload), else here.',
    "The job runs the archive's own command (Clara's commands/train.sh..., or `python -m monai.bundle run` for a",
    'bundle), or --command ("{mmar}" / "{bundle}" marks the folder). Progress comes from the job log as typed events:',
    'iterations as a progress bar, validation metrics as lines. On success the models and metrics found are',
    'printed; a failed job exits 1 with the reason read from its log. Ctrl-C cancels the job.',
  ].join('\n'),
  positionals: { min: 1, max: 1 },
  options: {
    mode: { type: 'string', placeholder: 'MODE', description: 'train (default), finetune, train-multi-gpu, evaluate or export' },
    bundle: { type: 'boolean', description: 'the folder is a MONAI bundle (found by its layout when it is on this machine)' },
    command: { type: 'string', placeholder: 'JSON', description: "a training command instead of the archive's own, as a JSON array" },
    testkit: { type: 'boolean', description: "the testkit's GPU-free trainer as the command (local scheduler only)" },
    ...SSH_OPTIONS,
    ...JOB_OPTIONS,
  },
  examples: [
    'medaas train /project/mmar --ssh ana@login.hpc.example --known-hosts ~/.ssh/known_hosts --partition gpu --gpus 1',
    'medaas train ./mmar --testkit --json',
  ],
  async run(context) {
    const mode = (stringOption(context, 'mode') ?? 'train') as TrainingMode;
    if (!MODES.includes(mode)) throw new CliError('CLI_USAGE', `--mode must be one of ${MODES.join(', ')}, not "${mode}"`);
    const commandText = stringOption(context, 'command');
    if (commandText && flagOption(context, 'testkit')) throw new CliError('CLI_USAGE', '--testkit and --command exclude each other');
    await using cluster = await openCluster(context);
    const dir = cluster.session ? context.args[0]! : resolvePath(context, context.args[0]!);
    if (flagOption(context, 'testkit') && cluster.session)
      throw new CliError('CLI_USAGE', "--testkit runs the trainer of this machine: name the cluster's with --command");
    const bundle = flagOption(context, 'bundle') || (!cluster.session && archiveKind(dir) === 'bundle');
    const command = commandText
      ? jsonCommand(commandText, '--command', '["python","train.py","{mmar}"]')
      : flagOption(context, 'testkit')
        ? [process.execPath, testkitBin('fit'), '--mmar', '{mmar}']
        : undefined;
    const job = jobOptions(context);
    // A bundle runs MONAI's own command line, rendered by @medaas/mmar (the zoo's file names: the folder may be on the cluster).
    const bundleCommand = (): readonly string[] =>
      renderBundleCommand({ bundleDir: dir, mode: BUNDLE_COMMAND_MODES[mode], gpus: mode === 'train-multi-gpu' ? (job.gpus ?? 1) : 1 })
        .argv;
    const options: TrainingScriptOptions = bundle
      ? { bundleDir: dir, mode, command: command ?? bundleCommand(), ...(job.gpus ? { gpus: job.gpus } : {}) }
      : { mmarDir: dir, mode, ...(command ? { command } : {}), ...(job.gpus ? { gpus: job.gpus } : {}) };
    const training = await submitTraining(cluster.scheduler, {
      ...options,
      job: { name: `medaas-${mode}`, ...job },
      signal: context.signal,
    });
    context.note(`submitted ${mode} job ${training.job.id} on ${cluster.where}`);
    const progress = context.progress(`${mode} job ${training.job.id}`);
    const metrics: { epoch: number; name: string; metric: number }[] = [];
    let end: Extract<TrainingEvent, { type: 'end' }> | undefined;
    try {
      for await (const event of watchTraining(cluster.scheduler, training, {
        signal: context.signal,
        intervalMs: cluster.session ? 1000 : 250,
      })) {
        if (event.type === 'iteration')
          progress({
            phase: 'training',
            loaded: (event.epoch - 1) * event.totalIterations + event.iteration,
            total: event.totalEpochs * event.totalIterations,
          });
        else if (event.type === 'validation') {
          metrics.push({ epoch: event.epoch, name: event.name, metric: event.metric });
          if (!context.json) context.note(`epoch ${event.epoch}: ${event.name} ${event.metric.toFixed(4)}`);
        } else if (event.type === 'end') end = event;
      }
    } catch (error) {
      // Ctrl-C: the job must not keep a GPU busy after its command line is gone.
      if (context.signal.aborted) await cluster.scheduler.cancel(training.job).catch(() => undefined);
      throw error;
    }
    if (!end || end.status.state !== 'succeeded') {
      const reason = end?.failure
        ? `${end.failure.reason}: ${end.failure.message}`
        : `the job ended ${end?.status.state ?? 'without a status'}`;
      throw new CliError('CLI_JOB_FAILED', `${mode} job ${training.job.id} failed: ${reason}`, {
        details: { job: training.job.id, state: end?.status.state, failure: end?.failure },
      });
    }
    const results = await collectResults(cluster.scheduler, training, { signal: context.signal });
    return {
      data: {
        job: training.job.id,
        mode,
        state: end.status.state,
        metrics,
        bestModel: results.bestModel ?? null,
        finalModel: results.finalModel ?? null,
        evalDir: results.evalDir,
        files: results.files,
      },
      lines: [
        `${mode} job ${training.job.id} succeeded${metrics.length ? `: best ${metrics[0]!.name} ${Math.max(...metrics.map((m) => m.metric)).toFixed(4)}` : ''}`,
        ...(results.bestModel ? [`best model  ${results.bestModel}`] : []),
        ...(results.finalModel ? [`final model ${results.finalModel}`] : []),
      ],
    };
  },
});
