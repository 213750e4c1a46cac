// Prints vitest's totals as one plain closing line ("N passed, N failed, N skipped"), and in CI
// fails the run when any test was skipped: there, every test must run.
import { readFileSync } from "node:fs";

const report = JSON.parse(readFileSync(process.argv[2], "utf8"));
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
if (process.env.CI && skipped > 0) {
  const names = report.testResults
    .flatMap((file) =>
      file.assertionResults
        .filter((t) => t.status !== "passed" && t.status !== "failed")
        .map((t) => `${file.name}: ${t.fullName}`),
    )
    .slice(0, 20);
  console.error(
    `CI runs every test, but ${skipped} were skipped (is a system package missing?):\n  ${names.join("\n  ")}`,
  );
  process.exitCode = 1;
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
