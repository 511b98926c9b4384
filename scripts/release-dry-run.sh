#!/usr/bin/env bash
# The release, short of publishing, on a copy of the repository (the working tree is never changed):
#
#   copy     the tracked files and every publishable package's dist/ (from `npm run build`) to a temp folder
#   version  the pending changesets plus a patch for every public package, `changeset version` there; every
#            version moved, by no more than its changesets ask, internal ranges follow (scripts/release/versions.mjs)
#   pack     `npm pack` of every publishable package (packages/* without "private": true)
#   install  a fresh project outside the repository installs all the tarballs; @medaas/* can only come from
#            them (the scope's registry is a local one that has nothing), third-party packages from the npm
#            registry through the usual cache
#   types    a consumer file importing every "exports" entry typechecks with the repository's TypeScript under
#            node16, bundler and node10 resolution (scripts/release/consumer.mjs)
#   run      every entry imports in Node; the nifti-io README quick start; `medaas --version` and
#            `medaas nifti info --json` from the installed @medaas/cli bin
#
# Prints a PASS or FAIL line per check and exits 1 on any FAIL. Needs `npm ci && npm run build` first.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
started=$(date +%s)
tsc="$root/node_modules/.bin/tsc"
changeset="$root/node_modules/.bin/changeset"

work=$(mktemp -d "${TMPDIR:-/tmp}/medaas-release-XXXXXX")
registry_pid=
cleanup() {
  [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }
finish() {
  echo "release dry run: $passed passed, $failed failed ($(($(date +%s) - started)) s)"
  [ "$failed" -eq 0 ]
  exit
}
# Runs "$@" quietly; on failure prints its output (the last 60 lines), so that CI logs say why.
quiet() {
  local log="$work/step.log"
  if "$@" >"$log" 2>&1; then return 0; fi
  tail -n 60 "$log" | sed 's/^/    /'
  return 1
}

# --- copy ---
repo="$work/repo"
tarballs="$work/tarballs"
consumer="$work/consumer"
mkdir -p "$repo" "$tarballs" "$consumer"
# Tracked files as they are on disk (a file deleted but not yet committed is skipped).
git ls-files -z | tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$repo"
public=()
for dir in packages/*/; do
  [ -f "${dir}package.json" ] || continue
  [ "$(node -p "require('./${dir}package.json').private === true")" = true ] && continue
  public+=("${dir%/}")
done
missing=()
for dir in "${public[@]}"; do
  if [ -d "$dir/dist" ]; then cp -R "$dir/dist" "$repo/$dir/"; else missing+=("$dir"); fi
done
if [ ${#missing[@]} -gt 0 ]; then
  fail "copy: no dist/ in ${missing[*]}: run npm run build first"
  finish
fi
# The changelog generator and the CLI come from the repository's install; nothing writes into it.
ln -s "$root/node_modules" "$repo/node_modules"
pass "copy: $(git ls-files | wc -l | tr -d ' ') tracked files and the dist/ of ${#public[@]} publishable packages"

# --- version ---
state="$work/versions.json"
if node scripts/release/versions.mjs before "$repo" "$state" && (cd "$repo" && quiet "$changeset" version); then
  if node scripts/release/versions.mjs after "$repo" "$state"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
else
  fail "version: changeset version failed"
  finish
fi

# --- pack ---
pack_args=()
for dir in "${public[@]}"; do pack_args+=(-w "$dir"); done
if (cd "$repo" && quiet npm pack --ignore-scripts --pack-destination "$tarballs" "${pack_args[@]}"); then
  count=$(find "$tarballs" -name '*.tgz' | wc -l | tr -d ' ')
  if [ "$count" -eq ${#public[@]} ]; then
    pass "pack: $count tarballs ($(du -ch "$tarballs"/*.tgz | tail -1 | cut -f1) in all)"
  else
    fail "pack: $count tarballs for ${#public[@]} publishable packages"
    finish
  fi
else
  fail "pack: npm pack failed"
  finish
fi

# --- install ---
node scripts/release/no-registry.mjs "$work/registry.port" "$work/registry.log" &
registry_pid=$!
for _ in $(seq 50); do [ -s "$work/registry.port" ] && break; sleep 0.1; done
port=$(cat "$work/registry.port" 2>/dev/null)
types_node=$(node -p "require('./node_modules/@types/node/package.json').version")
echo '{ "name": "medaas-release-consumer", "version": "1.0.0", "private": true, "type": "module" }' >"$consumer/package.json"
install_start=$(date +%s)
if [ -n "$port" ] && (cd "$consumer" && quiet npm install --no-audit --no-fund --prefer-offline --ignore-scripts \
  "--@medaas:registry=http://127.0.0.1:$port/" "$tarballs"/*.tgz "@types/node@$types_node"); then
  # Every @medaas package in the tree must be the packed tarball of the version just set.
  if problems=$(node -e '
    const [lockFile, repo] = process.argv.slice(1);
    const lock = require(lockFile);
    const bad = [];
    const medaas = Object.entries(lock.packages).filter(([key]) => /node_modules\/@medaas\//.test(key));
    for (const [key, entry] of medaas) {
      const name = key.slice(key.lastIndexOf("@medaas/"));
      const want = require(`${repo}/packages/${name.slice(8)}/package.json`).version;
      if (!String(entry.resolved ?? "").includes("tarballs/")) bad.push(`${key} resolved from ${entry.resolved}`);
      if (entry.version !== want) bad.push(`${key} is ${entry.version}, packed ${want}`);
    }
    if (bad.length) { console.log(bad.join("; ")); process.exit(1); }
    console.log(`${medaas.length} @medaas packages, all from the tarballs; ${Object.keys(lock.packages).length - 1} packages in all`);
  ' "$consumer/node_modules/.package-lock.json" "$repo"); then
    pass "install: $problems ($(($(date +%s) - install_start)) s)"
  else
    fail "install: $problems"
  fi
else
  fail "install: npm install of the tarballs failed"
  finish
fi
kill "$registry_pid" 2>/dev/null
registry_pid=

# --- types ---
if entries=$(node scripts/release/consumer.mjs "$consumer"); then
  pass "types: consumer.ts imports $(echo "$entries" | wc -l | tr -d ' ') entries: $(echo "$entries" | tr '\n' ' ')"
  for config in node16 bundler node10; do
    t0=$(date +%s)
    if (cd "$consumer" && quiet "$tsc" -p "tsconfig.$config.json"); then
      pass "types: $config ($(node -p "const o=require('$consumer/tsconfig.$config.json').compilerOptions; 'module '+o.module+', moduleResolution '+o.moduleResolution"), $(($(date +%s) - t0)) s)"
    else
      fail "types: $config"
    fi
  done
else
  fail "types: could not write the consumer project"
fi

# --- run ---
if (cd "$consumer" && quiet node imports.mjs); then pass "run: $(cat "$work/step.log")"; else fail "run: importing every entry"; fi
cp scripts/release/quickstart.mjs "$consumer/"
if (cd "$consumer" && quiet node quickstart.mjs); then pass "run: nifti-io quick start: $(cat "$work/step.log")"; else fail "run: nifti-io quick start"; fi
cli_version=$(node -p "require('$repo/packages/cli/package.json').version")
if [ ! -x "$consumer/node_modules/.bin/medaas" ]; then
  fail "run: node_modules/.bin/medaas is not linked"
else
  got=$(cd "$consumer" && npx --no -- medaas --version 2>&1)
  if [ "$got" = "$cli_version" ]; then pass "run: npx medaas --version: $got"; else fail "run: npx medaas --version printed '$got', expected $cli_version"; fi
  if info=$(cd "$consumer" && npx --no -- medaas nifti info ct.nii.gz --json 2>"$work/info.err") &&
    summary=$(echo "$info" | node -e '
      const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
      if (j.dims.join("x") !== "24x20x8" || j.datatype !== "int16" || j.orientation !== "RAS") { console.log(JSON.stringify(j)); process.exit(1); }
      console.log(`${j.dims.join("x")} ${j.datatype} ${j.orientation}, range ${j.range.min}..${j.range.max}`);
    '); then
    pass "run: npx medaas nifti info ct.nii.gz --json: $summary"
  else
    fail "run: npx medaas nifti info ct.nii.gz --json: ${summary:-$(cat "$work/info.err")}"
  fi
fi

finish
