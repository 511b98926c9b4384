#!/usr/bin/env node
/**
 * The testkit's `fit` trainer as a command: `node fit.mjs --mmar DIR`. It runs as a batch job exactly as a
 * Clara training job does; progress goes to stdout, a failure to stderr as `ERROR: ...` with exit status 1.
 */
import { FitJobFailure, runFitJob } from './fit-job.js';

const index = process.argv.indexOf('--mmar');
const mmarDir = index > 0 ? process.argv[index + 1] : undefined;
if (!mmarDir) {
  console.error('ERROR: usage: fit --mmar MMAR_DIR');
  process.exit(2);
}
const controller = new AbortController();
process.on('SIGTERM', () => controller.abort(new Error('terminated')));
try {
  await runFitJob({ mmarDir, signal: controller.signal });
} catch (error) {
  console.error(`ERROR: ${error instanceof FitJobFailure || error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
