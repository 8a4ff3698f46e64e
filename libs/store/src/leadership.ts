import type { Redis } from "ioredis";
import type { StoreKeys } from "./keys.ts";
import type { Replication } from "./replication.ts";
import { StorePart } from "./storePart.ts";

/** Takes the lease when it is free (a new epoch) or renews it when it is ours already. */
const ACQUIRE_LUA = `
-- KEYS: lease, epoch, active; ARGV: instance id, ttl ms, now ms
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, tonumber(redis.call('GET', KEYS[2]) or '0'), 0}
end
if holder then return {0, tonumber(redis.call('GET', KEYS[2]) or '0'), 0} end
local epoch = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('HSET', KEYS[3], 'id', ARGV[1], 'epoch', epoch, 'since', ARGV[3])
return {1, epoch, 1}
`;

/** Renews the lease only for its holder on the epoch it took it with. */
const RENEW_LUA = `
-- KEYS: lease, epoch; ARGV: instance id, epoch, ttl ms
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** Gives the lease up (a clean stop) so a standby takes over at once. */
const RELEASE_LUA = `
-- KEYS: lease; ARGV: instance id
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
`;

export interface ActiveHeadhunter {
  id: string;
  epoch: number;
  /** When it took over, ms since the epoch. */
  since: number;
}

interface LeaseCommands {
  coprLeaseAcquire(lease: string, epoch: string, active: string, id: string, ttlMs: string, now: string): Promise<[number, number, number]>;
  coprLeaseRenew(lease: string, epoch: string, id: string, fencingEpoch: string, ttlMs: string): Promise<number>;
  coprLeaseRelease(lease: string, id: string): Promise<number>;
}

/**
 * Which of several Headhunters is active: a lease in Redis (a key with an
 * expiry, held by one instance id) and a fencing epoch that grows by one at
 * every takeover. The active one renews the lease well within its time to
 * live; a standby takes it once it expired, under a new epoch. Task moves
 * carry the epoch (`builds.transitionTask`), so a Headhunter that lost the
 * lease without knowing it can no longer change anything.
 */
export class Leadership extends StorePart {
  /** With `replication`, a takeover (a new epoch) waits until the replicas hold it: a failover must not hand out that epoch twice. */
  constructor(redis: Redis, keys: StoreKeys, replication?: Replication) {
    super(redis, keys, replication);
    redis.defineCommand("coprLeaseAcquire", { numberOfKeys: 3, lua: ACQUIRE_LUA });
    redis.defineCommand("coprLeaseRenew", { numberOfKeys: 2, lua: RENEW_LUA });
    redis.defineCommand("coprLeaseRelease", { numberOfKeys: 1, lua: RELEASE_LUA });
  }

  get #commands(): LeaseCommands {
    return this.redis as unknown as LeaseCommands;
  }

  /**
   * Takes the lease for `id` if nobody holds it (a new epoch) or renews it
   * if `id` holds it; null while another instance holds it.
   */
  async acquire(id: string, ttlMs: number): Promise<{ epoch: number; takenNow: boolean } | null> {
    const k = this.keys;
    const [held, epoch, taken] = await this.#commands.coprLeaseAcquire(
      k.headhunterLease(), k.headhunterEpoch(), k.headhunterActive(), id, String(ttlMs), String(Date.now()),
    );
    if (taken === 1) await this.confirmCritical();
    return held === 1 ? { epoch, takenNow: taken === 1 } : null;
  }

  /** Extends the lease of `id` taken under `epoch`; false when it is no longer this holder's (expired, or taken over). */
  async renew(id: string, epoch: number, ttlMs: number): Promise<boolean> {
    const k = this.keys;
    return (await this.#commands.coprLeaseRenew(k.headhunterLease(), k.headhunterEpoch(), id, String(epoch), String(ttlMs))) === 1;
  }

  /** Gives the lease up if `id` holds it. */
  async release(id: string): Promise<void> {
    await this.#commands.coprLeaseRelease(this.keys.headhunterLease(), id);
  }

  /** The active Headhunter as it last took over, or null when none ever did or its lease expired. */
  async active(): Promise<ActiveHeadhunter | null> {
    const [[, holder], [, info]] = (await this.redis.multi().get(this.keys.headhunterLease()).hgetall(this.keys.headhunterActive()).exec()) as [
      [Error | null, string | null], [Error | null, Record<string, string>],
    ];
    if (holder === null || info.id !== holder) return null;
    return { id: holder, epoch: Number(info.epoch), since: Number(info.since) };
  }

  /** The epoch of the latest takeover (0 before any). */
  async epoch(): Promise<number> {
    return Number((await this.redis.get(this.keys.headhunterEpoch())) ?? "0");
  }
}
