import type { BundleComponent, BundleResolution } from './resolution.js';
import { definitionSite, staticValue, type DefinitionSite } from './static-value.js';

// Where a bundle states how many classes it predicts: the network's `out_channels` (or `num_classes` for
// classification networks such as SEResNet50) and the one-hot conversion of post-processing
// (`AsDiscreted`'s `to_onehot`, or `num_classes` in older MONAI). They must agree with metadata.json's
// `channel_def`, and `setBundleLabels` changes them together.

/** One place that states the number of output classes. */
export interface ClassCountSite {
  /** The id of the setting, e.g. `network_def#out_channels`. */
  readonly id: string;
  readonly component: BundleComponent;
  readonly key: string;
  /** The count when it is known statically. */
  readonly count: number | undefined;
  /** Where the number is written (following `@num_classes` and the like). */
  readonly definition: DefinitionSite | undefined;
  readonly role: 'network' | 'postprocessing';
}

/** Whether a component is a network the bundle trains or runs (rather than, say, a scheduler). */
function isNetwork(resolution: BundleResolution, component: BundleComponent): boolean {
  if (/(^|#)network_def$/.test(component.id) || component.id === 'network') return true;
  // `network: $@my_net.to(@device)` names the definition another way.
  const network = resolution.raw('network');
  return (
    typeof network === 'string' && network.startsWith('$') && new RegExp(`@${component.id.replaceAll('#', '(?:#|::)')}\\b`).test(network)
  );
}

/**
 * Every place in a resolved run that states the number of output classes.
 */
export function classCountSites(resolution: BundleResolution): ClassCountSite[] {
  const sites: ClassCountSite[] = [];
  for (const component of resolution.components) {
    const role = isNetwork(resolution, component) ? 'network' : /(^|\.)AsDiscreted?$/.test(component.target) ? 'postprocessing' : undefined;
    if (!role) continue;
    const keys = role === 'network' ? ['out_channels', 'num_classes'] : ['to_onehot', 'num_classes'];
    for (const key of keys) {
      const id = `${component.id}#${key}`;
      if (!resolution.has(id)) continue;
      const value = staticValue(resolution, id);
      // `to_onehot: true` (older MONAI) carries no count; `null`/`false` turns it off.
      if (role === 'postprocessing' && typeof value !== 'number' && !(typeof resolution.raw(id) === 'string')) continue;
      sites.push({
        id,
        component,
        key,
        count: typeof value === 'number' ? value : undefined,
        definition: definitionSite(resolution, id),
        role,
      });
    }
  }
  return sites;
}
