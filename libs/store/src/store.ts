import { Redis } from "ioredis";
import { canTransition, chrootArch, DEFAULT_BUILD_TIMEOUT_S, isFinal, isSafeOwner, isSafeProject, taskId, TASK_STATES, type TaskState } from "@copr/domain";
import { STATUS_DIMENSIONS, storeKeys, type StatusBucket, type StatusDimension, type StoreKeys } from "./keys.ts";
import { StoreError } from "./storeErrors.ts";
import { hashToken, newToken } from "./tokens.ts";
import type { Build, Project, SrpmInfo, Task, User, WorkerRecord } from "./types.ts";

export interface StoreOptions {
  /** redis://host:port/db */
  url: string;
  /** Key prefix; default "copr:". */
  prefix?: string;
}

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
}

/**
 * Appends the part of a log batch not stored yet (by line offset within the
 * attempt). A batch that starts past the lines stored is refused ('GAP'):
 * batches arrive in order, so its sender claims lines it never sent.
 */
const APPEND_LOG_LUA = `
-- KEYS: log stream, lines-per-attempt hash; ARGV: attempt, offset, lines (JSON array)
local have = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local offset = tonumber(ARGV[2])
local lines = cjson.decode(ARGV[3])
local n = #lines
if offset > have then return 'GAP' end
if offset + n <= have then return '' end
local skip = 0
if offset < have then skip = have - offset end
local add = {}
for i = skip + 1, n do add[#add + 1] = lines[i] end
redis.call('HSET', KEYS[2], ARGV[1], offset + n)
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', '200000', '*', 'attempt', ARGV[1], 'lines', cjson.encode(add))
`;

/** Moves a task only if it is in an allowed state and (optionally) attempt. Atomic. Values are JSON, as in the task hash. */
const TRANSITION_LUA = `
-- KEYS: task, active set, build events stream, activity stream; ARGV: to, allowed from (csv), attempt or '', final (1/0), then field/value pairs
local cur = redis.call('HGET', KEYS[1], 'state')
if not cur then return {'NOT_FOUND', ''} end
local allowed = false
for s in string.gmatch(ARGV[2], '[^,]+') do if s == cur then allowed = true end end
if not allowed then return {'REFUSED', cur} end
if ARGV[3] ~= '' and redis.call('HGET', KEYS[1], 'attempt') ~= ARGV[3] then return {'REFUSED', cur} end
redis.call('HSET', KEYS[1], 'state', ARGV[1])
for i = 5, #ARGV - 2, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
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
return {'OK', cur}
`;

/**
 * Users, projects, builds, tasks, workers and live logs in Redis. Writes to
 * task state go through `transitionTask` (Headhunter's only).
 */
export class Store {
  readonly keys: StoreKeys;
  readonly redis: Redis;
  #closed = false;

  constructor(options: StoreOptions) {
    this.keys = storeKeys(options.prefix ?? "copr:");
    this.redis = new Redis(options.url, { lazyConnect: false, maxRetriesPerRequest: 3 });
    this.redis.on("error", () => undefined); // reconnects by itself; callers see failed commands
    this.redis.defineCommand("coprTransition", { numberOfKeys: 4, lua: TRANSITION_LUA });
  }

  // ---- users and tokens ----

  async createUser(name: string, admin = false): Promise<{ user: User; token: string }> {
    if (!isSafeOwner(name)) throw new StoreError("INVALID_NAME", `user name "${name}": use letters, digits, "_" and "-" (max 64)`);
    const user: User = { name, admin, createdAt: Date.now() };
    const created = await this.redis.hsetnx(this.keys.user(name), "json", JSON.stringify(user));
    if (created === 0) throw new StoreError("EXISTS", `user ${name} already exists`);
    await this.redis.zadd(this.keys.users(), user.createdAt, name);
    return { user, token: await this.issueToken(name) };
  }

  async issueToken(userName: string): Promise<string> {
    const { token, sha256 } = newToken("user");
    await this.redis.set(this.keys.token(sha256), userName);
    return token;
  }

  async getUser(name: string): Promise<User | null> {
    const json = await this.redis.hget(this.keys.user(name), "json");
    return json === null ? null : (JSON.parse(json) as User);
  }

  /** The user a token belongs to, or null. */
  async authenticate(token: string): Promise<User | null> {
    const name = await this.redis.get(this.keys.token(hashToken(token)));
    return name === null ? null : await this.getUser(name);
  }

  // ---- projects ----

  async createProject(owner: string, name: string, chroots: string[], options: { enableNet?: boolean } = {}): Promise<Project> {
    if (!isSafeProject(name)) throw new StoreError("INVALID_NAME", `project name "${name}": use letters, digits, ".", "_", "+" and "-"`);
    const project: Project = { owner, name, chroots: [...new Set(chroots)], createdAt: Date.now(), enableNet: options.enableNet ?? false };
    const created = await this.redis.hsetnx(this.keys.project(owner, name), "json", JSON.stringify(project));
    if (created === 0) throw new StoreError("EXISTS", `project ${owner}/${name} already exists`);
    const id = `${owner}/${name}`;
    await this.redis.multi()
      .zadd(this.keys.projects(), project.createdAt, id)
      .zadd(this.keys.projectSearch(), ...[owner, name, id].flatMap((term) => [0, searchEntry(term, id)]))
      .exec();
    return project;
  }

  /** A project's package names, newest build first. */
  async projectPackages(owner: string, name: string, limit = 1000): Promise<string[]> {
    return await this.redis.zrevrange(this.keys.projectPackages(owner, name), 0, limit - 1);
  }

  /**
   * Projects whose owner, name, owner/name or one of whose package names
   * starts with `query` (case-insensitive), from the search index: one
   * ZRANGEBYLEX, never a scan. An empty query lists the newest projects.
   */
  async searchProjects(query: string, limit = 100): Promise<Project[]> {
    const q = query.trim().toLowerCase();
    if (q === "") return await this.listProjects(limit);
    const ids: string[] = [];
    let offset = 0;
    // Several terms of one project can match: read on until `limit` distinct projects.
    while (ids.length < limit) {
      const page = await this.redis.zrangebylex(this.keys.projectSearch(), `[${q}`, Buffer.concat([Buffer.from(`[${q}`), Buffer.from([0xff])]), "LIMIT", offset, 500);
      for (const entry of page) {
        const id = entry.slice(entry.lastIndexOf("\t") + 1);
        if (!ids.includes(id)) ids.push(id);
        if (ids.length >= limit) break;
      }
      if (page.length < 500) break;
      offset += page.length;
    }
    const projects = await Promise.all(ids.map((id) => {
      const [owner = "", name = ""] = id.split("/");
      return this.getProject(owner, name);
    }));
    return projects.filter((p): p is Project => p !== null);
  }

  async getProject(owner: string, name: string): Promise<Project | null> {
    const json = await this.redis.hget(this.keys.project(owner, name), "json");
    return json === null ? null : (JSON.parse(json) as Project);
  }

  async listProjects(limit = 100): Promise<Project[]> {
    const ids = await this.redis.zrevrange(this.keys.projects(), 0, limit - 1);
    const projects = await Promise.all(ids.map((id) => {
      const [owner = "", name = ""] = id.split("/");
      return this.getProject(owner, name);
    }));
    return projects.filter((p): p is Project => p !== null);
  }

  // ---- builds and tasks ----

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
      queuedAt: now,
      startedAt: null,
      endedAt: skip === undefined ? null : now,
    }));
    const build: Build = {
      id, owner: input.owner, project: input.project, submittedBy: input.submittedBy,
      submittedAt: now, srpm: input.srpm, taskIds: tasks.map((t) => t.id),
      timeoutS: input.timeoutS ?? DEFAULT_BUILD_TIMEOUT_S,
      enableNet: input.enableNet ?? false,
    };
    const multi = this.redis.multi();
    multi.hset(this.keys.build(id), "json", JSON.stringify(build));
    for (const t of tasks) multi.hset(this.keys.task(t.id), taskToHash(t));
    multi.rpush(this.keys.buildTasks(id), ...build.taskIds);
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
    multi.xadd(this.keys.buildEvents(id), "*", "build", String(id), "from", "", "to", "created");
    multi.xadd(this.keys.activity(), "MAXLEN", "~", "10000", "*", "task", "", "build", String(id), "to", "created");
    multi.zadd(this.keys.builds(), id, String(id));
    multi.zadd(this.keys.projectBuilds(input.owner, input.project), id, String(id));
    multi.zadd(this.keys.projectPackages(input.owner, input.project), id, input.srpm.name);
    multi.zadd(this.keys.projectSearch(), 0, searchEntry(input.srpm.name, `${input.owner}/${input.project}`));
    const results = await multi.exec();
    const failed = results?.find(([err]) => err !== null);
    if (results === null || failed !== undefined) throw failed?.[0] ?? new Error("build transaction aborted");
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

  /** Newest first; `project` narrows to one project. */
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

  /** A project's packages, each with the id of its newest build, newest first. */
  async projectPackageBuilds(owner: string, name: string, limit = 200): Promise<{ name: string; buildId: number }[]> {
    const flat = await this.redis.zrevrange(this.keys.projectPackages(owner, name), 0, limit - 1, "WITHSCORES");
    const out: { name: string; buildId: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push({ name: flat[i] ?? "", buildId: Number(flat[i + 1]) });
    return out;
  }

  /**
   * Moves a task to `to` if its current state may move there (and, when
   * given, it is still on `attempt`), setting `fields` too. Returns the
   * previous state; StoreError REFUSED_TRANSITION otherwise.
   */
  async transitionTask(id: string, to: TaskState, fields: Partial<Task> = {}, attempt?: number): Promise<TaskState> {
    const from = TASK_STATES.filter((s) => canTransition(s, to));
    const flat: string[] = [];
    for (const [k, v] of Object.entries(taskToHash(fields))) if (k !== "state") flat.push(k, v);
    const [status, previous] = (await (this.redis as unknown as {
      coprTransition(key: string, ...args: string[]): Promise<[string, string]>;
    }).coprTransition(
      this.keys.task(id), this.keys.activeTasks(), this.keys.buildEvents(buildIdOf(id)), this.keys.activity(),
      JSON.stringify(to), from.map((f) => JSON.stringify(f)).join(","), attempt === undefined ? "" : String(attempt), isFinal(to) ? "1" : "0", ...flat,
      this.keys.statsPrefix(), String(Date.now()),
    ));
    if (status === "NOT_FOUND") throw new StoreError("NOT_FOUND", `task ${id} does not exist`);
    const prev = JSON.parse(previous) as TaskState;
    if (status !== "OK") throw new StoreError("REFUSED_TRANSITION", `task ${id} is ${prev}${attempt === undefined ? "" : ` (or not on attempt ${attempt})`}; cannot move to ${to}`);
    return prev;
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

  /**
   * Waits (up to `blockMs`) for activity after `afterId` (see activityCursor):
   * builds created and task moves. Returns the last entry id and how many
   * entries arrived. Uses its own connection: blocking reads must not stall
   * other commands.
   */
  /** The id of the newest activity entry ("0-0" when there is none): a cursor for "from now on". */
  async activityCursor(): Promise<string> {
    const newest = await this.redis.xrevrange(this.keys.activity(), "+", "-", "COUNT", 1);
    return newest[0]?.[0] ?? "0-0";
  }

  async waitForActivity(redis: Redis, afterId: string, blockMs: number): Promise<{ lastId: string; count: number }> {
    const res = (await redis.xread("COUNT", 1000, "BLOCK", blockMs, "STREAMS", this.keys.activity(), afterId));
    const entries = res?.[0]?.[1] ?? [];
    return { lastId: entries.at(-1)?.[0] ?? afterId, count: entries.length };
  }

  // ---- status pages (indexes kept by every move; no scans) ----

  /** Totals and counts per owner, arch and chroot of queued ("pending") or running tasks. */
  async statusCounts(bucket: StatusBucket): Promise<{ total: number; byOwner: Record<string, number>; byArch: Record<string, number>; byChroot: Record<string, number> }> {
    const [total, byOwner, byArch, byChroot] = await Promise.all([
      this.redis.get(this.keys.statsTotal(bucket)),
      this.redis.hgetall(this.keys.statsCounts(bucket, "owner")),
      this.redis.hgetall(this.keys.statsCounts(bucket, "arch")),
      this.redis.hgetall(this.keys.statsCounts(bucket, "chroot")),
    ]);
    const nonZero = (h: Record<string, string>): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const [k, v] of Object.entries(h)) if (Number(v) > 0) out[k] = Number(v);
      return out;
    };
    return { total: Number(total ?? 0), byOwner: nonZero(byOwner), byArch: nonZero(byArch), byChroot: nonZero(byChroot) };
  }

  /** One page of a bucket's tasks, oldest first, optionally of one group (e.g. owner alice). */
  async statusTasks(bucket: StatusBucket, options: { group?: { dim: StatusDimension; value: string }; offset?: number; limit?: number } = {}): Promise<{ total: number; tasks: Task[] }> {
    const key = options.group === undefined ? this.keys.statsTasks(bucket) : this.keys.statsGroupTasks(bucket, options.group.dim, options.group.value);
    const offset = options.offset ?? 0;
    const limit = Math.min(options.limit ?? 50, 500);
    const [total, ids] = await Promise.all([this.redis.zcard(key), this.redis.zrange(key, String(offset), String(offset + limit - 1))]);
    return { total, tasks: await this.getTasks(ids) };
  }

  // ---- live logs ----

  /** Appends lines to a task's live log; returns the new entry id. */
  /**
   * Appends lines to a task's live log. With `offset` (the index of the
   * first line in this attempt's output, as workers send it) a batch the
   * bus delivered twice, or the part of it already stored, is dropped:
   * signals are delivered at least once. Returns the entry id, or "" when
   * nothing was new.
   */
  /**
   * Appends log lines of a task attempt; with `offset` (the first line's
   * number within the attempt) only the lines not stored yet. Returns the
   * entry id, "" when nothing was new, or throws StoreError LOG_GAP when the
   * batch starts past the lines stored (a sender claiming lines it never sent).
   */
  async appendLog(id: string, attempt: number, lines: readonly string[], offset?: number): Promise<string> {
    if (offset === undefined) {
      const entry = await this.redis.xadd(this.keys.taskLog(id), "MAXLEN", "~", "200000", "*", "attempt", String(attempt), "lines", JSON.stringify(lines));
      return entry ?? "";
    }
    const entry = await this.redis.eval(APPEND_LOG_LUA, 2, this.keys.taskLog(id), this.keys.taskLogLines(id), String(attempt), String(offset), JSON.stringify(lines));
    if (entry === "GAP") throw new StoreError("LOG_GAP", `log batch for ${id} attempt ${attempt} starts at line ${offset}, past the lines stored`);
    return typeof entry === "string" ? entry : "";
  }

  /** Log entries after `afterId` ("0" for the start). */
  async readLog(id: string, afterId = "0", count = 1000): Promise<{ id: string; attempt: number; lines: string[] }[]> {
    const start = afterId === "0" ? "-" : `(${afterId}`;
    const entries = await this.redis.xrange(this.keys.taskLog(id), start, "+", "COUNT", count);
    return entries.map(([entryId, kv]) => {
      const m = new Map<string, string>();
      for (let i = 0; i + 1 < kv.length; i += 2) m.set(kv[i] ?? "", kv[i + 1] ?? "");
      return { id: entryId, attempt: Number(m.get("attempt") ?? 0), lines: JSON.parse(m.get("lines") ?? "[]") as string[] };
    });
  }

  // ---- workers (which agents Headhunter trusts) ----

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

  /** Closes the Redis connection. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** An entry of the project search index: the lower-cased term, a tab, the project id. */
function searchEntry(term: string, projectId: string): string {
  return `${term.toLowerCase()}\t${projectId}`;
}

function taskToHash(t: Partial<Task>): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(t)) {
    if (v === undefined) continue;
    h[k] = JSON.stringify(v);
  }
  return h;
}

function taskFromHash(h: Record<string, string>): Task {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) o[k] = JSON.parse(v) as unknown;
  return o as unknown as Task;
}

/** Task ids are `<build id>-<chroot>`. */
function buildIdOf(taskId: string): number {
  return Number(taskId.slice(0, taskId.indexOf("-")));
}
