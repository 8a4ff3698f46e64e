/** The knobs of the scheduling policy (docs/scheduling.md). Defaults are Copr production's limits. */
export interface SchedulingPolicy {
  /** Half-life of remembered builder usage, ms. Default 1 h. */
  halfLifeMs: number;
  /** Builder-seconds a task counts while it runs, until its real duration is charged at its end. Default 60. */
  startChargeS: number;
  /** Running tasks per owner, all arches. Default 90. */
  ownerLimit: number;
  /** Running tasks per project. Default 35. */
  projectLimit: number;
  /** Running tasks per owner on one arch, by arch; an arch not listed has no limit of its own. */
  ownerArchLimits: Readonly<Record<string, number>>;
}

export const DEFAULT_POLICY: SchedulingPolicy = Object.freeze({
  halfLifeMs: 3_600_000,
  startChargeS: 60,
  ownerLimit: 90,
  projectLimit: 35,
  ownerArchLimits: Object.freeze({}),
});
