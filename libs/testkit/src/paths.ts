import { fileURLToPath } from "node:url";
import { join } from "node:path";

/** The repository root (this file is libs/testkit/src/paths.ts). */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const infraDir = join(repoRoot, "infra");
/** Scratch space for private service instances; ignored by git. */
export const tmpRoot = join(repoRoot, ".tmp");
