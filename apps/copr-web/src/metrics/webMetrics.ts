import { componentRegistry, Counter, Histogram, LATENCY_BUCKETS_S, type Registry } from "@copr/metrics";

/** copr-web's Prometheus metrics: HTTP requests by route pattern (never by raw URL), method and status. */
export class WebMetrics {
  readonly registry: Registry;
  readonly #requests: Counter;
  readonly #duration: Histogram;

  constructor() {
    this.registry = componentRegistry("copr-web");
    this.#requests = new Counter({
      name: "copr_http_requests_total", help: "HTTP requests answered, by route pattern, method and status", labelNames: ["route", "method", "status"], registers: [this.registry],
    });
    this.#duration = new Histogram({
      name: "copr_http_request_duration_seconds", help: "Time to answer an HTTP request, by route pattern and method (uploads include receiving the file)",
      labelNames: ["route", "method"], buckets: LATENCY_BUCKETS_S, registers: [this.registry],
    });
  }

  answered(route: string, method: string, status: number, seconds: number): void {
    this.#requests.inc({ route, method, status: String(status) });
    this.#duration.observe({ route, method }, seconds);
  }
}
