import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTrainingLogParser, diagnoseTrainingLog, parseTrainingLine, parseTrainingLog } from '../src/index.js';

// Lines in the shape Clara Train 4 (MONAI StatsHandler under Ignite) prints, with its logger prefixes.
const CLARA4_LOG = `
2021-07-13 09:12:01,123 - INFO - Starting training: epochs 1260, iterations per epoch 16
2021-07-13 09:12:07,456 - ignite.engine.engine.SupervisedTrainer - INFO - Epoch: 1/1260, Iter: 1/16 -- train_loss: 0.9533 
2021-07-13 09:12:08,001 - ignite.engine.engine.SupervisedTrainer - INFO - Epoch: 1/1260, Iter: 16/16 -- train_loss: 0.8712 
2021-07-13 09:12:30,777 - ignite.engine.engine.SupervisedEvaluator - INFO - Epoch[1] Metrics -- val_acc: 0.9011 val_mean_dice: 0.1132 
2021-07-13 09:12:30,778 - ignite.engine.engine.SupervisedEvaluator - INFO - Key metric: val_mean_dice best value: 0.1132 at epoch: 1
2021-07-13 09:12:30,779 - INFO - Epoch[1] Complete. Time taken: 00:00:29
2021-07-13 09:19:02,440 - ignite.engine.engine.SupervisedTrainer - INFO - Epoch: 20/1260, Iter: 16/16 -- train_loss: 0.3104 
2021-07-13 09:19:25,117 - ignite.engine.engine.SupervisedEvaluator - INFO - Epoch[20] Metrics -- val_mean_dice: 0.8845 
2021-07-13 09:19:25,118 - ignite.engine.engine.SupervisedEvaluator - INFO - Key metric: val_mean_dice best value: 0.8845 at epoch: 20
`;

describe('parsing training logs', () => {
  it('turns recorded Clara Train 4 lines into iteration, validation and best events', () => {
    expect(parseTrainingLog(CLARA4_LOG)).toEqual([
      { type: 'iteration', epoch: 1, totalEpochs: 1260, iteration: 1, totalIterations: 16, loss: 0.9533, values: { train_loss: 0.9533 } },
      { type: 'iteration', epoch: 1, totalEpochs: 1260, iteration: 16, totalIterations: 16, loss: 0.8712, values: { train_loss: 0.8712 } },
      { type: 'validation', epoch: 1, name: 'val_acc', metric: 0.9011, values: { val_acc: 0.9011, val_mean_dice: 0.1132 } },
      { type: 'best', name: 'val_mean_dice', metric: 0.1132, epoch: 1 },
      { type: 'epoch', engine: 'trainer', epoch: 1, seconds: 29 },
      { type: 'iteration', epoch: 20, totalEpochs: 1260, iteration: 16, totalIterations: 16, loss: 0.3104, values: { train_loss: 0.3104 } },
      { type: 'validation', epoch: 20, name: 'val_mean_dice', metric: 0.8845, values: { val_mean_dice: 0.8845 } },
      { type: 'best', name: 'val_mean_dice', metric: 0.8845, epoch: 20 },
    ]);
  });

  it('reads Clara Train 3 progress bars, scientific notation and nan, and ignores timings', () => {
    expect(parseTrainingLine('Epoch: 2/1250, Iter: 3/16 [=====>....] train_accuracy: 0.5612 train_loss: 1.2e-3 time: 0.85s')).toEqual({
      type: 'iteration',
      epoch: 2,
      totalEpochs: 1250,
      iteration: 3,
      totalIterations: 16,
      loss: 0.0012,
      values: { train_accuracy: 0.5612, train_loss: 0.0012 },
    });
    const nan = parseTrainingLine('Epoch: 5/10, Iter: 1/1 -- train_loss: nan');
    expect(nan?.type === 'iteration' && Number.isNaN(nan.loss)).toBe(true);
    expect(parseTrainingLine('Epoch[3] Metrics -- ')).toBeUndefined();
  });

  it('reads the engine lines of a MONAI bundle run: start, epoch ends of trainer and evaluator, run end', () => {
    // The bundle's logging.conf format: `%(asctime)s - %(name)s - %(levelname)s - %(message)s`.
    const log = [
      '2024-03-02 11:00:01,001 - ignite.engine.engine.SupervisedTrainer - INFO - Engine run resuming from iteration 0, epoch 0 until 5 epochs',
      '2024-03-02 11:00:09,502 - ignite.engine.engine.SupervisedTrainer - INFO - Epoch: 1/5, Iter: 2/2 -- train_loss: 0.7712 ',
      '2024-03-02 11:00:09,610 - ignite.engine.engine.SupervisedEvaluator - INFO - Engine run resuming from iteration 0, epoch 0 until 1 epochs',
      '2024-03-02 11:00:12,250 - ignite.engine.engine.SupervisedEvaluator - INFO - Epoch[1] Complete. Time taken: 00:00:02.640',
      '2024-03-02 11:00:12,251 - ignite.engine.engine.SupervisedEvaluator - INFO - Engine run complete. Time taken: 00:00:02.641',
      '2024-03-02 11:00:12,260 - ignite.engine.engine.SupervisedTrainer - INFO - Epoch[1] Complete. Time taken: 00:00:11.259',
      '2024-03-02 11:01:02,000 - ignite.engine.engine.SupervisedTrainer - INFO - Engine run complete. Time taken: 01:00:01.000',
    ].join('\n');
    expect(parseTrainingLog(log)).toEqual([
      { type: 'start', engine: 'trainer', fromEpoch: 0, totalEpochs: 5 },
      { type: 'iteration', epoch: 1, totalEpochs: 5, iteration: 2, totalIterations: 2, loss: 0.7712, values: { train_loss: 0.7712 } },
      { type: 'start', engine: 'evaluator', fromEpoch: 0, totalEpochs: 1 },
      { type: 'epoch', engine: 'evaluator', epoch: 1, seconds: 2.64 },
      { type: 'complete', engine: 'evaluator', seconds: 2.641 },
      { type: 'epoch', engine: 'trainer', epoch: 1, seconds: 11.259 },
      { type: 'complete', engine: 'trainer', seconds: 3601 },
    ]);
  });

  it('parses a log cut into any chunks exactly as the whole log (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: CLARA4_LOG.length }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const parser = createTrainingLogParser();
        const events = [];
        let from = 0;
        for (const to of [...points, CLARA4_LOG.length]) {
          events.push(...parser.push(CLARA4_LOG.slice(from, to)));
          from = to;
        }
        events.push(...parser.end());
        expect(events).toEqual(parseTrainingLog(CLARA4_LOG));
      }),
    );
  });

  it('never throws on hostile text and only yields well-formed events (property)', () => {
    const piece = fc.constantFrom(
      'Engine run resuming from iteration 0, epoch ',
      ' until ',
      ' epochs',
      '] Complete. Time taken: ',
      'Engine run complete. Time taken: ',
      '00:',
      'Epoch: ',
      'Epoch[',
      '] Metrics -- ',
      ', Iter: ',
      '/',
      ': ',
      'Key metric: ',
      ' best value: ',
      ' at epoch: ',
      'loss',
      'nan',
      'inf',
      '1e309',
      '\n',
      '\r',
      '-',
      '9'.repeat(30),
    );
    const line = fc.array(fc.oneof(piece, fc.string(), fc.integer().map(String)), { maxLength: 30 }).map((p) => p.join(''));
    fc.assert(
      fc.property(line, (text) => {
        for (const event of parseTrainingLog(text)) {
          expect(['iteration', 'validation', 'best', 'start', 'epoch', 'complete']).toContain(event.type);
          if ('epoch' in event) expect(Number.isInteger(event.epoch)).toBe(true);
          if ('seconds' in event) expect(Number.isFinite(event.seconds)).toBe(true);
        }
        expect(() => diagnoseTrainingLog(text)).not.toThrow();
      }),
    );
  });
});

describe('diagnosing failed jobs', () => {
  it('names out of memory, missing data, bad config and other errors from the log', () => {
    expect(
      diagnoseTrainingLog(
        'Epoch: 1/5, Iter: 1/4 -- train_loss: 0.9\nRuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78 GiB total capacity)',
      ),
    ).toEqual({
      reason: 'out-of-memory',
      message: 'RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78 GiB total capacity)',
    });
    expect(diagnoseTrainingLog('slurmstepd: error: Detected 1 oom-kill event(s) in StepId=123.batch')?.reason).toBe('out-of-memory');
    expect(diagnoseTrainingLog("FileNotFoundError: [Errno 2] No such file or directory: '/data/imagesTr/spleen_2.nii.gz'")?.reason).toBe(
      'missing-file',
    );
    expect(diagnoseTrainingLog('json.decoder.JSONDecodeError: Expecting value: line 3 column 5 (char 40)')?.reason).toBe('bad-config');
    expect(diagnoseTrainingLog('Traceback (most recent call last):\n  File "x.py"\nValueError: bad shape')).toEqual({
      reason: 'error',
      message: 'ValueError: bad shape',
    });
    expect(diagnoseTrainingLog('all fine\n')).toBeUndefined();
  });
});
