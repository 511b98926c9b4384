#!/usr/bin/env bash
# `npm test`: set up what the tests need, run every test once, print `N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-test-env.sh || { echo "0 passed, 1 failed"; exit 1; }
# The real services of the cluster tests (OpenSSH on 127.0.0.1, single-node Slurm): started up front so a
# failed install or start shows here, not as a test timeout. Tests reuse the running instances.
{ bash scripts/services/sshd.sh start >/dev/null && bash scripts/services/slurm.sh start >/dev/null; } ||
  { echo "could not start sshd and Slurm (scripts/services)"; echo "0 passed, 1 failed"; exit 1; }

mkdir -p .test-results
rm -f .test-results/vitest.json
npx vitest run --reporter=default --reporter=json --outputFile.json=.test-results/vitest.json "$@"
status=$?
node scripts/test-summary.mjs .test-results/vitest.json || status=1
exit $status
