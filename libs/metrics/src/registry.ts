import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * A registry of one component's own (never prom-client's global one), with
 * the process metrics every component has (CPU, memory, event loop lag),
 * labelled with the component's name.
 */
export function componentRegistry(component: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Buckets for latencies from a millisecond to ten seconds, in seconds. */
export const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Buckets for build and job durations from a second to a day, in seconds. */
export const DURATION_BUCKETS_S = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 28_800, 86_400];
