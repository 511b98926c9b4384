import type { AiaaImage } from '../multipart-writer.js';

/** The SHA-256 of an image as lower-case hex: streamed from a `Blob` in Node, in one piece in browsers. */
export type Sha256Hex = (data: AiaaImage, options?: { readonly signal?: AbortSignal | undefined }) => Promise<string>;

/** The SHA-256 of this build: `node:crypto` over the stream in Node, Web Crypto elsewhere. */
export declare const sha256Hex: Sha256Hex;
