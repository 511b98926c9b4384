import { environmentEntry, jsonEntry, scriptText, SET_ENV, shellWord, type ResolvedCommandOptions } from './command-script.js';
import type { MmarCommand } from './mmar-command.js';
import { MMAR_PATHS, type MmarFiles } from './mmar-files.js';

/** The TensorFlow graph's input and output node names, from config_aiaa.json's `tf` block when it has them. */
function nodeNames(files: MmarFiles): { input: string; output: string } {
  const inference = jsonEntry(files, MMAR_PATHS.aiaa, 'inference') as
    { tf?: { input_nodes?: Record<string, unknown>; output_nodes?: Record<string, unknown> } } | undefined;
  const first = (nodes: Record<string, unknown> | undefined): string | undefined => {
    const value = nodes ? Object.values(nodes)[0] : undefined;
    return typeof value === 'string' ? value : undefined;
  };
  return { input: first(inference?.tf?.input_nodes) ?? 'NV_MODEL_INPUT', output: first(inference?.tf?.output_nodes) ?? 'NV_MODEL_OUTPUT' };
}

/**
 * The command scripts of a Clara Train 3 (TensorFlow) MMAR: `nvmidl.apps.*` in the Clara 3 container,
 * Horovod through `mpirun` for several GPUs, lower-case booleans as Clara 3's scripts pass them, the
 * TensorFlow checkpoint `models/model.ckpt`, and fine-tuning as `train_finetune.sh` with `MMAR_CKPT` set.
 */
export function renderClara3Commands(files: MmarFiles, options: ResolvedCommandOptions): Record<MmarCommand, string | undefined> {
  const { python, gpus, overrides, trainConfig } = options;
  const app = (name: string): string => `${python} -u -m nvmidl.apps.${name}`;
  const checkpoint = options.checkpoint ?? environmentEntry(files, 'MMAR_CKPT') ?? 'models/model.ckpt';
  const ckptDir = environmentEntry(files, 'MMAR_CKPT_DIR') ?? 'models';
  const nodes = nodeNames(files);
  // Horovod: one process per GPU on this node, NCCL for the all-reduce.
  const mpirun = `mpirun -np ${gpus} -H localhost:${gpus} -bind-to none -map-by slot -x NCCL_DEBUG=INFO -x LD_LIBRARY_PATH -x PATH -mca pml ob1 -mca btl ^openib --allow-run-as-root`;
  const trainSettings = (multiGpu: boolean): string[] => [...overrides, `multi_gpu=${multiGpu ? 'true' : 'false'}`];
  return {
    set_env: SET_ENV,
    train: scriptText({ config: trainConfig, command: [app('train')], settings: trainSettings(false) }),
    train_multi_gpu: scriptText({ config: trainConfig, command: [mpirun, app('train')], settings: trainSettings(true) }),
    finetune: scriptText({
      config: trainConfig,
      command: [app('train')],
      settings: [...trainSettings(false), `MMAR_CKPT=${shellWord(checkpoint)}`],
    }),
    validate: Object.hasOwn(files, MMAR_PATHS.validation)
      ? scriptText({ config: MMAR_PATHS.validation, command: [app('evaluate')], settings: ['multi_gpu=false'] })
      : undefined,
    infer: Object.hasOwn(files, MMAR_PATHS.inference)
      ? scriptText({ config: MMAR_PATHS.inference, command: [app('evaluate')], settings: ['multi_gpu=false', 'output_infer_result=true'] })
      : undefined,
    export: scriptText({
      config: trainConfig,
      command: [app('export')],
      flags: [
        '--model_file_format CKPT',
        `--model_file_path "$MMAR_ROOT"/${shellWord(ckptDir)}`,
        '--model_name model',
        `--input_node_names ${shellWord(nodes.input)}`,
        `--output_node_names ${shellWord(nodes.output)}`,
      ],
      settings: [],
    }),
  };
}
