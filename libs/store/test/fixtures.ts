import { inject } from "vitest";
import { redisNamespace } from "@copr/testkit";
import { Store } from "@copr/store";

/** A Store on a key prefix of its own in the shared Redis, removed when disposed. */
export async function store() {
  const ns = await redisNamespace(inject("services"));
  const s = new Store({ url: ns.urls.headhunter, prefix: ns.keyPrefix });
  return Object.assign(s, {
    async [Symbol.asyncDispose]() {
      await s.close();
      await ns[Symbol.asyncDispose]();
    },
  });
}

export const srpm = { name: "hello", epoch: null, version: "1.0", release: "1", sha256: "ab".repeat(32), size: 1234, file: "x.src.rpm" };
