import { componentRegistry, Counter, DURATION_BUCKETS_S, Gauge, Histogram, type Registry } from "@copr/metrics";

/** A worker's Prometheus metrics: its slots, its builds' ends and durations, broker reconnections. */
export class WorkerMetrics {
  readonly registry: Registry;
  readonly #ended: Counter;
  readonly #duration: Histogram;
  readonly #reconnects: Counter;

  constructor(slots: () => { total: number; used: number }) {
    const registry = componentRegistry("worker");
    this.registry = registry;
    new Gauge({
      name: "copr_worker_slots", help: "This worker's build slots, by use (free, used)", labelNames: ["use"], registers: [registry],
      collect() {
        const s = slots();
        this.set({ use: "used" }, s.used);
        this.set({ use: "free" }, Math.max(0, s.total - s.used));
      },
    });
    this.#ended = new Counter({ name: "copr_worker_builds_ended_total", help: "Builds this worker ran to an end, by arch and final state", labelNames: ["arch", "state"], registers: [registry] });
    this.#duration = new Histogram({
      name: "copr_worker_build_duration_seconds", help: "From a build accepted to its final status sent, by arch and final state",
      labelNames: ["arch", "state"], buckets: DURATION_BUCKETS_S, registers: [registry],
    });
    this.#reconnects = new Counter({ name: "copr_reconnects_total", help: "Reconnections to a service, by service (broker)", labelNames: ["service"], registers: [registry] });
  }

  buildEnded(arch: string, state: string, seconds: number): void {
    this.#ended.inc({ arch, state });
    this.#duration.observe({ arch, state }, seconds);
  }

  reconnected(): void {
    this.#reconnects.inc({ service: "broker" });
  }
}
