import { randomUUID } from "node:crypto";
import { BusError, RemoteMethodError, type BusConnection, type BusLogger, type Console } from "@copr/bus";
import { DEFAULT_BUILD_TIMEOUT_S, WORKER_METHODS, buildResultSchema, type BuildArgs } from "@copr/domain";
import type { Store, Task } from "@copr/store";
import { askAgentAttempts } from "../agents/agentAttempts.ts";
import type { AgentPool } from "../agents/agentPool.ts";
import type { Scheduler, SchedTask } from "../scheduling/scheduler.ts";
import type { TaskLifecycle } from "../tasks/taskLifecycle.ts";

export interface DispatchDeps {
  store: Store;
  bus: BusConnection;
  console: Console;
  pool: AgentPool;
  scheduler: Scheduler;
  lifecycle: TaskLifecycle;
  log: BusLogger;
  /** Base URL of copr-web, for the SRPM and results URLs given to workers. */
  webUrl: string;
  /** Timeout of the `build` call (the handover, not the build), ms. */
  callTimeoutMs: number;
  /** This Headhunter's fencing epoch: build and cancel calls carry it, and workers refuse older ones. */
  epoch?: () => number;
  /** How long an agent that refused a task as busy gets no new one, ms. Default 1000. */
  busyHoldMs?: number;
  /** Called with how long each handover took (bench and logs), ms. */
  onDispatched?: (task: Task, agent: string, ms: number) => void;
}

/**
 * Hands tasks to agents when something changes: a task was queued, a slot
 * freed, an agent appeared, the broker came back. The scheduler says which
 * task goes next; nothing is handed over while Headhunter's own broker
 * connection is down. There is no polling loop.
 *
 * A handover the agent refuses, or that gets no answer, leaves the task
 * queued on the same attempt: with no answer, the agent is asked whether it
 * has the task before anything else happens, so an outage costs no attempt.
 */
export class Dispatcher {
  readonly #deps: DispatchDeps;
  readonly #running = new Set<string>();
  readonly #again = new Set<string>();
  readonly #confirming = new Set<string>();
  /** tasks whose `build` call is under way */
  readonly #handingOver = new Set<string>();
  #closed = false;

  constructor(deps: DispatchDeps) {
    this.#deps = deps;
  }

  /** Dispatch what capacity allows for `arches` (default: every arch with queued tasks). Coalesces concurrent kicks. */
  kick(arches?: Iterable<string>): void {
    for (const arch of arches ?? this.#deps.scheduler.arches()) this.#kickArch(arch);
  }

  #kickArch(arch: string): void {
    if (this.#closed) return;
    if (this.#running.has(arch)) {
      this.#again.add(arch);
      return;
    }
    this.#running.add(arch);
    try {
      this.#drain(arch);
    } catch (err) {
      this.#deps.log.error({ arch, err: err instanceof Error ? err.stack : String(err) }, "dispatch pass failed");
    } finally {
      this.#running.delete(arch);
      if (this.#again.delete(arch)) queueMicrotask(() => this.#kickArch(arch));
    }
  }

  /** Synchronous: picks and reserves, then hands over without waiting, so the next pick can go to another slot. */
  #drain(arch: string): void {
    const { pool, scheduler, bus } = this.#deps;
    while (!this.#closed && bus.isOpen && pool.hasCapacity(arch)) {
      const reservation = `reserved:${randomUUID()}`;
      const agent = pool.reserve(arch, reservation);
      if (agent === undefined) return;
      const picked = scheduler.pick(arch, Date.now());
      if (picked === undefined) {
        pool.release(agent, reservation, false);
        return;
      }
      this.#handover(picked, agent, reservation).catch((err: unknown) => {
        // Redis failed on the way: queued again. If the task did move to starting, the pick finds it stale,
        // and the consistency check after Redis is back asks its agent (verify).
        pool.release(agent, reservation, false);
        scheduler.finish(picked.id, Date.now(), false);
        scheduler.add(picked);
        this.#deps.log.error({ task: picked.id, err: err instanceof Error ? err.message : String(err) }, "handover failed before the task moved");
      });
    }
  }

  async #handover(picked: SchedTask, agent: string, reservation: string): Promise<void> {
    const { pool, store, lifecycle, scheduler, log } = this.#deps;
    const t0 = performance.now();
    const task = await store.builds.getTask(picked.id);
    const build = task === null ? null : await store.builds.getBuild(task.buildId);
    if (task === null || build === null || task.state !== "pending" || task.attempt !== picked.attempt) {
      // Canceled or moved on meanwhile: nothing to hand over.
      pool.release(agent, reservation);
      scheduler.finish(picked.id, Date.now(), false);
      return;
    }
    pool.rename(agent, reservation, task.id);
    await store.builds.assignTask(agent, task.id);
    const hosts = [...task.hosts, agent];
    if (!(await lifecycle.move(task, "starting", { agent, hosts, startedAt: Date.now(), reason: null, builder: null }))) {
      await store.builds.unassignTask(agent, task.id);
      pool.release(agent, task.id);
      scheduler.finish(task.id, Date.now(), false);
      return;
    }
    const started: Task = { ...task, state: "starting", agent, hosts };
    const args: BuildArgs = {
      task_id: task.id,
      attempt: task.attempt,
      build_id: task.buildId,
      owner: task.owner,
      project: task.project,
      chroot: task.chroot,
      arch: task.arch,
      pkg_name: build.srpm.name,
      srpm_file: `${build.srpm.name}-${build.srpm.version}-${build.srpm.release}.src.rpm`,
      srpm_url: `${this.#deps.webUrl}/api/srpm/${build.id}`,
      srpm_sha256: build.srpm.sha256,
      results_url: `${this.#deps.webUrl}/api/results/${task.id}/${task.attempt}`,
      timeout_s: build.timeoutS ?? DEFAULT_BUILD_TIMEOUT_S,
      enable_net: build.enableNet ?? false,
      ...this.#epochArg(),
    };
    this.#handingOver.add(task.id);
    try {
      const reply = buildResultSchema.parse(
        await this.#deps.console.call(agent, WORKER_METHODS.build, args, { timeoutMs: this.#deps.callTimeoutMs, idempotencyKey: `${task.id}@${task.attempt}` }),
      );
      const ms = performance.now() - t0;
      log.info({ task: task.id, attempt: task.attempt, agent, host: reply.host, ms: Math.round(ms * 100) / 100 }, "task handed over");
      this.#deps.onDispatched?.(started, agent, ms);
      await this.#cancelIfCanceled(agent, started);
    } catch (error) {
      this.#handingOver.delete(task.id);
      const text = error instanceof Error ? error.message : String(error);
      if (error instanceof RemoteMethodError) {
        // The agent answered and refused (e.g. BUSY): same attempt, queued again; that agent waits a moment.
        log.warn({ task: task.id, agent, err: text }, "agent refused the task");
        pool.hold(agent, this.#deps.busyHoldMs ?? 1000);
        await lifecycle.move(started, "pending", { agent: null, hosts: task.hosts, reason: `${agent} refused: ${text}` });
      } else {
        log.warn({ task: task.id, agent, err: text, code: error instanceof BusError ? error.code : undefined }, "no answer to the handover; asking the agent whether it has the task");
        await this.#confirm(started, agent, text);
      }
    } finally {
      this.#handingOver.delete(task.id);
    }
  }

  /** A task found `starting` with no handover under way here (Headhunter restarted or reconnected): ask its agent. */
  verify(task: Task): void {
    if (task.state !== "starting" || task.agent === null) return;
    void this.#confirm(task, task.agent, "Headhunter lost track of the handover");
  }

  /**
   * The `build` call got no answer: ask `agent` (with backoff, for as long as
   * it is in the pool) whether it runs this attempt. If it does, the task
   * stays with it; if it does not, the task is queued again on the same
   * attempt. An agent that is lost meanwhile is handled as lost agents are.
   */
  async #confirm(task: Task, agent: string, why: string): Promise<void> {
    const { console, pool, store, lifecycle, log } = this.#deps;
    if (this.#confirming.has(task.id) || this.#handingOver.has(task.id)) return;
    this.#confirming.add(task.id);
    try {
      for (let delayMs = 250; !this.#closed; delayMs = Math.min(delayMs * 2, 5000)) {
        const now = await store.builds.getTask(task.id).catch(() => undefined);
        if (now === null) return;
        if (now !== undefined && (now.state !== "starting" || now.attempt !== task.attempt || now.agent !== agent)) return; // it reported, or moved on
        if (!pool.has(agent)) return; // lost: AgentWatch retries its tasks
        if (now !== undefined && this.#deps.bus.isOpen) {
          try {
            const onAgent = (await askAgentAttempts(console, agent, this.#deps.callTimeoutMs))(task.id, task.attempt);
            if (onAgent === "running") {
              log.info({ task: task.id, agent }, "the agent has the task after all");
              await this.#cancelIfCanceled(agent, now);
              return;
            }
            if (onAgent === "ended") {
              // It ran there and ended: its final report is on the way (the status queue keeps it); never run it twice.
              log.info({ task: task.id, agent }, "the agent ran the task already; waiting for its report");
              return;
            }
            await lifecycle.move(now, "pending", { agent: null, hosts: task.hosts.slice(0, -1), reason: `${agent} did not take the task (${why}); queued again` });
            return;
          } catch (error) {
            log.debug({ task: task.id, agent, err: String(error) }, "agent did not answer the status call yet");
          }
        }
        await new Promise((r) => setTimeout(r, delayMs));
      }
    } finally {
      this.#confirming.delete(task.id);
    }
  }

  /** The task was canceled while its handover was under way: stop it on the agent that now has it. */
  async #cancelIfCanceled(agent: string, task: Task): Promise<void> {
    const now = await this.#deps.store.builds.getTask(task.id);
    if (now?.state !== "canceled" || now.attempt !== task.attempt) return;
    await this.#deps.console.call(agent, WORKER_METHODS.cancel, { task_id: task.id, attempt: task.attempt, ...this.#epochArg() }, { timeoutMs: this.#deps.callTimeoutMs })
      .catch((err: unknown) => this.#deps.log.warn({ task: task.id, agent, err: String(err) }, "cancel after handover not confirmed"));
  }

  #epochArg(): { headhunter_epoch?: number } {
    return this.#deps.epoch === undefined ? {} : { headhunter_epoch: this.#deps.epoch() };
  }

  /** Stops handing over. Safe to call twice. */
  close(): void {
    this.#closed = true;
  }
}
