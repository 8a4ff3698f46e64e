import type { FastifyPluginCallback } from "fastify";
import type { WebMetrics } from "../../metrics/webMetrics.ts";

/** GET /metrics (Prometheus text), and a hook that counts every answered request by its route pattern. */
export function metricsRoutes(metrics: WebMetrics): FastifyPluginCallback {
  return (app, _options, done) => {
    app.get("/metrics", async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
    done();
  };
}
