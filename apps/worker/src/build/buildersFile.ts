import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { BuilderHost } from "./builderConnection.ts";
import { DEFAULT_SANDBOX_LIMITS } from "./sandbox.ts";

const d = DEFAULT_SANDBOX_LIMITS;
const limitsSchema = z.object({
  processes: z.number().int().min(16).default(d.processes),
  open_files: z.number().int().min(64).default(d.openFiles),
  memory_mib: z.number().int().min(64).default(d.memoryMiB),
  file_size_mib: z.number().int().min(1).default(d.fileSizeMiB),
}).strict();

const hostSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, "a short name: letters, digits, . _ -"),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().min(1).refine((u) => u !== "root", "builds must not run as root; use a builder user such as mockbuilder"),
  key_file: z.string().min(1),
  host_key_fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "the SHA256:… fingerprint `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints on the host"),
  arches: z.array(z.string().min(1)).min(1),
  slots: z.number().int().min(1).max(256).default(1),
  work_dir: z.string().regex(/^[A-Za-z0-9._/-]+$/).refine((w) => !w.split("/").includes(".."), "must not contain ..").default("copr-builds"),
  /** Resource limits of each build (prlimit), see docs/sandbox.md. */
  limits: limitsSchema.optional(),
}).strict();
const fileSchema = z.object({ hosts: z.array(hostSchema).min(1, "list at least one builder host") });

/** Reads the builder hosts file (JSON) and their private keys once at start; errors name the file and field. */
export async function loadBuilders(path: string): Promise<BuilderHost[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new Error(`builder hosts file ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`builder hosts file ${path}:\n${parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n")}`);
  }
  return await Promise.all(parsed.data.hosts.map(async (h) => ({
    name: h.name, host: h.host, port: h.port, user: h.user,
    privateKey: await readFile(h.key_file, "utf8").catch((e: unknown) => {
      throw new Error(`builder host ${h.name}: cannot read key_file ${h.key_file}: ${e instanceof Error ? e.message : String(e)}`);
    }),
    hostKeyFingerprint: h.host_key_fingerprint, arches: h.arches, slots: h.slots, workDir: h.work_dir,
    ...(h.limits === undefined ? {} : {
      limits: { processes: h.limits.processes, openFiles: h.limits.open_files, memoryMiB: h.limits.memory_mib, fileSizeMiB: h.limits.file_size_mib },
    }),
  })));
}
