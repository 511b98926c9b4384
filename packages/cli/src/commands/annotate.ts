import { basename } from 'node:path';
import { createAiaaClient } from '@medaas/aiaa-client';
import { connectAnnotationServer, type AnnotationModel, type AnnotationServer } from '@medaas/aiaa-client/interactive';
import { openImageFile } from '@medaas/aiaa-client/node';
import { readNifti, type Volume } from '@medaas/nifti-io';
import { readNiftiHeaderFile, writeMaskFile } from '@medaas/nifti-io/node';
import { defineCommand, type CommandContext, type CommandResult, type OptionSpec } from '../command.js';
import { CliError } from '../errors.js';
import { SERVER_OPTIONS, serverConnection } from '../server-options.js';
import { existingInput, listOption, parsePoint, requiredString, resolvePath, stringOption } from '../values.js';

const COMMON: Readonly<Record<string, OptionSpec>> = {
  ...SERVER_OPTIONS,
  out: { type: 'string', short: 'o', placeholder: 'FILE', env: false, description: 'where to write the mask (.nii.gz; required)' },
  model: { type: 'string', placeholder: 'NAME', description: "the server's model (default: its first of the kind)" },
};

/** `medaas annotate segment IMAGE --url URL --out MASK`: the automatic segmentation. */
export const annotateSegment = defineCommand({
  name: ['annotate', 'segment'],
  summary: "segment an image automatically with one of the server's models and write the mask",
  usage: '<image.nii[.gz]> --url URL --out <mask.nii.gz>',
  description:
    "Works with AIAA v1 and MONAI Label servers alike. The mask is checked to lie on the image's grid, and written\natomically as a compact label mask.",
  positionals: { min: 1, max: 1 },
  options: COMMON,
  examples: ['medaas annotate segment ct.nii.gz --url http://127.0.0.1:5000 --out spleen.nii.gz --model clara_pt_spleen_ct_segmentation'],
  run: (context) =>
    withServer(context, 'segmentation', async (server, model, image) =>
      server.segment(model, image, { signal: context.signal, onProgress: context.progress(`segment ${model}`) }),
    ),
});

/** `medaas annotate deepgrow IMAGE --fg X,Y,Z`: a mask grown from foreground and background clicks. */
export const annotateDeepgrow = defineCommand({
  name: ['annotate', 'deepgrow'],
  summary: 'refine with foreground/background clicks (DeepGrow 2D/3D, DeepEdit) and write the mask',
  usage: '<image.nii[.gz]> --url URL --out <mask.nii.gz> --fg X,Y,Z [--fg ...] [--bg X,Y,Z ...]',
  description: 'Clicks are voxel indices i,j,k of the image, as a viewer reports them.',
  positionals: { min: 1, max: 1 },
  options: {
    ...COMMON,
    fg: { type: 'string', multiple: true, placeholder: 'X,Y,Z', description: 'a click inside the structure (at least one)' },
    bg: { type: 'string', multiple: true, placeholder: 'X,Y,Z', description: 'a click outside it' },
    label: { type: 'string', placeholder: 'NAME', description: 'for models of several labels: which one the clicks are for' },
  },
  examples: ['medaas annotate deepgrow ct.nii.gz --url http://127.0.0.1:8000 --out grown.nii.gz --fg 120,96,40 --bg 2,2,2'],
  run: (context) => {
    const foreground = listOption(context, 'fg').map((p) => parsePoint(p, '--fg'));
    const background = listOption(context, 'bg').map((p) => parsePoint(p, '--bg'));
    if (foreground.length === 0) throw new CliError('CLI_USAGE', 'deepgrow needs at least one --fg X,Y,Z click');
    const label = stringOption(context, 'label');
    return withServer(context, 'interactive', async (server, model, image) =>
      server.click(
        model,
        image,
        { foreground, background, ...(label ? { label } : {}) },
        { signal: context.signal, onProgress: context.progress(`click ${model}`) },
      ),
    );
  },
});

/** `medaas annotate dextr3d IMAGE --point X,Y,Z x6`: the structure within six extreme points (AIAA v1). */
export const annotateDextr3d = defineCommand({
  name: ['annotate', 'dextr3d'],
  summary: 'segment from six (or more) extreme points, DEXTR3D on an AIAA server, and write the mask',
  usage: '<image.nii[.gz]> --url URL --out <mask.nii.gz> --point X,Y,Z (six times or more)',
  description:
    "DEXTR3D is an AIAA v1 model type (MONAI Label servers have none). Points are voxel indices i,j,k: the\nstructure's extreme points along each axis, as a viewer collects them.",
  positionals: { min: 1, max: 1 },
  options: { ...COMMON, point: { type: 'string', multiple: true, placeholder: 'X,Y,Z', description: 'an extreme point (six or more)' } },
  examples: [
    'medaas annotate dextr3d ct.nii.gz --url http://127.0.0.1:5000 --out box.nii.gz --point 30,64,40 --point 98,64,40 --point 64,30,40 --point 64,98,40 --point 64,64,10 --point 64,64,70',
  ],
  async run(context) {
    const points = listOption(context, 'point').map((p) => parsePoint(p, '--point'));
    if (points.length < 6) throw new CliError('CLI_USAGE', `dextr3d needs at least six --point X,Y,Z extreme points, got ${points.length}`);
    const imagePath = await existingInput(context, context.args[0]!, 'file');
    const out = resolvePath(context, requiredString(context, 'out'));
    const connection = serverConnection(context);
    if (connection.protocol === 'monai-label')
      throw new CliError('CLI_USAGE', 'dextr3d is an AIAA v1 model type: MONAI Label servers have none (use annotate deepgrow)');
    const header = await readNiftiHeaderFile(imagePath, { signal: context.signal });
    await using client = createAiaaClient({ baseUrl: connection.baseUrl });
    const models = await client.listModels({ type: 'annotation', signal: context.signal });
    const model = stringOption(context, 'model') ?? models[0]?.name;
    if (!model) throw new CliError('CLI_USAGE', `the server at ${connection.baseUrl} offers no annotation (DEXTR3D) model`);
    const result = await client.dextr3d(model, await openImageFile(imagePath), {
      points,
      signal: context.signal,
      onProgress: context.progress(`dextr3d ${model}`),
    });
    return writeResult(context, out, result.mask, header.dim.slice(1, 1 + header.dim[0]!), model, []);
  },
});

/** Opens the server and the image, picks the model, runs the call, and writes its mask. */
async function withServer(
  context: CommandContext,
  kind: 'segmentation' | 'interactive',
  call: (
    server: AnnotationServer,
    model: string,
    image: Awaited<ReturnType<AnnotationServer['openImage']>>,
  ) => Promise<{ mask: Uint8Array; labels: readonly { name: string; value: number }[] }>,
): Promise<CommandResult> {
  const imagePath = await existingInput(context, context.args[0]!, 'file');
  const out = resolvePath(context, requiredString(context, 'out'));
  const connection = serverConnection(context);
  const header = await readNiftiHeaderFile(imagePath, { signal: context.signal });
  await using server = await connectAnnotationServer(connection);
  const models = await server.listModels({ signal: context.signal });
  const model = pickModel(models, kind, stringOption(context, 'model'), String(connection.baseUrl));
  await using image = await server.openImage(await openImageFile(imagePath), {
    signal: context.signal,
    onProgress: context.progress(`upload ${basename(imagePath)}`),
  });
  const result = await call(server, model, image);
  return writeResult(context, out, result.mask, header.dim.slice(1, 1 + header.dim[0]!), model, result.labels);
}

function pickModel(
  models: readonly AnnotationModel[],
  kind: 'segmentation' | 'interactive',
  named: string | undefined,
  url: string,
): string {
  if (named) {
    if (!models.some((m) => m.name === named))
      throw new CliError(
        'CLI_USAGE',
        `the server at ${url} has no model "${named}" (it has ${models.map((m) => m.name).join(', ') || 'none'})`,
      );
    return named;
  }
  const model = models.find((m) => m.kind === kind && m.dimension !== 2) ?? models.find((m) => m.kind === kind);
  if (!model)
    throw new CliError(
      'CLI_USAGE',
      `the server at ${url} offers no ${kind} model (it has ${models.map((m) => m.name).join(', ') || 'none'}); name one with --model`,
    );
  return model.name;
}

/** The mask must lie on the image's grid (a mask on another grid would be silently wrong in a viewer). */
async function writeResult(
  context: CommandContext,
  out: string,
  bytes: Uint8Array,
  imageDims: readonly number[],
  model: string,
  labels: readonly { name: string; value: number }[],
): Promise<CommandResult> {
  const mask: Volume = await readNifti(bytes, { signal: context.signal });
  const spatial = (dims: readonly number[]): string => dims.slice(0, 3).join('x');
  if (spatial(mask.dims) !== spatial(imageDims)) {
    throw new CliError('CLI_SERVER_REPLY', `the server's mask is ${spatial(mask.dims)}, not on the image's ${spatial(imageDims)} grid`, {
      details: { model, maskDims: mask.dims, imageDims },
    });
  }
  await writeMaskFile(out, mask, { signal: context.signal });
  let voxels = 0;
  for (let i = 0; i < mask.data.length; i += 1) if (Number(mask.data[i]) !== 0) voxels += 1;
  return {
    data: { mask: out, model, dims: mask.dims, labelledVoxels: voxels, labels },
    lines: [`wrote ${out}: ${voxels.toLocaleString('en')} labelled voxels from ${model}`],
  };
}
