// A vitest reporter for CI: writes every failed test (file, full name, error
// message, the line of the test file it failed at) and every error outside a
// test (a file that did not load, a failing hook, an unhandled rejection) as
// JSON to the file named by COPR_CI_FAILURES. vitest's JSON reporter loses
// the message of some errors (a timed-out test reads "STACK_TRACE_ERROR").
import { writeFileSync } from "node:fs";

/** Message and first stack frame inside `file` (or the first frame at all). */
function describe(error, file) {
  const frames = Array.isArray(error?.stacks) ? error.stacks : [];
  const frame = frames.find((f) => f.file === file) ?? frames[0];
  return {
    message: String(error?.message ?? error ?? "(no message)"),
    at: frame === undefined ? undefined : `${frame.file}:${frame.line}:${frame.column}`,
  };
}

export default class FailuresReporter {
  failures = [];

  onTestCaseResult(testCase) {
    const result = testCase.result();
    if (result.state !== "failed") return;
    const file = testCase.module.moduleId;
    this.failures.push({ file, name: testCase.fullName, ...describe(result.errors?.[0], file) });
  }

  onTestModuleEnd(testModule) {
    for (const error of testModule.errors()) {
      this.failures.push({ file: testModule.moduleId, name: "(the file itself)", ...describe(error, testModule.moduleId) });
    }
  }

  onTestRunEnd(_modules, unhandledErrors) {
    for (const error of unhandledErrors) this.failures.push({ file: "(none)", name: "(an unhandled error)", ...describe(error, "") });
    const out = process.env.COPR_CI_FAILURES;
    if (out) writeFileSync(out, JSON.stringify(this.failures, null, 1));
  }
}
