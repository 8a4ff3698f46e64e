import { describe, expect, it } from "vitest";
import { readDocTable } from "@copr/testkit";
import { REPO_ERROR_CODES, REPO_ERROR_RETRYABLE, RepoError, type RepoErrorCode } from "./repoErrors.ts";

const DOC_PATH = new URL("../README.md", import.meta.url);
const HEADER = ["code", "retryable", "when it happens", "what to do"];

const docTable = (): Map<string, string> => readDocTable(DOC_PATH, HEADER).rows;

describe("libs/repo/README.md error table", () => {
  const table = docTable();
  const codes = Object.values(REPO_ERROR_CODES) as string[];

  it("documents every code and no other", () => {
    expect(codes.filter((c) => !table.has(c))).toEqual([]);
    expect([...table.keys()].filter((c) => !codes.includes(c))).toEqual([]);
  });

  it("agrees with REPO_ERROR_RETRYABLE", () => {
    const disagreements = [...table].flatMap(([code, retryable]) => {
      if (retryable !== "yes" && retryable !== "no") return [`${code}: retryable must be yes or no, got "${retryable}"`];
      return REPO_ERROR_RETRYABLE[code as RepoErrorCode] === (retryable === "yes") ? [] : [`${code}: doc says ${retryable}`];
    });
    expect(disagreements).toEqual([]);
  });

  it("keeps REPO_ERROR_CODES keys equal to their values and REPO_ERROR_RETRYABLE complete", () => {
    for (const [key, value] of Object.entries(REPO_ERROR_CODES)) expect(key).toBe(value);
    expect(Object.keys(REPO_ERROR_RETRYABLE).sort()).toEqual([...codes].sort());
  });
});

describe("RepoError", () => {
  it("is an Error named RepoError with code, cause and retryable", () => {
    const cause = new Error("inner");
    const err = new RepoError("CREATEREPO_FAILED", "boom", { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("RepoError");
    expect(err.code).toBe("CREATEREPO_FAILED");
    expect(err.cause).toBe(cause);
    expect(err.retryable).toBe(true);
    expect(new RepoError("INVALID_NAME", "x").retryable).toBe(false);
  });
});
