import { describe, expect, it } from "vitest";
import { AgentMethodError, silentLogger, type Signals } from "@copr/bus";
import { buildArgsSchema } from "@copr/domain";
import { BuildRunner } from "./buildRunner.ts";
import { StaticProvisioner } from "./provisioner.ts";

const args = (srpmUrl: string, resultsUrl: string) => buildArgsSchema.parse({
  task_id: "1-fedora-40-x86_64", attempt: 0, build_id: 1, owner: "alice", project: "hello", chroot: "fedora-40-x86_64", arch: "x86_64",
  pkg_name: "hello", srpm_file: "hello-1.0-1.src.rpm", srpm_url: srpmUrl, srpm_sha256: "ab".repeat(32), results_url: resultsUrl,
});

describe("BuildRunner.start", () => {
  it("refuses a build call that points anywhere but its copr-web, before anything starts", () => {
    const runner = new BuildRunner({
      provisioners: [new StaticProvisioner([])], connect: () => Promise.reject(new Error("never")), signals: {} as unknown as Signals,
      agentName: "a:b:c", token: "copr_w_secret", webUrl: "http://copr.example.org:8080/", log: silentLogger,
    });
    const web = "http://copr.example.org:8080/api";
    for (const [srpm, results] of [
      ["http://evil.example.org/api/srpm/1", `${web}/results/1-fedora-40-x86_64/0`],
      [`${web}/srpm/1`, "http://copr.example.org.evil.org:8080/api/results/x/0"],
      ["http://copr.example.org:8080@evil.org/api/srpm/1", `${web}/results/1-fedora-40-x86_64/0`],
      ["http://copr.example.org:8080/elsewhere/srpm/1", `${web}/results/1-fedora-40-x86_64/0`],
    ] as const) {
      let error: unknown;
      try {
        runner.start(args(srpm, results));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AgentMethodError);
      expect((error as AgentMethodError).code).toBe("FOREIGN_URL");
    }
    expect(runner.list()).toEqual([]);
    // Its own copr-web passes this check (and then finds no builder host here).
    expect(() => runner.start(args(`${web}/srpm/1`, `${web}/results/1-fedora-40-x86_64/0`))).toThrow(/no builder host/);
  });
});
