import { describe, expect, it } from "vitest";
import { BusError } from "./errors.ts";
import { assertDomain, assertWord, formatAgentName, parseAgentName } from "./names.ts";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof BusError ? error.code : `not a BusError: ${String(error)}`;
  }
  return undefined;
}

describe("parseAgentName", () => {
  it("accepts vendor:product:instance", () => {
    expect(parseAgentName("copr:worker:w-01")).toEqual({ vendor: "copr", product: "worker", instance: "w-01" });
    expect(parseAgentName("Fedora_Project:copr-be:X86_64-7")).toEqual({ vendor: "Fedora_Project", product: "copr-be", instance: "X86_64-7" });
  });

  it("round-trips with formatAgentName", () => {
    expect(formatAgentName(parseAgentName("copr:worker:w1"))).toBe("copr:worker:w1");
  });

  it.each([
    ["dot", "copr:worker:w.1"],
    ["dot in vendor", "org.copr:worker:w1"],
    ["slash", "copr:work/er:w1"],
    ["space", "copr:worker:w 1"],
    ["leading space", " copr:worker:w1"],
    ["two parts", "copr:worker"],
    ["one part", "copr"],
    ["four parts", "copr:worker:w1:x"],
    ["empty part", "copr::w1"],
    ["empty", ""],
    ["wildcard", "copr:worker:*"],
  ])("rejects a name with %s (%j) as INVALID_NAME", (_what, name) => {
    expect(codeOf(() => parseAgentName(name))).toBe("INVALID_NAME");
  });
});

describe("assertWord / assertDomain", () => {
  it("accepts words and dot-separated domains", () => {
    expect(assertWord("signal", "status")).toBe("status");
    expect(assertDomain("org.fedoraproject.copr.worker.build")).toBe("org.fedoraproject.copr.worker.build");
  });

  it.each(["a.b", "a b", "a/b", "", "a#"])("rejects word %j", (word) => {
    expect(codeOf(() => assertWord("signal", word))).toBe("INVALID_NAME");
  });

  it.each(["a..b", ".a", "a.", "a b.c", "a/b", "", "a.*"])("rejects domain %j", (domain) => {
    expect(codeOf(() => assertDomain(domain))).toBe("INVALID_NAME");
  });
});
