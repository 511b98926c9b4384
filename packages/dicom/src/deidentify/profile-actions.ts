import { PROFILE_TABLE, type ProfileRow } from './profile-table.js';

/** What the de-identifier does to one attribute, after the options and the combined codes are resolved. */
export type AppliedAction =
  /** Removed. */
  | 'X'
  /** Kept with a zero-length value (an empty sequence for SQ). */
  | 'Z'
  /** Replaced with a dummy value of its VR (or the caller's pseudonym for Patient Name and ID). */
  | 'D'
  /** Kept as it was, byte for byte (sequences: their items de-identified in turn). */
  | 'K'
  /** UIDs replaced through the UID map (sequences: the UIDs in their items). */
  | 'U'
  /** Cleaned: dates shifted (Modified Dates option) or descriptors cleaned of identifiers. */
  | 'C';

/** How {@link resolveAction} treats an attribute. */
export type Treatment = 'remove' | 'zero' | 'dummy' | 'keep' | 'uid' | 'recurse' | 'shift' | 'clean';

/** The options that change actions. */
export interface ActionOptions {
  readonly dates: 'off' | 'full' | 'modified';
  readonly cleanDescriptors: boolean;
}

/** A resolved row: the attribute's row (or a synthetic one) and what to do. */
export interface ResolvedAction {
  readonly row: ProfileRow;
  readonly treatment: Treatment;
  readonly action: AppliedAction;
}

const BY_TAG = new Map<number, ProfileRow>(
  PROFILE_TABLE.filter((r) => !r[0].includes('x')).map((r) => [Number.parseInt(r[0], 16) >>> 0, r]),
);
const CURVE = PROFILE_TABLE.find((r) => r[0] === '50xxxxxx')!;
const OVERLAY_DATA = PROFILE_TABLE.find((r) => r[0] === '60xx3000')!;
const OVERLAY_COMMENTS = PROFILE_TABLE.find((r) => r[0] === '60xx4000')!;
/** The other attributes of an overlay group: removed with it, since an overlay without its data is broken. */
const OVERLAY_OTHER: ProfileRow = ['60xxxxxx', 'OverlayPlaneAttributes', 'UN', 'X', '', '', ''];
const PRIVATE: ProfileRow = ['gggg,eeee odd', 'PrivateAttributes', 'UN', 'X', '', '', ''];

/** The table row of a tag, with repeating groups 50xx and 60xx folded; undefined when the table does not list it. */
export function rowOf(tag: number): ProfileRow | undefined {
  const group = tag >>> 16;
  if ((group & 0xff01) === 0x5000) return CURVE;
  if ((group & 0xff01) === 0x6000) {
    const element = tag & 0xffff;
    return element === 0x3000 ? OVERLAY_DATA : element === 0x4000 ? OVERLAY_COMMENTS : OVERLAY_OTHER;
  }
  return BY_TAG.get(tag);
}

/** The table's VR of a tag, for implicit VR data. */
export function vrOf(tag: number): string | undefined {
  return BY_TAG.get(tag)?.[2];
}

/**
 * What to do with an element. Combined codes are resolved so that an attribute present in the source
 * stays present when an alternative allows it, which keeps Type 1 and 2 attributes conformant without
 * knowing the IOD: X/Z gives Z, any code with D gives D, X/Z/U* keeps the sequence and maps its UIDs.
 */
export function resolveAction(tag: number, vr: string, options: ActionOptions): ResolvedAction | undefined {
  if (((tag >>> 16) & 1) === 1) return { row: PRIVATE, treatment: 'remove', action: 'X' };
  const row = rowOf(tag);
  if (!row) return undefined;
  const [, , , basic, full, modified, clean] = row;
  if (options.dates === 'full' && full === 'K') return { row, treatment: 'keep', action: 'K' };
  if (options.dates === 'modified' && modified === 'C')
    return { row, treatment: vr === 'DA' || vr === 'DT' ? 'shift' : 'keep', action: vr === 'DA' || vr === 'DT' ? 'C' : 'K' };
  if (options.cleanDescriptors && clean === 'C') return { row, treatment: vr === 'SQ' ? 'recurse' : 'clean', action: 'C' };
  const isSequence = vr === 'SQ';
  switch (basic) {
    case 'X':
      return { row, treatment: 'remove', action: 'X' };
    case 'Z':
    case 'X/Z':
      return { row, treatment: 'zero', action: 'Z' };
    case 'D':
    case 'X/D':
    case 'Z/D':
    case 'X/Z/D':
      // No generic dummy item exists for a sequence: an empty one keeps it present.
      return isSequence ? { row, treatment: 'zero', action: 'Z' } : { row, treatment: 'dummy', action: 'D' };
    case 'U':
      return { row, treatment: 'uid', action: 'U' };
    case 'X/Z/U*':
      return isSequence ? { row, treatment: 'recurse', action: 'U' } : { row, treatment: 'zero', action: 'Z' };
    case 'K':
    case 'C':
      return { row, treatment: 'keep', action: 'K' };
  }
}
