import { describe, expect, it } from "vitest";
import { ConfigError } from "@copr/config";
import { loadWorkerConfig } from "./config.ts";

describe("worker configuration", () => {
  it("names the variable to set when the broker password is missing", () => {
    const err = (() => {
      try {
        loadWorkerConfig({});
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.join("\n")).toMatch(/COPR_BUS_PASSWORD/);
  });

  it("applies defaults, parses lists and numbers, and freezes the result", () => {
    const c = loadWorkerConfig({ COPR_BUS_PASSWORD: "pw", COPR_WORKER_TOKEN: "copr_w_x", COPR_BUS_PORT: "5673", COPR_WORKER_NAME: "acme:copr-worker:w7" });
    // Each worker logs in to the broker as itself.
    expect(c.busUser).toBe("acme:copr-worker:w7");
    expect(c.dispatchers).toEqual(["headhunter"]);
    expect(c.busPort).toBe(5673);
    expect(c.name).toBe("acme:copr-worker:w7");
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("makes a signer only beside the results, with its slots and key domain", () => {
    const base = { COPR_BUS_PASSWORD: "pw", COPR_WORKER_TOKEN: "copr_w_x", COPR_WORKER_WEB_URL: "https://copr.example.org" };
    expect(() => loadWorkerConfig({ ...base, COPR_WORKER_SIGN_KEYS_DIR: "/var/lib/copr-signer/keys" })).toThrow(/COPR_WORKER_RESULTS_DIR/);
    const c = loadWorkerConfig({ ...base, COPR_WORKER_SIGN_KEYS_DIR: "/k", COPR_WORKER_RESULTS_DIR: "/r" });
    expect([c.signKeysDir, c.signSlots, c.signKeyDomain]).toEqual(["/k", 4, "copr.example.org"]);
    expect(() => loadWorkerConfig({ ...base, COPR_WORKER_SIGN_SLOTS: "0" })).toThrow(/COPR_WORKER_SIGN_SLOTS/);
  });

  it("refuses a broker user that is not the worker's own", () => {
    expect(() => loadWorkerConfig({ COPR_BUS_PASSWORD: "pw", COPR_WORKER_TOKEN: "copr_w_x", COPR_WORKER_NAME: "acme:copr-worker:w7", COPR_BUS_USER: "worker" }))
      .toThrow(/COPR_BUS_USER: must be the worker's name acme:copr-worker:w7/);
  });

  it("refuses an agent name that is not vendor:product:instance", () => {
    expect(() => loadWorkerConfig({ COPR_BUS_PASSWORD: "pw", COPR_WORKER_TOKEN: "copr_w_x", COPR_WORKER_NAME: "w1.example.com" })).toThrow(/COPR_WORKER_NAME/);
  });
});
