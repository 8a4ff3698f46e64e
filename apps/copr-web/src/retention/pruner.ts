import { stat } from "node:fs/promises";
import { resultDir } from "@copr/repo";
import type { Build, Project, Task } from "@copr/store";
import type { WebDeps } from "../api/context.ts";
import { removeResultDir } from "../builds/deleteBuilds.ts";

/** One chroot of one build whose results were removed. */
export interface Pruned {
  buildId: number;
  chroot: string;
}

const DAY_MS = 86_400_000;

/**
 * What Copr's auto-prune keeps, for one project: per chroot and package the
 * newest build that succeeded there stays, whatever its age; every other
 * chroot result (older successes, failures, cancels) that ended more than
 * `keepDays` ago is removed. Pure: decides from the records only.
 */
export function pruneCandidates(builds: readonly { build: Build; tasks: readonly Task[] }[], now: number, keepDays: number): Pruned[] {
  const newest = new Map<string, number>();
  for (const { build, tasks } of builds) {
    for (const t of tasks) {
      if (t.state !== "succeeded") continue;
      const key = `${t.chroot}\t${build.srpm.name}`;
      if (build.id > (newest.get(key) ?? 0)) newest.set(key, build.id);
    }
  }
  const cutoff = now - keepDays * DAY_MS;
  const out: Pruned[] = [];
  for (const { build, tasks } of builds) {
    for (const t of tasks) {
      if (t.endedAt === null || t.endedAt > cutoff || t.state === "skipped") continue;
      if (newest.get(`${t.chroot}\t${build.srpm.name}`) === build.id) continue;
      if (t.state === "succeeded" || t.state === "failed" || t.state === "canceled") out.push({ buildId: build.id, chroot: t.chroot });
    }
  }
  return out;
}

/**
 * Prunes one project (if its auto-prune is on): removes the result
 * directories `pruneCandidates` names that are still there, and asks for
 * the repositories of the chroots that lost packages to be regenerated.
 * Build records stay, as in Copr; their pages show no result files.
 */
export async function pruneProject(deps: WebDeps, project: Project, now: number, keepDays: number): Promise<Pruned[]> {
  if (project.autoPrune === false) return [];
  const ids = await deps.store.projects.projectBuildIds(project.owner, project.name);
  const builds: { build: Build; tasks: Task[] }[] = [];
  for (const id of ids) {
    const build = await deps.store.builds.getBuild(id);
    if (build !== null) builds.push({ build, tasks: await deps.store.builds.getTasks(build.taskIds) });
  }
  const byId = new Map(builds.map((b) => [b.build.id, b.build]));
  const pruned: Pruned[] = [];
  const chroots = new Set<string>();
  for (const c of pruneCandidates(builds, now, keepDays)) {
    const build = byId.get(c.buildId);
    if (build === undefined) continue;
    const dir = resultDir(deps.resultsDir, { owner: build.owner, project: build.project, chroot: c.chroot, buildId: build.id, packageName: build.srpm.name });
    if ((await stat(dir).catch(() => null)) === null) continue;
    await removeResultDir(deps, build, dir);
    pruned.push(c);
    chroots.add(c.chroot);
  }
  for (const chroot of chroots) await deps.queues.control({ kind: "regenerate-repo", owner: project.owner, project: project.name, chroot });
  return pruned;
}

/** Prunes every project now and then; `runOnce` does one pass (tests call it with their own clock). */
export class Pruner {
  readonly #deps: WebDeps;
  readonly #keepDays: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();

  constructor(deps: WebDeps, options: { keepDays: number; intervalMs: number }) {
    this.#deps = deps;
    this.#keepDays = options.keepDays;
    if (options.intervalMs > 0) {
      this.#timer = setInterval(() => {
        this.#running = this.runOnce().catch((error: unknown) => process.stderr.write(`copr-web: pruning failed (next pass retries): ${String(error)}\n`));
      }, options.intervalMs);
      this.#timer.unref();
    }
  }

  /** One pass over every project; returns what was removed. */
  async runOnce(now = Date.now()): Promise<Pruned[]> {
    const out: Pruned[] = [];
    for (let offset = 0; ; offset += 200) {
      const page = await this.#deps.store.projects.pageProjects({ offset, limit: 200, order: "id", descending: false });
      for (const p of page) out.push(...(await pruneProject(this.#deps, p, now, this.#keepDays)));
      if (page.length < 200) return out;
    }
  }

  /** Stops the timer and waits for a pass under way. Safe twice. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
