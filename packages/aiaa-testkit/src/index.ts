/**
 * A faithful AIAA v1 server for development and tests, with classical algorithms instead of neural
 * networks: Otsu threshold + largest connected component (automatic segmentation), the structure inside
 * the extreme points' box (DEXTR3D), and seeded region growing (DeepGrow 2-D/3-D). It runs on loopback,
 * keeps sessions in memory with expiry and a size limit, and answers bad requests with 4xx JSON.
 *
 * @packageDocumentation
 */
export { startTestServer } from './server.js';
export { DEFAULT_MONAI_LABEL_MODELS } from './monai-label/models.js';
export type { MonaiLabelFaceOptions } from './monai-label/face.js';
export type { TestAuthOptions, TestUser, MonaiRole } from './monai-label/auth.js';
export type { TestServer, TestServerOptions, TestServerStats } from './server.js';
export { DEFAULT_TEST_MODELS } from './models.js';
export type { TestModel, TestAlgorithm } from './models.js';
export type { SessionLimits } from './sessions.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { TestServerLimits } from './limits.js';
export { TestkitError } from './errors.js';
export type { TestkitErrorCode } from './errors.js';
export { PYTHON_CLIENT_BOUNDARY } from './replies.js';
export { spherePhantom, dice, extremePointsOf, OBLIQUE_AFFINE } from './phantoms.js';
export type { PhantomOptions, PhantomSphere } from './phantoms.js';
export { fitWindowModel } from './fit.js';
export type { FitPair, FitEpoch, FitOptions, FitResult } from './fit.js';
export { WINDOW_MODEL_FORMAT, parseWindowModel, serializeWindowModel, windowSegmentation, defaultWindowParams } from './window-model.js';
export type { WindowModelParams } from './window-model.js';
export { runFitJob, FitJobFailure } from './fit-job.js';
export type { FitJobOptions, FitJobResult } from './fit-job.js';
export type { Grid } from './grid.js';
