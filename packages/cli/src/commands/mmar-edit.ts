import {
  editMmarConfig,
  enableFineTuning,
  mainTrainConfigPath,
  setEpochs,
  setLabels,
  setLearningRate,
  setMultiGpu,
  withConfig,
  type JsonValue,
  type MmarArchive,
} from '@medaas/mmar';
import {
  enableBundleFineTuning,
  setBundleEpochs,
  setBundleLabels,
  setBundleLearningRate,
  setBundleMultiGpu,
  type Bundle,
} from '@medaas/mmar/bundle';
import { readBundle, writeBundle } from '@medaas/mmar/bundle/node';
import { readMmar, writeMmar } from '@medaas/mmar/node';
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';
import { existingInput, flagOption, listOption, numberOption, resolvePath, stringOption } from '../values.js';
import { archiveKind } from './archive-kind.js';

/** `medaas mmar edit DIR --epochs N ...`: the edits a fine-tuning run needs, comments and layout kept. */
export const mmarEdit = defineCommand({
  name: ['mmar', 'edit'],
  summary: 'edit a Clara MMAR or a MONAI bundle: epochs, learning rate, labels, GPUs, fine-tuning, any value',
  usage: '<folder> [--epochs N] [--learning-rate X] [--labels A,B] [--gpus N] [--fine-tune [--checkpoint PATH]] [--set POINTER=JSON]',
  description: [
    "Edits are made the way the archive's generation expects them (Clara 3 or 4, or a MONAI bundle's JSON or YAML),",
    'changing only the values edited: comments, key order and formatting stay. The folder is rewritten file by',
    'file atomically, or the edited copy goes to --out. --set (MMAR only) takes an RFC 6901 pointer into the training',
    'configuration and a JSON value, e.g. --set /train/dataloader/args/batch_size=4.',
  ].join('\n'),
  positionals: { min: 1, max: 1 },
  options: {
    epochs: { type: 'string', placeholder: 'N', description: 'training epochs' },
    'learning-rate': { type: 'string', placeholder: 'X', description: "the optimizer's learning rate" },
    labels: { type: 'string', placeholder: 'A,B', description: 'the foreground labels, comma-separated (output channels follow)' },
    gpus: { type: 'string', placeholder: 'N', description: 'train on N GPUs of one node (1: single GPU)' },
    'fine-tune': { type: 'boolean', description: 'start training from a checkpoint' },
    checkpoint: { type: 'string', placeholder: 'PATH', description: "with --fine-tune: the checkpoint (default: the generation's)" },
    set: { type: 'string', multiple: true, placeholder: 'POINTER=JSON', description: 'set a value of the training configuration (MMAR)' },
    out: { type: 'string', short: 'o', placeholder: 'DIR', env: false, description: 'write the edited archive here instead of in place' },
  },
  examples: [
    'medaas mmar edit /mmars/spleen --epochs 20 --learning-rate 1e-4 --fine-tune',
    'medaas mmar edit ./bundle --labels liver,tumor --gpus 4 --out ./bundle-4gpu',
  ],
  async run(context) {
    const epochs = numberOption(context, 'epochs', { integer: true, positive: true });
    const learningRate = numberOption(context, 'learning-rate', { positive: true });
    const gpus = numberOption(context, 'gpus', { integer: true, positive: true });
    const labelsText = stringOption(context, 'labels');
    const labels = labelsText?.split(',').map((l) => l.trim());
    if (labels?.some((l) => l === '')) throw new CliError('CLI_USAGE', `--labels must be names separated by commas, not "${labelsText}"`);
    const fineTune = flagOption(context, 'fine-tune');
    const checkpoint = stringOption(context, 'checkpoint');
    if (checkpoint && !fineTune) throw new CliError('CLI_USAGE', '--checkpoint needs --fine-tune');
    const sets = listOption(context, 'set').map(parseSet);
    const edits: string[] = [];
    if (epochs !== undefined) edits.push(`epochs ${epochs}`);
    if (learningRate !== undefined) edits.push(`learning rate ${learningRate}`);
    if (labels) edits.push(`labels ${labels.join(', ')}`);
    if (gpus !== undefined) edits.push(`${gpus} GPU${gpus === 1 ? '' : 's'}`);
    if (fineTune) edits.push(`fine-tuning${checkpoint ? ` from ${checkpoint}` : ''}`);
    for (const [pointer] of sets) edits.push(`${pointer} set`);
    if (edits.length === 0)
      throw new CliError(
        'CLI_USAGE',
        'nothing to edit: give --epochs, --learning-rate, --labels, --gpus, --fine-tune or --set (see --help)',
      );
    const dir = await existingInput(context, context.args[0]!, 'folder');
    const out = resolvePath(context, stringOption(context, 'out') ?? dir);
    const kind = archiveKind(dir);
    if (kind === 'bundle') {
      if (sets.length > 0) throw new CliError('CLI_USAGE', "--set edits MMAR configurations; for a bundle use the bundle's own overrides");
      let bundle: Bundle = await readBundle(dir, { signal: context.signal });
      if (epochs !== undefined) bundle = setBundleEpochs(bundle, epochs);
      if (learningRate !== undefined) bundle = setBundleLearningRate(bundle, learningRate);
      if (labels) bundle = setBundleLabels(bundle, labels);
      if (fineTune) bundle = enableBundleFineTuning(bundle, checkpoint ? { checkpoint } : {});
      if (gpus !== undefined) bundle = setBundleMultiGpu(bundle, { gpus }).bundle;
      await writeBundle(out, bundle, { signal: context.signal });
    } else {
      let archive: MmarArchive = await readMmar(dir, { signal: context.signal });
      const train = (): NonNullable<MmarArchive['train']> => {
        if (!archive.train) throw new CliError('CLI_USAGE', `${dir} has no training configuration to edit`);
        return archive.train;
      };
      if (epochs !== undefined) archive = withConfig(archive, setEpochs(train(), epochs));
      if (learningRate !== undefined) archive = withConfig(archive, setLearningRate(train(), learningRate));
      if (labels) archive = setLabels(archive, labels);
      if (gpus !== undefined) archive = setMultiGpu(archive, { gpus });
      if (fineTune) archive = enableFineTuning(archive, checkpoint ? { checkpoint } : {});
      if (sets.length > 0) archive = editMmarConfig(archive, mainTrainConfigPath(archive), Object.fromEntries(sets));
      await writeMmar(out, archive, { signal: context.signal });
    }
    return { data: { folder: out, kind, edits }, lines: [`edited ${kind === 'bundle' ? 'bundle' : 'MMAR'} ${out}: ${edits.join('; ')}`] };
  },
});

/** `POINTER=JSON` (the value parsed as JSON, or taken as a string when it is not JSON). */
function parseSet(text: string): [string, JsonValue] {
  const at = text.indexOf('=');
  const pointer = at < 0 ? '' : text.slice(0, at);
  if (at < 0 || !pointer.startsWith('/'))
    throw new CliError('CLI_USAGE', `--set takes POINTER=JSON with a pointer like /train/epochs, not "${text}"`);
  const raw = text.slice(at + 1);
  try {
    return [pointer, JSON.parse(raw) as JsonValue];
  } catch {
    return [pointer, raw];
  }
}
