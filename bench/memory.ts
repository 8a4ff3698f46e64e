/**
 * `npm run bench:memory`: Redis memory per finished build. On a private
 * Redis, through the store (the writes copr-web and Headhunter make), each
 * build is created with two chroots, each task moves pending → starting →
 * running → succeeded with 100 log lines, and the live data gets its expiry
 * as Headhunter sets it (here 1 s instead of a day). First 10,000 builds
 * fill the bounded global streams (activity, scheduler inbox: MAXLEN
 * 10,000), then 10,000 more are measured: used_memory after their live logs
 * and event streams expired, divided by 10,000 — and while they are still
 * there (within the grace period). Writes bench/results/memory.json.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Store } from "../libs/store/src/index.ts";
import { RedisInstance } from "../libs/testkit/src/index.ts";

const BUILDS = 10_000;
const CHROOTS = ["fedora-40-x86_64", "epel-9-x86_64"];
const LOG_LINES = Array.from({ length: 100 }, (_, i) => `+ make -j2 step ${i}: gcc -O2 -g -c src/file${i}.c -o obj/file${i}.o`);
const resultsFile = join(dirname(fileURLToPath(import.meta.url)), "results", "memory.json");

async function usedMemory(store: Store): Promise<number> {
  const info = await store.redis.info("memory");
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
}

/** Runs `count` builds to their end as Headhunter would, with their live data set to expire in 1 s. */
async function finishBuilds(store: Store, count: number): Promise<{ taskIds: string[]; buildIds: number[] }> {
  const srpm = { name: "hello", epoch: null, version: "1.0", release: "1.fc40", sha256: "ab".repeat(32), size: 123_456, file: `${"ab".repeat(32)}.src.rpm` };
  const taskIds: string[] = [];
  const buildIds: number[] = [];
  for (let i = 0; i < count; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, count - i) }, async (_, k) => {
      const owner = `owner${(i + k) % 100}`;
      const { build, tasks } = await store.builds.createBuild({ owner, project: "project", submittedBy: owner, srpm, chroots: CHROOTS.map((chroot) => ({ chroot })) });
      buildIds.push(build.id);
      for (const t of tasks) {
        taskIds.push(t.id);
        const agent = "fedoraproject:copr-worker:w1";
        await store.builds.transitionTask(t.id, "starting", { agent, hosts: [agent], startedAt: Date.now() }, 0);
        await store.builds.transitionTask(t.id, "running", { builder: "builder-1 (mockbuilder@10.0.0.5)" }, 0);
        await store.logs.appendLog(t.id, 0, LOG_LINES, 0);
        await store.builds.transitionTask(t.id, "publishing", {}, 0);
        await store.builds.transitionTask(t.id, "succeeded", { endedAt: Date.now() }, 0);
        await store.logs.expireLog(t.id, 1);
      }
      await store.builds.expireEvents(build.id, 1);
    }));
  }
  return { taskIds, buildIds };
}

/** Waits until the expired keys are gone (touching them makes Redis drop them). */
async function dropExpired(store: Store, taskIds: readonly string[], buildIds: readonly number[]): Promise<void> {
  const keys = [...taskIds.flatMap((t) => [store.keys.taskLog(t), store.keys.taskLogLines(t)]), ...buildIds.map((b) => store.keys.buildEvents(b))];
  for (;;) {
    let left = 0;
    for (let i = 0; i < keys.length; i += 1000) left += await store.redis.exists(...keys.slice(i, i + 1000));
    if (left === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  const redis = await RedisInstance.start();
  const store = new Store({ url: redis.url("headhunter") });
  try {
    await store.projects.createProject("owner0", "project", CHROOTS);
    const warm = await finishBuilds(store, BUILDS);
    await dropExpired(store, warm.taskIds, warm.buildIds);
    const before = await usedMemory(store);
    const measured = await finishBuilds(store, BUILDS);
    const during = await usedMemory(store);
    await dropExpired(store, measured.taskIds, measured.buildIds);
    const after = await usedMemory(store);
    const result = {
      builds: BUILDS,
      chroots_per_build: CHROOTS.length,
      log_lines_per_task: LOG_LINES.length,
      bytes_per_finished_build: Math.round((after - before) / BUILDS),
      bytes_per_build_within_grace: Math.round((during - before) / BUILDS),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    await mkdir(dirname(resultsFile), { recursive: true });
    await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await store.close();
    await redis.close();
  }
}

await main();
