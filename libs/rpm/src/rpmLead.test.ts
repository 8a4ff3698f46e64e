import { describe, expect, it } from "vitest";
import { RpmError } from "./rpmErrors.ts";
import { LEAD_MAGIC, LEAD_SIZE } from "./rpmFormat.ts";
import { checkLeadMagic, parseLead } from "./rpmLead.ts";

function lead(opts: { major?: number; type?: number; sigType?: number; name?: string } = {}): Buffer {
  const b = Buffer.alloc(LEAD_SIZE);
  LEAD_MAGIC.copy(b, 0);
  b.writeUInt8(opts.major ?? 3, 4);
  b.writeUInt16BE(opts.type ?? 1, 6);
  b.write(opts.name ?? "hello-1.0-1", 10, "latin1");
  b.writeUInt16BE(opts.sigType ?? 5, 78);
  return b;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof RpmError ? err.code : `not an RpmError: ${String(err)}`;
  }
  return undefined;
}

describe("checkLeadMagic", () => {
  it.each([
    ["an empty file", Buffer.alloc(0), "TRUNCATED"],
    ["two bytes of magic", LEAD_MAGIC.subarray(0, 2), "TRUNCATED"],
    ["magic and nothing else", LEAD_MAGIC, "TRUNCATED"],
    ["a short text file", Buffer.from("Name: hello\n"), "NOT_RPM"],
    ["one byte of magic", Buffer.from([0xed]), "TRUNCATED"],
    ["gzip", Buffer.from([0x1f, 0x8b, 0x08, 0x00]), "NOT_RPM"],
  ])("classifies %s", (_what, head, code) => {
    expect(codeOf(() => checkLeadMagic(head))).toBe(code);
  });
});

describe("parseLead", () => {
  it("reads version, type and name", () => {
    expect(parseLead(lead())).toEqual({ major: 3, minor: 0, type: 1, name: "hello-1.0-1" });
    expect(parseLead(lead({ type: 0 })).type).toBe(0);
  });

  it.each([
    ["lead version 2", lead({ major: 2 })],
    ["an unknown package type", lead({ type: 7 })],
    ["an old signature type", lead({ sigType: 1 })],
  ])("refuses %s with BAD_HEADER", (_what, bytes) => {
    expect(codeOf(() => parseLead(bytes))).toBe("BAD_HEADER");
  });
});
