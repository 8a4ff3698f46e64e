/**
 * `npm run bench:sign`: packages signed per second through the signing job
 * type, with a signer of 1 and of 4 slots, next to a bare `rpmsign` loop in
 * the same run.
 *
 * Starts private RabbitMQ and Redis, Headhunter, and per setting a signer
 * (a worker with COPR_WORKER_SIGN_KEYS_DIR, no builders) in this process.
 * Each setting signs BUILDS builds of PACKAGES packages each (a source RPM
 * and a binary one, like the example package): the tasks are stored in
 * `publishing` as Headhunter leaves them after a build, their signing jobs
 * queued in Redis (BullMQ) all at once, and each goes over the bus to the
 * signer, which signs the build's packages in place with `rpmsign` and the
 * project's key (made beforehand, as at project creation). Measured: from
 * queuing the first job to the last answer. The bare loop signs one package
 * per `rpmsign` call, one after another, with the same kind of key: what a
 * signer serving one request at a time does (OBS's signd: about 3.2/s).
 * Writes bench/results/sign.json.
 */
import { copyFile, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { parseBusConfig, silentLogger } from "../libs/bus/src/index.ts";
import { resultDir, resultDirName } from "../libs/repo/src/index.ts";
import { ProjectKeys, signRpms } from "../libs/sign/src/index.ts";
import { Store } from "../libs/store/src/index.ts";
import { RabbitMqInstance, RedisInstance, rpmbuild, until } from "../libs/testkit/src/index.ts";
import { startHeadhunter } from "../apps/headhunter/src/headhunter.ts";
import { SignJobs } from "../apps/headhunter/src/publish/signJobs.ts";
import { startWorker } from "../apps/worker/src/worker.ts";

const BUILDS = 80;
const BARE = 80;
const CHROOT = "fedora-40-x86_64";
const resultsFile = join(dirname(fileURLToPath(import.meta.url)), "results", "sign.json");

const spec = `Name: hello
Version: 1.0
Release: 1
Summary: bench
License: MIT
BuildArch: noarch
%description
bench
%install
mkdir -p %{buildroot}/usr/share/hello
echo hello > %{buildroot}/usr/share/hello/greeting
%files
/usr/share/hello/greeting
`;

async function main(): Promise<void> {
  const [broker, redis] = await Promise.all([RabbitMqInstance.start(), RedisInstance.start()]);
  const closers: (() => Promise<unknown>)[] = [() => broker.close(), () => redis.close()];
  try {
    const bus = (user: { username: string; password: string }) => parseBusConfig({
      port: broker.amqpPort, vhost: "copr", ...user, managementUrl: `http://127.0.0.1:${broker.managementPort}`,
    });
    const packages = [await rpmbuild(spec, "-bs"), await rpmbuild(spec, "-bb")];
    const dataDir = await mkdtemp(join(tmpdir(), "copr-bench-sign-"));
    const resultsDir = join(dataDir, "results");
    const keysDir = join(dataDir, "keys");
    const store = new Store({ url: redis.url("headhunter"), prefix: "copr:" });
    closers.unshift(() => store.close());
    const hh = await startHeadhunter({
      bus: bus({ username: "headhunter", password: broker.passwords.headhunter }), redisUrl: redis.url("headhunter"), redisPrefix: "copr:",
      webUrl: "http://127.0.0.1:9", log: silentLogger, callTimeoutMs: 10_000, missedIntervals: 3,
    });
    closers.unshift(() => hh.close());
    // The bench's own signing queue (own key prefix), fed and watched here, served by Headhunter's agents.
    const connection = new Redis(redis.url("headhunter"), { maxRetriesPerRequest: null });
    closers.unshift(() => Promise.resolve(connection.disconnect()));
    let onSigned: (id: string) => void = () => undefined;
    const jobs = new SignJobs({
      connection, bullPrefix: "copr:bench-bull", console: hh.console, pool: hh.pool, store, log: silentLogger,
      onSigned: (t) => Promise.resolve(onSigned(t.id)),
      onGaveUp: (t, reason) => Promise.reject(new Error(`signing ${t.id} failed: ${reason}`)),
    });
    closers.unshift(() => jobs.close());

    const signedPerS: Record<string, number> = {};
    for (const slots of [1, 4]) {
      const project = `slots${slots}`;
      const name = `fedoraproject:copr-signer:bench${slots}`;
      const { token } = await store.workers.addWorker(name);
      const signer = await startWorker({
        bus: bus(await broker.agentAdmin().addAgent(name)), name, token, webUrl: "http://127.0.0.1:9", stateDir: await mkdtemp(join(tmpdir(), "copr-bench-signer-")),
        heartbeatMs: 1000, hosts: [], connect: () => Promise.reject(new Error("no builders")), resultsDir, log: silentLogger,
        signer: { keysDir, keyDomain: "bench.example.org", slots },
      });
      await until(() => hh.pool.capable("sign") === name, 30_000, `${name} ready`);
      await store.projects.createProject("bench", project, [CHROOT]);
      // The key is made when the project is created, before its first build ends.
      await hh.console.call(name, "sign-key", { owner: "bench", project }, { timeoutMs: 60_000 });

      const ids: { id: string; buildId: number }[] = [];
      for (let i = 0; i < BUILDS; i++) {
        const { build, tasks } = await store.builds.createBuild({
          owner: "bench", project, submittedBy: "bench", chroots: [{ chroot: CHROOT }],
          srpm: { name: "hello", epoch: null, version: "1.0", release: "1", sha256: "ab".repeat(32), size: 1, file: "hello-1.0-1.src.rpm" },
        });
        const id = tasks[0]?.id ?? "";
        for (const to of ["starting", "running", "publishing"] as const) await store.builds.transitionTask(id, to, to === "starting" ? { agent: "bench:builder:x" } : {}, 0);
        const dir = resultDir(resultsDir, { owner: "bench", project, chroot: CHROOT, buildId: build.id, packageName: "hello" });
        await mkdir(dir, { recursive: true });
        for (const p of packages) await copyFile(p, join(dir, p.split("/").at(-1) ?? "x.rpm"));
        ids.push({ id, buildId: build.id });
      }
      const pending = new Set(ids.map((t) => t.id));
      const done = new Promise<void>((resolve) => {
        onSigned = (id) => {
          pending.delete(id);
          if (pending.size === 0) resolve();
        };
      });
      const started = performance.now();
      for (const t of ids) {
        await jobs.sign({ task: { id: t.id, attempt: 0 }, owner: "bench", project, chroot: CHROOT, buildDir: resultDirName(t.buildId, "hello") });
      }
      await done;
      const seconds = (performance.now() - started) / 1000;
      signedPerS[`slots${slots}`] = Math.round((BUILDS * packages.length / seconds) * 10) / 10;
      process.stdout.write(`signer with ${slots} slot(s): ${BUILDS} builds × ${packages.length} packages in ${seconds.toFixed(2)} s = ${signedPerS[`slots${slots}`]} packages/s\n`);
      await signer.close();
      hh.pool.remove(name);
    }

    // The bare loop: one rpmsign per package, one after another, with a project key of the same kind.
    const keys = new ProjectKeys({ keysDir, domain: "bench.example.org" });
    closers.unshift(() => keys.close());
    const key = await keys.ensure("bench", "bare");
    const bareDir = join(dataDir, "bare");
    await mkdir(bareDir);
    const files: string[] = [];
    for (let i = 0; i < BARE; i++) {
      const f = join(bareDir, `p${i}.rpm`);
      await copyFile(packages[i % packages.length] ?? "", f);
      files.push(f);
    }
    await signRpms(keys.homeOf("bench", "bare"), key.fingerprint, [files[0] ?? ""]);
    const bareStarted = performance.now();
    for (const f of files) await signRpms(keys.homeOf("bench", "bare"), key.fingerprint, [f]);
    const bare = Math.round((BARE / ((performance.now() - bareStarted) / 1000)) * 10) / 10;
    process.stdout.write(`bare rpmsign loop: ${BARE} packages, one rpmsign each = ${bare} packages/s\n`);

    const result = { signed_per_s: { slots1: signedPerS.slots1 ?? 0, slots4: signedPerS.slots4 ?? 0 }, bare_rpmsign_per_s: bare };
    await mkdir(dirname(resultsFile), { recursive: true });
    await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result)}\nwritten to ${resultsFile}\n`);
  } finally {
    for (const close of closers) await close().catch(() => undefined);
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  process.stderr.write(`bench:sign failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
