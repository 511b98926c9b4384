import type { AppliedAction } from './profile-actions.js';

/** One attribute the profile acted on, by tag and keyword only: never a value. */
export interface DeidentifiedAttribute {
  /** `(GGGG,EEEE)`, with `xx` for the repeating groups 50xx and 60xx. */
  readonly tag: string;
  readonly keyword: string;
  readonly action: AppliedAction;
  /** How many instances held the attribute (at any depth) and had it treated so. */
  readonly instances: number;
}

/** What a de-identification did: options, method codes and actions per attribute. It holds no patient data. */
export interface DeidentificationReport {
  readonly profile: 'DICOM PS3.15 Annex E Basic Application Level Confidentiality Profile';
  readonly options: {
    readonly retainLongitudinalDates: 'off' | 'full' | 'modified';
    readonly cleanDescriptors: boolean;
    readonly pseudonym: boolean;
    readonly allowBurnedInAnnotation: boolean;
  };
  /** The CID 7050 codes written to De-identification Method Code Sequence (0012,0064). */
  readonly methodCodes: readonly string[];
  readonly instances: number;
  /** The attributes acted on, in tag order. */
  readonly attributes: readonly DeidentifiedAttribute[];
  /** Private elements removed (creators included), summed over instances. */
  readonly privateTagsRemoved: number;
}

/** Sums instance outcomes into {@link DeidentifiedAttribute} rows. */
export function summariseAttributes(touched: Iterable<ReadonlySet<string>>): DeidentifiedAttribute[] {
  const counts = new Map<string, number>();
  for (const set of touched) for (const key of set) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts]
    .map(([key, instances]) => {
      const [tag, keyword, action] = key.split('|') as [string, string, AppliedAction];
      return { tag: `(${tag.slice(0, 4)},${tag.slice(4)})`, keyword, action, instances };
    })
    .sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : a.action < b.action ? -1 : 1));
}
