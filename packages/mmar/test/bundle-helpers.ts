import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of the hand-written fixture bundles (Model Zoo layout). */
export const BUNDLE_FIXTURES = fileURLToPath(new URL('./fixtures/bundles/', import.meta.url));

/** The fixture bundles: a JSON segmentation one, a JSON DeepEdit one, a YAML classification one. */
export const BUNDLES = ['spleen_ct_segmentation', 'spleen_deepedit_annotation', 'endoscopic_inbody_classification'] as const;

/** Every file of a fixture bundle as text, by bundle-relative path. */
export function bundleFixture(name: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (prefix: string): void => {
    for (const entry of readdirSync(join(BUNDLE_FIXTURES, name, prefix)).sort()) {
      const path = prefix ? `${prefix}/${entry}` : entry;
      if (statSync(join(BUNDLE_FIXTURES, name, path)).isDirectory()) walk(path);
      else out[path] = readFileSync(join(BUNDLE_FIXTURES, name, path), 'utf8');
    }
  };
  walk('');
  return out;
}

/**
 * A line diff of two texts (longest common subsequence): the lines only in `before` as `-line` and the lines
 * only in `after` as `+line`, in order (a removed line before the line that replaces it).
 */
export function lineDiff(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      (lcs[i] as number[])[j] =
        a[i] === b[j]
          ? ((lcs[i + 1] as number[])[j + 1] as number) + 1
          : Math.max((lcs[i + 1] as number[])[j] as number, (lcs[i] as number[])[j + 1] as number);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (i < a.length && (j === b.length || ((lcs[i + 1] as number[])[j] as number) >= ((lcs[i] as number[])[j + 1] as number)))
      out.push(`-${a[i++] as string}`);
    else out.push(`+${b[j++] as string}`);
  }
  return out;
}
