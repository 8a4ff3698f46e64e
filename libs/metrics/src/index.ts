// Public surface of @copr/metrics. Named exports only.
export { componentRegistry, LATENCY_BUCKETS_S, DURATION_BUCKETS_S } from "./registry.ts";
export { startMetricsServer, type MetricsServer } from "./metricsServer.ts";
export { Counter, Gauge, Histogram, type Registry } from "prom-client";
