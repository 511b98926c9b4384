import { AiaaError } from '../errors.js';

/** The model types an AIAA server reports. Slicer groups them: auto-segmentation, boundary points (annotation), DeepGrow. */
export type AiaaModelType = 'segmentation' | 'annotation' | 'classification' | 'deepgrow' | 'others' | 'pipeline';

/**
 * A model as `/v1/models` describes it, with the official C++ client's defaults filled in, so that every
 * field a client reads is present.
 */
export interface AiaaModel {
  /** The id used in `?model=`. */
  readonly name: string;
  /** What the model does (an unknown type from a newer server is kept as it was sent). */
  readonly type: AiaaModelType | (string & {});
  /** Structures the model labels, in label-value order (label 1 first). */
  readonly labels: readonly string[];
  /** Free text. Empty when the server sends none. */
  readonly description: string;
  /** Model or configuration version, when the server reports one. */
  readonly version: string | undefined;
  /** The server's engine name (the `internal name` field). */
  readonly internalName: string | undefined;
  /** DEXTR3D crop padding in millimetres. Default 20. */
  readonly paddingMm: number;
  /** DEXTR3D region-of-interest size in voxels. Default `[128, 128, 128]`. */
  readonly roiSize: readonly [number, number, number];
  /** Gaussian sigma of the extreme-point heatmaps. Default 3. */
  readonly sigma: number;
  /** For DeepGrow models: `'2D'` or `'3D'`, when the server says. */
  readonly deepgrow: '2D' | '3D' | undefined;
  /** The descriptor exactly as the server sent it. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Decodes one model descriptor. */
export function parseModel(value: unknown, operation: string): AiaaModel {
  if (!value || typeof value !== 'object' || Array.isArray(value) || typeof (value as Record<string, unknown>)['name'] !== 'string') {
    throw new AiaaError('AIAA_INVALID_RESPONSE', `${operation}: a model descriptor must be an object with a string "name"`, {
      details: { operation },
    });
  }
  const raw = value as Record<string, unknown>;
  const labels = Array.isArray(raw['labels']) ? raw['labels'].filter((l): l is string => typeof l === 'string') : [];
  const roi = Array.isArray(raw['roi']) ? raw['roi'].filter((n): n is number => typeof n === 'number' && n > 0) : [];
  const dg = typeof raw['deepgrow'] === 'string' ? raw['deepgrow'] : undefined;
  return {
    name: raw['name'] as string,
    type: typeof raw['type'] === 'string' ? raw['type'] : 'others',
    labels,
    description: typeof raw['description'] === 'string' ? raw['description'] : '',
    version: typeof raw['version'] === 'string' ? raw['version'] : undefined,
    internalName: typeof raw['internal name'] === 'string' ? raw['internal name'] : undefined,
    paddingMm: typeof raw['padding'] === 'number' && raw['padding'] >= 0 ? raw['padding'] : 20,
    // The C++ client pads a short roi with its default, 128.
    roiSize: [roi[0] ?? 128, roi[1] ?? 128, roi[2] ?? 128],
    sigma: typeof raw['sigma'] === 'number' ? raw['sigma'] : 3,
    deepgrow: dg === undefined ? undefined : /3d/i.test(dg) ? '3D' : '2D',
    raw,
  };
}

/** Decodes the reply of `/v1/models`: an array, or (for `?model=`) possibly a single object. */
export function parseModelList(value: unknown, operation: string): AiaaModel[] {
  if (Array.isArray(value)) return value.map((item) => parseModel(item, operation));
  if (value && typeof value === 'object') return [parseModel(value, operation)];
  throw new AiaaError('AIAA_INVALID_RESPONSE', `${operation}: expected a JSON array of models`, { details: { operation } });
}
