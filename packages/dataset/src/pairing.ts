import { compareKeys } from './items.js';

/**
 * An image and its label, with the case name they share. A type alias rather than an interface so that
 * pairs can be used directly where data list entries are expected (e.g. `splitDataset<DatalistEntry>`).
 */
export type CasePair = {
  /** The case name both file names share, e.g. `spleen_2`. */
  readonly case: string;
  readonly image: string;
  readonly label: string;
};

/** The literal codes of pairing findings. */
export type PairingFindingCode =
  'UNPAIRED_IMAGE' | 'UNPAIRED_LABEL' | 'DUPLICATE_IMAGE' | 'DUPLICATE_LABEL' | 'UNRECOGNISED_FILE' | 'IGNORED_FILE';

/** Something about a file that kept it out of the pairs. */
export interface PairingFinding {
  readonly code: PairingFindingCode;
  /** The path as given. */
  readonly path: string;
  /** The case name, when the file name yields one. */
  readonly case?: string;
  readonly message: string;
}

/** The pairs found, and the files that could not be paired and why. */
export interface PairingResult {
  /** Complete pairs, sorted by case name. */
  readonly pairs: CasePair[];
  readonly findings: PairingFinding[];
}

/**
 * How file names map to case names: each pattern is matched against the file name (not the folder) and
 * its `case` named group, or else its first group, is the case name.
 */
export interface NamingRule {
  readonly image: RegExp;
  readonly label: RegExp;
}

/** Options of {@link pairImagesWithLabels}. */
export interface PairImagesOptions {
  /** `'msd'` (default): same file name in imagesTr/labelsTr, with nnU-Net's `_0000` channel suffix allowed on images. */
  readonly rule?: 'msd' | NamingRule;
}

const IMAGE_EXTENSION = /\.(nii\.gz|nii|mha|mhd|nrrd|npy|npz)$/i;

/** The MSD convention: the case name is the file name without its extension (and `_0000` on images). */
export const MSD_RULE: NamingRule = Object.freeze({
  image: /^(?<case>.+?)(?:_\d{4})?\.(?:nii\.gz|nii|mha|mhd|nrrd|npy|npz)$/i,
  label: /^(?<case>.+?)\.(?:nii\.gz|nii|mha|mhd|nrrd|npy|npz)$/i,
});

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

function caseOf(pattern: RegExp, path: string): string | undefined {
  const match = pattern.exec(baseName(path));
  const name = match?.groups?.['case'] ?? match?.[1];
  return name === undefined || name === '' ? undefined : name;
}

/**
 * Pairs images with labels by case name, in the MSD layout (imagesTr/labelsTr, same file names) or by a
 * naming rule. Files that cannot be paired are findings, not errors: an image without a label, a label
 * without an image, two images (or labels) for one case, a file that matches no rule, and hidden files
 * such as the `._spleen_2.nii.gz` that macOS adds to tarballs (ignored).
 *
 * @param images - image paths (any folder prefix is kept in the result).
 * @param labels - label paths; may be the same list as `images` with a rule that tells them apart.
 * @example
 * ```ts
 * const { pairs, findings } = pairImagesWithLabels(['imagesTr/a.nii.gz', 'imagesTr/b.nii.gz'], ['labelsTr/a.nii.gz']);
 * // pairs: [{ case: 'a', image: 'imagesTr/a.nii.gz', label: 'labelsTr/a.nii.gz' }]
 * // findings: [{ code: 'UNPAIRED_IMAGE', path: 'imagesTr/b.nii.gz', case: 'b', ... }]
 * ```
 */
export function pairImagesWithLabels(images: readonly string[], labels: readonly string[], options: PairImagesOptions = {}): PairingResult {
  const rule = options.rule === undefined || options.rule === 'msd' ? MSD_RULE : options.rule;
  const findings: PairingFinding[] = [];
  const visible = (paths: readonly string[]): string[] =>
    paths.filter((path) => {
      if (!baseName(path).startsWith('.')) return true;
      findings.push({ code: 'IGNORED_FILE', path, message: `${path} is a hidden file (e.g. macOS "._" metadata) and was ignored` });
      return false;
    });
  const unrecognised = (path: string, what: string): void => {
    findings.push({
      code: 'UNRECOGNISED_FILE',
      path,
      message: `${path} ${what}${IMAGE_EXTENSION.test(baseName(path)) ? '' : ' (unknown extension)'}`,
    });
  };
  let imagePaths: readonly string[];
  let labelPaths: readonly string[];
  if (images === labels || (images.length === labels.length && images.every((path, i) => path === labels[i]))) {
    // One listing for both (images and labels in one folder): the rule's patterns tell them apart.
    const asImages: string[] = [];
    const asLabels: string[] = [];
    for (const path of visible(images)) {
      const image = caseOf(rule.image, path) !== undefined;
      const label = caseOf(rule.label, path) !== undefined;
      if (image && !label) asImages.push(path);
      else if (label && !image) asLabels.push(path);
      else unrecognised(path, image ? 'matches both the image and the label pattern' : 'matches neither the image nor the label pattern');
    }
    imagePaths = asImages;
    labelPaths = asLabels;
  } else {
    imagePaths = visible(images);
    labelPaths = visible(labels);
  }
  const collect = (paths: readonly string[], kind: 'image' | 'label'): Map<string, string> => {
    const byCase = new Map<string, string[]>();
    for (const path of paths) {
      const key = caseOf(kind === 'image' ? rule.image : rule.label, path);
      if (key === undefined) unrecognised(path, `does not look like an ${kind}`);
      else byCase.set(key, [...(byCase.get(key) ?? []), path]);
    }
    const unique = new Map<string, string>();
    for (const [key, found] of byCase) {
      if (found.length === 1) unique.set(key, found[0] as string);
      else {
        for (const path of found.sort(compareKeys)) {
          findings.push({
            code: kind === 'image' ? 'DUPLICATE_IMAGE' : 'DUPLICATE_LABEL',
            path,
            case: key,
            message: `case ${key} has ${found.length} ${kind}s: ${found.join(', ')}`,
          });
        }
      }
    }
    return unique;
  };
  const imageByCase = collect(imagePaths, 'image');
  const labelByCase = collect(labelPaths, 'label');
  const pairs: CasePair[] = [];
  for (const [key, image] of imageByCase) {
    const label = labelByCase.get(key);
    if (label === undefined)
      findings.push({ code: 'UNPAIRED_IMAGE', path: image, case: key, message: `${image} has no label (case ${key})` });
    else pairs.push({ case: key, image, label });
  }
  for (const [key, label] of labelByCase) {
    if (!imageByCase.has(key))
      findings.push({ code: 'UNPAIRED_LABEL', path: label, case: key, message: `${label} has no image (case ${key})` });
  }
  pairs.sort((a, b) => compareKeys(a.case, b.case));
  findings.sort((a, b) => compareKeys(a.path, b.path) || compareKeys(a.code, b.code));
  return { pairs, findings };
}
