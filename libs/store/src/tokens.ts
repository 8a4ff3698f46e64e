import { createHash, randomBytes } from "node:crypto";

/** A new secret token (shown once) and the hash that is stored. */
export function newToken(kind: "user" | "worker"): { token: string; sha256: string } {
  const token = `copr_${kind === "user" ? "u" : "w"}_${randomBytes(24).toString("base64url")}`;
  return { token, sha256: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A new API login: 20 lower-case letters, as Copr's (never contains ":"). */
export function newApiLogin(): string {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  return [...randomBytes(20)].map((b) => letters[b % 26] ?? "a").join("");
}
