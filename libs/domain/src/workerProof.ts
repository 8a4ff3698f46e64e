import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** The worker side: proof over `nonce` from the plain token. */
export function workerProof(token: string, nonce: string): string {
  return proofFromHash(tokenKey(token), nonce);
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

/** The sha256 of a worker token: the key of every proof (the store keeps only this). */
export function tokenKey(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * What a worker's status signal proof covers. All workers share one broker
 * user, so the broker cannot tell them apart; the proof (an HMAC keyed
 * with the sha256 of that worker's own token) lets Headhunter refuse a
 * status or log line sent in another worker's name.
 */
export function statusProofText(p: { task_id: string; attempt: number; agent: string; state: string; seq: number; reason?: string | undefined; builder?: string | undefined }): string {
  return ["status", p.task_id, p.attempt, p.agent, p.state, p.seq, p.reason ?? "", p.builder ?? ""].join("\n");
}

/** What a worker's log signal proof covers: the batch's place and a digest of its lines. */
export function logProofText(p: { task_id: string; attempt: number; agent: string; offset: number; lines: readonly string[] }): string {
  const digest = createHash("sha256").update(JSON.stringify(p.lines), "utf8").digest("hex");
  return ["log", p.task_id, p.attempt, p.agent, p.offset, digest].join("\n");
}
