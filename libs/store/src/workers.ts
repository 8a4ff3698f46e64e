import { StoreError } from "./storeErrors.ts";
import { StorePart } from "./storePart.ts";
import { hashToken, newToken } from "./tokens.ts";
import type { WorkerRecord } from "./types.ts";

/** Registered workers (which agents Headhunter trusts) and their tokens (stored hashed). */
export class Workers extends StorePart {
  async addWorker(name: string): Promise<{ worker: WorkerRecord; token: string }> {
    const { token, sha256 } = newToken("worker");
    const worker: WorkerRecord = { name, tokenSha256: sha256, drain: false, addedAt: Date.now() };
    const created = await this.redis.hsetnx(this.keys.workers(), name, JSON.stringify(worker));
    if (created === 0) throw new StoreError("EXISTS", `worker ${name} already exists; remove it first to issue a new token`);
    await this.redis.set(this.keys.workerToken(sha256), name);
    return { worker, token };
  }

  async listWorkers(): Promise<WorkerRecord[]> {
    const all = await this.redis.hgetall(this.keys.workers());
    return Object.values(all).map((j) => JSON.parse(j) as WorkerRecord).sort((a, b) => a.name.localeCompare(b.name));
  }

  async getWorker(name: string): Promise<WorkerRecord | null> {
    const json = await this.redis.hget(this.keys.workers(), name);
    return json === null ? null : (JSON.parse(json) as WorkerRecord);
  }

  /** The worker a token belongs to, or null. */
  async authenticateWorker(token: string): Promise<WorkerRecord | null> {
    const name = await this.redis.get(this.keys.workerToken(hashToken(token)));
    return name === null ? null : await this.getWorker(name);
  }

  async setWorkerDrain(name: string, drain: boolean): Promise<WorkerRecord> {
    const w = await this.getWorker(name);
    if (w === null) throw new StoreError("NOT_FOUND", `no worker named ${name}`);
    const next = { ...w, drain };
    await this.redis.hset(this.keys.workers(), name, JSON.stringify(next));
    return next;
  }

  async removeWorker(name: string): Promise<void> {
    const w = await this.getWorker(name);
    if (w === null) throw new StoreError("NOT_FOUND", `no worker named ${name}`);
    await this.redis.multi().hdel(this.keys.workers(), name).del(this.keys.workerToken(w.tokenSha256)).exec();
  }
}
