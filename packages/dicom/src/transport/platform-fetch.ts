/** The `fetch` a DICOMweb client uses when the caller gives none: chosen per platform by the `#fetch` import map. */
export type PlatformFetch = typeof globalThis.fetch;
