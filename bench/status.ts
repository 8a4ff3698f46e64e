/**
 * `npm run bench:status`: server time of the status pages with 100,000
 * pending tasks across 1,000 owners in Redis. Fills a private Redis through
 * the store (the same writes copr-web makes), starts copr-web, and times the
 * status procedures over HTTP on loopback (so the figure includes
 * serialization and the HTTP round trip: an upper bound of server time).
 * Writes bench/results/status.json.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RedisInstance } from "../libs/testkit/src/index.ts";
import { loadWebConfig } from "../apps/copr-web/src/config.ts";
import { startWeb } from "../apps/copr-web/src/web.ts";

const PENDING = 100_000;
const OWNERS = 1_000;
const CHROOTS = ["fedora-40-x86_64", "fedora-40-aarch64", "fedora-41-x86_64", "epel-9-x86_64"];
const resultsFile = join(dirname(fileURLToPath(import.meta.url)), "results", "status.json");

function stats(xs: number[]): { median: number; p99: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
  return { median: Math.round(at(50) * 100) / 100, p99: Math.round(at(99) * 100) / 100 };
}

async function main(): Promise<void> {
  const redis = await RedisInstance.start();
  try {
    const web = await startWeb(loadWebConfig({ COPR_WEB_PORT: "0", COPR_REDIS_URL: redis.url("copr-web"), COPR_WEB_DATA_DIR: await mkdtemp(join(tmpdir(), "copr-bench-status-")) }));
    try {
      const srpm = { name: "pkg", epoch: null, version: "1", release: "1", sha256: "ab".repeat(32), size: 1, file: "x.src.rpm" };
      const t0 = Date.now();
      const perBuild = CHROOTS.length;
      const builds = PENDING / perBuild;
      for (let i = 0; i < builds; i += 500) {
        await Promise.all(Array.from({ length: Math.min(500, builds - i) }, (_, k) => {
          const owner = `owner${(i + k) % OWNERS}`;
          return web.store.builds.createBuild({ owner, project: "p", submittedBy: owner, srpm, chroots: CHROOTS.map((chroot) => ({ chroot })) });
        }));
      }
      const summary = await web.store.status.statusCounts("pending");
      console.log(`filled ${summary.total} pending tasks across ${Object.keys(summary.byOwner).length} owners in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

      const requests: string[] = [
        "status.summary",
        `status.tasks?input=${encodeURIComponent(JSON.stringify({ bucket: "pending" }))}`,
        `status.tasks?input=${encodeURIComponent(JSON.stringify({ bucket: "pending", offset: 50_000, limit: 50 }))}`,
        `status.tasks?input=${encodeURIComponent(JSON.stringify({ bucket: "pending", group: { dim: "owner", value: "owner500" }, limit: 50 }))}`,
        `status.tasks?input=${encodeURIComponent(JSON.stringify({ bucket: "pending", group: { dim: "arch", value: "aarch64" }, offset: 10_000, limit: 50 }))}`,
      ];
      for (const r of requests) await fetch(`${web.url}/trpc/${r}`).then((x) => x.text()); // warm up
      const times: number[] = [];
      for (let round = 0; round < 60; round++) {
        for (const r of requests) {
          const t = performance.now();
          const res = await fetch(`${web.url}/trpc/${r}`);
          await res.text();
          if (!res.ok) throw new Error(`${r}: HTTP ${res.status}`);
          times.push(performance.now() - t);
        }
      }
      const result = { pending: summary.total, server_ms: stats(times) };
      console.log(JSON.stringify(result));
      await mkdir(dirname(resultsFile), { recursive: true });
      await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
    } finally {
      await web.close();
    }
  } finally {
    await redis.close();
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error("bench failed:", err);
  process.exit(1);
});
