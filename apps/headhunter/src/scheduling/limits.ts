import type { SchedulingPolicy } from "./policy.ts";

/**
 * Limit filters: may one more task of this owner / project / owner on this
 * arch start now? Each answers with the reason it waits, or null.
 */
export function ownerBlock(policy: SchedulingPolicy, running: number): string | null {
  return running >= policy.ownerLimit ? `owner at its limit ${running}/${policy.ownerLimit}` : null;
}

export function projectBlock(policy: SchedulingPolicy, running: number): string | null {
  return running >= policy.projectLimit ? `project at its limit ${running}/${policy.projectLimit}` : null;
}

export function ownerArchBlock(policy: SchedulingPolicy, arch: string, running: number): string | null {
  const limit = policy.ownerArchLimits[arch];
  return limit !== undefined && running >= limit ? `owner at its limit for ${arch} ${running}/${limit}` : null;
}
