import { z } from "zod";

/**
 * A signal domain: which signals it has and their payload schemas. A
 * "service" domain is published under the configured prefix
 * (`<prefix>.<domain>.<signal>`), a "global" one as is (Copr-compatible
 * `copr.build.start`).
 */
export interface SignalDomain<S extends Record<string, z.ZodType> = Record<string, z.ZodType>> {
  readonly domain: string;
  readonly scope: "service" | "global";
  readonly signals: S;
  /** Payload fields also sent as application properties so consumers can filter on them. */
  readonly headerFields: readonly string[];
}

export function defineDomain<S extends Record<string, z.ZodType>>(def: {
  domain: string;
  scope: "service" | "global";
  signals: S;
  headerFields?: readonly string[];
}): SignalDomain<S> {
  return Object.freeze({ ...def, headerFields: def.headerFields ?? [] });
}

/** Every signal payload names the object it is about. */
const base = z.object({ primary_uid: z.string().min(1) });

const taskState = z.enum(["pending", "starting", "running", "succeeded", "failed", "canceled", "skipped"]);

/** Status and log streamed by workers; Headhunter consumes them through a durable queue. */
export const workerBuildDomain = defineDomain({
  domain: "worker.build",
  scope: "service",
  headerFields: ["task_id", "owner", "project", "chroot", "arch", "build_id", "agent"],
  signals: {
    status: base.extend({
      task_id: z.string().min(1),
      attempt: z.number().int().min(0),
      agent: z.string().min(1),
      state: taskState,
      reason: z.string().optional(),
      seq: z.number().int().min(0),
      /** With "running": the builder host, as `name (user@address)`. */
      builder: z.string().max(300).optional(),
      /** HMAC of the worker's token over the report (see @copr/domain statusProofText); Headhunter ignores reports without a valid one. */
      proof: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    }),
    log: base.extend({
      task_id: z.string().min(1),
      attempt: z.number().int().min(0),
      agent: z.string().min(1),
      offset: z.number().int().min(0),
      lines: z.array(z.string()),
      /** HMAC of the worker's token over the batch (see @copr/domain logProofText). */
      proof: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    }),
  },
});

const coprFields = {
  build: z.number().int(),
  owner: z.string(),
  copr: z.string(),
  chroot: z.string(),
  pkg: z.string().nullable(),
  version: z.string().nullable(),
  user: z.string(),
  who: z.string(),
};

/** Copr-compatible topics, with Copr's field names. */
export const coprBuildDomain = defineDomain({
  domain: "copr.build",
  scope: "global",
  headerFields: ["owner", "copr", "chroot", "build"],
  signals: {
    start: base.extend({ ...coprFields, status: z.number().int() }),
    end: base.extend({ ...coprFields, status: z.number().int() }),
  },
});

export const coprChrootDomain = defineDomain({
  domain: "copr.chroot",
  scope: "global",
  headerFields: ["owner", "copr", "chroot", "build"],
  signals: {
    start: base.extend({ ...coprFields, status: z.number().int() }),
  },
});

/** Headhunter's own announcements. */
export const headhunterDomain = defineDomain({
  domain: "headhunter",
  scope: "service",
  headerFields: ["task_id", "agent"],
  signals: {
    dispatched: base.extend({ task_id: z.string(), agent: z.string(), attempt: z.number().int() }),
  },
});

/** Repository changes, so mirrors can subscribe instead of polling. Published by Headhunter after createrepo_c ran. */
export const repoDomain = defineDomain({
  domain: "headhunter.repo",
  scope: "service",
  headerFields: ["owner", "project", "chroot"],
  signals: {
    updated: base.extend({
      owner: z.string(), project: z.string(), chroot: z.string(),
      /** the changed directory, relative to the results root: owner/project/chroot */
      path: z.string(),
      packages: z.number().int().min(0),
    }),
  },
});

export const signalCatalog = {
  workerBuild: workerBuildDomain,
  coprBuild: coprBuildDomain,
  coprChroot: coprChrootDomain,
  headhunter: headhunterDomain,
  repo: repoDomain,
} as const;
