import { defineConfig } from "vitest/config";

// Unit tests sit next to the code (*.test.ts); tests that need the real
// services live in test/*.int.test.ts and share one set of private service
// instances started by the global setup.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          // Unit tests first, then the integration tests (separate worker pools).
          sequence: { groupOrder: 0 },
          include: ["libs/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "int",
          sequence: { groupOrder: 1 },
          include: ["libs/*/test/**/*.int.test.ts", "apps/*/test/**/*.int.test.ts", "test/**/*.int.test.ts"],
          globalSetup: ["libs/testkit/src/globalSetup.ts"],
          // A cap on a hung test, not a pace: a busy 2-core machine is slow.
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // Integration tests share one broker; two files at a time keeps a
          // 2-core machine responsive while each file still has its own vhost.
          maxWorkers: 2,
          fileParallelism: true,
        },
      },
    ],
  },
});
