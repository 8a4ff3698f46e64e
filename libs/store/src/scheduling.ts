import type { Redis } from "ioredis";
import { StorePart } from "./storePart.ts";
import type { Task } from "./types.ts";

/** An owner's decaying builder usage as Headhunter stores it: builder-seconds as of `at` (ms). */
export interface StoredUsage {
  seconds: number;
  at: number;
}

/** An entry of the scheduler's inbox: a task became pending, or an owner's share changed. */
export type InboxEntry = { id: string; kind: "task"; taskId: string } | { id: string; kind: "share"; owner: string };

/**
 * The scopes a pending task's wait reason is published under, most
 * specific first: Headhunter writes the text of each scope that holds tasks
 * back; a reader shows the first one that applies to a task.
 */
export const reasonScope = {
  batch: (buildId: number) => `batch:${buildId}`,
  project: (owner: string, project: string) => `project:${owner}/${project}`,
  owner: (owner: string) => `owner:${owner}`,
  ownerArch: (owner: string, arch: string) => `owner-arch:${owner}:${arch}`,
  arch: (arch: string) => `arch:${arch}`,
  background: (arch: string) => `background:${arch}`,
} as const;

/** The scopes that can hold `task` back, in the order they are shown. */
export function waitScopes(task: Pick<Task, "buildId" | "owner" | "project" | "arch" | "background">): string[] {
  return [
    reasonScope.batch(task.buildId),
    reasonScope.project(task.owner, task.project),
    reasonScope.owner(task.owner),
    reasonScope.ownerArch(task.owner, task.arch),
    reasonScope.arch(task.arch),
    ...(task.background === true ? [reasonScope.background(task.arch)] : []),
  ];
}

/** What a pending task waits for when nothing else holds it back. */
export function freeSlotReason(arch: string): string {
  return `waiting for a free ${arch} slot`;
}

/**
 * The scheduler's state in Redis: its inbox (every task queued, read by
 * Headhunter; copr-web writes it in the same transaction as the build),
 * owners' usage and admin shares, and the published wait reasons.
 */
export class Scheduling extends StorePart {
  /** The newest inbox entry id ("0-0" when empty): follow the inbox from here. */
  async inboxCursor(): Promise<string> {
    const [newest] = await this.redis.xrevrange(this.keys.schedInbox(), "+", "-", "COUNT", 1);
    return newest?.[0] ?? "0-0";
  }

  /** Inbox entries after `afterId`, waiting up to `blockMs` for some, on `conn` (a blocking read needs its own connection). */
  async readInbox(conn: Redis, afterId: string, blockMs: number, count = 1000): Promise<InboxEntry[]> {
    const res = await conn.xread("COUNT", count, "BLOCK", blockMs, "STREAMS", this.keys.schedInbox(), afterId);
    const out: InboxEntry[] = [];
    for (const [id, kv] of res?.[0]?.[1] ?? []) {
      const [field, value] = kv;
      if (field === "task" && value !== undefined) out.push({ id, kind: "task", taskId: value });
      else if (field === "share" && value !== undefined) out.push({ id, kind: "share", owner: value });
      else out.push({ id, kind: "task", taskId: "" });
    }
    return out;
  }

  async usage(): Promise<Map<string, StoredUsage>> {
    const all = await this.redis.hgetall(this.keys.schedUsage());
    const out = new Map<string, StoredUsage>();
    for (const [owner, json] of Object.entries(all)) {
      const v = JSON.parse(json) as Partial<StoredUsage>;
      if (typeof v.seconds === "number" && typeof v.at === "number") out.set(owner, { seconds: v.seconds, at: v.at });
    }
    return out;
  }

  async saveUsage(entries: Iterable<[string, StoredUsage]>): Promise<void> {
    const flat: string[] = [];
    for (const [owner, u] of entries) flat.push(owner, JSON.stringify(u));
    if (flat.length > 0) await this.redis.hset(this.keys.schedUsage(), ...flat);
  }

  /** Admin-set shares (weights, default 1) of the owners that have one. */
  async shares(): Promise<Map<string, number>> {
    const all = await this.redis.hgetall(this.keys.schedShares());
    return new Map(Object.entries(all).map(([owner, v]) => [owner, Number(v)] as const).filter(([, v]) => v > 0));
  }

  async share(owner: string): Promise<number> {
    const v = await this.redis.hget(this.keys.schedShares(), owner);
    return v === null ? 1 : Number(v);
  }

  /** Sets (or, with 1, resets) an owner's share and tells Headhunter through the inbox. */
  async setShare(owner: string, share: number): Promise<void> {
    if (!(share > 0) || !Number.isFinite(share)) throw new RangeError(`a share must be a positive number, got ${share}`);
    const multi = this.redis.multi();
    if (share === 1) multi.hdel(this.keys.schedShares(), owner);
    else multi.hset(this.keys.schedShares(), owner, String(share));
    multi.xadd(this.keys.schedInbox(), "MAXLEN", "~", "10000", "*", "share", owner);
    await multi.exec();
  }

  /** Publishes (text) or clears (null) the wait reasons of scopes. */
  async setReasons(changes: Iterable<[scope: string, text: string | null]>): Promise<void> {
    const multi = this.redis.multi();
    let n = 0;
    for (const [scope, text] of changes) {
      if (text === null) multi.hdel(this.keys.schedReasons(), scope);
      else multi.hset(this.keys.schedReasons(), scope, text);
      n++;
    }
    if (n > 0) await multi.exec();
  }

  /** Replaces every published reason (after Headhunter started or reconnected). */
  async replaceReasons(reasons: ReadonlyMap<string, string>): Promise<void> {
    const multi = this.redis.multi().del(this.keys.schedReasons());
    if (reasons.size > 0) multi.hset(this.keys.schedReasons(), Object.fromEntries(reasons));
    await multi.exec();
  }

  /** `tasks` with `wait` set on the pending ones. */
  async withWaitReasons(tasks: Task[]): Promise<Task[]> {
    const reasons = await this.waitReasons(tasks);
    if (reasons.size === 0) return tasks;
    return tasks.map((t) => {
      const wait = reasons.get(t.id);
      return wait === undefined ? t : { ...t, wait };
    });
  }

  /** Why each pending task of `tasks` waits; other tasks get no entry. */
  async waitReasons(tasks: readonly Task[]): Promise<Map<string, string>> {
    const pending = tasks.filter((t) => t.state === "pending");
    if (pending.length === 0) return new Map();
    const pipe = this.redis.pipeline();
    for (const t of pending) pipe.hmget(this.keys.schedReasons(), ...waitScopes(t));
    const res = (await pipe.exec()) ?? [];
    const out = new Map<string, string>();
    pending.forEach((t, i) => {
      const values = (res[i]?.[1] ?? []) as (string | null)[];
      out.set(t.id, values.find((v): v is string => v !== null) ?? freeSlotReason(t.arch));
    });
    return out;
  }
}
