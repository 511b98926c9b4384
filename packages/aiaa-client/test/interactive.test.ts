import { isMedaasError } from '@medaas/core';
import { dice, spherePhantom, startTestServer, type TestServer } from '@medaas/aiaa-testkit';
import { readNifti, writeNifti } from '@medaas/nifti-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAnnotationServer, type AnnotationProtocol, type AnnotationServer } from '../src/interactive/index.js';

// Two touching spheres of similar brightness: a click on the target leaks into the neighbour unless a
// background click on the neighbour stops it.
const { volume, truth } = spherePhantom({
  noise: 15,
  spheres: [
    { center: [40, 30, 20], radius: 12, value: 970 },
    { center: [22, 30, 20], radius: 9, value: 1000 },
  ],
});
const TARGET = 2;
let image: Uint8Array;
const servers: Record<AnnotationProtocol, TestServer | undefined> = { aiaa: undefined, 'monai-label': undefined };
const saved: Uint8Array[] = [];

beforeAll(async () => {
  image = await writeNifti(volume, { gzip: true });
  servers.aiaa = await startTestServer();
  servers['monai-label'] = await startTestServer({ protocol: 'monai-label' });
});
afterAll(async () => {
  await servers.aiaa?.close();
  await servers['monai-label']?.close();
});

const voxels = async (bytes: Uint8Array): Promise<Uint8Array> => (await readNifti(bytes)).data as Uint8Array;

/** The loop a viewer runs, written once against the common interface. */
async function annotate(server: AnnotationServer): Promise<{ auto: Uint8Array; fgOnly: Uint8Array; refined: Uint8Array; uploads: number }> {
  const models = await server.listModels();
  const segmentation = models.find((m) => m.kind === 'segmentation')!;
  const interactive = models.find((m) => m.kind === 'interactive' && m.dimension !== 2)!;
  await using opened = await server.openImage(image);
  const auto = await server.segment(segmentation.name, opened);
  const fgOnly = await server.click(interactive.name, opened, { foreground: [[22, 30, 20]] });
  const refined = await server.click(interactive.name, opened, { foreground: [[22, 30, 20]], background: [[44, 30, 20]] });
  expect(refined.labels).toEqual([{ name: 'object', value: 1 }]);
  await server.saveLabel(opened, refined.mask);
  return { auto: await voxels(auto.mask), fgOnly: await voxels(fgOnly.mask), refined: await voxels(refined.mask), uploads: opened.uploads };
}

describe('one interactive loop, written once, on both protocols', () => {
  const results: Partial<Record<AnnotationProtocol, Awaited<ReturnType<typeof annotate>>>> = {};

  it.each(['aiaa', 'monai-label'] as const)('%s: models by kind, one upload, segmentation, clicks, a saved label', async (protocol) => {
    await using server = await connectAnnotationServer({
      baseUrl: servers[protocol]!.url,
      protocol,
      // AIAA keeps no labels: the caller says where validated masks go.
      saveLabel: async (_image, mask) => {
        saved.push(mask instanceof Uint8Array ? mask : new Uint8Array(await mask.arrayBuffer()));
        return { stored: 'project folder' };
      },
    });
    expect(server.protocol).toBe(protocol);
    const result = await annotate(server);
    results[protocol] = result;
    expect(result.uploads).toBe(1);
    // A click alone leaks into the touching neighbour; a background click keeps it out.
    expect(dice(result.fgOnly, truth, TARGET)).toBeLessThan(0.8);
    expect(dice(result.refined, truth, TARGET)).toBeGreaterThanOrEqual(0.95);
  });

  it('gives the same masks on both protocols', () => {
    const { aiaa, 'monai-label': ml } = results;
    expect(aiaa && ml).toBeTruthy();
    expect(Buffer.from(ml!.auto).equals(Buffer.from(aiaa!.auto))).toBe(true);
    expect(Buffer.from(ml!.fgOnly).equals(Buffer.from(aiaa!.fgOnly))).toBe(true);
    expect(Buffer.from(ml!.refined).equals(Buffer.from(aiaa!.refined))).toBe(true);
  });

  it('the validated mask landed: in the AIAA save handler, and as the final label in the MONAI Label datastore', async () => {
    expect(saved).toHaveLength(1);
    expect(dice(await voxels(saved[0]!), truth, TARGET)).toBeGreaterThanOrEqual(0.95);
    await using server = await connectAnnotationServer({ baseUrl: servers['monai-label']!.url, protocol: 'monai-label' });
    // The same image opened again: the datastore has it (by checksum), nothing is sent.
    await using again = await server.openImage(image);
    expect(again.uploads).toBe(0);
    const before = servers['monai-label']!.stats().bytesReceived;
    await server.click('deepgrow_3d', again, { foreground: [[22, 30, 20]], background: [[44, 30, 20]] });
    expect(servers['monai-label']!.stats().bytesReceived - before).toBeLessThan(2048);
  });

  it('training: the MONAI Label server trains on its final labels; an AIAA server says it does not train', async () => {
    await using ml = await connectAnnotationServer({ baseUrl: servers['monai-label']!.url, protocol: 'monai-label' });
    expect(ml.capabilities).toEqual({ datastore: true, saveLabel: true, training: true });
    const states: string[] = [];
    const outcome = await ml.train({ pollIntervalMs: 20, onStatus: ({ state }) => states.push(state) });
    expect(outcome.state).toBe('done');
    expect(outcome.model).toBe('segmentation');
    expect(states.at(-1)).toBe('DONE');
    expect(outcome.logTail.at(-1)).toMatch(/^Training finished/);
    await using aiaa = await connectAnnotationServer({ baseUrl: servers.aiaa!.url, protocol: 'aiaa' });
    expect(aiaa.capabilities.training).toBe(false);
    const refused = await aiaa.train().catch((e: unknown) => e);
    expect(isMedaasError(refused, 'AIAA_UNSUPPORTED')).toBe(true);
  });

  it('DeepEdit through the same click call gives the DeepGrow mask', async () => {
    await using ml = await connectAnnotationServer({ baseUrl: servers['monai-label']!.url, protocol: 'monai-label' });
    await using opened = await ml.openImage(image);
    const edit = await ml.click('deepedit', opened, { foreground: [[22, 30, 20]], background: [[44, 30, 20]], label: 'object' });
    expect(Buffer.from(await voxels(edit.mask)).equals(Buffer.from(results['monai-label']!.refined))).toBe(true);
    const wrong = await ml.click('deepedit', opened, { foreground: [[22, 30, 20]], label: 'liver' }).catch((e: unknown) => e);
    expect(isMedaasError(wrong, 'AIAA_INVALID_ARGUMENT')).toBe(true);
  });
});
