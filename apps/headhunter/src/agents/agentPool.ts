import { EventEmitter } from "node:events";
import type { AgentInfo } from "@copr/bus";
import { IndexedHeap } from "../collections/indexedHeap.ts";

interface PoolEntry {
  info: AgentInfo;
  arches: string[];
  drain: boolean;
  /** tasks given to this agent (including reservations being dispatched) */
  tasks: Set<string>;
  /** gets no new task before this time (ms): it refused one as busy */
  heldUntil: number;
}

export interface AgentPoolEvents {
  /** capacity for these arches may have appeared: a slot freed or an agent became ready */
  capacity: [arches: string[]];
  /** the set of arches some agent serves changed */
  arches: [arches: Set<string>];
  /** an agent left the pool (lost, refused, or gone) */
  removed: [name: string];
}

/**
 * Agents that passed Headhunter's check and may get work, with their arches
 * and slots. Slot use is Headhunter's own count of the tasks it gave each
 * agent (rebuilt from the store at start). Per arch, a heap keeps the agent
 * with the most free slots on top: reserving a slot does not scan agents.
 */
export class AgentPool extends EventEmitter<AgentPoolEvents> {
  readonly #agents = new Map<string, PoolEntry>();
  readonly #byArch = new Map<string, IndexedHeap<string, PoolEntry>>();

  static archesOf(info: AgentInfo): string[] {
    const a = info.capabilities.arches;
    return Array.isArray(a) ? a.filter((x): x is string => typeof x === "string") : [];
  }

  add(info: AgentInfo, drain: boolean, tasks: Iterable<string> = []): void {
    const prev = this.#agents.get(info.name);
    if (prev !== undefined) this.#unindex(prev);
    const e: PoolEntry = { info, arches: AgentPool.archesOf(info), drain, tasks: prev?.tasks ?? new Set(tasks), heldUntil: prev?.heldUntil ?? 0 };
    this.#agents.set(info.name, e);
    this.#index(e);
    this.emit("capacity", e.arches);
  }

  /** Refreshes what a heartbeat says (slots, arches) and the drain flag. */
  update(info: AgentInfo, drain: boolean): void {
    const e = this.#agents.get(info.name);
    if (e === undefined) return;
    const wasDrained = e.drain;
    const arches = AgentPool.archesOf(info);
    const slotsChanged = (info.slots?.total ?? 0) !== (e.info.slots?.total ?? 0);
    if (arches.join("\t") !== e.arches.join("\t")) {
      this.#unindex(e);
      e.info = info;
      e.arches = arches;
      e.drain = drain;
      this.#index(e);
      this.emit("capacity", arches);
      return;
    }
    e.info = info;
    e.drain = drain;
    this.#reorder(e);
    if ((wasDrained && !drain) || slotsChanged) this.emit("capacity", arches);
  }

  has(name: string): boolean {
    return this.#agents.has(name);
  }

  /** Removes an agent; returns the tasks it had. */
  remove(name: string): string[] {
    const e = this.#agents.get(name);
    if (e === undefined) return [];
    this.#agents.delete(name);
    this.#unindex(e);
    this.emit("removed", name);
    return [...e.tasks];
  }

  free(name: string): number {
    const e = this.#agents.get(name);
    return e === undefined ? 0 : freeOf(e);
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
    this.#reorder(e);
    setTimeout(() => {
      if (this.#agents.get(name) !== e || e.heldUntil > Date.now()) return;
      this.#reorder(e);
      this.emit("capacity", e.arches);
    }, ms + 1).unref();
  }

  /** The ready agent for `arch` with the most free slots, reserving one for `taskKey`; undefined if none. */
  reserve(arch: string, taskKey: string): string | undefined {
    const e = this.#byArch.get(arch)?.peek();
    if (e === undefined || freeOf(e) <= 0) return undefined;
    e.tasks.add(taskKey);
    this.#reorder(e);
    return e.info.name;
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
    this.#reorder(e);
    if (notify) this.emit("capacity", e.arches);
  }

  /** A ready, not drained agent that announces `capability: true` (e.g. createrepo), least busy first. */
  capable(capability: string): string | undefined {
    return this.capableAll(capability).sort((a, b) => this.#tasksOf(a) - this.#tasksOf(b))[0];
  }

  /** Every ready, not drained agent that announces `capability: true`. */
  capableAll(capability: string): string[] {
    return [...this.#agents.values()].filter((e) => !e.drain && e.info.capabilities[capability] === true).map((e) => e.info.name);
  }

  #tasksOf(name: string): number {
    return this.#agents.get(name)?.tasks.size ?? 0;
  }

  hasCapacity(arch: string): boolean {
    const top = this.#byArch.get(arch)?.peek();
    return top !== undefined && freeOf(top) > 0;
  }

  arches(): Set<string> {
    return new Set(this.#byArch.keys());
  }

  snapshot(): { name: string; arches: string[]; slots: number; used: number; drain: boolean; tasks: string[] }[] {
    return [...this.#agents.values()].map((e) => ({
      name: e.info.name,
      arches: e.arches,
      slots: e.info.slots?.total ?? 0,
      used: e.tasks.size,
      drain: e.drain,
      tasks: [...e.tasks],
    }));
  }

  #index(e: PoolEntry): void {
    let changed = false;
    for (const arch of e.arches) {
      let heap = this.#byArch.get(arch);
      if (heap === undefined) {
        // Most free slots first; among equals, the least recently reordered keeps its place.
        heap = new IndexedHeap<string, PoolEntry>((a, b) => freeOf(a) > freeOf(b));
        this.#byArch.set(arch, heap);
        changed = true;
      }
      heap.set(e.info.name, e);
    }
    if (changed) this.emit("arches", this.arches());
  }

  #unindex(e: PoolEntry): void {
    let changed = false;
    for (const arch of e.arches) {
      const heap = this.#byArch.get(arch);
      heap?.delete(e.info.name);
      if (heap !== undefined && heap.size === 0) {
        this.#byArch.delete(arch);
        changed = true;
      }
    }
    if (changed) this.emit("arches", this.arches());
  }

  #reorder(e: PoolEntry): void {
    for (const arch of e.arches) this.#byArch.get(arch)?.update(e.info.name);
  }
}

function freeOf(e: PoolEntry): number {
  if (e.drain || e.heldUntil > Date.now()) return 0;
  return Math.max(0, (e.info.slots?.total ?? 0) - e.tasks.size);
}
