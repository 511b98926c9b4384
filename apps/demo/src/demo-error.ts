import { MedaasError } from '@medaas/core';

/**
 * What stops the demo's tour:
 * - `DEMO_SETUP_FAILED`: something the demo needs on this machine is missing (a tool, the repository's scripts).
 * - `DEMO_STEP_FAILED`: a step's outcome is not what the workflow needs to go on (an empty segmentation, a PACS
 *   that did not store the SEG, a training job that left no model).
 */
export type DemoErrorCode = 'DEMO_SETUP_FAILED' | 'DEMO_STEP_FAILED';

/** The demo's own failures, printed by `main` as `[code] message` like the SDK's errors. */
export class DemoError extends MedaasError<DemoErrorCode> {}
