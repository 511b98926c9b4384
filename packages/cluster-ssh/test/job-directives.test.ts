import { describe, expect, it } from 'vitest';
import { renderJobScript, type JobSpec } from '../src/index.js';
import { pbsAdapter } from '../src/pbs.js';
import { slurmAdapter } from '../src/slurm.js';

// Four GPUs, two nodes and modules are more than the single test node has (two pretend GPUs, no module
// system), so these directives are checked as the arguments the adapters pass to sbatch and qsub; the real
// Slurm runs GPU jobs in the training tests (packages/training/test/bundle-training.test.ts).
const spec: JobSpec = {
  name: 'aiaa',
  script: 'start_aas.sh --port "$MEDAAS_PORT"',
  partition: 'gpu',
  account: 'radiology-ai',
  walltimeSec: 7200,
  nodes: 2,
  cpus: 8,
  memoryMb: 32_000,
  gpus: 4,
  modules: ['singularity/3.8', "cuda 12's"],
  env: { NVIDIA_VISIBLE_DEVICES: 'all' },
  extraArgs: ['--qos=high'],
};

describe('job directives', () => {
  it('Slurm: sbatch gets one option per field, GPUs as --gres=gpu:N', () => {
    expect(slurmAdapter('/opt/slurm/bin').submitArgv(spec, '/home/ana/.medaas/jobs/x.out')).toEqual([
      '/opt/slurm/bin/sbatch',
      '--parsable',
      '--job-name=aiaa',
      '--output=/home/ana/.medaas/jobs/x.out',
      '--open-mode=append',
      '--partition=gpu',
      '--account=radiology-ai',
      '--time=02:00:00',
      '--nodes=2',
      '--cpus-per-task=8',
      '--mem=32000M',
      '--gres=gpu:4',
      '--qos=high',
    ]);
  });

  it('PBS: qsub gets -q, -A, walltime and one select chunk with ncpus, ngpus and mem', () => {
    expect(pbsAdapter().submitArgv(spec, '/home/ana/.medaas/jobs/x.out')).toEqual([
      'qsub',
      '-N',
      'aiaa',
      '-o',
      '/home/ana/.medaas/jobs/x.out',
      '-j',
      'oe',
      '-q',
      'gpu',
      '-A',
      'radiology-ai',
      '-l',
      'walltime=02:00:00',
      '-l',
      'select=2:ncpus=8:ngpus=4:mem=32000mb',
      '--qos=high',
    ]);
  });

  it('the job script loads the modules and exports the environment, values quoted where the shell would read them, before the command', () => {
    expect(renderJobScript(spec).split('\n')).toEqual([
      '#!/bin/bash',
      '# medaas job "aiaa"',
      'module load singularity/3.8',
      "module load 'cuda 12'\\''s'",
      'export NVIDIA_VISIBLE_DEVICES=all',
      'start_aas.sh --port "$MEDAAS_PORT"',
      '',
    ]);
  });
});
