import { describe, expectTypeOf, it } from 'vitest';
import { isMedaasError } from '@medaas/core';
import {
  AiaaError,
  isAiaaSession,
  type AiaaClient,
  type AiaaErrorCode,
  type AiaaSession,
  type DeepgrowResult,
  type FixPolygonResult,
  type InferenceResult,
  type SegmentationResult,
  type SlicePolygons,
  type VoxelBox,
  type VoxelPoint,
} from '@medaas/aiaa-client';
import type { MonaiLabelClient, MonaiLabelInferResult, MonaiLabelSession } from '@medaas/aiaa-client/monai-label';

declare const client: AiaaClient;
declare const monai: MonaiLabelClient;
declare const image: Uint8Array;
declare const session: AiaaSession;
declare const input: Uint8Array | AiaaSession;

describe('AIAA v1 results per model type', () => {
  it('segmentation and dextr3d give a mask with extreme points', async () => {
    const segmentation = await client.segmentation('spleen', image);
    expectTypeOf(segmentation).toEqualTypeOf<SegmentationResult>();
    expectTypeOf(segmentation.mask).toEqualTypeOf<Uint8Array>();
    expectTypeOf(segmentation.points).toEqualTypeOf<readonly VoxelPoint[]>();
    expectTypeOf(await client.dextr3d('dextr3d', session, { points: segmentation.points })).toEqualTypeOf<SegmentationResult>();
  });

  it('deepgrow gives a mask with the box that changed, undefined for the whole mask', async () => {
    const grown = await client.deepgrow('deepgrow_3d', session, { foreground: [[10, 20, 30]] });
    expectTypeOf(grown).toEqualTypeOf<DeepgrowResult>();
    expectTypeOf(grown.crop).toEqualTypeOf<VoxelBox | undefined>();
    expectTypeOf(grown).not.toHaveProperty('points');
  });

  it('generic inference is a mask or JSON, told apart by kind', async () => {
    const result = await client.inference('classifier', image);
    expectTypeOf(result).toEqualTypeOf<InferenceResult>();
    if (result.kind === 'mask') expectTypeOf(result.mask).toEqualTypeOf<Uint8Array>();
    else expectTypeOf(result.value).toBeUnknown();
    // @ts-expect-error only a mask result has a mask: narrow on kind first
    void result.mask;
  });

  it('fixPolygon takes a slice for 2-D and a slice index for 3-D', async () => {
    const polygons: SlicePolygons = [
      [
        [1, 1],
        [5, 1],
        [5, 5],
      ],
    ];
    const fixed = await client.fixPolygon(image, { dimension: 2, polygons, polygonIndex: 0, vertexIndex: 1, vertexOffset: [2, 0] });
    expectTypeOf(fixed).toEqualTypeOf<FixPolygonResult>();
    expectTypeOf(fixed.polygons).toEqualTypeOf<SlicePolygons | readonly SlicePolygons[]>();
    // @ts-expect-error 3-D polygons need the slice they are edited on
    void client.fixPolygon(image, { dimension: 3, polygons: [polygons], polygonIndex: 0, vertexIndex: 1, vertexOffset: [2, 0] });
  });

  it('clicks and extreme points are required where the model needs them', () => {
    // @ts-expect-error deepgrow needs foreground clicks
    void client.deepgrow('deepgrow_3d', session, {});
    // @ts-expect-error dextr3d needs extreme points
    void client.dextr3d('dextr3d', session, {});
    // @ts-expect-error a voxel point has three indices
    void client.deepgrow('deepgrow_3d', session, { foreground: [[10, 20]] });
  });

  it('isAiaaSession narrows an input to a session', () => {
    if (isAiaaSession(input)) expectTypeOf(input.id).toEqualTypeOf<string>();
    else expectTypeOf(input).toEqualTypeOf<Uint8Array>();
  });
});

describe('MONAI Label infer results', () => {
  it('infer is a mask, JSON or a DICOM SEG, told apart by kind', async () => {
    const result = await monai.infer('deepedit', 'spleen_10', { clicks: { spleen: [[40, 50, 20]] } });
    expectTypeOf(result).toEqualTypeOf<MonaiLabelInferResult>();
    switch (result.kind) {
      case 'mask':
        expectTypeOf(result.mask).toEqualTypeOf<Uint8Array>();
        break;
      case 'json':
        expectTypeOf(result.params).toEqualTypeOf<Readonly<Record<string, unknown>>>();
        break;
      case 'dicom-seg':
        expectTypeOf(result.dicom).toEqualTypeOf<Uint8Array>();
        expectTypeOf(result.fileName).toEqualTypeOf<string | undefined>();
        break;
      default:
        expectTypeOf(result).toBeNever();
    }
  });

  it('segment always gives the mask form, and takes no output option', async () => {
    const result = await monai.segment('segmentation_spleen', image);
    expectTypeOf(result.kind).toEqualTypeOf<'mask'>();
    expectTypeOf(result.mask).toEqualTypeOf<Uint8Array>();
    // @ts-expect-error segment's reply form is fixed
    void monai.segment('segmentation_spleen', image, { output: 'json' });
    // @ts-expect-error dicom_seg, not dicom-seg, is the server's name of the form
    void monai.infer('segmentation_spleen', image, { output: 'dicom-seg' });
  });

  it('a session is an input like an image or a datastore id', async () => {
    const created = await monai.createSession(image);
    expectTypeOf(created).toEqualTypeOf<MonaiLabelSession>();
    expectTypeOf(monai.infer).parameter(1).toEqualTypeOf<string | Uint8Array | Blob | MonaiLabelSession>();
  });
});

describe('AiaaError codes', () => {
  it("AiaaError['code'] is the literal union, and narrowing keeps only the codes asked for", () => {
    expectTypeOf<AiaaError['code']>().toEqualTypeOf<AiaaErrorCode>();
    expectTypeOf<'AIAA_SESSION_EXPIRED'>().toMatchTypeOf<AiaaErrorCode>();
    expectTypeOf<'AIAA_TIMEOUT'>().not.toMatchTypeOf<AiaaErrorCode>();
    const error: unknown = new AiaaError('AIAA_BUSY', 'training runs');
    if (isMedaasError(error, 'AIAA_SESSION_EXPIRED', 'AIAA_BUSY')) {
      expectTypeOf(error.code).toEqualTypeOf<'AIAA_SESSION_EXPIRED' | 'AIAA_BUSY'>();
    }
    // @ts-expect-error AIAA_TIMEOUT is not an AiaaError code (timeouts reject with signal.reason)
    void new AiaaError('AIAA_TIMEOUT', 'slow');
  });
});
