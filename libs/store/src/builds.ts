import { canTransition, chrootArch, DEFAULT_BUILD_TIMEOUT_S, isFinal, taskId, TASK_STATES, type TaskState } from "@copr/domain";
import type { Redis } from "ioredis";
import { STATUS_DIMENSIONS, type StoreKeys } from "./keys.ts";
import { searchEntry } from "./projects.ts";
import { StoreError } from "./storeErrors.ts";
import type { BatchPlan } from "./batches.ts";
import type { Replication } from "./replication.ts";
import { StorePart } from "./storePart.ts";
import { buildIdOf, taskFromHash, taskToHash } from "./taskHash.ts";
import type { Build, SrpmInfo, Task } from "./types.ts";

export interface NewBuild {
  owner: string;
  project: string;
  submittedBy: string;
  srpm: SrpmInfo;
  /** One entry per chroot; `skip` gives the reason a chroot is not built. */
  chroots: { chroot: string; skip?: string }[];
  /** Build timeout per chroot, seconds; default DEFAULT_BUILD_TIMEOUT_S. */
  timeoutS?: number;
  /** The build may use the network; default false. */
  enableNet?: boolean;
  /** Run only when no ordinary task of the arch could start; default false. */
  background?: boolean;
  /** Its batch (from Batches.plan): join build N's, or a new one after N's. */
  batch?: BatchPlan;
}

/** Moves a task only if it is in an allowed state and (optionally) attempt. Atomic. Values are JSON, as in the task hash. */
const TRANSITION_LUA = `
-- KEYS: task, active set, build events stream, activity stream, fencing epoch;
-- ARGV: to, allowed from (csv), attempt or '', final (1/0), fencing epoch or '', then field/value pairs
local cur = redis.call('HGET', KEYS[1], 'state')
if not cur then return {'NOT_FOUND', ''} end
if ARGV[5] ~= '' and (redis.call('GET', KEYS[5]) or '0') ~= ARGV[5] then return {'FENCED', cur} end
local allowed = false
for s in string.gmatch(ARGV[2], '[^,]+') do if s == cur then allowed = true end end
if not allowed then return {'REFUSED', cur} end
if ARGV[3] ~= '' and redis.call('HGET', KEYS[1], 'attempt') ~= ARGV[3] then return {'REFUSED', cur} end
redis.call('HSET', KEYS[1], 'state', ARGV[1])
for i = 6, #ARGV - 2, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
local id = cjson.decode(redis.call('HGET', KEYS[1], 'id'))
if ARGV[4] == '1' then redis.call('SREM', KEYS[2], id) else redis.call('SADD', KEYS[2], id) end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '10000', '*', 'task', id, 'from', cjson.decode(cur), 'to', cjson.decode(ARGV[1]))
redis.call('XADD', KEYS[4], 'MAXLEN', '~', '10000', '*', 'task', id, 'to', cjson.decode(ARGV[1]))
-- status indexes (ARGV[#ARGV-1] = stats key prefix, ARGV[#ARGV] = now)
local sp = ARGV[#ARGV - 1]
local now = ARGV[#ARGV]
local function bucket(st)
  if st == '"pending"' then return 'pending' end
  if st == '"starting"' or st == '"running"' then return 'running' end
  return nil
end
local from_b, to_b = bucket(cur), bucket(ARGV[1])
if from_b ~= to_b then
  local groups = {
    owner = cjson.decode(redis.call('HGET', KEYS[1], 'owner')),
    arch = cjson.decode(redis.call('HGET', KEYS[1], 'arch')),
    chroot = cjson.decode(redis.call('HGET', KEYS[1], 'chroot')),
  }
  for _, pair in ipairs({{from_b, -1}, {to_b, 1}}) do
    local b, d = pair[1], pair[2]
    if b then
      redis.call('INCRBY', sp .. b .. ':total', d)
      if d > 0 then redis.call('ZADD', sp .. b .. ':tasks', now, id) else redis.call('ZREM', sp .. b .. ':tasks', id) end
      for dim, value in pairs(groups) do
        redis.call('HINCRBY', sp .. b .. ':count:' .. dim, value, d)
        if d > 0 then redis.call('ZADD', sp .. b .. ':tasks:' .. dim .. ':' .. value, now, id)
        else redis.call('ZREM', sp .. b .. ':tasks:' .. dim .. ':' .. value, id) end
      end
    end
  end
end
-- per-minute history for the status chart (keys as in keys.ts statsPendingAt / statsEndedAt), kept 2 h
local minute = math.floor(tonumber(now) / 60000)
redis.call('SET', sp .. 'pending:at:' .. minute, redis.call('GET', sp .. 'pending:total') or '0', 'EX', 7200)
if ARGV[4] == '1' then
  redis.call('INCR', sp .. 'ended:at:' .. minute)
  redis.call('EXPIRE', sp .. 'ended:at:' .. minute, 7200)
end
return {'OK', cur}
`;

/**
 * Builds and their tasks: creation, reads, task moves (Headhunter's only
 * writes of task state, through `transitionTask`, which also keeps the
 * status indexes), agents' task sets and the build and activity streams.
 */
export class Builds extends StorePart {
  /** With `replication`, an accepted build and every task move wait until the replicas hold them. */
  constructor(redis: Redis, keys: StoreKeys, replication?: Replication) {
    super(redis, keys, replication);
    redis.defineCommand("coprTransition", { numberOfKeys: 5, lua: TRANSITION_LUA });
  }

  /** Stores a build and one task per chroot in one transaction; skipped chroots end `skipped` at once. */
  async createBuild(input: NewBuild): Promise<{ build: Build; tasks: Task[] }> {
    const id = await this.redis.incr(this.keys.buildSeq());
    const now = Date.now();
    const tasks: Task[] = input.chroots.map(({ chroot, skip }) => ({
      id: taskId(id, chroot),
      buildId: id,
      owner: input.owner,
      project: input.project,
      chroot,
      arch: chrootArch(chroot),
      state: skip === undefined ? "pending" : "skipped",
      attempt: 0,
      agent: null,
      reason: skip ?? null,
      hosts: [],
      ...(input.background === true ? { background: true } : {}),
      queuedAt: now,
      startedAt: null,
      endedAt: skip === undefined ? null : now,
    }));
    const build: Build = {
      id, owner: input.owner, project: input.project, submittedBy: input.submittedBy,
      submittedAt: now, srpm: input.srpm, taskIds: tasks.map((t) => t.id),
      timeoutS: input.timeoutS ?? DEFAULT_BUILD_TIMEOUT_S,
      enableNet: input.enableNet ?? false,
      ...(input.background === true ? { background: true } : {}),
    };
    // A new batch for a build that waits for N's (allocated before the transaction; an unused id is harmless).
    const ownBatch = input.batch?.kind === "after" ? await this.redis.incr(this.keys.batchSeq()) : undefined;
    const multi = this.redis.multi();
    multi.hset(this.keys.build(id), "json", JSON.stringify(build));
    if (input.batch !== undefined) {
      const batchId = ownBatch ?? input.batch.batchId;
      if (ownBatch !== undefined) multi.hset(this.keys.batch(ownBatch), "blockedBy", String(input.batch.batchId));
      multi.hset(this.keys.batchOfBuild(), String(id), String(batchId));
      multi.sadd(this.keys.batchBuilds(batchId), String(id));
    }
    for (const t of tasks) multi.hset(this.keys.task(t.id), taskToHash(t));
    const active = tasks.filter((t) => t.state === "pending");
    if (active.length > 0) multi.sadd(this.keys.activeTasks(), ...active.map((t) => t.id));
    for (const t of active) {
      multi.incr(this.keys.statsTotal("pending"));
      multi.zadd(this.keys.statsTasks("pending"), now, t.id);
      for (const dim of STATUS_DIMENSIONS) {
        multi.hincrby(this.keys.statsCounts("pending", dim), t[dim], 1);
        multi.zadd(this.keys.statsGroupTasks("pending", dim, t[dim]), now, t.id);
      }
    }
    // Queued for Headhunter's scheduler in the same transaction: accepted means queued.
    for (const t of active) multi.xadd(this.keys.schedInbox(), "MAXLEN", "~", "10000", "*", "task", t.id);
    multi.xadd(this.keys.buildEvents(id), "*", "build", String(id), "from", "", "to", "created");
    multi.xadd(this.keys.activity(), "MAXLEN", "~", "10000", "*", "task", "", "build", String(id), "to", "created");
    multi.zadd(this.keys.builds(), id, String(id));
    multi.zadd(this.keys.projectBuilds(input.owner, input.project), id, String(id));
    multi.zadd(this.keys.projectPackages(input.owner, input.project), id, input.srpm.name);
    multi.zadd(this.keys.projectSearch(), 0, searchEntry(input.srpm.name, `${input.owner}/${input.project}`));
    const results = await multi.exec();
    const failed = results?.find(([err]) => err !== null);
    if (results === null || failed !== undefined) throw failed?.[0] ?? new Error("build transaction aborted");
    await this.confirmCritical();
    return { build, tasks };
  }

  async getBuild(id: number): Promise<Build | null> {
    const json = await this.redis.hget(this.keys.build(id), "json");
    return json === null ? null : (JSON.parse(json) as Build);
  }

  async getTask(id: string): Promise<Task | null> {
    const hash = await this.redis.hgetall(this.keys.task(id));
    return Object.keys(hash).length === 0 ? null : taskFromHash(hash);
  }

  async getTasks(ids: readonly string[]): Promise<Task[]> {
    const tasks = await Promise.all(ids.map((id) => this.getTask(id)));
    return tasks.filter((t): t is Task => t !== null);
  }

  /** Build ids, newest first: of one project or all; `before` pages on to builds older than that id. */
  async listBuildIds(options: { owner?: string; project?: string; limit?: number; before?: number } = {}): Promise<number[]> {
    const key = options.owner !== undefined && options.project !== undefined
      ? this.keys.projectBuilds(options.owner, options.project)
      : this.keys.builds();
    const limit = options.limit ?? 50;
    const ids = options.before === undefined
      ? await this.redis.zrevrange(key, 0, limit - 1)
      : await this.redis.zrevrangebyscore(key, `(${options.before}`, "-inf", "LIMIT", 0, limit);
    return ids.map(Number);
  }

  /**
   * Moves a task to `to` if its current state may move there (and, when
   * given, it is still on `attempt`), setting `fields` too. Returns the
   * previous state; StoreError REFUSED_TRANSITION otherwise. With `epoch`
   * (a Headhunter's fencing epoch, see Leadership) the move happens only
   * while that is still the latest epoch: StoreError FENCED otherwise.
   */
  async transitionTask(id: string, to: TaskState, fields: Partial<Task> = {}, attempt?: number, epoch?: number): Promise<TaskState> {
    const from = TASK_STATES.filter((s) => canTransition(s, to));
    const flat: string[] = [];
    for (const [k, v] of Object.entries(taskToHash(fields))) if (k !== "state") flat.push(k, v);
    const [status, previous] = (await (this.redis as unknown as {
      coprTransition(key: string, ...args: string[]): Promise<[string, string]>;
    }).coprTransition(
      this.keys.task(id), this.keys.activeTasks(), this.keys.buildEvents(buildIdOf(id)), this.keys.activity(), this.keys.headhunterEpoch(),
      JSON.stringify(to), from.map((f) => JSON.stringify(f)).join(","), attempt === undefined ? "" : String(attempt), isFinal(to) ? "1" : "0",
      epoch === undefined ? "" : String(epoch), ...flat,
      this.keys.statsPrefix(), String(Date.now()),
    ));
    if (status === "NOT_FOUND") throw new StoreError("NOT_FOUND", `task ${id} does not exist`);
    if (status === "OK") await this.confirmCritical();
    const prev = JSON.parse(previous) as TaskState;
    if (status === "FENCED") throw new StoreError("FENCED", `task ${id} was not moved to ${to}: epoch ${String(epoch)} is no longer the active Headhunter's`);
    if (status !== "OK") throw new StoreError("REFUSED_TRANSITION", `task ${id} is ${prev}${attempt === undefined ? "" : ` (or not on attempt ${attempt})`}; cannot move to ${to}`);
    return prev;
  }

  /** A page of a project's build ids by id, newest first unless `ascending` (Copr's limit/offset paging). */
  async pageBuildIds(owner: string, project: string, options: { offset: number; limit: number; ascending: boolean }): Promise<number[]> {
    const key = this.keys.projectBuilds(owner, project);
    const stop = options.offset + options.limit - 1;
    const ids = options.ascending ? await this.redis.zrange(key, String(options.offset), String(stop)) : await this.redis.zrevrange(key, options.offset, stop);
    return ids.map(Number);
  }

  /** Lets an ended build's event stream (what live pages replay) leave Redis after `graceS` seconds. */
  async expireEvents(buildId: number, graceS: number): Promise<void> {
    await this.redis.expire(this.keys.buildEvents(buildId), graceS);
  }

  /** Ids of every task not in a final state. */
  async activeTaskIds(): Promise<string[]> {
    return await this.redis.smembers(this.keys.activeTasks());
  }

  /** Records which agent runs a task (Headhunter's bookkeeping for lost agents). */
  async assignTask(agent: string, taskId: string): Promise<void> {
    await this.redis.sadd(this.keys.agentTasks(agent), taskId);
  }

  async unassignTask(agent: string, taskId: string): Promise<void> {
    await this.redis.srem(this.keys.agentTasks(agent), taskId);
  }

  async agentTaskIds(agent: string): Promise<string[]> {
    return await this.redis.smembers(this.keys.agentTasks(agent));
  }

  /** A build's task state changes after `afterId` ("0" = from the start); blocks up to `blockMs` for new ones. */
  async readBuildEvents(id: number, afterId = "0", blockMs?: number): Promise<{ id: string; task: string; from: string; to: string }[]> {
    const args: (string | number)[] = blockMs === undefined ? [] : ["BLOCK", blockMs];
    const res = (await this.redis.xread("COUNT", 1000, ...(args as ["BLOCK", number]), "STREAMS", this.keys.buildEvents(id), afterId));
    const entries = res?.[0]?.[1] ?? [];
    return entries.map(([entryId, kv]) => {
      const m = new Map<string, string>();
      for (let i = 0; i + 1 < kv.length; i += 2) m.set(kv[i] ?? "", kv[i + 1] ?? "");
      return { id: entryId, task: m.get("task") ?? "", from: m.get("from") ?? "", to: m.get("to") ?? "" };
    });
  }

  /** The id of the newest activity entry ("0-0" when there is none): a cursor for "from now on". */
  async activityCursor(): Promise<string> {
    const newest = await this.redis.xrevrange(this.keys.activity(), "+", "-", "COUNT", 1);
    return newest[0]?.[0] ?? "0-0";
  }

  /**
   * Waits (up to `blockMs`) for activity after `afterId` (see activityCursor):
   * builds created and task moves. Returns the last entry id and how many
   * entries arrived. Uses its own connection: blocking reads must not stall
   * other commands.
   */
  async waitForActivity(redis: Redis, afterId: string, blockMs: number): Promise<{ lastId: string; count: number }> {
    const res = (await redis.xread("COUNT", 1000, "BLOCK", blockMs, "STREAMS", this.keys.activity(), afterId));
    const entries = res?.[0]?.[1] ?? [];
    return { lastId: entries.at(-1)?.[0] ?? afterId, count: entries.length };
  }
}
