import { z } from "zod";

/**
 * The contract between Headhunter (console) and workers (agents): method
 * names and argument/result schemas, validated on both sides.
 */
export const WORKER_METHODS = { build: "build", cancel: "cancel", status: "status", hello: "hello" } as const;

/** Default build timeout, seconds (5 h, as Copr). */
export const DEFAULT_BUILD_TIMEOUT_S = 5 * 3600;
/** Longest build timeout a packager may ask for, seconds (30 h, as Copr). */
export const MAX_BUILD_TIMEOUT_S = 30 * 3600;

/**
 * A build timeout given by a person (CLI option, query parameter): whole
 * seconds, 1 to MAX_BUILD_TIMEOUT_S. Returns the number or an explanation.
 */
export function parseBuildTimeout(text: string): { ok: true; seconds: number } | { ok: false; message: string } {
  const seconds = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_BUILD_TIMEOUT_S) {
    return { ok: false, message: `a build timeout is whole seconds from 1 to ${MAX_BUILD_TIMEOUT_S} (30 h), not "${text}"` };
  }
  return { ok: true, seconds };
}

export const buildArgsSchema = z.object({
  task_id: z.string().regex(/^\d+-[a-z0-9._-]+$/),
  attempt: z.number().int().min(0),
  build_id: z.number().int().positive(),
  owner: z.string().min(1),
  project: z.string().min(1),
  chroot: z.string().min(1),
  arch: z.string().min(1),
  pkg_name: z.string().min(1),
  /** the SRPM's file name, NAME-VERSION-RELEASE.src.rpm */
  srpm_file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+~^-]*\.src\.rpm$/),
  /** copr-web URL of the SRPM; the worker authenticates with its token. */
  srpm_url: z.url(),
  srpm_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Where results go: copr-web's upload endpoint for this task and attempt. */
  results_url: z.url(),
  timeout_s: z.number().int().positive().max(MAX_BUILD_TIMEOUT_S).default(DEFAULT_BUILD_TIMEOUT_S),
  /** The build may use the network (the project's or the build's --enable-net); off by default. */
  enable_net: z.boolean().default(false),
  /** The calling Headhunter's fencing epoch: a worker refuses calls from an older epoch than it has seen. */
  headhunter_epoch: z.number().int().min(0).optional(),
});
export type BuildArgs = z.output<typeof buildArgsSchema>;

export const buildResultSchema = z.object({
  accepted: z.literal(true),
  /** builder host that runs it */
  host: z.string(),
  /** true when this task and attempt was already running here (a repeated request) */
  already_running: z.boolean(),
});
export type BuildResult = z.output<typeof buildResultSchema>;

/** What `status` says of the worker's running tasks (other fields are informational). */
export const statusResultSchema = z.object({
  tasks: z.array(z.object({ task_id: z.string(), attempt: z.number().int().min(0) }).loose()),
  /** Attempts that ended on the worker lately (their final report is sent); absent from older workers. */
  ended: z.array(z.object({ task_id: z.string(), attempt: z.number().int().min(0), state: z.string() }).loose()).optional(),
}).loose();

export const cancelArgsSchema = z.object({ task_id: z.string().min(1), attempt: z.number().int().min(0), headhunter_epoch: z.number().int().min(0).optional() });
export const cancelResultSchema = z.object({ canceled: z.boolean() });

/**
 * Proof that an agent holds the worker token `copr worker add` issued,
 * without the token crossing the bus: HMAC-SHA256 keyed with sha256(token)
 * (which is what the store keeps) over a fresh nonce.
 */
export const helloArgsSchema = z.object({ nonce: z.string().min(16) });
export const helloResultSchema = z.object({ proof: z.string().regex(/^[0-9a-f]{64}$/) });
