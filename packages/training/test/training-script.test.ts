import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import { renderTrainingScript, trainingJobSpec } from '../src/index.js';

describe('rendering training jobs', () => {
  it('runs Clara train.sh, finetune.sh (with the checkpoint) and train_multi_gpu.sh from the MMAR', () => {
    expect(renderTrainingScript({ mmarDir: '/scratch/mmar' }, 'slurm')).toContain('\nbash /scratch/mmar/commands/train.sh');
    expect(trainingJobSpec({ mmarDir: '/scratch/mmar', mode: 'export' }, 'pbs').script).toContain(
      '\nbash /scratch/mmar/commands/export.sh',
    );
    const finetune = renderTrainingScript(
      { mmarDir: '/scratch/mmar', mode: 'finetune', checkpoint: '/scratch/base/model.pt', args: ['epochs=50'] },
      'pbs',
    );
    expect(finetune).toContain("bash /scratch/mmar/commands/finetune.sh 'epochs=50' 'MMAR_CKPT=/scratch/base/model.pt'");
    const multi = trainingJobSpec({ mmarDir: '/scratch/mmar', mode: 'train-multi-gpu', gpus: 4 }, 'slurm', {
      partition: 'gpu',
      walltimeSec: 3600,
    });
    expect(multi).toMatchObject({ name: 'medaas-train-multi-gpu', gpus: 4, partition: 'gpu', walltimeSec: 3600 });
    expect(multi.script).toContain('export MEDAAS_GPUS_PER_NODE=4');
    expect(multi.script).toContain('bash /scratch/mmar/commands/train_multi_gpu.sh');
  });

  it('runs the command inside the Clara container with quoted binds', () => {
    const script = renderTrainingScript(
      {
        mmarDir: "/home/ana's/mmar",
        container: {
          image: '/shared/clara 4.sif',
          runtime: 'apptainer',
          binds: [{ host: "/home/ana's", container: '/workspace' }],
          mmarDir: '/workspace/mmar',
        },
      },
      'slurm',
    );
    expect(script).toContain(
      `apptainer exec --nv -B '/home/ana'\\''s:/workspace' '/shared/clara 4.sif' bash -c 'cd /workspace/mmar/commands && bash /workspace/mmar/commands/train.sh'`,
    );
  });

  it('spreads multi-node training with srun on Slurm and refuses it elsewhere', () => {
    const script = renderTrainingScript({ mmarDir: '/m', mode: 'train-multi-gpu', gpus: 2, nodes: 3 }, 'slurm');
    expect(script).toContain('srun --nodes=3 --ntasks-per-node=1 bash -c');
    expect(script).toContain('export MASTER_ADDR="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)"');
    for (const kind of ['pbs', 'local'] as const) {
      let error: unknown;
      try {
        renderTrainingScript({ mmarDir: '/m', nodes: 2 }, kind);
      } catch (e) {
        error = e;
      }
      expect(isMedaasError(error, 'TRAINING_INVALID_OPTIONS')).toBe(true);
    }
    expect(() => renderTrainingScript({ mmarDir: '/m', mode: 'train-multi-gpu', gpus: 1 }, 'slurm')).toThrow(/2 or more GPUs/);
    expect(() => renderTrainingScript({ mmarDir: 'relative/mmar' }, 'slurm')).toThrow(/absolute/);
  });

  it('passes hostile MMAR paths through bash unchanged', () => {
    const base = mkdtempSync(join(tmpdir(), 'medaas-quoting-'));
    for (const name of ["it's $(rm -rf ~) `x`", 'a "b" \\ c;d|e&f', 'new\nline']) {
      const dir = join(base, name);
      mkdirSync(dir);
      const script = renderTrainingScript({ mmarDir: dir, command: ['printf', '%s', '{mmar}'] }, 'local');
      const out = execFileSync('bash', ['-c', script], { encoding: 'utf8' });
      expect(out).toBe(`medaas training: mode train, 1 node(s) x 0 GPU(s), MMAR ${dir}\n${dir}`);
    }
    rmSync(base, { recursive: true });
  });
});
