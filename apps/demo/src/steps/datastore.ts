import { openAsBlob } from 'node:fs';
import { basename, join } from 'node:path';
import { createMonaiLabelClient } from '@medaas/aiaa-client/monai-label';
import { readDatalist } from '@medaas/dataset/node';

/** What the datastore holds after step 5b. */
export interface DatastoreResult {
  /** Cases sent now (image and final label). */
  readonly added: number;
  /** Cases it had already (the validated case among them, saved in step 3). */
  readonly present: number;
  /** Images in the datastore and how many have a final label. */
  readonly stats: { readonly total: number; readonly completed: number };
}

/**
 * Step 5b, MONAI Label: the server's datastore is the project the server trains on, so the data list's
 * training and validation pairs go into it (each image only if the datastore lacks it, by checksum, and its
 * final label); its testing part stays out, so that the server never trains on the held-out cases.
 */
export async function datastoreStep(url: string, projectFolder: string): Promise<DatastoreResult> {
  await using client = createMonaiLabelClient({ baseUrl: url });
  const datalist = await readDatalist(join(projectFolder, 'dataset_0.json'));
  let added = 0;
  let present = 0;
  for (const entry of [...datalist.training, ...datalist.validation]) {
    if (typeof entry.image !== 'string' || typeof entry.label !== 'string') continue;
    const id = basename(entry.image).replace(/\.nii(\.gz)?$/, '');
    if (await client.hasLabel(id, { tag: 'final' })) {
      present += 1;
      continue;
    }
    await client.ensureImage(await openAsBlob(join(projectFolder, entry.image)), { id });
    await client.saveLabel(id, await openAsBlob(join(projectFolder, entry.label)), { labelInfo: [{ name: 'object', idx: 1 }] });
    added += 1;
  }
  const stats = await client.datastoreStats();
  return { added, present, stats: { total: stats.total, completed: stats.completed } };
}
