import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HeaderBlock } from "./headerBlock.ts";
import { verifyHeaderDigests } from "./headerDigest.ts";
import { RpmError } from "./rpmErrors.ts";
import { RPM_TYPES, SIGNATURE_TAGS } from "./rpmFormat.ts";

/** A signature header holding the given hex digests as STRING tags. */
function signature(digests: Partial<Record<number, string>>): HeaderBlock {
  const tags = Object.entries(digests);
  const index = Buffer.alloc(16 * tags.length);
  const strings: Buffer[] = [];
  let offset = 0;
  tags.forEach(([tag, hex], i) => {
    index.writeUInt32BE(Number(tag), 16 * i);
    index.writeUInt32BE(RPM_TYPES.STRING, 16 * i + 4);
    index.writeUInt32BE(offset, 16 * i + 8);
    index.writeUInt32BE(1, 16 * i + 12);
    const s = Buffer.from(`${hex}\0`);
    strings.push(s);
    offset += s.length;
  });
  const store = Buffer.concat(strings);
  return HeaderBlock.parse("signature", { indexCount: tags.length, dataSize: store.length }, Buffer.concat([index, store]));
}

const header = [Buffer.from("intro bytes"), Buffer.from("index and data")];
const hex = (algorithm: string) => createHash(algorithm).update(Buffer.concat(header)).digest("hex");

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof RpmError ? err.code : `not an RpmError: ${String(err)}`;
  }
  return undefined;
}

describe("verifyHeaderDigests", () => {
  it("accepts matching digests, and a signature without digests", () => {
    const sig = signature({ [SIGNATURE_TAGS.SHA256HEADER]: hex("sha256"), [SIGNATURE_TAGS.SHA1HEADER]: hex("sha1") });
    expect(codeOf(() => verifyHeaderDigests(sig, header))).toBeUndefined();
    expect(codeOf(() => verifyHeaderDigests(signature({}), header))).toBeUndefined();
  });

  it("refuses a header that does not match either digest", () => {
    const edited = [Buffer.from("intro bytes"), Buffer.from("index and dat4")];
    expect(codeOf(() => verifyHeaderDigests(signature({ [SIGNATURE_TAGS.SHA256HEADER]: hex("sha256") }), edited))).toBe("BAD_HEADER");
    expect(codeOf(() => verifyHeaderDigests(signature({ [SIGNATURE_TAGS.SHA1HEADER]: hex("sha1") }), edited))).toBe("BAD_HEADER");
  });
});
