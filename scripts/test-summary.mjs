// Prints the plain closing line `N passed, N failed` from vitest's JSON report; exits 1 when any
// test failed or the report is missing (a crashed run must not look green).
import { readFileSync } from 'node:fs';

const [file, extraFailed = '0'] = process.argv.slice(2);
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  console.log(`0 passed, ${1 + Number(extraFailed)} failed`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
// A file that fails without a failing test (it did not even load) counts as one failure; a file whose tests
// failed is already counted through them.
const brokenFiles = (report.testResults ?? []).filter(
  (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
).length;
const failed = (report.numFailedTests ?? 0) + brokenFiles + Number(extraFailed);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
// Skipped tests are said on a line of their own: the closing line stays exactly `N passed, N failed`.
if (skipped) console.log(`${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
