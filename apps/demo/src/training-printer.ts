import type { TrainingEvent } from '@medaas/training';

/**
 * Prints a training job's events as they arrive: its state changes, one line per epoch (loss, validation
 * metric, best so far), and how it ended. Iteration lines within an epoch are folded into the epoch's line.
 */
export function trainingPrinter(log: (line: string) => void): (event: TrainingEvent) => void {
  let loss: number | undefined;
  let best: { metric: number; epoch: number } | undefined;
  return (event) => {
    switch (event.type) {
      case 'state':
        // The end is printed by the 'end' event, after the log's last epochs.
        if (event.status.state === 'queued' || event.status.state === 'running') log(`  train job / ${event.status.state}`);
        break;
      case 'iteration':
        if (event.loss !== undefined) loss = event.loss;
        break;
      case 'best':
        best = { metric: event.metric, epoch: event.epoch };
        break;
      case 'validation':
        log(
          `  train / epoch ${event.epoch}: ${loss === undefined ? '' : `loss ${loss.toFixed(4)}, `}${event.name} ${event.metric.toFixed(4)}`,
        );
        break;
      case 'end':
        log(
          `  train job / ended ${event.status.state}${best ? `, best ${best.metric.toFixed(4)} at epoch ${best.epoch}` : ''}${event.failure ? `: ${event.failure.message}` : ''}`,
        );
        break;
    }
  };
}
