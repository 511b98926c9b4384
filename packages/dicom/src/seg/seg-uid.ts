/**
 * A new UID under the 2.25 root (PS3.5 B.2): the decimal form of a random (version 4) UUID, so no
 * organisation root is needed and two writers never collide. Uses Web Crypto, present in Node 20 and browsers.
 */
export function newUid(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return `2.25.${value.toString(10)}`;
}
