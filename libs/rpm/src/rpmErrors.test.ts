import { describe, expect, it } from "vitest";
import { readDocTable } from "@copr/testkit";
import { RPM_ERROR_CODES, RPM_ERROR_HTTP_STATUS, RpmError, type RpmErrorCode } from "./rpmErrors.ts";

const DOC_PATH = new URL("../README.md", import.meta.url);
const HEADER = ["code", "http status", "when it happens", "what to do"];

const docTable = (): Map<string, string> => readDocTable(DOC_PATH, HEADER).rows;

describe("libs/rpm/README.md error table", () => {
  const table = docTable();
  const codes = Object.values(RPM_ERROR_CODES) as string[];

  it("documents every code and no other", () => {
    expect(codes.filter((c) => !table.has(c))).toEqual([]);
    expect([...table.keys()].filter((c) => !codes.includes(c))).toEqual([]);
  });

  it("agrees with RPM_ERROR_HTTP_STATUS", () => {
    const disagreements = [...table].flatMap(([code, status]) => {
      const expected = RPM_ERROR_HTTP_STATUS[code as RpmErrorCode];
      return String(expected) === status ? [] : [`${code}: doc says ${status}, code says ${expected}`];
    });
    expect(disagreements).toEqual([]);
  });

  it("keeps RPM_ERROR_CODES keys equal to their values and the status table complete", () => {
    for (const [key, value] of Object.entries(RPM_ERROR_CODES)) expect(key).toBe(value);
    expect(Object.keys(RPM_ERROR_HTTP_STATUS).sort()).toEqual([...codes].sort());
  });
});

describe("RpmError", () => {
  it("is an Error named RpmError with code and cause", () => {
    const cause = new Error("EIO");
    const err = new RpmError("READ_FAILED", "could not read", { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("RpmError");
    expect(err.code).toBe("READ_FAILED");
    expect(err.cause).toBe(cause);
    expect(err.userFault).toBe(false);
  });

  it("reports the uploader's fault for 4xx codes", () => {
    expect(new RpmError("NOT_SOURCE", "x").userFault).toBe(true);
    expect(new RpmError("TOO_LARGE", "x").userFault).toBe(true);
  });
});
