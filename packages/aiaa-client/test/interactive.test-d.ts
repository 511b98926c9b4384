import { describe, expectTypeOf, it } from 'vitest';
import {
  connectAnnotationServer,
  kindOfType,
  type AnnotationImage,
  type AnnotationMask,
  type AnnotationModelKind,
  type AnnotationProtocol,
  type AnnotationServer,
  type TrainingOutcome,
} from '@medaas/aiaa-client/interactive';

declare const server: AnnotationServer;
declare const image: AnnotationImage;

describe('the interactive loop, one interface for both protocols', () => {
  it('connecting gives the common interface, whichever protocol', () => {
    expectTypeOf(
      connectAnnotationServer({ baseUrl: 'http://127.0.0.1:8000', protocol: 'auto' }),
    ).resolves.toEqualTypeOf<AnnotationServer>();
    expectTypeOf(server.protocol).toEqualTypeOf<AnnotationProtocol>();
    expectTypeOf<AnnotationProtocol>().toEqualTypeOf<'aiaa' | 'monai-label'>();
    // @ts-expect-error the protocol is named: 'aiaa', 'monai-label' or 'auto'
    void connectAnnotationServer({ baseUrl: 'http://127.0.0.1:8000', protocol: 'clara' });
  });

  it('models have a kind a viewer can filter on', async () => {
    const [model] = await server.listModels();
    expectTypeOf(model).toEqualTypeOf<Awaited<ReturnType<AnnotationServer['listModels']>>[number] | undefined>();
    expectTypeOf(model!.kind).toEqualTypeOf<AnnotationModelKind>();
    expectTypeOf<AnnotationModelKind>().toEqualTypeOf<'segmentation' | 'interactive' | 'other'>();
    expectTypeOf(model!.dimension).toEqualTypeOf<2 | 3 | undefined>();
    expectTypeOf(kindOfType).returns.toEqualTypeOf<AnnotationModelKind>();
  });

  it('segment and click give the same mask shape; clicks need foreground points', async () => {
    expectTypeOf(await server.segment('segmentation_spleen', image)).toEqualTypeOf<AnnotationMask>();
    expectTypeOf(await server.click('deepgrow_3d', image, { foreground: [[1, 2, 3]], background: [] })).toEqualTypeOf<AnnotationMask>();
    // @ts-expect-error a click call needs foreground clicks
    void server.click('deepgrow_3d', image, { background: [[1, 2, 3]] });
  });

  it('an opened image is disposable and says where it lives; training ends in an outcome', async () => {
    expectTypeOf(image).toMatchTypeOf<AsyncDisposable>();
    expectTypeOf(image.storage).toEqualTypeOf<'session' | 'datastore'>();
    const outcome = await server.train({ params: { max_epochs: 1 } });
    expectTypeOf(outcome).toEqualTypeOf<TrainingOutcome>();
    expectTypeOf(outcome.state).toEqualTypeOf<'done' | 'error' | 'stopped'>();
  });
});
