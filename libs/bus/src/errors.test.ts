import { describe, expect, it } from "vitest";
import { readDocTable } from "@copr/testkit";
import { BUS_ERROR_CODES, BUS_ERROR_RETRYABLE, BusError, type BusErrorCode } from "./errors.ts";

const DOC_PATH = new URL("../../../docs/bus-errors.md", import.meta.url);
const HEADER = ["code", "retryable", "when it happens", "what to do"];

const docTable = (): Map<string, string> => readDocTable(DOC_PATH, HEADER).rows;

describe("docs/bus-errors.md", () => {
  const table = docTable();
  const codes = Object.values(BUS_ERROR_CODES) as string[];

  it("has the separator row right after the header", () => {
    expect(readDocTable(DOC_PATH, HEADER).separator).toMatch(/^\|(\s*:?-+:?\s*\|){4}$/);
  });

  it("documents every code in BUS_ERROR_CODES", () => {
    expect(codes.filter((c) => !table.has(c))).toEqual([]);
  });

  it("documents no code that BUS_ERROR_CODES lacks", () => {
    expect([...table.keys()].filter((c) => !codes.includes(c))).toEqual([]);
  });

  it("agrees with BUS_ERROR_RETRYABLE", () => {
    const disagreements = [...table].flatMap(([code, retryable]) => {
      if (retryable !== "yes" && retryable !== "no") return [`${code}: retryable must be yes or no, got "${retryable}"`];
      const expected = BUS_ERROR_RETRYABLE[code as BusErrorCode];
      return expected === undefined || expected === (retryable === "yes") ? [] : [`${code}: doc says ${retryable}, code says ${expected}`];
    });
    expect(disagreements).toEqual([]);
  });

  it("keeps BUS_ERROR_CODES keys equal to their values and BUS_ERROR_RETRYABLE complete", () => {
    for (const [key, value] of Object.entries(BUS_ERROR_CODES)) expect(key).toBe(value);
    expect(Object.keys(BUS_ERROR_RETRYABLE).sort()).toEqual([...codes].sort());
  });
});

describe("BusError.fromAmqp", () => {
  it("maps rhea's {condition, description} to our code", () => {
    const err = BusError.fromAmqp({ condition: "amqp:unauthorized-access", description: "access refused" }, "REJECTED", "publish");
    expect(err).toBeInstanceOf(BusError);
    expect(err.code).toBe("UNAUTHORIZED");
    expect(err.condition).toBe("amqp:unauthorized-access");
    expect(err.message).toContain("access refused");
  });

  it.each([
    ["amqp:not-found", "NOT_FOUND"],
    ["amqp:resource-limit-exceeded", "REJECTED"],
    ["amqp:precondition-failed", "REJECTED"],
    ["amqp:invalid-field", "REJECTED"],
  ] as const)("maps %s to %s", (condition, code) => {
    expect(BusError.fromAmqp({ condition }, "CONNECT_FAILED", "ctx").code).toBe(code);
  });

  it("reads RabbitMQ's described-list form and carries the description", () => {
    const description = "ACCESS_REFUSED - write access to topic 'x' in exchange 'amq.topic' refused for user 'worker'";
    const error = { value: [{ value: "amqp:unauthorized-access" }, { value: description }, { value: null }] };
    const err = BusError.fromAmqp(error, "REJECTED", "session error on /exchange/amq.topic/x");
    expect(err.code).toBe("UNAUTHORIZED");
    expect(err.condition).toBe("amqp:unauthorized-access");
    expect(err.message).toContain(description);
    expect(err.cause).toBe(error);
  });

  it("uses the fallback code for unknown conditions and other values", () => {
    expect(BusError.fromAmqp({ condition: "amqp:internal-error", description: "x" }, "REJECTED", "ctx").code).toBe("REJECTED");
    expect(BusError.fromAmqp({ condition: "amqp:internal-error" }, "CONNECT_FAILED", "ctx").condition).toBe("amqp:internal-error");
    expect(BusError.fromAmqp({ value: [{ value: "amqp:weird" }] }, "REJECTED", "ctx").code).toBe("REJECTED");
    expect(BusError.fromAmqp(new Error("socket hang up"), "CONNECT_FAILED", "ctx").code).toBe("CONNECT_FAILED");
    expect(BusError.fromAmqp("boom", "CONNECT_FAILED", "ctx").code).toBe("CONNECT_FAILED");
    expect(BusError.fromAmqp(undefined, "REJECTED", "ctx").code).toBe("REJECTED");
    expect(BusError.fromAmqp({}, "NOT_FOUND", "ctx").condition).toBeUndefined();
  });

  it("returns a BusError unchanged", () => {
    const original = new BusError("TIMEOUT", "late");
    expect(BusError.fromAmqp(original, "REJECTED", "ctx")).toBe(original);
  });
});

describe("BusError", () => {
  it("reports retryable from BUS_ERROR_RETRYABLE", () => {
    for (const code of Object.values(BUS_ERROR_CODES)) {
      expect(new BusError(code, "x").retryable).toBe(BUS_ERROR_RETRYABLE[code]);
    }
    expect(new BusError("TIMEOUT", "x").retryable).toBe(true);
    expect(new BusError("UNAUTHORIZED", "x").retryable).toBe(false);
  });

  it("is an Error named BusError with code and cause", () => {
    const cause = new Error("inner");
    const err = new BusError("CLOSED", "closed", { cause, condition: "amqp:connection:forced" });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("BusError");
    expect(err.code).toBe("CLOSED");
    expect(err.cause).toBe(cause);
    expect(err.condition).toBe("amqp:connection:forced");
  });
});
