import type { ScalarTag } from 'yaml';

// MONAI reads YAML configurations with PyYAML's `safe_load`, whose implicit types are YAML 1.1's as PyYAML
// spells them, not the `yaml` package's YAML 1.1 schema: `1e-4` is a *string* for PyYAML (a float needs a
// dot and a signed exponent), `y`/`n` are strings, `010` is octal. These tags reproduce PyYAML's resolver
// regular expressions so that a value reads here exactly as MONAI will read it.

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const NULL = /^(?:~|null|Null|NULL|)$/;

/** Base-60 numbers (`1:30` is 90), which PyYAML still reads as YAML 1.1 says. */
function sexagesimal(text: string): number {
  let value = 0;
  for (const part of text.split(':')) value = value * 60 + Number(part);
  return value;
}

function resolveInt(source: string): number {
  const text = source.replaceAll('_', '');
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.replace(/^[-+]/, '');
  if (digits === '0') return 0;
  if (digits.startsWith('0b')) return sign * Number.parseInt(digits.slice(2), 2);
  if (digits.startsWith('0x')) return sign * Number.parseInt(digits.slice(2), 16);
  if (digits.startsWith('0')) return sign * Number.parseInt(digits, 8);
  if (digits.includes(':')) return sign * sexagesimal(digits);
  return sign * Number(digits);
}

function resolveFloat(source: string): number {
  const text = source.replaceAll('_', '').toLowerCase();
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.replace(/^[-+]/, '');
  if (digits === '.inf') return sign * Number.POSITIVE_INFINITY;
  if (digits === '.nan') return Number.NaN;
  if (digits.includes(':')) return sign * sexagesimal(digits);
  return sign * Number(digits);
}

/**
 * Spells a number so that PyYAML reads it back as the same type: integers plainly, floats always with a
 * dot and, in exponent form, a signed exponent (`1.0e-05`, never `1e-5`, which PyYAML reads as a string).
 */
export function pythonYamlNumber(value: number, float: boolean): string {
  if (Number.isNaN(value)) return '.nan';
  if (!Number.isFinite(value)) return value > 0 ? '.inf' : '-.inf';
  if (!float && Number.isInteger(value)) return String(value);
  const plain = String(value);
  if (!plain.includes('e')) return plain.includes('.') ? plain : `${plain}.0`;
  const [mantissa = '', exponent = ''] = plain.split('e');
  const signed = exponent.startsWith('-') || exponent.startsWith('+') ? exponent : `+${exponent}`;
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}e${signed}`;
}

/** The implicit scalar types of PyYAML's safe loader, as `yaml` custom tags (used with the `failsafe` schema). */
export const PYTHON_YAML_TAGS: readonly ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:null', default: true, test: NULL, identify: (v) => v === null, resolve: () => null, stringify: () => 'null' },
  {
    tag: 'tag:yaml.org,2002:bool',
    default: true,
    test: BOOL,
    identify: (v) => typeof v === 'boolean',
    resolve: (text) => /^(?:yes|true|on)$/i.test(text),
    stringify: (node) => (node.value ? 'true' : 'false'),
  },
  {
    tag: 'tag:yaml.org,2002:int',
    default: true,
    test: INT,
    identify: (v) => typeof v === 'number' && Number.isInteger(v),
    resolve: resolveInt,
    stringify: (node) => pythonYamlNumber(Number(node.value), false),
  },
  {
    tag: 'tag:yaml.org,2002:float',
    default: true,
    test: FLOAT,
    identify: (v) => typeof v === 'number',
    resolve: resolveFloat,
    stringify: (node) => pythonYamlNumber(Number(node.value), true),
  },
];

/** Whether PyYAML reads this plain (unquoted) scalar text as something other than a string. */
export function isImplicitlyTyped(text: string): boolean {
  return NULL.test(text) || BOOL.test(text) || INT.test(text) || FLOAT.test(text);
}
