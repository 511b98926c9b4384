import { existsSync } from 'node:fs';
import { splitDataset, toDatalist, type DatalistEntry } from '@medaas/dataset';
import { readDatalist, scanDataset, writeDatalist } from '@medaas/dataset/node';
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';
import { existingInput, flagOption, numberOption, requiredString, resolvePath, stringOption } from '../values.js';

/** `medaas dataset split ROOT --out dataset.json`: a seeded, stable train/validation/test data list. */
export const datasetSplit = defineCommand({
  name: ['dataset', 'split'],
  summary: 'pair images with labels in a dataset folder and write a seeded, stable train/validation/test data list',
  usage: '<dataset-root> --out <datalist.json>',
  description: [
    'Pairs images and labels by case name (MSD layout by default: imagesTr/ and labelsTr/), splits them by a seeded',
    'hash, and writes the data list atomically, paths relative to the dataset root. The split is stable: when the',
    'data list already exists (or --existing names one), its cases stay in their parts and only new cases are',
    'placed, so a model is never evaluated on a case it was trained on. Files that do not pair are named on stderr.',
  ].join('\n'),
  positionals: { min: 1, max: 1 },
  options: {
    out: { type: 'string', short: 'o', placeholder: 'FILE', env: false, description: 'the data list to write (required)' },
    seed: { type: 'string', placeholder: 'N', description: 'seed of the split (default 2026)' },
    fractions: {
      type: 'string',
      placeholder: 'T:V:T',
      description: 'training:validation:testing shares (default 70:20:10; any positive numbers)',
    },
    images: { type: 'string', placeholder: 'DIR', description: 'images folder under the root (default imagesTr)' },
    labels: { type: 'string', placeholder: 'DIR', description: 'labels folder under the root (default labelsTr)' },
    existing: { type: 'string', placeholder: 'FILE', description: 'a data list whose split to keep (default: --out when it exists)' },
    reshuffle: { type: 'boolean', description: 'ignore an existing data list and split every case afresh' },
  },
  examples: ['medaas dataset split /data/Task09_Spleen --out /data/Task09_Spleen/dataset.json --seed 7'],
  async run(context) {
    const out = resolvePath(context, requiredString(context, 'out'));
    const seed = numberOption(context, 'seed', { integer: true }) ?? 2026;
    const fractions = parseFractions(stringOption(context, 'fractions') ?? '70:20:10');
    const images = stringOption(context, 'images');
    const labels = stringOption(context, 'labels');
    const root = await existingInput(context, context.args[0]!, 'folder');
    const scanned = await scanDataset(root, { signal: context.signal, ...(images ? { images } : {}), ...(labels ? { labels } : {}) });
    if (!context.json) for (const finding of scanned.findings) context.note(`${finding.code}: ${finding.message}`);
    const existingPath = flagOption(context, 'reshuffle')
      ? undefined
      : (stringOption(context, 'existing') ?? (existsSync(out) ? out : undefined));
    const existing = existingPath ? await readDatalist(resolvePath(context, existingPath), { signal: context.signal }) : undefined;
    const items: DatalistEntry[] = scanned.pairs.map((pair) => ({ image: pair.image, label: pair.label }));
    const split = splitDataset<DatalistEntry>(items, { seed, fractions, ...(existing ? { existing } : {}) });
    const datalist = toDatalist(split);
    await writeDatalist(out, datalist, { signal: context.signal });
    const counts = { training: datalist.num_training, validation: datalist.num_validation, testing: datalist.num_testing };
    return {
      data: { datalist: out, seed, ...counts, kept: existingPath ?? null, findings: scanned.findings },
      lines: [
        `wrote ${out}: ${counts.training} training, ${counts.validation} validation, ${counts.testing} testing cases (seed ${seed}${existingPath ? `, keeping the split of ${existingPath}` : ''})`,
      ],
    };
  },
});

/** `70:20:10` (any positive shares) as fractions that sum to 1. */
function parseFractions(text: string): [number, number, number] {
  const parts = text.split(':').map(Number);
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p) || p < 0) || parts.reduce((a, b) => a + b, 0) <= 0) {
    throw new CliError('CLI_USAGE', `--fractions must be three non-negative shares like 70:20:10, not "${text}"`);
  }
  const sum = parts.reduce((a, b) => a + b, 0);
  const [a, b] = [parts[0]! / sum, parts[1]! / sum];
  return [a, b, Math.max(0, 1 - a - b)];
}
