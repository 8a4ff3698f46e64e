import { describe, expect, it } from "vitest";
import { readDocTable } from "@copr/testkit";
import { SIGN_ERROR_CODES, SIGN_ERROR_RETRYABLE, type SignErrorCode } from "./signErrors.ts";

const DOC_PATH = new URL("../README.md", import.meta.url);
const HEADER = ["code", "retryable", "when it happens", "what to do"];

describe("libs/sign/README.md error table", () => {
  const table = readDocTable(DOC_PATH, HEADER).rows;
  const codes = Object.values(SIGN_ERROR_CODES) as string[];

  it("documents every code and no other", () => {
    expect(codes.filter((c) => !table.has(c))).toEqual([]);
    expect([...table.keys()].filter((c) => !codes.includes(c))).toEqual([]);
  });

  it("agrees with SIGN_ERROR_RETRYABLE", () => {
    const disagreements = [...table].flatMap(([code, retryable]) => {
      if (retryable !== "yes" && retryable !== "no") return [`${code}: retryable must be yes or no, got "${retryable}"`];
      return SIGN_ERROR_RETRYABLE[code as SignErrorCode] === (retryable === "yes") ? [] : [`${code}: doc says ${retryable}`];
    });
    expect(disagreements).toEqual([]);
  });

  it("keeps SIGN_ERROR_CODES keys equal to their values", () => {
    for (const [key, value] of Object.entries(SIGN_ERROR_CODES)) expect(key).toBe(value);
  });
});
