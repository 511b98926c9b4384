import type { PlatformFetch } from './platform-fetch.js';

/** Browsers (and any runtime without Node's `http`): the global `fetch`, looked up at call time. */
export const platformFetch: PlatformFetch = (input, init) => globalThis.fetch(input, init);
