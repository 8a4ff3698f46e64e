import { EventEmitter } from "node:events";
import type { AgentInfo } from "@copr/bus";

interface PoolEntry {
  info: AgentInfo;
  drain: boolean;
  /** tasks given to this agent (including reservations being dispatched) */
  tasks: Set<string>;
  /** gets no new task before this time (ms): it refused one as busy */
  heldUntil: number;
}

export interface AgentPoolEvents {
  /** capacity for these arches may have appeared: a slot freed or an agent became ready */
  capacity: [arches: string[]];
}

/**
 * Agents that passed Headhunter's check and may get work, with their arches
 * and slots. Slot use is Headhunter's own count of the tasks it gave each
 * agent (rebuilt from the store at start).
 */
export class AgentPool extends EventEmitter<AgentPoolEvents> {
  readonly #agents = new Map<string, PoolEntry>();

  static archesOf(info: AgentInfo): string[] {
    const a = info.capabilities.arches;
    return Array.isArray(a) ? a.filter((x): x is string => typeof x === "string") : [];
  }

  add(info: AgentInfo, drain: boolean, tasks: Iterable<string> = []): void {
    const prev = this.#agents.get(info.name);
    this.#agents.set(info.name, { info, drain, tasks: prev?.tasks ?? new Set(tasks), heldUntil: prev?.heldUntil ?? 0 });
    this.emit("capacity", AgentPool.archesOf(info));
  }

  /** Refreshes what a heartbeat says (slots, arches) and the drain flag. */
  update(info: AgentInfo, drain: boolean): void {
    const e = this.#agents.get(info.name);
    if (e === undefined) return;
    const wasDrained = e.drain;
    e.info = info;
    e.drain = drain;
    if (wasDrained && !drain) this.emit("capacity", AgentPool.archesOf(info));
  }

  has(name: string): boolean {
    return this.#agents.has(name);
  }

  /** Removes an agent; returns the tasks it had. */
  remove(name: string): string[] {
    const e = this.#agents.get(name);
    this.#agents.delete(name);
    return e === undefined ? [] : [...e.tasks];
  }

  /**
   * The agent refused a task as busy (its own count of free slots is behind
   * ours, e.g. it still cleans up a build that reported its end): give it
   * nothing for `ms`, then announce its capacity again.
   */
  hold(name: string, ms: number): void {
    const e = this.#agents.get(name);
    if (e === undefined) return;
    e.heldUntil = Date.now() + ms;
    setTimeout(() => {
      if (this.#agents.get(name) === e && e.heldUntil <= Date.now()) this.emit("capacity", AgentPool.archesOf(e.info));
    }, ms + 1).unref();
  }

  free(name: string): number {
    const e = this.#agents.get(name);
    if (e === undefined || e.drain || e.heldUntil > Date.now()) return 0;
    return Math.max(0, (e.info.slots?.total ?? 0) - e.tasks.size);
  }

  /** The ready agent for `arch` with the most free slots, reserving one for `taskKey`; undefined if none. */
  reserve(arch: string, taskKey: string): string | undefined {
    let best: string | undefined;
    let bestFree = 0;
    for (const [name, e] of this.#agents) {
      if (e.drain || !AgentPool.archesOf(e.info).includes(arch)) continue;
      const free = this.free(name);
      if (free > bestFree) {
        best = name;
        bestFree = free;
      }
    }
    if (best !== undefined) this.#agents.get(best)?.tasks.add(taskKey);
    return best;
  }

  /** Moves a reservation to the real task id. */
  rename(agent: string, from: string, to: string): void {
    const e = this.#agents.get(agent);
    if (e === undefined || !e.tasks.delete(from)) return;
    e.tasks.add(to);
  }

  /**
   * Frees a task's slot. `notify` = false for a reservation that found no
   * work: announcing that capacity again would only wake the dispatcher to
   * find nothing again.
   */
  release(agent: string, taskKey: string, notify = true): void {
    const e = this.#agents.get(agent);
    if (e === undefined || !e.tasks.delete(taskKey)) return;
    if (notify) this.emit("capacity", AgentPool.archesOf(e.info));
  }

  /** A ready, not drained agent that announces `capability: true` (e.g. createrepo), least busy first. */
  capable(capability: string): string | undefined {
    return [...this.#agents.values()]
      .filter((e) => !e.drain && e.info.capabilities[capability] === true)
      .sort((a, b) => a.tasks.size - b.tasks.size)[0]?.info.name;
  }

  hasCapacity(arch: string): boolean {
    for (const [name, e] of this.#agents) {
      if (AgentPool.archesOf(e.info).includes(arch) && this.free(name) > 0) return true;
    }
    return false;
  }

  arches(): Set<string> {
    const s = new Set<string>();
    for (const e of this.#agents.values()) for (const a of AgentPool.archesOf(e.info)) s.add(a);
    return s;
  }

  snapshot(): { name: string; arches: string[]; slots: number; used: number; drain: boolean; tasks: string[] }[] {
    return [...this.#agents.values()].map((e) => ({
      name: e.info.name,
      arches: AgentPool.archesOf(e.info),
      slots: e.info.slots?.total ?? 0,
      used: e.tasks.size,
      drain: e.drain,
      tasks: [...e.tasks],
    }));
  }
}
