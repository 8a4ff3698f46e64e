import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shq } from "./shellQuote.ts";

/** What /bin/sh makes of `printf '%s\n' <quoted>`. */
function roundTrip(value: string): string {
  return execFileSync("/bin/sh", ["-c", `printf '%s' ${shq(value)}`], { encoding: "utf8" });
}

describe("shq", () => {
  it("leaves safe words alone", () => {
    expect(shq("/var/lib/copr/build-1.pid")).toBe("/var/lib/copr/build-1.pid");
  });

  it.each([
    "",
    "two words",
    "it's",
    `'"$HOME" \`id\` $(id) \\ ; & | > < * ? ~ # !`,
    "line\nbreak\ttab",
    "''''",
    "ünïcödé ✓",
    "-n",
  ])("round-trips %j through /bin/sh", (value) => {
    expect(roundTrip(value)).toBe(value);
  });

  it("survives quoting twice (a command inside sh -c)", () => {
    const inner = `printf '%s' ${shq("it's $x")}`;
    const out = execFileSync("/bin/sh", ["-c", `sh -c ${shq(inner)}`], { encoding: "utf8" });
    expect(out).toBe("it's $x");
  });

  it("refuses NUL bytes", () => {
    expect(() => shq("a\0b")).toThrow(TypeError);
  });
});
