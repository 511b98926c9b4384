#!/usr/bin/env bash
# Checks every publishable package (packages/*/package.json without "private": true) as a consumer would get
# it: the publish fields and LICENSE (scripts/package-fields.mjs --check), the tarball's contents (LICENSE,
# README.md, package.json and the "." export's files), publint (manifest and files) and Are the Types Wrong
# (types resolve under node10, node16 and bundler resolution; the packages are ESM-only, so a CommonJS
# require resolving to ESM is expected and ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
node scripts/package-fields.mjs --check || status=1
for dir in packages/*/; do
  [ -f "${dir}package.json" ] || continue
  name=$(node -p "require('./${dir}package.json').name")
  [ "$(node -p "!!require('./${dir}package.json').private")" = true ] && continue
  echo "--- $name"
  (cd "$dir" && npm pack --dry-run --json --ignore-scripts 2>/dev/null | node -e '
    const pkg = require("./package.json");
    const files = new Set(JSON.parse(require("fs").readFileSync(0, "utf8"))[0].files.map((f) => f.path));
    const root = pkg.exports?.["."] ?? {};
    const wanted = ["LICENSE", "README.md", "package.json", root.types, root.default].filter(Boolean).map((p) => p.replace(/^\.\//, ""));
    const missing = wanted.filter((p) => !files.has(p));
    if (missing.length > 0) { console.error(`the tarball lacks ${missing.join(", ")}`); process.exit(1); }
    console.log(`tarball: ${files.size} files, with ${wanted.join(", ")}`);
  ') || status=1
  (cd "$dir" && npx publint --strict) || status=1
  (cd "$dir" && npx attw --pack . --profile strict --ignore-rules cjs-resolves-to-esm --format table-flipped) || status=1
done
exit $status
