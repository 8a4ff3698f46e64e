import { createHash } from "node:crypto";
import type { HeaderBlock } from "./headerBlock.ts";
import { RpmError } from "./rpmErrors.ts";
import { SIGNATURE_TAGS } from "./rpmFormat.ts";

const DIGESTS = [
  { tag: SIGNATURE_TAGS.SHA256HEADER, algorithm: "sha256", label: "SHA-256" },
  { tag: SIGNATURE_TAGS.SHA1HEADER, algorithm: "sha1", label: "SHA-1" },
] as const;

/**
 * Checks the main header against the header digests the signature header
 * carries (each one that is present; rpm < 4.14 wrote only SHA-1). `parts`
 * are the main header's bytes in order: intro, then index and data.
 * Mismatch → BAD_HEADER. This proves integrity, not origin: anyone can
 * recompute the digests of a header they edited.
 */
export function verifyHeaderDigests(signature: HeaderBlock, parts: readonly Buffer[]): void {
  for (const { tag, algorithm, label } of DIGESTS) {
    const expected = signature.string(tag);
    if (expected === undefined) continue;
    const hash = createHash(algorithm);
    for (const part of parts) hash.update(part);
    if (hash.digest("hex") !== expected.toLowerCase()) {
      throw new RpmError(
        "BAD_HEADER",
        `the package header does not match its ${label} digest; the file is corrupt or was edited after rpmbuild wrote it`,
      );
    }
  }
}
