import { describe, expect, it } from "vitest";
import { parseBusConfig } from "./config.ts";
import { BusError } from "./errors.ts";

const required = { username: "worker", password: "secret" };

function configError(input: unknown): BusError {
  try {
    parseBusConfig(input);
  } catch (error) {
    if (error instanceof BusError) return error;
    throw error;
  }
  throw new Error("parseBusConfig accepted the input");
}

describe("parseBusConfig", () => {
  it("applies the documented defaults", () => {
    const config = parseBusConfig(required);
    expect(config).toEqual({
      host: "127.0.0.1",
      port: 5672,
      vhost: "copr",
      username: "worker",
      password: "secret",
      domainPrefix: "org.fedoraproject.copr",
      reconnectInitialDelayMs: 100,
      reconnectMaxDelayMs: 2000,
      connectTimeoutMs: 10_000,
      idleTimeoutMs: 10_000,
    });
    expect(config.containerId).toBeUndefined();
    expect(config.managementUrl).toBeUndefined();
  });

  it("keeps given values", () => {
    const config = parseBusConfig({
      ...required,
      host: "broker.example.org",
      vhost: "test",
      containerId: "headhunter-1",
      domainPrefix: "org.example.copr",
      managementUrl: "http://127.0.0.1:15672",
    });
    expect(config).toMatchObject({
      host: "broker.example.org",
      vhost: "test",
      containerId: "headhunter-1",
      domainPrefix: "org.example.copr",
      managementUrl: "http://127.0.0.1:15672",
    });
  });

  it("coerces numeric strings (as read from the environment)", () => {
    const config = parseBusConfig({
      ...required,
      port: "5673",
      reconnectInitialDelayMs: "50",
      reconnectMaxDelayMs: "500",
      connectTimeoutMs: "2000",
      idleTimeoutMs: "3000",
    });
    expect(config.port).toBe(5673);
    expect(config.reconnectInitialDelayMs).toBe(50);
    expect(config.reconnectMaxDelayMs).toBe(500);
    expect(config.connectTimeoutMs).toBe(2000);
    expect(config.idleTimeoutMs).toBe(3000);
  });

  it("returns a frozen object", () => {
    const config = parseBusConfig(required);
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it("throws INVALID_CONFIG naming every bad field", () => {
    const err = configError({ port: "not-a-port", password: "secret", domainPrefix: "a..b", managementUrl: "nope" });
    expect(err.code).toBe("INVALID_CONFIG");
    for (const field of ["bus.port", "bus.username", "bus.domainPrefix", "bus.managementUrl"]) {
      expect(err.message).toContain(field);
    }
    expect(err.message).not.toContain("bus.password");
    expect(err.message).not.toContain("bus.host");
  });

  it.each([
    ["port 0", { port: 0 }, "bus.port"],
    ["port above 65535", { port: 70_000 }, "bus.port"],
    ["fractional port", { port: "5672.5" }, "bus.port"],
    ["empty password", { password: "" }, "bus.password"],
    ["empty host", { host: "" }, "bus.host"],
    ["tiny idle timeout", { idleTimeoutMs: 10 }, "bus.idleTimeoutMs"],
    ["tiny connect timeout", { connectTimeoutMs: "5" }, "bus.connectTimeoutMs"],
  ])("rejects %s", (_what, override, field) => {
    const err = configError({ ...required, ...override });
    expect(err.code).toBe("INVALID_CONFIG");
    expect(err.message).toContain(field);
  });

  it.each([undefined, null, "bus", 42])("rejects non-object input %j with INVALID_CONFIG", (input) => {
    expect(configError(input).code).toBe("INVALID_CONFIG");
  });
});
