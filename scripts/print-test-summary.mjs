// Prints vitest's totals as one plain closing line ("N passed, N failed, N skipped"). In CI it
// also pins the skips: the skipped tests must be exactly those in scripts/expected-skips.txt (the
// conformance suite's declared skips, each with its reason in its name), no other and no fewer.
import { readFileSync } from "node:fs";
import { relative } from "node:path";

const report = JSON.parse(readFileSync(process.argv[2], "utf8"));
const expectedFile = new URL("./expected-skips.txt", import.meta.url);
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);

/** `file > full name` of every test that neither passed nor failed. */
const skippedTests = report.testResults.flatMap((file) =>
  file.assertionResults
    .filter((t) => t.status !== "passed" && t.status !== "failed")
    .map((t) => `${relative(process.cwd(), file.name)} > ${t.fullName}`),
);
const expected = readFileSync(expectedFile, "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"));
const unexpected = skippedTests.filter((name) => !expected.includes(name));
const missing = expected.filter((name) => !skippedTests.includes(name));

const list = (names) => names.slice(0, 20).join("\n  ");
if (unexpected.length > 0) {
  const message = `${unexpected.length} tests were skipped that scripts/expected-skips.txt does not list (is a system package missing?):\n  ${list(unexpected)}`;
  if (process.env.CI) {
    console.error(`CI runs every test but the listed skips. ${message}`);
    process.exitCode = 1;
  } else console.warn(message);
}
if (missing.length > 0 && process.env.CI) {
  console.error(
    `scripts/expected-skips.txt lists skips that did not happen (the case ran, or was renamed): update the list.\n  ${list(missing)}`,
  );
  process.exitCode = 1;
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
