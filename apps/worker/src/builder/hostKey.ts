import { createHash } from "node:crypto";

/**
 * The OpenSSH fingerprint of a public key blob (the SSH wire encoding, as
 * in the base64 field of a .pub file): `SHA256:` and the unpadded base64 of
 * its SHA-256, exactly as `ssh-keygen -lf` prints it.
 */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

/** A pinned fingerprint in canonical form (tolerates base64 padding and surrounding space). */
export function normalizeFingerprint(fingerprint: string): string {
  return fingerprint.trim().replace(/=+$/, "");
}
