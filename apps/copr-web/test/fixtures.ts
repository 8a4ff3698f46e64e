import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import type { Redis } from "ioredis";
import { createTRPCClient, httpLink } from "@trpc/client";
import { redisNamespace } from "@copr/testkit";
import { loadWebConfig } from "../src/config.ts";
import { startWeb } from "../src/web.ts";
import type { AppRouter } from "../src/api/router.ts";

/**
 * A copr-web on a free port, its own Redis prefix and data dir, with user
 * alice (and admin root). `env` adds or overrides settings (e.g. COPR_WEB_UI_DIR).
 */
export async function webFixture(env: Readonly<Record<string, string>> = {}) {
  const ns = await redisNamespace(inject("services"));
  const dataDir = await mkdtemp(join(tmpdir(), "copr-web-"));
  const web = await startWeb(loadWebConfig({
    COPR_WEB_PORT: "0", COPR_REDIS_URL: ns.urls["copr-web"], COPR_REDIS_PREFIX: ns.keyPrefix, COPR_WEB_DATA_DIR: dataDir,
    COPR_WEB_MAX_SRPM_MIB: "2", ...env,
  }));
  const alice = await web.store.accounts.createUser("alice");
  const root = await web.store.accounts.createUser("root", true);
  const client = (token?: string) =>
    createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${web.url}/trpc`, headers: () => (token === undefined ? {} : { authorization: `Bearer ${token}` }) })],
    });
  return {
    web, dataDir, keyPrefix: ns.keyPrefix,
    aliceToken: alice.token, rootToken: root.token,
    client, alice: client(alice.token), root: client(root.token), anonymous: client(),
    async upload(token: string | undefined, owner: string, project: string, body: Buffer, chroots: string[] = [], extra: Record<string, string> = {}) {
      const qs = new URLSearchParams([...chroots.map((c): [string, string] => ["chroot", c]), ...Object.entries(extra)]).toString();
      return await fetch(`${web.url}/api/projects/${owner}/${project}/builds${qs === "" ? "" : `?${qs}`}`, {
        method: "POST",
        headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), "content-type": "application/x-rpm" },
        body,
      });
    },
    async [Symbol.asyncDispose]() {
      await web.close();
      await ns[Symbol.asyncDispose]();
    },
  };
}

/** Keys matching `pattern`, found with SCAN (components' Redis users may not run KEYS). */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const batch of redis.scanStream({ match: pattern, count: 500 })) keys.push(...(batch as string[]));
  return keys;
}

/** A spec that builds a noarch `hello` with no files; `extra` goes into the preamble (e.g. ExcludeArch). */
export const helloSpec = (extra = ""): string => `Name: hello
Version: 1.0
Release: 1
Summary: test
License: MIT
BuildArch: noarch
${extra}
%description
test
%files
`;
