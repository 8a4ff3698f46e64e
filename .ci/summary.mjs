// Prints, for each failed test, its file, its name and the first line of its
// failure with the line of the test file it failed at; then the one summary
// line "N passed, N failed".
//
// usage: node .ci/summary.mjs REPORT.json FAILURES.json EXIT_CODE
// REPORT.json is vitest's JSON report (the counts), FAILURES.json what
// .ci/failuresReporter.mjs wrote. A run that failed (EXIT_CODE != 0) without
// a failed test (a file that did not load, a failing global setup or
// teardown, unhandled errors) still counts at least one failure, so the
// summary never says "0 failed" next to a failing exit.
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";

const [reportPath, failuresPath, exitCode = "0"] = process.argv.slice(2);
const report = JSON.parse(readFileSync(reportPath, "utf8"));
const failures = existsSync(failuresPath) ? JSON.parse(readFileSync(failuresPath, "utf8")) : [];
const root = process.cwd();
const rel = (p) => (p.startsWith("/") ? relative(root, p) : p);

if (failures.length > 0) {
  console.log(`\n${failures.length} failure(s):`);
  for (const f of failures) {
    const first = f.message.split("\n").find((l) => l.trim() !== "")?.trim() ?? "(no message)";
    console.log(`FAIL ${rel(f.file)} › ${f.name}`);
    console.log(`     ${first}${f.at === undefined ? "" : `\n     at ${rel(f.at)}`}`);
  }
}
const passed = Number(report.numPassedTests) || 0;
let failed = Number(report.numFailedTests) || 0;
if (failed === 0 && exitCode !== "0") failed = Math.max(1, Number(report.numFailedTestSuites) || 0, failures.length);
console.log(`${passed} passed, ${failed} failed`);
