import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** A component's own /metrics endpoint (Headhunter and workers have no other HTTP server). */
export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `registry` as Prometheus text at GET /metrics on host:port (0 = a
 * free port). A function is asked at every scrape: a component whose
 * metrics change with its role (a Headhunter standing by, then active).
 */
export async function startMetricsServer(source: Registry | (() => Registry), host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("only GET /metrics here\n");
      return;
    }
    const registry = typeof source === "function" ? source() : source;
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      (error: unknown) => res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end(`metrics failed: ${String(error)}\n`),
    );
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => ok());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/metrics`,
    close: () => new Promise<void>((ok) => {
      server.close(() => ok());
      server.closeAllConnections();
    }),
  };
}
