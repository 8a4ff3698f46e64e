import { describe, expect, it } from "vitest";
import { until } from "@copr/testkit";
import { helloSpec, startStack } from "./stack.ts";

/** The value of the sample of `name` whose labels include every one of `labels`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1] ?? "", x[2] ?? ""]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) return Number(m[3]);
  }
  return undefined;
}

describe("metrics operators can graph", () => {
  it("counts a build in Headhunter's, the worker's and copr-web's /metrics, in Prometheus text", async () => {
    await using s = await startStack();
    const worker = await s.worker("fedoraproject:copr-worker:w1");
    const id = await s.submit(helloSpec());
    expect((await s.waitFinal(id))[0]?.state).toBe("succeeded");
    const url = s.hh.metricsUrl ?? "";
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    // The task is counted just after its final move is stored (after createrepo and its sample): wait for the count.
    let text = "";
    await until(async () => {
      text = await (await fetch(url)).text();
      return sample(text, "copr_tasks_ended_total", { component: "headhunter", state: "succeeded" }) === 1;
    }, 30_000, "the ended task's count");
    expect(sample(text, "copr_createrepo_duration_seconds_count", { outcome: "ok" })).toBe(1);
    expect(sample(text, "copr_build_duration_seconds_count", { arch: "x86_64", state: "succeeded" })).toBe(1);
    expect(sample(text, "copr_dispatch_latency_seconds_count")).toBe(1);
    expect(sample(text, "copr_rpc_calls_total", { method: "build", outcome: "ok" })).toBe(1);
    expect(sample(text, "copr_rpc_call_duration_seconds_count", { method: "build" })).toBe(1);
    expect(sample(text, "copr_rpc_calls_total", { method: "createrepo", outcome: "ok" })).toBe(1);
    expect(sample(text, "copr_agents_online")).toBe(1);
    expect(sample(text, "copr_agent_slots", { use: "used" })).toBe(0);
    expect(sample(text, "copr_running_tasks")).toBe(0);
    expect(sample(text, "process_cpu_user_seconds_total")).toBeGreaterThan(0);

    // The worker sends its final status, then counts the build: wait for the count.
    let workerText = "";
    await until(async () => {
      workerText = await (await fetch(worker.metricsUrl ?? "")).text();
      return sample(workerText, "copr_worker_builds_ended_total", { component: "worker", arch: "x86_64", state: "succeeded" }) === 1;
    }, 30_000, "the worker's build count");
    expect(sample(workerText, "copr_worker_build_duration_seconds_count", { arch: "x86_64", state: "succeeded" })).toBe(1);
    expect(sample(workerText, "copr_worker_slots", { use: "free" })).toBe(2);

    const web = await fetch(`${s.web.url}/metrics`);
    expect(web.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const webText = await web.text();
    expect(sample(webText, "copr_http_requests_total", { component: "copr-web", route: "/api/projects/:owner/:project/builds", method: "POST", status: "201" })).toBe(1);
    expect(sample(webText, "copr_http_request_duration_seconds_count", { route: "/api/projects/:owner/:project/builds", method: "POST" })).toBe(1);
  });
});
