// dcmjs decodes the top level of a dataset in its Specific Character Set but the items of sequences in
// Latin-1 (each item is read through a fresh stream), and then reports the set as ISO_IR 192 whatever it was.
// The segment names the reader returns live in items, so it finds the declared set in the bytes and
// decodes those strings again.

const DECODERS: Record<string, string> = {
  'ISO_IR 192': 'utf-8',
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 166': 'windows-874',
  GB18030: 'gb18030',
  GBK: 'gbk',
};

/**
 * The Specific Character Set (0008,0005) of a Part 10 file as written, read from the bytes: the first
 * element of group 0008 in the dataset, just after the file meta group, in explicit or implicit VR.
 */
export function declaredCharacterSet(bytes: Uint8Array): string | undefined {
  if (bytes.length < 144) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(132, true) !== 0x0002 || view.getUint16(134, true) !== 0x0000) return undefined;
  const start = 144 + view.getUint32(140, true);
  // Group length or retired elements may come first: look a little way in.
  for (let at = start; at + 8 <= Math.min(bytes.length, start + 64); at += 2) {
    if (view.getUint16(at, true) !== 0x0008 || view.getUint16(at + 2, true) !== 0x0005) continue;
    const explicit = bytes[at + 4] === 0x43 && bytes[at + 5] === 0x53; // 'CS'
    const length = explicit ? view.getUint16(at + 6, true) : view.getUint32(at + 4, true);
    const offset = at + 8;
    if (offset + length > bytes.length || length > 256) return undefined;
    return String.fromCharCode(...bytes.subarray(offset, offset + length))
      .split('\\')[0]!
      .trim();
  }
  return undefined;
}

/** A string dcmjs decoded as Latin-1 inside a sequence item, decoded in the file's declared character set. */
export function redecode(value: string, characterSet: string | undefined): string {
  const label = characterSet === undefined ? undefined : DECODERS[characterSet];
  if (!label || [...value].some((c) => c.charCodeAt(0) > 0xff)) return value;
  try {
    return new TextDecoder(label, { fatal: true }).decode(Uint8Array.from(value, (c) => c.charCodeAt(0)));
  } catch {
    return value;
  }
}
