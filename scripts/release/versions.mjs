#!/usr/bin/env node
// The version half of the release dry run, on a copy of the repository (never the working tree):
//
//   node scripts/release/versions.mjs before <copy> <state.json>
//     records every workspace's version and, per public package, the largest bump the pending changesets
//     ask for; then adds the dry run's own changeset (a patch for every public package)
//   node scripts/release/versions.mjs after <copy> <state.json>
//     after `changeset version`: checks that every public package moved, by no more than its changesets ask,
//     that every internal dependency range admits (and, for "dependencies", starts at) the new version, that
//     the changesets were consumed and that each CHANGELOG.md has the new version's section
//
// Prints one PASS or FAIL line per check; exits 1 on any FAIL.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [mode, copy, stateFile] = process.argv.slice(2);
if (!['before', 'after'].includes(mode) || !copy || !stateFile) {
  console.error('usage: node scripts/release/versions.mjs before|after <copy> <state.json>');
  process.exit(2);
}
const BUMPS = ['none', 'patch', 'minor', 'major'];
const DRY_RUN_CHANGESET = 'medaas-release-dry-run.md';
const DEP_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'];

if (mode === 'before') before();
else after();

/** Every workspace package.json of the copy (packages/* and apps/*), keyed by name. */
function workspaces() {
  const out = {};
  for (const group of ['packages', 'apps']) {
    const dir = join(copy, group);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = join(dir, entry.name, 'package.json');
      if (!entry.isDirectory() || !existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8'));
      out[pkg.name] = { dir: `${group}/${entry.name}`, pkg };
    }
  }
  return out;
}

function before() {
  const ws = workspaces();
  const publicNames = Object.keys(ws)
    .filter((n) => ws[n].pkg.private !== true)
    .sort();
  const requested = Object.fromEntries(publicNames.map((n) => [n, 'patch']));
  const changesetDir = join(copy, '.changeset');
  const pending = readdirSync(changesetDir).filter((f) => f.endsWith('.md') && f !== 'README.md');
  for (const file of pending) {
    const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readFileSync(join(changesetDir, file), 'utf8'));
    for (const line of front ? front[1].split(/\r?\n/) : []) {
      const m = /^\s*["']?([^"':]+)["']?\s*:\s*(patch|minor|major)\s*$/.exec(line);
      if (m && BUMPS.indexOf(m[2]) > BUMPS.indexOf(requested[m[1]] ?? 'none')) requested[m[1]] = m[2];
    }
  }
  const versions = Object.fromEntries(Object.entries(ws).map(([n, w]) => [n, w.pkg.version]));
  const peers = Object.fromEntries(publicNames.map((n) => [n, ws[n].pkg.peerDependencies ?? {}]));
  writeFileSync(stateFile, JSON.stringify({ versions, requested, publicNames, peers, pending: pending.length }, null, 2));
  writeFileSync(
    join(changesetDir, DRY_RUN_CHANGESET),
    `---\n${publicNames.map((n) => `"${n}": patch`).join('\n')}\n---\n\nRelease dry run: a patch for every public package.\n`,
  );
  console.log(`PASS changeset: ${pending.length} pending changeset(s) plus a patch for ${publicNames.length} public packages`);
}

function after() {
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));
  const ws = workspaces();
  const failures = [];
  const fail = (msg) => failures.push(msg);

  for (const name of state.publicNames) {
    const old = state.versions[name];
    const now = ws[name]?.pkg.version;
    const bump = bumpOf(old, now);
    if (bump === 'none') fail(`${name}: version ${old} did not move`);
    else if (BUMPS.indexOf(bump) > BUMPS.indexOf(state.requested[name])) {
      const via = peerReasons(ws, state.peers[name]);
      fail(
        `${name}: ${old} -> ${now} is a ${bump} bump, its changesets ask for at most ${state.requested[name]}${via ? ` (changesets makes it major when a workspace it names in peerDependencies gets a minor or major: ${via})` : ''}`,
      );
    }
  }
  for (const [name, { pkg, dir }] of Object.entries(ws)) {
    for (const field of DEP_FIELDS) {
      for (const [dep, range] of Object.entries(pkg[field] ?? {})) {
        const target = ws[dep]?.pkg.version;
        if (!target) continue;
        if (!satisfies(target, range)) fail(`${name} (${dir}): ${field} "${dep}": "${range}" does not admit ${dep}@${target}`);
        else if (field === 'dependencies' && pkg.private !== true && !range.endsWith(target)) {
          fail(`${name}: dependencies "${dep}": "${range}" still allows the old ${dep}, expected ^${target}`);
        }
      }
    }
  }
  const left = readdirSync(join(copy, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
  if (left.length > 0) fail(`changesets not consumed: ${left.join(', ')}`);
  for (const name of state.publicNames) {
    const log = join(copy, ws[name].dir, 'CHANGELOG.md');
    const version = ws[name].pkg.version;
    if (!existsSync(log) || !readFileSync(log, 'utf8').includes(`## ${version}`))
      fail(`${name}: ${ws[name].dir}/CHANGELOG.md has no "## ${version}" section`);
  }

  const moved = state.publicNames.map((n) => `${n.replace('@medaas/', '')} ${state.versions[n]}->${ws[n].pkg.version}`).join(', ');
  if (failures.length === 0) {
    console.log(`PASS version: ${moved}`);
    console.log('PASS version: internal dependency ranges admit the new versions; changesets consumed; changelogs written');
  } else {
    console.log(`versions now: ${moved}`);
    for (const f of failures) console.log(`FAIL version: ${f}`);
    process.exit(1);
  }
}

/** The workspaces among a package's peer dependencies (ranges as they were before): why changesets went major. */
function peerReasons(ws, peers) {
  return Object.keys(peers ?? {})
    .filter((dep) => ws[dep])
    .map((dep) => `"${dep}": "${peers[dep]}" -> ${dep}@${ws[dep].pkg.version}`)
    .join(', ');
}

function parse(version) {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version ?? '');
  return m ? m.slice(1, 4).map(Number) : undefined;
}

function bumpOf(from, to) {
  const a = parse(from);
  const b = parse(to);
  if (!a || !b || compare(b, a) <= 0) return 'none';
  if (b[0] !== a[0]) return 'major';
  if (b[1] !== a[1]) return 'minor';
  return 'patch';
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** The range forms the workspaces use: "*", exact, ^x.y.z, ~x.y.z, >=x.y.z, and "a || b" of those. */
function satisfies(version, range) {
  const v = parse(version);
  return range.split('||').some((part) => {
    const r = part.trim();
    if (r === '*' || r === '') return true;
    const m = /^(\^|~|>=)?(\d+\.\d+\.\d+)$/.exec(r);
    if (!m) return false;
    const base = parse(m[2]);
    if (compare(v, base) < 0) return false;
    if (m[1] === '>=') return true;
    if (m[1] === '~') return v[0] === base[0] && v[1] === base[1];
    if (m[1] === '^') {
      if (base[0] > 0) return v[0] === base[0];
      if (base[1] > 0) return v[0] === 0 && v[1] === base[1];
      return compare(v, base) === 0;
    }
    return compare(v, base) === 0;
  });
}
