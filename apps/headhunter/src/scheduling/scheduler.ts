import { IndexedHeap } from "../collections/indexedHeap.ts";
import { freeSlotReason, reasonScope, waitScopes } from "@copr/store";
import { ownerArchBlock, ownerBlock, projectBlock } from "./limits.ts";
import type { SchedulingPolicy } from "./policy.ts";
import { UsageLedger, type UsageRecord } from "./usageLedger.ts";

/** What the scheduler needs to know of a pending task. */
export interface SchedTask {
  id: string;
  buildId: number;
  attempt: number;
  owner: string;
  project: string;
  arch: string;
  /** Runs only when no ordinary task of its arch could start. */
  background: boolean;
  /** When it was first queued, ms: oldest first within a project (a retry keeps its place). */
  queuedAt: number;
}

export interface SchedulerHooks {
  /** An owner's usage changed: store it so a restarted Headhunter remembers. */
  usage?: (owner: string, record: UsageRecord) => void;
  /** The wait reason of a scope (see reasonScope) changed; null: nothing waits for that reason any more. */
  reason?: (scope: string, text: string | null) => void;
}

export type Lane = "ordinary" | "background";
interface Queued extends SchedTask { seq: number }
interface Running { task: SchedTask; startedAt: number; charged: number }

/** One project's tasks of one arch and lane, oldest first. */
class ProjectLine {
  readonly tasks = new IndexedHeap<string, Queued>((a, b) => a.queuedAt < b.queuedAt || (a.queuedAt === b.queuedAt && a.seq < b.seq));
}

/** One owner's projects of one arch and lane; `rotation` holds those that may start a task, in round-robin order. */
class OwnerLine {
  seq = 0;
  readonly projects = new Map<string, ProjectLine>();
  readonly rotation = new Set<string>();
  constructor(readonly owner: string) {}
}

/** One arch and lane: `owners` holds the owners that may start a task, least weighted usage first. */
class LaneQueue {
  readonly lines = new Map<string, OwnerLine>();
  readonly owners: IndexedHeap<string, OwnerLine>;
  count = 0;
  constructor(readonly arch: string, ledger: UsageLedger) {
    this.owners = new IndexedHeap((a, b) => {
      const ra = ledger.rank(a.owner);
      const rb = ledger.rank(b.owner);
      return ra < rb || (ra === rb && a.seq < b.seq);
    });
  }
}

const laneOf = (t: SchedTask): Lane => (t.background ? "background" : "ordinary");
const laneKey = (arch: string, lane: Lane): string => `${arch}\t${lane}`;

/**
 * The scheduling policy applied to Headhunter's pending tasks, in memory
 * (rebuilt from Redis at start): when a slot frees for an arch, `pick`
 * returns the task to start — the owner with the least weighted recent
 * usage, round robin over that owner's projects, oldest first within a
 * project — skipping owners and projects at their limits, and background
 * tasks while an ordinary one could start. Every step is a heap or set
 * operation: no pick scans the pending tasks.
 */
export class Scheduler {
  readonly policy: SchedulingPolicy;
  readonly ledger: UsageLedger;
  readonly #hooks: SchedulerHooks;
  readonly #lanes = new Map<string, LaneQueue>();
  readonly #queued = new Map<string, Queued>();
  readonly #running = new Map<string, Running>();
  readonly #ownerRunning = new Map<string, number>();
  readonly #projectRunning = new Map<string, number>();
  readonly #ownerArchRunning = new Map<string, number>();
  /** lane keys where an owner / a project ("owner/project") has queued tasks */
  readonly #ownerPlaces = new Map<string, Set<string>>();
  readonly #projectPlaces = new Map<string, Set<string>>();
  readonly #reasons = new Map<string, string>();
  #online = new Set<string>();
  #seq = 0;

  constructor(policy: SchedulingPolicy, hooks: SchedulerHooks = {}) {
    this.policy = policy;
    this.ledger = new UsageLedger(policy.halfLifeMs);
    this.#hooks = hooks;
  }

  get queuedCount(): number {
    return this.#queued.size;
  }

  get runningCount(): number {
    return this.#running.size;
  }

  isQueued(taskId: string, attempt?: number): boolean {
    const q = this.#queued.get(taskId);
    return q !== undefined && (attempt === undefined || q.attempt === attempt);
  }

  isRunning(taskId: string): boolean {
    return this.#running.has(taskId);
  }

  /** Queued tasks per arch and lane (for metrics): a read of counters, no scan. */
  queuedByArch(): { arch: string; lane: Lane; count: number }[] {
    return [...this.#lanes.entries()].map(([key, q]) => ({ arch: q.arch, lane: key.endsWith("\tbackground") ? "background" : "ordinary", count: q.count }));
  }

  /** Arches that have queued tasks. */
  arches(): string[] {
    return [...new Set([...this.#lanes.keys()].map((k) => k.split("\t")[0] ?? ""))];
  }

  /** Queues a pending task (again). Idempotent; a task counted as running is left alone. Returns false if nothing changed. */
  add(task: SchedTask): boolean {
    if (this.#running.has(task.id)) return false;
    const known = this.#queued.get(task.id);
    if (known !== undefined) {
      if (known.attempt === task.attempt) return false;
      this.remove(task.id);
    }
    const q: Queued = { ...task, seq: ++this.#seq };
    const key = laneKey(task.arch, laneOf(task));
    let lane = this.#lanes.get(key);
    if (lane === undefined) {
      lane = new LaneQueue(task.arch, this.ledger);
      this.#lanes.set(key, lane);
    }
    let line = lane.lines.get(task.owner);
    if (line === undefined) {
      line = new OwnerLine(task.owner);
      lane.lines.set(task.owner, line);
      placesOf(this.#ownerPlaces, task.owner).add(key);
    }
    let pline = line.projects.get(task.project);
    if (pline === undefined) {
      pline = new ProjectLine();
      line.projects.set(task.project, pline);
      placesOf(this.#projectPlaces, `${task.owner}/${task.project}`).add(key);
    }
    pline.tasks.set(q.id, q);
    this.#queued.set(q.id, q);
    lane.count++;
    this.#refreshProject(lane, line, task.project);
    this.#refreshArchReasons(task.arch);
    return true;
  }

  /** Drops a queued task (canceled, or no longer pending). */
  remove(taskId: string): boolean {
    const q = this.#queued.get(taskId);
    if (q === undefined) return false;
    this.#dequeue(q);
    return true;
  }

  /**
   * The task to start on a free `arch` slot, now counted as running; or
   * undefined when none may start. The caller then hands it over and calls
   * `finish` when it ends (or was never handed over).
   */
  pick(arch: string, now: number): SchedTask | undefined {
    for (const lane of ["ordinary", "background"] as const) {
      const queue = this.#lanes.get(laneKey(arch, lane));
      const line = queue?.owners.peek();
      if (queue === undefined || line === undefined) continue;
      const project = line.rotation.values().next().value;
      const q = project === undefined ? undefined : line.projects.get(project)?.tasks.peek();
      if (project === undefined || q === undefined) continue;
      // Round robin: this project goes to the end of the owner's rotation.
      line.rotation.delete(project);
      line.rotation.add(project);
      this.#dequeue(q);
      this.#start(q, now, this.policy.startChargeS);
      return q;
    }
    return undefined;
  }

  /** A task that was starting or running when Headhunter started: count it (its start was charged before). */
  restoreRunning(task: SchedTask, startedAt: number): void {
    if (this.#running.has(task.id)) return;
    this.remove(task.id);
    this.#start(task, startedAt, this.policy.startChargeS, false);
  }

  /**
   * A picked or restored task is no longer running: it ended, or its
   * handover did not happen (`ran` false: nothing of it is charged).
   * Its owner is charged its real builder time in place of the estimate.
   */
  finish(taskId: string, now: number, ran = true): void {
    const r = this.#running.get(taskId);
    if (r === undefined) return;
    this.#running.delete(taskId);
    const { owner, project, arch } = r.task;
    bump(this.#ownerRunning, owner, -1);
    bump(this.#projectRunning, `${owner}/${project}`, -1);
    bump(this.#ownerArchRunning, `${owner}\t${arch}`, -1);
    const seconds = ran ? Math.max(0, now - r.startedAt) / 1000 : 0;
    // The estimate charged at the start has decayed since: take back what is left of it.
    this.#charge(owner, seconds - r.charged * this.ledger.decay(now - r.startedAt), now);
    this.#afterCounts(r.task);
  }

  /** Sets an admin share (weight, default 1) for an owner. */
  setShare(owner: string, share: number | undefined): void {
    this.ledger.setShare(owner, share);
    this.#rerank(owner);
  }

  /** Arches with a ready agent: queued tasks of other arches wait for "no online builder". */
  setOnline(arches: Iterable<string>): void {
    this.#online = new Set(arches);
    // Only arches with queued tasks have arch reasons (the last dequeue clears them).
    for (const arch of this.arches()) this.#refreshArchReasons(arch);
  }

  /**
   * How many queued tasks wait for each kind of reason (the scope of the
   * reason that holds them: batch, project, owner, owner-arch, arch,
   * background; "slot" when only a free slot is missing). For metrics: one
   * pass over the queued tasks, a few map reads each.
   */
  waitingByReasonKind(): Map<string, number> {
    const out = new Map<string, number>();
    for (const q of this.#queued.values()) {
      const scope = waitScopes(q).find((sc) => this.#reasons.has(sc));
      const kind = scope === undefined ? "slot" : (scope.split(":")[0] ?? "slot");
      out.set(kind, (out.get(kind) ?? 0) + 1);
    }
    return out;
  }

  /** Why a queued task waits, in words. */
  reason(taskId: string): string | null {
    const q = this.#queued.get(taskId);
    if (q === undefined) return null;
    for (const scope of waitScopes(q)) {
      const text = this.#reasons.get(scope);
      if (text !== undefined) return text;
    }
    return freeSlotReason(q.arch);
  }

  /** Current reasons by scope (for publishing them all again after a reconnect). */
  reasons(): ReadonlyMap<string, string> {
    return this.#reasons;
  }

  #start(task: SchedTask, now: number, charge: number, chargeNow = true): void {
    this.#running.set(task.id, { task, startedAt: now, charged: charge });
    bump(this.#ownerRunning, task.owner, 1);
    bump(this.#projectRunning, `${task.owner}/${task.project}`, 1);
    bump(this.#ownerArchRunning, `${task.owner}\t${task.arch}`, 1);
    if (chargeNow) this.#charge(task.owner, charge, now);
    this.#afterCounts(task);
  }

  #charge(owner: string, seconds: number, now: number): void {
    if (seconds === 0) return;
    // Not as an argument of `usage?.()`: without the hook it would not be evaluated.
    const record = this.ledger.charge(owner, seconds, now);
    this.#hooks.usage?.(owner, record);
    this.#rerank(owner);
  }

  #rerank(owner: string): void {
    for (const key of this.#ownerPlaces.get(owner) ?? []) this.#lanes.get(key)?.owners.update(owner);
  }

  /** Running counts of this task's owner/project/arch changed: limits may now hold back or let go. */
  #afterCounts(task: SchedTask): void {
    const { owner, project, arch } = task;
    this.#setReason(reasonScope.owner(owner), ownerBlock(this.policy, this.#ownerRunning.get(owner) ?? 0));
    this.#setReason(reasonScope.project(owner, project), projectBlock(this.policy, this.#projectRunning.get(`${owner}/${project}`) ?? 0));
    this.#setReason(reasonScope.ownerArch(owner, arch), ownerArchBlock(this.policy, arch, this.#ownerArchRunning.get(`${owner}\t${arch}`) ?? 0));
    for (const key of this.#projectPlaces.get(`${owner}/${project}`) ?? []) {
      const lane = this.#lanes.get(key);
      const line = lane?.lines.get(owner);
      if (lane !== undefined && line !== undefined) this.#refreshProject(lane, line, project);
    }
    for (const key of this.#ownerPlaces.get(owner) ?? []) {
      const lane = this.#lanes.get(key);
      const line = lane?.lines.get(owner);
      if (lane !== undefined && line !== undefined) this.#refreshOwner(lane, line);
    }
  }

  #refreshProject(lane: LaneQueue, line: OwnerLine, project: string): void {
    const tasks = line.projects.get(project)?.tasks.size ?? 0;
    const may = tasks > 0 && projectBlock(this.policy, this.#projectRunning.get(`${line.owner}/${project}`) ?? 0) === null;
    if (may) {
      if (!line.rotation.has(project)) line.rotation.add(project);
    } else {
      line.rotation.delete(project);
    }
    this.#refreshOwner(lane, line);
  }

  #refreshOwner(lane: LaneQueue, line: OwnerLine): void {
    const { owner } = line;
    const { arch } = lane;
    const may = line.rotation.size > 0
      && ownerBlock(this.policy, this.#ownerRunning.get(owner) ?? 0) === null
      && ownerArchBlock(this.policy, arch, this.#ownerArchRunning.get(`${owner}\t${arch}`) ?? 0) === null;
    if (may && !lane.owners.has(owner)) {
      line.seq = ++this.#seq;
      lane.owners.set(owner, line);
    } else if (!may) {
      lane.owners.delete(owner);
    }
  }

  #dequeue(q: Queued): void {
    this.#queued.delete(q.id);
    const key = laneKey(q.arch, laneOf(q));
    const lane = this.#lanes.get(key);
    const line = lane?.lines.get(q.owner);
    const pline = line?.projects.get(q.project);
    if (lane === undefined || line === undefined || pline === undefined) return;
    pline.tasks.delete(q.id);
    lane.count--;
    if (pline.tasks.size === 0) {
      line.projects.delete(q.project);
      line.rotation.delete(q.project);
      unplace(this.#projectPlaces, `${q.owner}/${q.project}`, key);
    }
    if (line.projects.size === 0) {
      lane.lines.delete(q.owner);
      lane.owners.delete(q.owner);
      unplace(this.#ownerPlaces, q.owner, key);
    } else {
      this.#refreshProject(lane, line, q.project);
    }
    if (lane.count === 0) this.#lanes.delete(key);
    this.#refreshArchReasons(q.arch);
  }

  #refreshArchReasons(arch: string): void {
    const ordinary = this.#lanes.get(laneKey(arch, "ordinary"))?.count ?? 0;
    const background = this.#lanes.get(laneKey(arch, "background"))?.count ?? 0;
    this.#setReason(reasonScope.arch(arch), ordinary + background > 0 && !this.#online.has(arch) ? `no online builder for ${arch}` : null);
    this.#setReason(reasonScope.background(arch), ordinary > 0 && background > 0 ? "background: ordinary tasks queued" : null);
  }

  #setReason(scope: string, text: string | null): void {
    const now = this.#reasons.get(scope) ?? null;
    if (now === text) return;
    if (text === null) this.#reasons.delete(scope);
    else this.#reasons.set(scope, text);
    this.#hooks.reason?.(scope, text);
  }
}

function placesOf(map: Map<string, Set<string>>, key: string): Set<string> {
  let s = map.get(key);
  if (s === undefined) {
    s = new Set();
    map.set(key, s);
  }
  return s;
}

function unplace(map: Map<string, Set<string>>, key: string, place: string): void {
  const s = map.get(key);
  if (s === undefined) return;
  s.delete(place);
  if (s.size === 0) map.delete(key);
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}
