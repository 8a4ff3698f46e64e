import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** The worker side: proof over `nonce` from the plain token. */
export function workerProof(token: string, nonce: string): string {
  const key = createHash("sha256").update(token, "utf8").digest("hex");
  return proofFromHash(key, nonce);
}

/** The Headhunter side: proof from the stored sha256 of the token. */
export function proofFromHash(tokenSha256: string, nonce: string): string {
  return createHmac("sha256", tokenSha256).update(nonce, "utf8").digest("hex");
}

export function proofMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "hex");
  const b = Buffer.from(given, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}
