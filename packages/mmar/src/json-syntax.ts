import { MmarError } from './errors.js';

/** Where a node sits in the source text: `start` inclusive, `end` exclusive, both UTF-16 offsets. */
export interface JsonSpan {
  readonly start: number;
  readonly end: number;
}

/** A JSON object with its members in source order (duplicate keys are kept, the last one wins on read). */
export interface JsonObjectNode extends JsonSpan {
  readonly kind: 'object';
  readonly members: readonly JsonMember[];
}

/** One `"key": value` pair of an object; `keyStart`/`keyEnd` span the quoted key. */
export interface JsonMember {
  readonly key: string;
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly value: JsonNode;
}

/** A JSON array with its items in source order. */
export interface JsonArrayNode extends JsonSpan {
  readonly kind: 'array';
  readonly items: readonly JsonNode[];
}

/** A string, number, boolean or null, with its decoded value; the source spelling is `text.slice(start, end)`. */
export interface JsonScalarNode extends JsonSpan {
  readonly kind: 'string' | 'number' | 'boolean' | 'null';
  readonly value: string | number | boolean | null;
}

/** A node of the concrete syntax tree produced by {@link parseJsonSyntax}. */
export type JsonNode = JsonObjectNode | JsonArrayNode | JsonScalarNode;

/** A 1-based line and column of a UTF-16 offset in a text. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/**
 * Converts an offset into a 1-based line and column, counting `\n` as the line break (a `\r\n` pair
 * therefore counts once), which is what editors show.
 *
 * @example
 * ```ts
 * positionAt('{\n  "a": }', 9); // { line: 2, column: 8 }
 * ```
 */
export function positionAt(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Parses strict JSON (RFC 8259) into a concrete syntax tree that records where every value, key and
 * member sits in the text, so that edits can splice the text instead of re-serialising it. A leading
 * byte order mark is skipped. Nesting deeper than 1,000 levels is refused instead of overflowing the stack.
 *
 * @param text - the JSON text.
 * @param file - the file name used in error messages and details.
 * @throws {MmarError} `MMAR_INVALID_JSON` with `details` `{ file, line, column, offset }` (1-based line and
 *   column) for any syntax error, including trailing commas, comments and text after the value.
 * @example
 * ```ts
 * const root = parseJsonSyntax('{ "epochs": 1260 }', 'config/config_train.json');
 * root.kind; // 'object'
 * ```
 */
export function parseJsonSyntax(text: string, file = '<json>'): JsonNode {
  return new Parser(text, file).parseDocument();
}

const MAX_DEPTH = 1000;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  parseDocument(): JsonNode {
    this.skipWhitespace();
    const node = this.parseValue();
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail(`unexpected ${this.describe()} after the JSON value`);
    return node;
  }

  private parseValue(): JsonNode {
    const ch = this.text[this.pos];
    switch (ch) {
      case '{':
        return this.parseObject();
      case '[':
        return this.parseArray();
      case '"': {
        const start = this.pos;
        const value = this.parseString();
        return { kind: 'string', value, start, end: this.pos };
      }
      case 't':
        return this.parseKeyword('true', true);
      case 'f':
        return this.parseKeyword('false', false);
      case 'n':
        return this.parseKeyword('null', null);
      default:
        if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.parseNumber();
        return this.fail(`expected a value but found ${this.describe()}`);
    }
  }

  private parseObject(): JsonObjectNode {
    const start = this.pos;
    this.enter();
    this.pos++;
    const members: JsonMember[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      this.depth--;
      return { kind: 'object', members, start, end: this.pos };
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail(`expected a property name in double quotes but found ${this.describe()}`);
      const keyStart = this.pos;
      const key = this.parseString();
      const keyEnd = this.pos;
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail(`expected ':' after property name but found ${this.describe()}`);
      this.pos++;
      this.skipWhitespace();
      const value = this.parseValue();
      members.push({ key, keyStart, keyEnd, value });
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === ',') {
        this.pos++;
        continue;
      }
      if (next === '}') {
        this.pos++;
        this.depth--;
        return { kind: 'object', members, start, end: this.pos };
      }
      this.fail(`expected ',' or '}' after a property value but found ${this.describe()}`);
    }
  }

  private parseArray(): JsonArrayNode {
    const start = this.pos;
    this.enter();
    this.pos++;
    const items: JsonNode[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      this.depth--;
      return { kind: 'array', items, start, end: this.pos };
    }
    for (;;) {
      this.skipWhitespace();
      items.push(this.parseValue());
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === ',') {
        this.pos++;
        continue;
      }
      if (next === ']') {
        this.pos++;
        this.depth--;
        return { kind: 'array', items, start, end: this.pos };
      }
      this.fail(`expected ',' or ']' after an array item but found ${this.describe()}`);
    }
  }

  private parseString(): string {
    this.pos++;
    let out = '';
    let chunkStart = this.pos;
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (Number.isNaN(code)) this.fail('unterminated string');
      if (code === 0x22) {
        out += this.text.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }
      if (code < 0x20) this.fail('control character in string (escape it, e.g. \\n)');
      if (code === 0x5c) {
        out += this.text.slice(chunkStart, this.pos);
        out += this.parseEscape();
        chunkStart = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  private parseEscape(): string {
    const ch = this.text[this.pos + 1];
    if (ch === 'u') {
      const hex = this.text.slice(this.pos + 2, this.pos + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape (needs four hex digits)');
      this.pos += 6;
      return String.fromCharCode(Number.parseInt(hex, 16));
    }
    const decoded = ch === undefined ? undefined : ESCAPES[ch];
    if (decoded === undefined) this.fail(`invalid escape \\${ch ?? ''}`);
    this.pos += 2;
    return decoded;
  }

  private parseNumber(): JsonScalarNode {
    const start = this.pos;
    NUMBER.lastIndex = start;
    const match = NUMBER.exec(this.text);
    if (!match) this.fail(`invalid number starting with ${this.describe()}`);
    this.pos = start + match[0].length;
    const after = this.text[this.pos];
    if (after !== undefined && /[0-9A-Za-z.+-]/.test(after))
      this.fail(`invalid number ${JSON.stringify(this.text.slice(start, this.pos + 1))}`);
    return { kind: 'number', value: Number(match[0]), start, end: this.pos };
  }

  private parseKeyword(word: string, value: boolean | null): JsonScalarNode {
    const start = this.pos;
    if (this.text.slice(start, start + word.length) !== word) this.fail(`expected a value but found ${this.describe()}`);
    this.pos += word.length;
    return { kind: value === null ? 'null' : 'boolean', value, start, end: this.pos };
  }

  private skipWhitespace(): void {
    for (;;) {
      const code = this.text.charCodeAt(this.pos);
      if (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) this.pos++;
      else return;
    }
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
  }

  private describe(): string {
    if (this.pos >= this.text.length) return 'the end of the text';
    const ch = this.text[this.pos] ?? '';
    if (ch === '/') return "'/' (comments are not JSON)";
    return JSON.stringify(ch);
  }

  private fail(reason: string): never {
    const { line, column } = positionAt(this.text, this.pos);
    throw new MmarError('MMAR_INVALID_JSON', `${this.file}:${line}:${column}: ${reason}`, {
      details: { file: this.file, line, column, offset: this.pos },
    });
  }
}

/**
 * The plain JavaScript value of a syntax tree node, as `JSON.parse` would return it (the last of
 * duplicate keys wins). Keys such as `__proto__` become own properties, never prototypes.
 *
 * @example
 * ```ts
 * toJsonValue(parseJsonSyntax('{"a": [1, 2]}')); // { a: [1, 2] }
 * ```
 */
export function toJsonValue(node: JsonNode): unknown {
  switch (node.kind) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const member of node.members) {
        Object.defineProperty(out, member.key, { value: toJsonValue(member.value), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'array':
      return node.items.map(toJsonValue);
    default:
      return node.value;
  }
}
