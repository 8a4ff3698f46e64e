/**
 * Builds the `copr` command: apps/copr-web/src/cli/main.ts and everything it
 * imports bundled into one JavaScript file, apps/copr-web/dist/cli/copr.mjs,
 * which package.json names as the `copr` bin (`npm link` or
 * `npm install -g .` from the checkout puts it on PATH). Run by the setup
 * step and by npm's `prepare`; takes well under a second.
 */
import { chmod, mkdir, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Where the built command is. */
export const CLI_BIN = join(root, "apps/copr-web/dist/cli/copr.mjs");

/** Builds the command (atomically: a concurrent run never sees half a file); returns its path. */
export async function buildCli(): Promise<string> {
  await mkdir(dirname(CLI_BIN), { recursive: true });
  const tmp = `${CLI_BIN}.${process.pid}.${Date.now()}.tmp`;
  await build({
    entryPoints: [join(root, "apps/copr-web/src/cli/main.ts")],
    outfile: tmp,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Bundled CommonJS dependencies call require().
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __coprCreateRequire } from 'node:module';\nconst require = __coprCreateRequire(import.meta.url);" },
    logLevel: "warning",
    legalComments: "none",
  });
  await chmod(tmp, 0o755);
  await rename(tmp, CLI_BIN);
  return CLI_BIN;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`built ${await buildCli()}\n`);
}
