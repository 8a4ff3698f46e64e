import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { BuilderHost } from "./builderConnection.ts";
import type { CommandProvisionerConfig } from "./commandProvisioner.ts";
import { DEFAULT_SANDBOX_LIMITS, type SandboxLimits } from "./sandbox.ts";

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
const executable = z.string().regex(/^\//, "an absolute path to an executable");
const provisionerSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, "a short name: letters, digits, . _ -"),
  type: z.literal("command"),
  /** prints {"id","host","port","user","host_key_fingerprint"}; gets COPR_BUILDER_OWNER, _PROJECT, _ARCH, _TASK */
  allocate: executable,
  /** called with the id to destroy the builder */
  release: executable,
  arches: z.array(z.string().min(1)).min(1),
  slots: z.number().int().min(1).max(1024).default(1),
  key_file: z.string().min(1),
  work_dir: z.string().regex(/^[A-Za-z0-9._/-]+$/).refine((w) => !w.split("/").includes(".."), "must not contain ..").default("copr-builds"),
  limits: limitsSchema.optional(),
  idle_seconds: z.number().int().min(0).max(86_400).default(600),
  allocate_timeout_seconds: z.number().int().min(1).max(7200).default(900),
  /** more environment for both scripts */
  env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name"), z.string()).optional(),
}).strict();
const fileSchema = z.object({
  hosts: z.array(hostSchema).default([]),
  provisioners: z.array(provisionerSchema).default([]),
}).strict().refine((f) => f.hosts.length + f.provisioners.length > 0, "list at least one builder host (hosts) or provisioner (provisioners)");

export interface Builders {
  hosts: BuilderHost[];
  provisioners: CommandProvisionerConfig[];
}

type Limits = z.output<typeof limitsSchema>;
const limitsOf = (l: Limits | undefined): { limits?: SandboxLimits } =>
  l === undefined ? {} : { limits: { processes: l.processes, openFiles: l.open_files, memoryMiB: l.memory_mib, fileSizeMiB: l.file_size_mib } };

async function readKey(owner: string, file: string): Promise<string> {
  return await readFile(file, "utf8").catch((e: unknown) => {
    throw new Error(`builder ${owner}: cannot read key_file ${file}: ${e instanceof Error ? e.message : String(e)}`);
  });
}

/** Reads the builders file (JSON) and the private keys it names once at start; errors name the file and field. */
export async function loadBuilders(path: string): Promise<Builders> {
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
  const hosts = await Promise.all(parsed.data.hosts.map(async (h) => ({
    name: h.name, host: h.host, port: h.port, user: h.user, privateKey: await readKey(h.name, h.key_file),
    hostKeyFingerprint: h.host_key_fingerprint, arches: h.arches, slots: h.slots, workDir: h.work_dir, ...limitsOf(h.limits),
  })));
  const provisioners = await Promise.all(parsed.data.provisioners.map(async (p) => ({
    name: p.name, allocate: p.allocate, release: p.release, arches: p.arches, slots: p.slots, privateKey: await readKey(p.name, p.key_file),
    workDir: p.work_dir, idleMs: p.idle_seconds * 1000, allocateTimeoutMs: p.allocate_timeout_seconds * 1000, ...limitsOf(p.limits),
    ...(p.env === undefined ? {} : { env: p.env }),
  })));
  return { hosts, provisioners };
}
