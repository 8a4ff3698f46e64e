import { describe, expect, it } from "vitest";
import { busConfigInput, busEnvSchema, busEnvSettings, ConfigError, loadEnvConfig, redisEnvSchema, redisEnvSettings, redisTarget } from "./config.ts";

const load = (env: Record<string, string>) => loadEnvConfig("test", busEnvSchema, busEnvSettings, { COPR_BUS_USER: "u", COPR_BUS_PASSWORD: "p", ...env });

describe("bus settings from the environment", () => {
  it("reads a cluster's node list, a host alone on port 5672", () => {
    const c = load({ COPR_BUS_NODES: "rabbit1:5673, rabbit2 ,10.0.0.3:5672,[::1]:5674" });
    expect(c.busNodes).toEqual([
      { host: "rabbit1", port: 5673 }, { host: "rabbit2", port: 5672 }, { host: "10.0.0.3", port: 5672 }, { host: "::1", port: 5674 },
    ]);
    expect(busConfigInput(c).nodes).toEqual(c.busNodes);
  });

  it("names the variable and each bad node", () => {
    let error: unknown;
    try {
      load({ COPR_BUS_NODES: "good:1,bad:99999,x y" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    expect(text).toContain("COPR_BUS_NODES");
    expect(text).toContain('"bad:99999"');
    expect(text).toContain('"x y"');
  });

  it("takes one management URL or one per node", () => {
    expect(load({ COPR_BUS_MANAGEMENT_URL: "http://a:15672" }).busManagementUrl).toEqual(["http://a:15672"]);
    expect(load({ COPR_BUS_MANAGEMENT_URL: "http://a:15672,http://b:15672" }).busManagementUrl).toEqual(["http://a:15672", "http://b:15672"]);
    expect(() => load({ COPR_BUS_MANAGEMENT_URL: "http://a:15672,nope" })).toThrow(/COPR_BUS_MANAGEMENT_URL/);
  });

  it("leaves the single host when no node list is given", () => {
    const c = load({ COPR_BUS_HOST: "broker", COPR_BUS_PORT: "5673" });
    expect(busConfigInput(c)).not.toHaveProperty("nodes");
  });
});

describe("Redis settings from the environment", () => {
  const loadRedis = (env: Record<string, string>) => loadEnvConfig("test", redisEnvSchema, redisEnvSettings, { COPR_REDIS_URL: "redis://headhunter:pw@127.0.0.1:6379", ...env });

  it("is the URL alone without Sentinels", () => {
    expect(redisTarget(loadRedis({}))).toEqual({ url: "redis://headhunter:pw@127.0.0.1:6379" });
  });

  it("names the Sentinels (port 26379 unless given), the master name and their password", () => {
    const c = loadRedis({ COPR_REDIS_SENTINELS: "s1,s2:26380,10.0.0.3", COPR_REDIS_SENTINEL_PASSWORD: "spw" });
    expect(redisTarget(c)).toEqual({
      url: "redis://headhunter:pw@127.0.0.1:6379",
      sentinel: { nodes: [{ host: "s1", port: 26379 }, { host: "s2", port: 26380 }, { host: "10.0.0.3", port: 26379 }], masterName: "copr", password: "spw" },
    });
    expect(redisTarget(loadRedis({ COPR_REDIS_SENTINELS: "s1", COPR_REDIS_MASTER_NAME: "builds" })).sentinel?.masterName).toBe("builds");
  });

  it("refuses a bad Sentinel list or master name, naming the variable", () => {
    expect(() => loadRedis({ COPR_REDIS_SENTINELS: "s1:0" })).toThrow(/COPR_REDIS_SENTINELS/);
    expect(() => loadRedis({ COPR_REDIS_SENTINELS: "s1", COPR_REDIS_MASTER_NAME: "a b" })).toThrow(/COPR_REDIS_MASTER_NAME/);
  });
});
