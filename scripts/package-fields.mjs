#!/usr/bin/env node
// The publish fields every publishable package (packages/*/package.json without "private": true) must
// carry, set or verified in one place:
//
//   repository, homepage, bugs     where the package lives (its folder in the monorepo)
//   license, engines.node          "Apache-2.0", ">=20.19"
//   sideEffects                    declared (false, or the files with side effects); never guessed here
//   main, types                    the "." export's JavaScript and declarations, for tools that ignore
//                                  "exports" (TypeScript's node10 resolution among them)
//   typesVersions                  one entry per subpath export, so that node10 resolution finds
//                                  "<name>/node" and the like as well
//   LICENSE                        a copy of the repository's LICENSE in the package folder (npm packs
//                                  it whatever "files" says)
//
// Usage:
//   node scripts/package-fields.mjs [--check] [packages/<dir> ...]
// Without --check the fields are written (only files that change are touched) and LICENSE is copied;
// with --check nothing is written, every problem is listed and the exit code is 1 if there is any.
// Without folders every publishable package under packages/ is handled.
import { existsSync, readdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_URL = 'git+https://github.com/medaas/medaas.git';
const WEB_URL = 'https://github.com/medaas/medaas';
const LICENSE_ID = 'Apache-2.0';
const NODE_ENGINE = '>=20.19';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const check = args.includes('--check');
const unknown = args.filter((a) => a.startsWith('-') && a !== '--check');
if (unknown.length > 0) {
  console.error(`unknown option ${unknown.join(' ')}; usage: node scripts/package-fields.mjs [--check] [packages/<dir> ...]`);
  process.exit(2);
}
const named = args.filter((a) => !a.startsWith('-'));

const packagesDir = join(root, 'packages');
const dirs =
  named.length > 0
    ? named.map((d) => resolve(d))
    : readdirSync(packagesDir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(join(packagesDir, e.name, 'package.json')))
        .map((e) => join(packagesDir, e.name));

const rootLicense = join(root, 'LICENSE');
const problems = [];
let written = 0;

if (!existsSync(rootLicense)) problems.push('LICENSE: missing at the repository root');

for (const dir of dirs) {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) {
    problems.push(`${relative(root, dir)}: no package.json`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  const pkg = JSON.parse(text);
  if (pkg.private === true) continue;
  const rel = relative(root, dir).split('\\').join('/');
  const label = pkg.name ?? rel;
  const report = (msg) => problems.push(`${label} (${rel}/package.json): ${msg}`);

  const wanted = expectedFields(pkg, rel, report);
  let next = pkg;
  for (const [key, value, anchor] of wanted) {
    if (!sameJson(pkg[key], value)) {
      if (check)
        report(`"${key}" should be ${JSON.stringify(value)}${pkg[key] === undefined ? ' (missing)' : `, is ${JSON.stringify(pkg[key])}`}`);
      else next = withField(next, key, value, anchor);
    }
  }
  if (pkg.license !== LICENSE_ID) report(`"license" should be "${LICENSE_ID}", is ${JSON.stringify(pkg.license)}`);
  if (pkg.sideEffects === undefined) {
    report(
      '"sideEffects" is not declared: false when importing any module of the package has no side effects, else the list of files that have',
    );
  }
  if (pkg.type !== 'module') report('"type" should be "module" (the packages are ESM-only)');

  if (!check && next !== pkg) {
    const out = `${JSON.stringify(next, null, 2)}\n`;
    if (out !== text) {
      writeFileSync(file, out);
      written++;
      console.log(`wrote ${rel}/package.json`);
    }
  }

  const license = join(dir, 'LICENSE');
  if (existsSync(rootLicense)) {
    const same = existsSync(license) && readFileSync(license).equals(readFileSync(rootLicense));
    if (!same) {
      if (check) report(`${rel}/LICENSE ${existsSync(license) ? 'differs from' : 'is missing; copy'} the repository's LICENSE`);
      else {
        copyFileSync(rootLicense, license);
        written++;
        console.log(`wrote ${rel}/LICENSE`);
      }
    }
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(`package-fields: ${p}`);
  if (check) console.error('package-fields: run `node scripts/package-fields.mjs` to set the fields that can be derived');
  process.exit(1);
}
console.log(
  check
    ? `package-fields: ${dirs.length} package folder(s) checked, fields and LICENSE in order`
    : `package-fields: ${written} file(s) written`,
);

/**
 * The fields derived from the package's folder and its "exports", each with the key it is inserted after
 * when missing.
 */
function expectedFields(pkg, rel, report) {
  const fields = [
    ['repository', { type: 'git', url: REPO_URL, directory: rel }, 'license'],
    ['homepage', `${WEB_URL}/tree/main/${rel}#readme`, 'repository'],
    ['bugs', { url: `${WEB_URL}/issues` }, 'homepage'],
    ['engines', { ...pkg.engines, node: NODE_ENGINE }, 'sideEffects'],
  ];
  const exp = pkg.exports;
  if (!exp || typeof exp !== 'object' || Array.isArray(exp) || !exp['.']) {
    report(`"exports" should be an object with a "." entry`);
    return fields;
  }
  const rootEntry = exp['.'];
  const rootTypes = typeof rootEntry === 'object' ? rootEntry.types : undefined;
  const rootJs = typeof rootEntry === 'object' ? (rootEntry.default ?? rootEntry.import) : undefined;
  if (typeof rootTypes !== 'string') report('the "." export has no "types" condition');
  else fields.push(['types', rootTypes, 'engines']);
  if (typeof rootJs !== 'string') report('the "." export has no "default" (or "import") condition');
  else fields.push(['main', rootJs, 'engines']);

  const map = {};
  for (const [key, entry] of Object.entries(exp)) {
    if (key === '.' || key === './package.json') continue;
    if (!key.startsWith('./')) {
      report(`export "${key}" should start with "./"`);
      continue;
    }
    const types = typeof entry === 'object' && entry !== null ? entry.types : undefined;
    if (typeof types !== 'string') {
      if (typeof entry === 'string' && entry.endsWith('.json')) continue;
      report(`export "${key}" has no "types" condition`);
      continue;
    }
    map[key.slice(2)] = [types];
  }
  if (Object.keys(map).length > 0) fields.push(['typesVersions', { '*': map }, 'types']);
  return fields;
}

/** A copy of `obj` with `key` set: in place when it exists, else right after `anchor` (or at the end). */
function withField(obj, key, value, anchor) {
  if (key in obj) return { ...obj, [key]: value };
  const out = {};
  let placed = false;
  for (const [k, v] of Object.entries(obj)) {
    out[k] = v;
    if (k === anchor) {
      out[key] = value;
      placed = true;
    }
  }
  if (!placed) out[key] = value;
  return out;
}

function sameJson(a, b) {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical(v[k])]),
    );
  }
  return v;
}
