// Prints Jest's totals as one plain closing line ("tests: N passed, N failed, N skipped").
import { readFileSync } from 'node:fs';
const file = process.argv[2];
try {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  if (r.numFailedTestSuites > 0) console.log(`suites failed to run or failed: ${r.numFailedTestSuites}`);
} catch (error) {
  console.log(`tests: no results (${file}: ${error.message})`);
  process.exitCode = 1;
}
