#!/usr/bin/env bash
# Checks every publishable package as a consumer would get it: publint (manifest and files) and
# Are the Types Wrong (types resolve for ESM consumers under node16 and bundler resolution).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for dir in packages/*/; do
  name=$(node -p "require('./${dir}package.json').name")
  [ "$(node -p "!!require('./${dir}package.json').private")" = true ] && continue
  echo "--- $name"
  (cd "$dir" && npx publint --strict) || status=1
  (cd "$dir" && npx attw --pack . --profile esm-only --format table-flipped) || status=1
done
exit $status
